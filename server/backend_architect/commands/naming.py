"""Names in generated code (defined in :mod:`backend_architect.lang.naming`)."""

from ..lang.naming import *  # noqa: F403
