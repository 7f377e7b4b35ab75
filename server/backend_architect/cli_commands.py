"""The commands on the command line: ``schema``, ``openapi``, ``report`` and ``generate``
(listed in ``cli.build_parser``).

A command runs as a pure function on a request built from a file on disk; this module
is its command-line adapter: it prints the result or writes its files atomically.
"""

from __future__ import annotations

import os
import sys

from . import frameworks
from .commands import run
from .commands.base import CommandResult, Target, Workspace
from .core.document import Document


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


def headless_workspace(root: str) -> Workspace:
    """The workspace without an editor: settings from the project, the schema from its migrations."""
    from .cli import UsageError as CliUsageError
    from .cli import build_catalog_for
    from .config import settings_for_path

    settings, problems = settings_for_path(os.path.join(root, "x"))
    if problems:  # an invalid config file is an error here, as in `check`
        raise CliUsageError("\n".join(problems))
    return Workspace(root, settings, build_catalog_for([root], settings))


def run_on(
    name: str, workspace: Workspace, document: Document | None = None, line: int = 0, **options
) -> CommandResult:
    """Run command ``name`` on ``document`` with the cursor at the start of ``line`` (0-based)."""
    target = Target(name, workspace, document, options=dict(options))
    if document is not None:
        target.start = target.end = document.position_to_offset(line, 0)
    res = run(name, target)
    for message, _ in res.messages:
        if message != res.message:
            print(message, file=sys.stderr)
    return res


def write_reports(res: CommandResult) -> None:
    """Write the command's reports (atomically); raises WriteError."""
    from .core.files import write_text

    for report in res.reports:
        write_text(report.path, report.text)


# -- openapi ---------------------------------------------------------------------------------------


def configure_openapi(p) -> None:
    p.add_argument("path", nargs="?", default=".", help="the workspace folder (default: .)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")


def run_openapi(args) -> int:
    from .commands.frameworks import workspace_routes
    from .commands.openapi import dump, workspace_spec

    root = _existing(args.path, folder=True)
    if root is None:
        return 2
    workspace = headless_workspace(root)
    routes, _, missing = workspace_routes(workspace, root)
    if missing:
        print(f"backend-architect openapi: {missing}", file=sys.stderr)
        return 2
    spec = workspace_spec(workspace, root, routes, os.path.basename(root) or "API")
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
    from .core.files import WriteError

    try:
        res = run_on(args.name.upper(), headless_workspace(root))
        write_reports(res)
    except WriteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(res.message, file=sys.stderr)
    if res.data.get("report"):
        print(res.data["report"])
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
    from .config import find_project_root
    from .core.files import WriteError, read_text, write_text
    from .core.workspace import read_document

    path = _existing(args.file, file=True)
    if path is None:
        return 2
    if args.root:
        root = _existing(args.root, folder=True)
        if root is None:
            return 2
    else:
        root = find_project_root(path) or os.path.dirname(path)
    workspace = headless_workspace(root)
    doc, why = read_document(path, workspace.settings)
    if doc is None:
        print(f"error: {args.file}: {why}", file=sys.stderr)
        return 2
    options = {k: getattr(args, k) for k in ("table", "language", "framework") if getattr(args, k)}
    res = run_on(args.name.upper(), workspace, doc, args.line - 1, **options)
    print(res.message, file=sys.stderr)
    # the complete text of every file the command creates or changes (a file the command
    # edits without having read it is read here: LF line breaks, no BOM; the writer puts
    # the file's own back)
    files = res.edit.texts(lambda p: read_text(p)[0]) if res.edit is not None else {}
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


# -- schema: print the catalog inferred from the workspace's migrations ----------------


def _schema_configure(parser) -> None:
    parser.add_argument(
        "path", nargs="?", default=".", help="the project folder (default: the current one)"
    )
    parser.add_argument("--format", choices=("text", "json", "mermaid"), default="text")


def _schema_run(args) -> int:
    import json

    from .catalog import build_for_paths
    from .catalog.render import catalog_json, catalog_text, mermaid_er
    from .cli import UsageError as CliUsageError
    from .config import settings_for_path

    path = _existing(args.path)
    if path is None:
        return 2
    settings, problems = settings_for_path(path if os.path.isdir(path) else os.path.dirname(path))
    if problems:
        raise CliUsageError("\n".join(problems))
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


# (name, help, configure(parser), run(args)): the subcommands this module adds to the CLI
SUBCOMMANDS = (
    (
        "schema",
        "print the schema inferred from the workspace's migrations",
        _schema_configure,
        _schema_run,
    ),
    (
        "openapi",
        "print the OpenAPI 3.1 document of the workspace's routes",
        configure_openapi,
        run_openapi,
    ),
    (
        "report",
        "write a DESIGN_API / AUTHZ_DESIGN / MICROSERVICE / EVENT_SYSTEM report",
        configure_report,
        run_report,
    ),
    (
        "generate",
        "run a generator (repository, endpoint, service, middleware, auth_system) on a file",
        configure_generate,
        run_generate,
    ),
)
