"""Read-only access to the user's development database.

The URL comes from the ``database.url`` editor setting or ``DATABASE_URL`` (never from a
committed file) and is never logged: every message shows it with the password masked.
Every session is read only (``default_transaction_read_only``) with a ``statement_timeout``
and a ``lock_timeout``. Only three kinds of statement are ever sent: catalog reads,
``EXPLAIN`` without ``ANALYZE`` (a generic plan when the query has parameters), and HypoPG
calls, whose hypothetical indexes live only in this session.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field

from ..core.sql import _SPLIT_RE


class DevDatabaseError(RuntimeError):
    """The database could not be used; the message is safe to show (no password)."""


_URL_PASSWORD = re.compile(
    r"(?P<head>[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)(?P<pw>[^@/?#\s]*)(?=@)", re.I
)
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&\s]+)", re.I)


def mask_url(url: str | None) -> str | None:
    """``url`` with its password replaced by ``***`` (URL and key=value forms)."""
    if not url:
        return url
    url = _URL_PASSWORD.sub(lambda m: m.group("head") + "***", url)
    url = _QUERY_PASSWORD.sub(lambda m: m.group("head") + "***", url)
    return _KV_PASSWORD.sub(lambda m: m.group("head") + "***", url)


def mask_text(text: str, url: str | None) -> str:
    """``text`` with the password of ``url`` (and any password=... it holds) masked."""
    secrets = []
    for rx in (_URL_PASSWORD, _QUERY_PASSWORD, _KV_PASSWORD):
        for m in rx.finditer(url or ""):
            pw = m.group("pw").strip("'")
            if pw:
                secrets.append(pw)
    for pw in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(pw, "***")
    if url:
        text = text.replace(url, mask_url(url) or "")
    return mask_url(text) or text


def database_url(root: str | None = None, settings=None) -> str | None:
    """The configured database: the ``database.url`` setting, else ``DATABASE_URL``."""
    if settings is None and root is not None:
        from ..config import settings_for_path

        settings, _ = settings_for_path(os.path.join(root, "x"))
    url = getattr(getattr(settings, "database", None), "url", None)
    return url or os.environ.get("DATABASE_URL") or None


# -- placeholders ------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"(?P<dollar>\$\d+)|(?P<pyformat>%\((?P<pyname>\w+)\)s)|(?P<format>%s)|(?<![:\w]):(?P<colon>[A-Za-z_]\w*)"
    r"|(?P<qmark>\?)(?![|&-])"
)


def to_dollar_params(sql: str) -> tuple[str, int]:
    """``sql`` with ``%s``, ``%(name)s``, ``:name`` and ``?`` placeholders turned into ``$n``
    (outside strings, quoted names and comments); returns (sql, number of parameters)."""
    names: dict[str, int] = {}
    count = 0
    out = []
    pos = 0

    def code(segment: str) -> str:
        nonlocal count

        def sub(m: re.Match) -> str:
            nonlocal count
            if m.group("dollar"):
                count = max(count, int(m.group("dollar")[1:]))
                return m.group(0)
            name = m.group("pyname") or m.group("colon")
            if name:
                if name not in names:
                    count += 1
                    names[name] = count
                return f"${names[name]}"
            count += 1
            return f"${count}"

        return _PLACEHOLDER.sub(sub, segment)

    for m in _SPLIT_RE.finditer(sql):
        out.append(code(sql[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(code(sql[pos:]))
    return "".join(out), count


# -- plans --------------------------------------------------------------------------------------


@dataclass
class PlanStep:
    node: str
    relation: str | None
    index: str | None
    rows: float
    cost: float
    table_rows: float | None = None  # pg_class.reltuples of the relation


@dataclass
class Plan:
    cost: float
    rows: float
    steps: list[PlanStep] = field(default_factory=list)
    generic: bool = False
    ms: float = 0.0

    def seq_scans(self, min_rows: float = 1000) -> list[PlanStep]:
        """Sequential scans of tables large enough to matter (statistics: ``reltuples``)."""
        return [s for s in self.steps if s.node == "Seq Scan" and (s.table_rows or 0) >= min_rows]

    def summary(self, min_rows: float = 1000) -> str:
        lines = [
            f"estimated rows {self.rows:,.0f}, cost {self.cost:,.2f}"
            + (" (generic plan)" if self.generic else "")
        ]
        for s in self.steps:
            what = (
                s.node
                + (f" on {s.relation}" if s.relation else "")
                + (f" using {s.index}" if s.index else "")
            )
            size = (
                f", table ~{s.table_rows:,.0f} rows"
                if s.table_rows is not None and s.relation
                else ""
            )
            lines.append(f"- {what}: rows {s.rows:,.0f}, cost {s.cost:,.2f}{size}")
        big = self.seq_scans(min_rows)
        if big:
            lines.append(
                "sequential scan of "
                + ", ".join(f"{s.relation} (~{s.table_rows:,.0f} rows)" for s in big)
            )
        return "\n".join(lines)


def _steps(node: dict, out: list[PlanStep]) -> None:
    out.append(
        PlanStep(
            node.get("Node Type", "?"),
            node.get("Relation Name"),
            node.get("Index Name"),
            float(node.get("Plan Rows", 0)),
            float(node.get("Total Cost", 0)),
        )
    )
    for child in node.get("Plans", []) or []:
        _steps(child, out)


class DevDatabase:
    """One read-only session; reconnects when the connection drops. Thread-safe (one lock)."""

    def __init__(
        self,
        url: str,
        *,
        statement_timeout_ms: int = 2000,
        lock_timeout_ms: int = 500,
        connect_timeout: int = 5,
    ) -> None:
        self.url = url
        self.statement_timeout_ms = statement_timeout_ms
        self.lock_timeout_ms = lock_timeout_ms
        self.connect_timeout = connect_timeout
        self._conn = None
        self._lock = threading.RLock()
        self._hypopg: bool | None = None
        self.server_version = 0
        self.connect_ms = 0.0

    @classmethod
    def from_settings(cls, settings, url: str | None = None) -> DevDatabase | None:
        url = url or database_url(settings=settings)
        if not url:
            return None
        db = getattr(settings, "database", None)
        return cls(
            url,
            statement_timeout_ms=getattr(db, "statement_timeout_ms", 2000),
            lock_timeout_ms=getattr(db, "lock_timeout_ms", 500),
        )

    @property
    def masked_url(self) -> str:
        return mask_url(self.url) or ""

    def _error(self, exc: BaseException, doing: str) -> DevDatabaseError:
        import psycopg

        text = mask_text(str(exc).strip() or type(exc).__name__, self.url)
        if isinstance(exc, psycopg.errors.QueryCanceled):
            why = f"timed out after {self.statement_timeout_ms} ms (database.statement_timeout_ms)"
        elif isinstance(exc, psycopg.errors.LockNotAvailable):
            why = f"waited longer than {self.lock_timeout_ms} ms for a lock (database.lock_timeout_ms)"
        elif isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
            why = "refused: the session is read only"
        elif isinstance(exc, psycopg.OperationalError) and re.search(
            r"password authentication failed|"
            r"authentication failed",
            text,
            re.I,
        ):
            why = (
                "authentication failed: check the user and password of database.url / DATABASE_URL"
            )
        elif isinstance(exc, psycopg.OperationalError) and re.search(
            r"connection refused|could not connect|"
            r"timeout expired|no such file",
            text,
            re.I,
        ):
            why = "the server is not reachable (is it running?)"
        else:
            why = text.splitlines()[0] if text else type(exc).__name__
        return DevDatabaseError(f"{self.masked_url}: {doing}: {why}")

    def connect(self):
        import psycopg

        with self._lock:
            if self._conn is not None and not self._conn.closed:
                return self._conn
            started = time.perf_counter()
            options = (
                f"-c default_transaction_read_only=on -c statement_timeout={int(self.statement_timeout_ms)} "
                f"-c lock_timeout={int(self.lock_timeout_ms)}"
            )
            try:
                conn = psycopg.connect(
                    self.url,
                    autocommit=True,
                    connect_timeout=self.connect_timeout,
                    options=options,
                    application_name="backend-architect (read only)",
                )
                # again as statements: a pooler may drop startup options
                conn.execute("SET default_transaction_read_only = on")
                conn.execute(f"SET statement_timeout = {int(self.statement_timeout_ms)}")
                conn.execute(f"SET lock_timeout = {int(self.lock_timeout_ms)}")
                self.server_version = conn.info.server_version
            except (psycopg.Error, OSError) as exc:
                raise self._error(exc, "cannot connect") from None
            self.connect_ms = (time.perf_counter() - started) * 1000
            self._conn = conn
            return conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None

    def __enter__(self) -> DevDatabase:
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the only three kinds of statement ------------------------------------------------------

    def catalog(self, sql: str, params: tuple | dict | None = None) -> list[tuple]:
        """A catalog read (a SELECT; the session is read only anyway)."""
        if not re.match(r"\s*(SELECT|WITH)\b", sql, re.I):
            raise ValueError("catalog reads are SELECTs")
        return self._run(sql, params, "catalog read")

    def _run(self, sql: str, params, doing: str, *, retry: bool = True) -> list[tuple]:
        import psycopg

        with self._lock:
            conn = self.connect()
            try:
                cur = conn.execute(sql, params, prepare=False)
                return cur.fetchall() if cur.description else []
            except psycopg.OperationalError as exc:
                self.close()
                if retry and not isinstance(
                    exc, (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable)
                ):
                    return self._run(sql, params, doing, retry=False)
                raise self._error(exc, doing) from None
            except psycopg.Error as exc:
                raise self._error(exc, doing) from None

    def explain(self, query: str) -> Plan:
        """The planner's estimate for ``query`` (never executed). Placeholders (``$1``, ``%s``,
        ``%(name)s``, ``:name``, ``?``) are planned as a generic plan."""
        from .replay import split_sql

        pieces = split_sql(query)
        if len(pieces) != 1:
            raise ValueError("EXPLAIN takes exactly one statement")
        sql, nparams = to_dollar_params(pieces[0].text)
        if not re.match(r"\s*(SELECT|WITH|INSERT|UPDATE|DELETE|VALUES|TABLE|MERGE)\b", sql, re.I):
            raise ValueError("only queries are explained")
        started = time.perf_counter()
        with self._lock:
            if nparams == 0:
                rows = self._run(f"EXPLAIN (FORMAT JSON) {sql}", None, "EXPLAIN")
            elif self.connect() and self.server_version >= 160000:
                rows = self._run(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {sql}", None, "EXPLAIN")
            else:
                rows = self._generic_plan_15(sql, nparams)
        plan = self._plan(rows, nparams > 0)
        plan.ms = (time.perf_counter() - started) * 1000
        return plan

    def _generic_plan_15(self, sql: str, nparams: int) -> list[tuple]:
        # PostgreSQL < 16: PREPARE (types inferred), then EXPLAIN EXECUTE a forced generic plan
        name = "ba_generic_plan"
        self._run("DEALLOCATE ALL", None, "EXPLAIN")
        self._run("SET plan_cache_mode = force_generic_plan", None, "EXPLAIN")
        try:
            self._run(f"PREPARE {name} AS {sql}", None, "EXPLAIN")
            args = ", ".join(["NULL"] * nparams)
            return self._run(f"EXPLAIN (FORMAT JSON) EXECUTE {name}({args})", None, "EXPLAIN")
        finally:
            try:
                self._run("DEALLOCATE ALL", None, "EXPLAIN")
                self._run("RESET plan_cache_mode", None, "EXPLAIN")
            except DevDatabaseError:
                pass

    def _plan(self, rows: list[tuple], generic: bool) -> Plan:
        data = rows[0][0] if rows else []
        if isinstance(data, str):
            data = json.loads(data)
        root = data[0]["Plan"] if data else {}
        steps: list[PlanStep] = []
        if root:
            _steps(root, steps)
        names = sorted({s.relation for s in steps if s.relation})
        if names:
            sizes = dict(
                self.catalog(
                    "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s) AND relkind IN "
                    "('r', 'p', 'm')",
                    (names,),
                )
            )
            for s in steps:
                if s.relation in sizes:
                    s.table_rows = max(float(sizes[s.relation]), 0.0)
        return Plan(
            float(root.get("Total Cost", 0)), float(root.get("Plan Rows", 0)), steps, generic
        )

    # -- HypoPG -------------------------------------------------------------------------------

    def hypopg_available(self) -> bool:
        """Whether the HypoPG extension is installed in this database (never installed by us)."""
        if self._hypopg is None:
            self._hypopg = bool(self.catalog("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'"))
        return self._hypopg

    def check_index(self, query: str, create_index: str) -> tuple[float, float, bool]:
        """(cost before, cost with the hypothetical index, whether the plan uses it)."""
        ddl = re.sub(r"\bCONCURRENTLY\b\s*", "", create_index.strip().rstrip(";"), flags=re.I)
        ddl = re.sub(r"\bIF\s+NOT\s+EXISTS\b\s*", "", ddl, flags=re.I)
        if not re.match(r"\s*CREATE\s+(UNIQUE\s+)?INDEX\b", ddl, re.I) or ";" in ddl:
            raise ValueError("not a single CREATE INDEX")
        with self._lock:
            before = self.explain(query)
            rows = self._run("SELECT indexname FROM hypopg_create_index(%s)", (ddl,), "HypoPG")
            try:
                after = self.explain(query)
            finally:
                self._run("SELECT hypopg_reset()", None, "HypoPG")
        hypo = rows[0][0] if rows else ""
        used = any(s.index and s.index == hypo for s in after.steps)
        return before.cost, after.cost, used
