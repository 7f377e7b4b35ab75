"""Optional help from Claude. Nothing here imports the ``anthropic`` SDK at module
level: it loads only when the user runs an "(ask Claude)" action."""

from __future__ import annotations

import os

ENV_SWITCH = "BACKEND_ARCHITECT_AI"
ENV_KEY = "ANTHROPIC_API_KEY"
ENV_BASE_URL = "ANTHROPIC_BASE_URL"
INSTALL = "pip install 'backend-architect[ai]'"
MISSING_SDK = f"the AI features need the optional anthropic package; install it with: {INSTALL}"


def sdk_installed() -> bool:
    """Whether the ``[ai]`` extra (the anthropic SDK) is installed, without importing it."""
    from importlib.util import find_spec

    return find_spec("anthropic") is not None


def api_key() -> str | None:
    key = os.environ.get(ENV_KEY, "").strip()
    return key or None


def enabled(settings) -> bool:
    """AI is on (setting ``ai.enabled`` or BACKEND_ARCHITECT_AI=1), a key is present and the SDK installed."""
    if api_key() is None or not sdk_installed():
        return False
    on = bool(getattr(getattr(settings, "ai", None), "enabled", False))
    return on or os.environ.get(ENV_SWITCH, "").strip().lower() in ("1", "true", "yes", "on")


INSTALL_HINT = "pip install 'backend-architect[ai]'"


def sdk_missing() -> str | None:
    """Why the Anthropic SDK cannot be used (None when it imports)."""
    try:
        import anthropic  # noqa: F401
    except ImportError as exc:
        return f"the Anthropic SDK is not installed ({exc}); install the [ai] extra: {INSTALL_HINT}"
    return None


def why_disabled(settings) -> str:
    if not sdk_installed():
        return MISSING_SDK
    if api_key() is None:
        return f"set {ENV_KEY} in the environment the server runs in"
    return f"enable it with the ai.enabled setting or {ENV_SWITCH}=1"
