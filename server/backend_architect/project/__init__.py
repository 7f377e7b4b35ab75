"""What each file is: its project root, language, SQL dialect, whether it is a migration
and which way it runs, and whether it is the user's own code. Computed once, shown by
``backend-architect project``, consulted by the engine, the CLI and the server."""

from .dialect import DIALECTS, Evidence
from .model import FileInfo, Project, ProjectModel, file_info, forget, model
from .ownership import KINDS as NOT_OWN_KINDS, NotOwn


def build_catalog(root, settings=None, progress=None, use_disk_cache=True):
    """The schema of project ``root`` from its own migrations (see project.schema)."""
    from .schema import build_catalog as _build

    return _build(root, settings, progress, use_disk_cache)


__all__ = [
    "build_catalog",
    "DIALECTS",
    "Evidence",
    "FileInfo",
    "NOT_OWN_KINDS",
    "NotOwn",
    "Project",
    "ProjectModel",
    "file_info",
    "forget",
    "model",
]
