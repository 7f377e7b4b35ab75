"""Bounded resources: in-memory caches by bytes, the disk cache by a total size, the schema
scan by the project and a file count."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend_architect.catalog import build_for_paths
from backend_architect.catalog.build import _cache_file, forget_memory
from backend_architect.config import Settings, from_mapping
from backend_architect.core import diskcache, sql
from backend_architect.core.bounded import ByteLRU, byte_lru_cache
from backend_architect.core.document import Document
from backend_architect.core.engine import STATEMENT_CACHE, lint
from conftest import server_env


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKEND_ARCHITECT_CACHE_DIR", str(tmp_path / "cache"))
    forget_memory()
    yield
    forget_memory()


# -- in-memory caches -------------------------------------------------------------------


def test_byte_lru_evicts_least_recently_used_by_bytes():
    cache = ByteLRU(100)
    cache.put("a", 1, 40)
    cache.put("b", 2, 40)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3, 40)  # 120 bytes: "b" goes
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert cache.bytes == 80
    cache.put("a", 10, 90)  # replacing an entry counts its new size only
    assert cache.get("a") == 10 and "c" not in cache and cache.bytes == 90
    cache.put("huge", 0, 101)  # larger than the whole budget: not kept, nothing else lost
    assert "huge" not in cache and cache.get("a") == 10


def test_byte_lru_cache_decorator_keeps_none_results_and_its_budget():
    calls = []

    @byte_lru_cache(1000, lambda result, text: len(text))
    def f(text):
        calls.append(text)
        return None if text == "none" else text.upper()

    assert f("none") is None and f("none") is None
    assert calls == ["none"]
    for i in range(50):
        f(f"{i:03d}" * 10)  # 30 bytes each: 1,500 bytes asked for, 1,000 kept
    assert f.cache.bytes <= 1000 and len(f.cache) < 50


def test_typing_inside_one_large_statement_keeps_the_parse_caches_bounded(monkeypatch):
    """Every keystroke inside a statement is a new text to parse; the caches must not grow
    with the number of keystrokes times the size of the statement."""
    caches = [sql.parse_statement.cache, sql.node_of.cache, STATEMENT_CACHE]
    for cache in caches:
        cache.clear()
        monkeypatch.setattr(cache, "max_bytes", 8 * 1024 * 1024)
    values = ",\n".join(f"  ({i}, 'name {i}', now())" for i in range(1500))
    base = f"INSERT INTO items (id, name, created_at) VALUES\n{values};\n"
    for i in range(30):
        text = base.replace("(7, ", f"({7 + i}, ")
        lint(Document(text, path="/w/migrations/0001_seed.sql"))
    for cache in caches:  # (no rule asks for an INSERT's tree: that cache may stay empty)
        assert 0 < cache.bytes + (cache is sql.node_of.cache) <= 8 * 1024 * 1024, cache.info()
    # 30 versions of a 40 KB statement: its JSON (about 300 KB each) cannot all stay
    assert sql.parse_statement.cache.evictions > 0 and len(sql.parse_statement.cache) < 30
    for cache in caches:
        cache.clear()


def test_decoded_trees_are_released_after_a_lint():
    text = "".join(f"SELECT id FROM t{i} WHERE a = {i};\n" for i in range(50))
    result = lint(Document(text, path="/w/q.sql"), cache=False)  # a one-shot run, as `check` does
    assert len(result.statements) == 50
    assert all(s._node is None and "_nodes" not in s.__dict__ for s in result.statements)
    assert result.statements[3].node["whereClause"]  # decoded again on demand


def test_a_one_shot_lint_keeps_nothing_in_the_parse_caches_and_finds_the_same():
    """`check` parses and decodes each statement for itself: filling the bounded caches
    (kept for the editor) would cost their upkeep and never pay back."""
    text = "".join(
        f"CREATE TABLE t{i} (id int PRIMARY KEY, at timestamp);\n"
        f"CREATE INDEX t{i}_at ON t{i} (at);\nUPDATE t{i} SET at = now();\n"
        for i in range(40)
    )
    path = "/w/migrations/0002_tables.sql"
    caches = [sql.parse_statement.cache, sql.node_of.cache]
    for cache in caches:
        cache.clear()
    one_shot = lint(Document(text, path=path), cache=False)
    assert [len(c) for c in caches] == [0, 0]
    cached = lint(Document(text, path=path))
    assert len(sql.parse_statement.cache) == 120 and len(sql.node_of.cache) > 0
    assert one_shot.findings and [
        (f.code, f.start, f.end, f.message) for f in one_shot.findings
    ] == [(f.code, f.start, f.end, f.message) for f in cached.findings]
    # what the cache holds is used by a one-shot run (e.g. parsed by the schema build first)
    again = lint(Document(text, path=path), cache=False)
    assert len(again.findings) == len(cached.findings)
    for cache in caches:
        cache.clear()


# -- the disk cache ---------------------------------------------------------------------


def _migrations(root: Path, count: int, prefix: str = "t") -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    mig = root / "migrations"
    mig.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (mig / f"{i:04d}_m.sql").write_text(
            f"CREATE TABLE {prefix}{i} (id bigint PRIMARY KEY, name text NOT NULL, body text, n int);\n")
    return root


def _cache_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "cache" / "catalog"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def test_disk_cache_total_size_is_capped_least_recently_used_first(tmp_path):
    projects = [_migrations(tmp_path / f"p{i}", 20) for i in range(4)]
    settings = Settings()
    build_for_paths([str(projects[0])], settings)
    one = _cache_files(tmp_path)[0].stat().st_size
    cap = int(one * 2.5)  # room for two projects' files
    settings = Settings(cache_max_bytes=cap)
    build_for_paths([str(projects[1])], settings)
    time.sleep(0.02)
    forget_memory()
    build_for_paths([str(projects[0])], settings)  # read back: p0 is now more recent than p1
    time.sleep(0.02)
    build_for_paths([str(projects[2])], settings)  # over the cap: p1 (least recently used) goes
    names = {p.name for p in _cache_files(tmp_path)}
    assert names == {os.path.basename(_cache_file([str(projects[i])])) for i in (0, 2)}
    assert sum(p.stat().st_size for p in _cache_files(tmp_path)) <= cap


def test_disk_cache_file_over_the_cap_is_not_written(tmp_path):
    root = _migrations(tmp_path / "p", 10)
    catalog = build_for_paths([str(root)], Settings(cache_max_bytes=100))
    assert catalog.columns_of("t3") == ["id", "name", "body", "n"]
    assert _cache_files(tmp_path) == []


@pytest.mark.parametrize("content", [b"{not json", b"", b'{"version": 2, "files": {"x": {"sha": 1}}}',
                                     b'{"version": -1, "files": {}}', b"\xff\xfe\x00garbage"])
def test_corrupted_disk_cache_is_ignored_and_removed(tmp_path, content):
    root = _migrations(tmp_path / "p", 3)
    path = Path(_cache_file([str(root)]))
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    catalog = build_for_paths([str(root)], Settings())
    assert catalog.columns_of("t1") == ["id", "name", "body", "n"] and catalog.from_cache == 0
    # the bad file was removed and a good one written in its place
    data = json.loads(path.read_bytes())
    assert data["version"] and len(data["files"]) == 3
    forget_memory()
    assert build_for_paths([str(root)], Settings()).from_cache == 3


def _writer(args) -> int:
    root, cache, prefix, rounds = args
    os.environ["BACKEND_ARCHITECT_CACHE_DIR"] = cache
    from backend_architect.catalog import build_for_paths
    from backend_architect.catalog.build import forget_memory

    for i in range(rounds):
        forget_memory()
        mig = Path(root) / "migrations" / f"{prefix}.sql"
        mig.write_text(f"CREATE TABLE {prefix}_{i} (id int);\n")
        os.utime(mig, ns=(i + 1, i + 1))  # a new mtime each round: the cache is written again
        build_for_paths([root], Settings(cache_max_bytes=200_000))
    return rounds


def test_concurrent_processes_leave_a_valid_cache(tmp_path):
    root = _migrations(tmp_path / "shared", 30)
    others = [str(_migrations(tmp_path / f"o{i}", 30, prefix=f"o{i}_")) for i in range(2)]
    cache = str(tmp_path / "cache")
    jobs = [(str(root), cache, "a", 15), (str(root), cache, "b", 15), (others[0], cache, "c", 15),
            (others[1], cache, "d", 15)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert pool.map(_writer, jobs) == [15] * 4
    files = _cache_files(tmp_path)
    assert files, "nothing was cached"
    for f in files:
        data = json.loads(f.read_bytes())  # every file left is whole
        assert data["version"] and data["files"]
    assert not list((tmp_path / "cache" / "catalog").glob("*.tmp"))
    assert sum(f.stat().st_size for f in files) <= 200_000
    forget_memory()
    assert build_for_paths([str(root)], Settings()).columns_of("t7") == ["id", "name", "body", "n"]


def test_stale_temporary_files_are_removed(tmp_path):
    folder = tmp_path / "cache" / "catalog"
    folder.mkdir(parents=True)
    stale = folder / ".dead.tmp"
    stale.write_text("x")
    os.utime(stale, (1, 1))
    fresh = folder / ".writing.tmp"
    fresh.write_text("x")
    assert diskcache.write(str(folder / "a.json"), b"{}", 1000)
    assert not stale.exists() and fresh.exists()


# -- the schema scan ----------------------------------------------------------------------


def test_scan_of_a_folder_that_is_no_project_skips_projects_inside_it(tmp_path):
    """One file in a large folder with no project marker: the schema comes from that folder,
    not from every project below it."""
    big = tmp_path / "big"
    (big / "migrations").mkdir(parents=True)
    (big / "migrations" / "0001_users.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    for i in range(3):
        _migrations(big / f"project{i}", 5, prefix=f"p{i}_")
    (big / "q.sql").write_text("SELECT * FROM users;\n")
    catalog = build_for_paths([str(big)], Settings(), skip_projects=True)
    assert catalog.table("users") is not None and catalog.table("p0_1") is None
    assert all("project" not in s for s in catalog.sources)
    # a project root still reads every migration folder under it (a monorepo)
    (big / ".git").mkdir()
    forget_memory()
    catalog = build_for_paths([str(big)], Settings())
    assert catalog.table("p2_4") is not None


def test_scan_stops_at_the_file_limit_with_a_warning(tmp_path):
    root = _migrations(tmp_path / "p", 30)
    settings, warnings = from_mapping({"schema-max-files": 12}, Settings())
    assert not warnings and settings.schema_max_files == 12
    catalog = build_for_paths([str(root)], settings)
    assert len(catalog.sources) < 30
    assert len(catalog.warnings) == 1 and "schema-max-files = 12" in catalog.warnings[0]
    _, bad = from_mapping({"schema-max-files": 0, "cache-max-bytes": "big"}, Settings())
    assert len(bad) == 2


def test_scan_skips_dependency_and_build_folders(tmp_path):
    root = _migrations(tmp_path / "p", 2)
    for folder in ("node_modules/pkg/migrations", "vendor/x/migrations", "site-packages/y/migrations",
                   "coverage/migrations"):
        (root / folder).mkdir(parents=True)
        (root / folder / "0001_x.sql").write_text("CREATE TABLE vendored (id int);\n")
    catalog = build_for_paths([str(root)], Settings())
    assert catalog.table("vendored") is None and len(catalog.sources) == 2


def test_check_prints_the_scan_limit_warning(tmp_path):
    root = _migrations(tmp_path / "p", 30)
    (root / "backend-architect.toml").write_text("schema-max-files = 10\n")
    r = subprocess.run([sys.executable, "-m", "backend_architect", "check", "--jobs", "1", "--exit-zero",
                        str(root / "migrations" / "0001_m.sql")], capture_output=True, text=True,
                       env=dict(server_env(), BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")), timeout=120)
    assert r.returncode == 0, r.stderr
    assert "warning: the schema scan of" in r.stderr and "schema-max-files = 10" in r.stderr


def test_scan_limit_is_reported_even_when_no_schema_file_was_reached(tmp_path):
    root = tmp_path / "data"
    (root / "a").mkdir(parents=True)
    for i in range(30):
        (root / "a" / f"{i}.txt").write_text("x")
    (root / "z" / "migrations").mkdir(parents=True)
    (root / "z" / "migrations" / "0001_t.sql").write_text("CREATE TABLE t (id int);\n")
    warnings: list[str] = []
    assert build_for_paths([str(root)], Settings(schema_max_files=10), warnings=warnings) is None
    assert len(warnings) == 1 and "stopped after 10 files" in warnings[0]
    assert build_for_paths([str(root)], Settings()).table("t") is not None


def test_the_server_collects_garbage_cycles_every_few_analyses():
    """``serve`` raises the collector's thresholds; the server then collects fully itself."""
    import gc

    from backend_architect.lsp import server

    full = []

    def on_gc(phase, info):
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    class Cycle:
        def __init__(self):
            self.me = self

    old = gc.get_threshold()
    gc.set_threshold(1_000_000, 1000, 1000)  # as good as never on its own
    gc.callbacks.append(on_gc)
    try:
        for _ in range(2 * server.FULL_COLLECTION_EVERY):
            Cycle()
            server._collect_now_and_then()
    finally:
        gc.callbacks.remove(on_gc)
        gc.set_threshold(*old)
    assert len(full) == 2
