"""The database subcommands: ``verify`` (a throwaway PostgreSQL) and ``drift`` (the configured dev database)."""

from __future__ import annotations

import json
import os
import sys

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def configure(sub) -> None:
    p = sub.add_parser(
        "verify", help="replay the migrations on a throwaway PostgreSQL and trace the pending ones"
    )
    p.add_argument(
        "paths",
        nargs="*",
        help="project or migrations folder (default: .); files named are the pending ones",
    )
    p.add_argument(
        "--postgres-bin", metavar="DIR", help="folder holding initdb, pg_ctl and postgres"
    )
    p.add_argument(
        "--rows",
        type=int,
        default=2000,
        metavar="N",
        help="rows inserted into every table first (default 2000)",
    )
    p.add_argument(
        "--pending",
        type=int,
        default=1,
        metavar="N",
        help="trace the newest N migrations of each folder (default 1)",
    )
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "drift",
        help="compare the migrations' schema with the database at database.url / DATABASE_URL",
    )
    p.add_argument("paths", nargs="*", help="project folder (default: .)")
    p.add_argument(
        "--database-url", metavar="URL", help="default: the database.url setting, then DATABASE_URL"
    )
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_drift)


def cmd_verify(args) -> int:
    from .scratch import PostgresUnavailable
    from .verify import format_text, verify

    paths = args.paths or ["."]
    for p in paths:
        if not os.path.exists(p):
            print(f"error: {p}: no such file or folder", file=sys.stderr)
            return EXIT_ERROR
    try:
        import psycopg  # noqa: F401
    except ImportError:
        print("error: verify needs psycopg: pip install 'backend-architect[db]'", file=sys.stderr)
        return EXIT_ERROR
    try:
        report = verify(
            paths, bin_dir=args.postgres_bin, rows=max(0, args.rows), pending=max(0, args.pending)
        )
    except PostgresUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.output_format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        sys.stdout.write(format_text(report))
    return EXIT_FOUND if report.failed or report.contradicted else EXIT_OK


def cmd_drift(args) -> int:
    from .devdb import DevDatabaseError, database_url
    from .drift import drift, format_text

    root = os.path.abspath((args.paths or ["."])[0])
    if not os.path.isdir(root):
        print(f"error: {root}: not a folder", file=sys.stderr)
        return EXIT_ERROR
    url = args.database_url or database_url(root)
    if not url:
        print(
            "error: no database configured: set DATABASE_URL or the database.url setting",
            file=sys.stderr,
        )
        return EXIT_ERROR
    try:
        result = drift(root, url)
    except DevDatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.output_format == "json":
        print(json.dumps(result.to_json(), indent=2))
    else:
        sys.stdout.write(format_text(result))
    return EXIT_FOUND if result.items else EXIT_OK
