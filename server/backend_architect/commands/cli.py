"""Command-line subcommands of the commands (registered in cli.EXTRA_COMMANDS).

Each subcommand lives in its own functions so that others can be added beside them.
"""

from __future__ import annotations

import os
import sys

from .. import cli as base_cli
from .. import frameworks


def _existing(path: str, *, folder: bool = False, file: bool = False) -> str | None:
    """``path`` made absolute, or None (with a message on stderr) when it is not there:
    checked before anything walks it, so a typo never turns into a walk from ``/``."""
    full = os.path.abspath(path)
    if not os.path.exists(full):
        print(f"error: {path}: no such file or folder", file=sys.stderr)
        return None
    if folder and not os.path.isdir(full):
        print(f"error: {path}: not a folder", file=sys.stderr)
        return None
    if file and not os.path.isfile(full):
        print(f"error: {path}: not a file", file=sys.stderr)
        return None
    return full


def _headless_session(root: str):
    """A Session without an editor: settings from the project, no client to talk to."""
    from ..config import settings_for_path
    from ..lsp.session import Session

    settings, problems = settings_for_path(os.path.join(root, "x"))
    if problems:  # an invalid config file is an error here, as in `check`
        raise base_cli.UsageError("\n".join(problems))
    session = Session(root=root, settings=settings)
    session.catalog = base_cli.build_catalog_for([root], settings)
    return session


def _run_handler(name: str, session, arg: dict) -> dict:
    from . import HANDLERS, load_all, not_available

    load_all()
    fn = HANDLERS.get(name)
    if fn is None:
        return not_available(name)
    return fn(None, session, [arg])


# -- openapi ---------------------------------------------------------------------------------------


def configure_openapi(p) -> None:
    p.add_argument("path", nargs="?", default=".", help="the workspace folder (default: .)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")


def run_openapi(args) -> int:
    from .frameworks import workspace_routes
    from .openapi import build_openapi, dump

    root = _existing(args.path, folder=True)
    if root is None:
        return 2
    session = _headless_session(root)
    routes, _, missing = workspace_routes(session, root)
    if missing:
        print(f"backend-architect openapi: {missing}", file=sys.stderr)
        return 2
    from .tables import all_tables

    spec = build_openapi(
        routes,
        title=os.path.basename(root) or "API",
        root=root,
        tables=all_tables(session, root),
    )
    sys.stdout.write(dump(spec, args.format))
    return 0


# -- report / generate ---------------------------------------------------------------------------------

REPORTS = ("DESIGN_API", "AUTHZ_DESIGN", "MICROSERVICE", "EVENT_SYSTEM")
GENERATORS = ("REPOSITORY", "ENDPOINT", "SERVICE", "MIDDLEWARE", "AUTH_SYSTEM")


def configure_report(p) -> None:
    p.add_argument(
        "name", choices=[n.lower() for n in REPORTS] + list(REPORTS), help="which report"
    )
    p.add_argument("path", nargs="?", default=".", help="the workspace folder (default: .)")


def run_report(args) -> int:
    root = _existing(args.path, folder=True)
    if root is None:
        return 2
    from ..core.files import WriteError

    try:
        res = _run_handler(args.name.upper(), _headless_session(root), {})
    except WriteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(res.get("message", ""), file=sys.stderr)
    if res.get("report"):
        print(res["report"])
        return 0
    return 2


def configure_generate(p) -> None:
    p.add_argument(
        "name", choices=[n.lower() for n in GENERATORS] + list(GENERATORS), help="which generator"
    )
    p.add_argument("file", help="the file to run it on (a schema .sql file, a route or app file)")
    p.add_argument(
        "--line", type=int, default=1, help="1-based line of the cursor (e.g. a CREATE TABLE)"
    )
    p.add_argument("--table", help="the table, instead of a cursor position")
    p.add_argument(
        "--language", choices=("python", "typescript", "go"), help="REPOSITORY: the target language"
    )
    p.add_argument(
        "--framework",
        choices=[f.name for f in frameworks.scaffolded()],
        help="ENDPOINT: the framework",
    )
    p.add_argument("--root", help="the workspace folder (default: the project root of FILE)")
    p.add_argument("--write", action="store_true", help="write the files instead of printing them")


def run_generate(args) -> int:
    from ..config import find_project_root
    from ..core.document import path_to_uri

    from ..core.files import WriteError, write_text

    path = _existing(args.file, file=True)
    if path is None:
        return 2
    if args.root:
        root = _existing(args.root, folder=True)
        if root is None:
            return 2
    else:
        root = find_project_root(path) or os.path.dirname(path)
    arg = {
        "uri": path_to_uri(path),
        "range": {
            "start": {"line": args.line - 1, "character": 0},
            "end": {"line": args.line - 1, "character": 0},
        },
    }
    for key in ("table", "language", "framework"):
        if getattr(args, key):
            arg[key] = getattr(args, key)
    res = _run_handler(args.name.upper(), _headless_session(root), arg)
    print(res.get("message", ""), file=sys.stderr)
    files = _files_of(res)
    if not files:
        return 2
    if args.write:
        # every file is written atomically (keeping an existing file's mode, BOM and line endings)
        failed = False
        for target, text in files.items():
            try:
                write_text(target, text)
            except WriteError as exc:
                print(f"error: {exc}", file=sys.stderr)
                failed = True
                continue
            print(target)
        return 2 if failed else 0
    for target, text in files.items():
        print(f"# --- {target}")
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _files_of(res: dict) -> dict[str, str]:
    """The complete text of every file the command's edit creates or changes."""
    edit = res.get("edit")
    if not edit:
        return {}
    from lsprotocol import types
    from lsprotocol.converters import get_converter

    from ..core.document import Document, apply_edits, uri_to_path
    from ..core.files import read_text
    from ..core.findings import Edit

    we = get_converter().structure(edit, types.WorkspaceEdit)
    out: dict[str, str] = {}
    for change in we.document_changes or []:
        if isinstance(change, types.CreateFile):
            out[uri_to_path(change.uri)] = ""
            continue
        p = uri_to_path(change.text_document.uri)
        if p not in out:
            out[p] = read_text(p)[0]  # LF line breaks, no BOM: the writer puts the file's own back
        doc = Document(out[p], path=p)
        out[p] = apply_edits(
            out[p],
            [
                Edit(
                    doc.position_to_offset(e.range.start.line, e.range.start.character),
                    doc.position_to_offset(e.range.end.line, e.range.end.character),
                    e.new_text,
                )
                for e in change.edits
            ],
        )
    return out


# -- schema: print the catalog inferred from the workspace's migrations ----------------


def _schema_configure(parser) -> None:
    parser.add_argument(
        "path", nargs="?", default=".", help="the project folder (default: the current one)"
    )
    parser.add_argument("--format", choices=("text", "json", "mermaid"), default="text")


def _schema_run(args) -> int:
    import json
    import os

    from ..catalog import build_for_paths
    from ..catalog.render import catalog_json, catalog_text, mermaid_er
    from ..config import settings_for_path

    path = _existing(args.path)
    if path is None:
        return 2
    settings, problems = settings_for_path(path if os.path.isdir(path) else os.path.dirname(path))
    if problems:
        raise base_cli.UsageError("\n".join(problems))
    catalog = build_for_paths([path], settings)
    if catalog is None:
        print(
            f"no schema sources found under {path} (looked for migrations/, db/migrate/, migrate/, "
            "schema.sql, structure.sql, *.up.sql, pg_dump files and the `schema` setting)",
            file=sys.stderr,
        )
        return 1
    if args.format == "json":
        print(json.dumps(catalog_json(catalog), indent=2))
    elif args.format == "mermaid":
        print(mermaid_er(catalog))
    else:
        print(catalog_text(catalog))
    return 0


def _register() -> None:
    names = {c[0] for c in base_cli.EXTRA_COMMANDS}
    if "schema" not in names:
        base_cli.EXTRA_COMMANDS.append(
            (
                "schema",
                "print the schema inferred from the workspace's migrations",
                _schema_configure,
                _schema_run,
            )
        )
    if "openapi" not in names:
        base_cli.EXTRA_COMMANDS.append(
            (
                "openapi",
                "print the OpenAPI 3.1 document of the workspace's routes",
                configure_openapi,
                run_openapi,
            )
        )
    if "report" not in names:
        base_cli.EXTRA_COMMANDS.append(
            (
                "report",
                "write a DESIGN_API / AUTHZ_DESIGN / MICROSERVICE / EVENT_SYSTEM report",
                configure_report,
                run_report,
            )
        )
    if "generate" not in names:
        base_cli.EXTRA_COMMANDS.append(
            (
                "generate",
                "run a generator (repository, endpoint, service, middleware, auth_system) on a file",
                configure_generate,
                run_generate,
            )
        )


_register()
