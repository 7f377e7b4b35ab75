"""Extra CLI subcommands, registered in backend_architect.cli.EXTRA_COMMANDS.

Each subcommand lives in its own function pair (configure, run) so more can be
appended without touching the others.
"""

from __future__ import annotations

from ..cli import EXTRA_COMMANDS


# -- schema: print the catalog inferred from the workspace's migrations ----------------

def _schema_configure(parser) -> None:
    parser.add_argument("path", nargs="?", default=".", help="the project folder (default: the current one)")
    parser.add_argument("--format", choices=("text", "json", "mermaid"), default="text")


def _schema_run(args) -> int:
    import json
    import os

    from ..catalog import build_for_paths
    from ..catalog.render import catalog_json, catalog_text, mermaid_er
    from ..config import settings_for_path

    path = os.path.abspath(args.path)
    if not os.path.exists(path):
        print(f"{path}: no such file or folder")
        return 2
    settings, _ = settings_for_path(path if os.path.isdir(path) else os.path.dirname(path))
    catalog = build_for_paths([path], settings)
    if catalog is None:
        print(f"no schema sources found under {path} (looked for migrations/, db/migrate/, migrate/, "
              "schema.sql, structure.sql, *.up.sql, pg_dump files and the `schema` setting)")
        return 1
    if args.format == "json":
        print(json.dumps(catalog_json(catalog), indent=2))
    elif args.format == "mermaid":
        print(mermaid_er(catalog))
    else:
        print(catalog_text(catalog))
    return 0


EXTRA_COMMANDS.append(("schema", "print the schema inferred from the workspace's migrations", _schema_configure, _schema_run))
