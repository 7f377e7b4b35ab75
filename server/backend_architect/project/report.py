"""``backend-architect project [PATH]``: what the project model says about a tree."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field

from .model import FileInfo, Project, ProjectModel


@dataclass
class MigrationFolder:
    path: str
    files: int = 0
    dialects: Counter = field(default_factory=Counter)
    directions: Counter = field(default_factory=Counter)
    runner: dict | None = None
    migrations: list[dict] = field(default_factory=list)  # per file: transaction and history

    def to_json(self) -> dict:
        out = {
            "path": self.path,
            "files": self.files,
            "dialects": dict(self.dialects),
            "directions": dict(self.directions),
        }
        if self.runner is not None:
            out["runner"] = self.runner
        out["migrations"] = self.migrations
        return out


def migration_facts(info: FileInfo, settings, model: ProjectModel) -> dict:
    """What a migration file is to its runner and to ``--fix``: the runner, whether it runs in a
    transaction and why (the runner's default or the opt-out found), and whether it is history
    (never rewritten, lock findings hidden) or pending, and why."""
    from .history import history_of

    past = history_of(info.path, settings, model)
    return {
        "path": info.path,
        "direction": info.direction,
        "runner": info.runner,
        "in_transaction": info.in_transaction,
        "transaction_source": info.transaction_source,
        "history": past.historical,
        "history_reason": past.reason,
    }


def _migration_order(facts: dict) -> tuple:
    from ..catalog.sources import order_key
    from .history import unit_of

    unit = unit_of(facts["path"])
    return (order_key(unit), unit, facts["path"])


def describe_migration(facts: dict) -> str:
    """One line: ``runner goose; in a transaction (...); pending (...)``."""
    parts = ["down migration"] if facts.get("direction") == "down" else []
    parts.append(f"runner {facts['runner']}" if facts["runner"] else "runner not known")
    if facts["in_transaction"] is not None:
        parts.append(
            ("in a transaction" if facts["in_transaction"] else "no transaction")
            + f" ({facts['transaction_source']})"
        )
    elif facts["transaction_source"]:
        parts.append(f"transaction not known ({facts['transaction_source']})")
    parts.append(("history" if facts["history"] else "pending") + f" ({facts['history_reason']})")
    return "; ".join(parts)


@dataclass
class ProjectReport:
    project: Project
    files: list[FileInfo] = field(default_factory=list)
    migrations: dict[str, MigrationFolder] = field(default_factory=dict)
    snapshots: dict[str, str] = field(default_factory=dict)  # schema file -> history folder

    def to_json(self, with_files: bool = True) -> dict:
        out = self.project.to_json()
        langs = Counter(f.language or "other" for f in self.files)
        not_own = Counter(f.not_own.kind for f in self.files if f.not_own)
        out["summary"] = {
            "files": len(self.files),
            "languages": dict(langs),
            "not_own": dict(not_own),
            "dialects": dict(Counter(f.dialect for f in self.files if f.language == "sql")),
        }
        out["migration_folders"] = [m.to_json() for m in self.migrations.values()]
        out["schema_snapshots"] = [
            {"path": k, "history": v} for k, v in sorted(self.snapshots.items())
        ]
        if with_files:
            out["files"] = [f.to_json() for f in self.files]
        return out


def describe(
    paths: list[str], files: list[str], model: ProjectModel, settings_for
) -> list[ProjectReport]:
    """One report per project root found under ``paths``, in path order."""
    model.prefetch_ignored(files)
    reports: dict[str, ProjectReport] = {}
    for path in files:
        info = model.file_info(path, settings_for(path))
        root = info.project_root or os.path.dirname(os.path.abspath(path))
        rep = reports.get(root)
        if rep is None:
            rep = reports[root] = ProjectReport(model.project(root))
        rep.files.append(info)
        if info.is_migration and info.not_own is None and _reads_as_migration(info):
            folder = info.migration_folder or os.path.dirname(info.path)
            mf = rep.migrations.get(folder)
            if mf is None:
                runner = model.runner(folder)
                mf = rep.migrations[folder] = MigrationFolder(
                    folder, runner=runner.to_json() if runner else None
                )
            mf.files += 1
            mf.dialects[info.dialect] += 1
            mf.directions[info.direction or "up"] += 1
            mf.migrations.append(migration_facts(info, settings_for(path), model))
        elif info.language == "sql" and info.not_own is None:
            from .snapshot import snapshot_of

            history = snapshot_of(info.path)
            if history is not None:
                rep.snapshots[info.path] = history
    return [reports[k] for k in sorted(reports)]


def _reads_as_migration(info: FileInfo) -> bool:
    """SQL in a migrations folder, or code the MIGRATION rules read as a migration (a Django
    migration class, an Alembic revision, a Knex/TypeORM/... migration): not ``env.py``,
    ``__init__.py`` or templates that live next to them."""
    if info.language == "sql":
        return True
    if info.language is None:
        return False
    from ..core.document import Document
    from ..orm_migrations import is_orm_migration

    try:
        with open(info.path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(256 * 1024)
    except OSError:
        return False
    return is_orm_migration(Document(text, path=info.path, language=info.language))


def _rel(path: str, base: str) -> str:
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def render_text(reports: list[ProjectReport], base: str, with_files: bool = False) -> str:
    out: list[str] = []
    for rep in reports:
        p = rep.project
        where = _rel(p.root, base) if _rel(p.root, base) != "." else p.root
        markers = ", ".join(p.markers) or "no manifest"
        out.append(
            f"project {where} ({markers})"
            + (f", inside {_rel(p.parent, base)}" if p.parent else "")
        )
        if p.dialect == "unknown":
            dialect = (
                f"unknown (candidates: {', '.join(p.candidates)})"
                if p.candidates
                else "unknown (PostgreSQL rules apply)"
            )
        else:
            dialect = p.dialect
        out.append(f"  dialect: {dialect}")
        for e in p.evidence:
            out.append(f"    evidence: {e.dialect}: {e.source}")
        langs = Counter(f.language or "other" for f in rep.files)
        out.append(
            f"  files: {len(rep.files)} ("
            + ", ".join(f"{n} {k}" for k, n in langs.most_common())
            + ")"
        )
        not_own = Counter(f.not_own.kind for f in rep.files if f.not_own)
        if not_own:
            out.append(
                "  not the project's own code (not checked): "
                + ", ".join(f"{n} {k}" for k, n in not_own.most_common())
            )
        for mf in rep.migrations.values():
            dialects = ", ".join(f"{n} {d}" for d, n in mf.dialects.most_common())
            dirs = ", ".join(f"{n} {d}" for d, n in mf.directions.most_common())
            line = f"  migrations: {_rel(mf.path, base)}: {mf.files} files ({dialects}; {dirs})"
            if mf.runner:
                line += f"; runner {mf.runner['name']} ({mf.runner['evidence']}): {mf.runner['transaction']}"
            out.append(line)
            for facts in sorted(mf.migrations, key=_migration_order):
                out.append(f"    {_rel(facts['path'], mf.path)}: {describe_migration(facts)}")
        for path, folder in sorted(rep.snapshots.items()):
            out.append(
                f"  schema snapshot: {_rel(path, base)} (mirrors the migration history in "
                f"{_rel(folder, base)}: its findings are the history's)"
            )
        if with_files:
            for f in rep.files:
                parts = [f.language or "-"]
                if f.language == "sql" or f.is_migration:
                    parts.append(f"dialect {f.dialect} ({f.dialect_source})")
                if f.is_migration:
                    parts.append(f"migration {f.direction}")
                    if f.in_transaction is not None:
                        parts.append(
                            ("in a transaction" if f.in_transaction else "no transaction")
                            + f" ({f.transaction_source})"
                        )
                if f.not_own:
                    parts.append(f"NOT OWN CODE: {f.not_own.kind} ({f.not_own.reason})")
                out.append(f"    {_rel(f.path, base)}: " + "; ".join(parts))
    if not reports:
        out.append("no files to analyse found")
    return "\n".join(out)


def render_json(reports: list[ProjectReport], with_files: bool = True) -> str:
    return json.dumps(
        {"projects": [r.to_json(with_files) for r in reports]}, indent=2, ensure_ascii=False
    )
