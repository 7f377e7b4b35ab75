"""Editor settings -> Settings, merged with the project's config file.

Precedence: a key set in the project's config file (pyproject.toml or
backend-architect.toml) wins; the editor's settings fill in the rest. Editors
send every setting including defaults, so an editor default must never mask
what the project chose. Empty lists and objects from the editor mean "not set".
"""

from __future__ import annotations

from dataclasses import fields, replace

from ..config import Settings, find_project_root, from_mapping, load_project


def editor_section(raw) -> object:
    """The backendArchitect section of initializationOptions / didChangeConfiguration."""
    if isinstance(raw, dict):
        for key in ("backendArchitect", "backend-architect", "backend_architect"):
            if key in raw:
                return raw[key]
        if "settings" in raw and isinstance(raw["settings"], dict) and len(raw) == 1:
            return editor_section(raw["settings"])
    return raw


def _drop_unset(raw: dict) -> dict:
    return {k: v for k, v in raw.items() if v is not None and v not in ([], {})}


def _merge_keys(project, editor, default):
    return replace(
        default,
        **{
            f.name: getattr(project, f.name)
            if getattr(project, f.name) != getattr(default, f.name)
            else getattr(editor, f.name)
            for f in fields(default)
        },
    )


def resolve(editor_raw, root: str | None) -> tuple[Settings, list[str]]:
    """Settings for a workspace root from the editor's values and the project file.

    Problems (an invalid config file, a bad value, an unknown rule code) come back
    as warnings for the editor to show; the defaults stand in for what was wrong.
    """
    settings, warnings = _resolve(editor_raw, root)
    return settings, [f"{w} (the default is used instead)" for w in warnings]


def _resolve(editor_raw, root: str | None) -> tuple[Settings, list[str]]:
    warnings: list[str] = []
    section = editor_section(editor_raw)
    if section is None:
        section = {}
    if not isinstance(section, dict):
        warnings.append(
            f"settings: expected an object, got {type(section).__name__}; using defaults"
        )
        section = {}
    editor, more = from_mapping(_drop_unset(section), Settings(), source="editor settings")
    warnings += more
    project_root = find_project_root(root) if root else None
    if project_root is None:
        return replace(editor, root=root), warnings
    project, more = load_project(project_root, Settings())
    warnings += more
    defaults = Settings()
    merged = {}
    for f in fields(Settings):
        pval = getattr(project, f.name)
        merged[f.name] = pval if pval != getattr(defaults, f.name) else getattr(editor, f.name)
    # the database table key by key: the URL only ever comes from the editor (a file may not
    # hold it), and a timeout set in the project must not drop the editor's URL
    merged["database"] = _merge_keys(project.database, editor.database, defaults.database)
    merged["root"] = project_root
    return Settings(**merged), warnings
