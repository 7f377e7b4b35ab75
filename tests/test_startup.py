"""Start-up: what `serve` loads before it answers `initialize`, and that what it leaves
for later still works (the real server over stdio)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from conftest import committed_django_site  # noqa: E402
from lsp_sync import server_env  # noqa: E402
from lspclient import Client  # noqa: E402

# runs the server as `backend-architect serve` does and writes, at exit, the modules it
# loaded to the file named by its first argument
_SERVE_PROBE = """
import atexit, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write("\\n".join(sorted(sys.modules))))
sys.argv = ["backend-architect", "serve"]
from backend_architect.entry import main
main()
"""

# not needed to answer `initialize`: the command line, the analysis, the commands
NOT_AT_INITIALIZE = (
    "argparse",
    "backend_architect.cli",
    "backend_architect.core.engine",
    "backend_architect.project.model",
    "backend_architect.commands.base",
    "backend_architect.lsp.handlers.commands",
    "pglast",
    "tree_sitter",
)


def _start(root: Path) -> tuple[Client, Path]:
    out = root / "modules.txt"
    return Client(
        [sys.executable, "-c", _SERVE_PROBE, str(out)], env=server_env(), cwd=str(root)
    ), out


def _modules_at_exit(client: Client, out: Path) -> set[str]:
    client.request("shutdown", None)
    client.notify("exit", None)
    client.proc.wait(timeout=30)
    return set(out.read_text().split())


def _initialize(client: Client, root: Path) -> dict:
    res = client.request(
        "initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}}
    )
    assert "result" in res, res
    return res["result"]


def test_serve_answers_initialize_without_the_command_line_or_the_analysis(tmp_path: Path):
    client, out = _start(tmp_path)
    result = _initialize(client, tmp_path)
    assert (
        "backend-architect.MIGRATION"
        in result["capabilities"]["executeCommandProvider"]["commands"]
    )
    mods = _modules_at_exit(client, out)
    assert "backend_architect.lsp.server" in mods
    loaded = [m for m in NOT_AT_INITIALIZE if m in mods]
    assert not loaded, loaded


def test_what_serve_defers_loads_when_used(tmp_path: Path):
    """A document is analysed (engine, rules, pglast) and a command runs (its module)
    after the lean start."""
    (tmp_path / "backend-architect.toml").write_text("")  # a project of its own
    client, out = _start(tmp_path)
    _initialize(client, tmp_path)
    client.notify("initialized", {})
    uri = (tmp_path / "m.sql").as_uri()
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "sql",
                "version": 1,
                "text": "CREATE INDEX idx_a ON t (a);\n",
            }
        },
    )
    _, params = client.wait_notification(
        "textDocument/publishDiagnostics", predicate=lambda p: p["uri"] == uri
    )
    assert "MG001" in {d["code"] for d in params["diagnostics"]}
    res = client.request(
        "workspace/executeCommand", {"command": "backend-architect.MIGRATION", "arguments": []}
    )
    assert isinstance(res.get("result"), dict) and res["result"].get("message"), res
    mods = _modules_at_exit(client, out)
    assert {
        "backend_architect.core.engine",
        "pglast",
        "backend_architect.lsp.handlers.commands",
    } <= mods


# -- `check`'s arguments without argparse -------------------------------------------------

_WORDS = [
    "a.sql",
    "dir/",
    "--fix",
    "--diff",
    "--unsafe-fixes",
    "--include-history",
    "--exit-zero",
    "--no-cache",
    "--select",
    "--select=MG",
    "--extend-select",
    "--ignore",
    "--ignore=SD001,SD002",
    "--output-format",
    "--output-format=json",
    "--jobs",
    "--jobs=2",
    "-j",
    "-j2",
    "-j=3",
    "json",
    "sarif",
    "xml",
    "MG001",
    "4",
    "-1",
    "x",
    "--",
    "-",
    "--no-c",
    "--fix=1",
    "-h",
    "",
]


def _argparse_check(words: list[str]):
    from backend_architect.cli import build_parser

    try:
        args, extra = build_parser(full=False).parse_known_args(["check", *words])
    except SystemExit:
        return "error"
    if extra:
        return "error"
    found = vars(args)
    found.pop("subparsers", None)
    return found


def test_check_arguments_read_without_argparse_are_what_argparse_reads(capsys):
    import random

    from backend_architect.cli import _check_args

    rng = random.Random(16)
    cases = [
        [],
        ["a.sql"],
        ["--no-cache", "a.sql"],
        ["a.sql", "dir/", "--select", "MG001", "--select=SD", "--output-format", "json"],
        ["-j", "4", "--jobs=2", "a.sql"],
        ["--fix", "--unsafe-fixes", "a.sql", "dir/"],
    ]
    cases += [rng.choices(_WORDS, k=rng.randint(1, 7)) for _ in range(3000)]
    fast_cases = 0
    for words in cases:
        fast = _check_args(words)
        if fast is None:
            continue  # left to argparse
        fast_cases += 1
        assert _argparse_check(words) == vars(fast), words
    capsys.readouterr()  # argparse's error messages
    assert fast_cases > 300


def test_check_on_a_file_imports_no_argparse_and_its_help_still_works(tmp_path: Path):
    import subprocess

    (tmp_path / "q.sql").write_text("SELECT 1;\n")
    probe = (
        "import sys\n"
        "from backend_architect.entry import main\n"
        "code = main(sys.argv[1:])\n"
        "print('argparse' in sys.modules, 'orjson' in sys.modules, code)\n"
    )

    def run(*words: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", probe, *words],
            check=False,
            cwd=tmp_path,
            env=server_env(),
            capture_output=True,
            text=True,
        )

    out = run("check", "--no-cache", "--output-format", "json", "q.sql")
    assert out.stdout.strip().endswith("False False 0"), out.stdout + out.stderr
    out = run("check", "--help")
    assert "--no-cache" in out.stdout and "--output-format" in out.stdout
    out = run("check", "--output-format", "xml", "q.sql")
    assert out.returncode == 2 and "invalid choice: 'xml'" in out.stderr


def test_file_uri_without_pathlib_equals_pathlib_s():
    from backend_architect.core.document import _absolute_path_to_uri

    for path in (
        "/tmp/q.sql",
        "/a b/c.sql",
        "/x/./y/../z.sql",
        "/déjà/vu.sql",
        "/a%20b/c#d?.sql",
        "//server/share.sql",
        "/a/b/",
        "/a~b/c-d_e.f",
        "/",
        "/corpus/owner+name/a+b.py",
        "/x\udcff/\u00a0\t!*'();:@&=$,[]<>\"{}|^`.sql",
    ):
        _absolute_path_to_uri.cache_clear()
        assert _absolute_path_to_uri(path) == Path(os.path.abspath(path)).as_uri(), path


def test_parse_trees_decode_alike_before_and_after_orjson_is_imported():
    """A small run decodes libpg_query's JSON with the standard library (orjson's import
    costs more than its trees); past FAST_JSON_AFTER bytes orjson decodes, to the same."""
    import json

    from backend_architect.core.sql import FAST_JSON_AFTER, _Decoder, pglast_parser

    parser = pglast_parser()
    texts = [
        "SELECT a, b::numeric(10,2), 'x' || $1 FROM t WHERE id = 12345678901234567890",
        "CREATE TABLE t (id bigint PRIMARY KEY, d timestamptz DEFAULT now(), f float DEFAULT 1.5e300)",
        "INSERT INTO t VALUES (1, E'\\u00e9t\u00e9', -2.5, true, NULL)",
        "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0",
    ]
    raws = [parser.parse_sql_json(t) for t in texts]
    decoder = _Decoder()
    decoded = 0
    while decoded <= 2 * FAST_JSON_AFTER:
        for raw in raws:
            assert decoder(raw) == json.loads(raw)
            decoded += len(raw)
    assert decoder.fast is not None and decoder.fast is not json.loads


def test_check_outside_a_repository_loads_neither_openssl_nor_subprocess_nor_tempfile(
    tmp_path: Path,
):
    """One SQL file outside a repository, recorded and then served as a stored run: a run that
    asks git nothing, has no schema to build or hash and names no new migration imports none
    of the modules it would not use (each costs milliseconds of every start), and prints the
    same both times."""
    import subprocess

    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "t.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, name text);\n")
    (tmp_path / "cache").mkdir()
    old = os.path.getmtime(folder) - 60  # a stored run needs inputs older than two seconds
    for p in (tmp_path, folder, folder / "t.sql"):
        os.utime(p, (old, old))
    unused = (
        "_hashlib",
        "hashlib",
        "subprocess",
        "shutil",
        "tempfile",
        "sysconfig",
        "datetime",
        "backend_architect.catalog.build",  # no schema file: no schema to build
    )
    probe = (
        "import sys\n"
        "from backend_architect.entry import main\n"
        "code = main(sys.argv[1:])\n"
        f"print(sorted(m for m in {unused!r} if m in sys.modules), code)\n"
    )
    env = server_env()
    env["BACKEND_ARCHITECT_CACHE_DIR"] = str(tmp_path / "cache")
    env["BACKEND_ARCHITECT_WARM_DEBUG"] = "1"
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe, "check", "--exit-zero", "one"],
            check=False,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        for _ in range(2)
    ]
    first, second = runs
    assert "SD002" in first.stdout and "stored" in first.stderr, first.stdout + first.stderr
    assert "warm: hit" in second.stderr, second.stderr
    for run in runs:
        assert run.stdout.strip().endswith("[] 0"), run.stdout + run.stderr
    assert first.stdout == second.stdout


def test_check_of_application_code_without_pyproject_loads_no_toml_parser(tmp_path: Path):
    """A Django project in a git repository (a committed migration: history) without a
    pyproject.toml or Pipfile: the check never loads the TOML parser."""

    repo = committed_django_site(tmp_path / "site", ("requirements.txt", "django==5.0\n"))
    r = _check_loading(repo, ("tomllib",), "IV010,MG")
    assert r.stderr.strip().splitlines()[-1] == "[] True 0", r.stderr  # (a Django site)
    found = {(os.path.basename(f["filename"]), f["code"]) for f in json.loads(r.stdout)}
    assert found == {("views.py", "IV010")}, r.stdout  # (the migration is history: no MG001)


def test_check_of_a_django_site_loads_no_generator_module(tmp_path: Path):
    """A Django site with a routed view, its urls.py and a browser script: the check reads
    the routes and the SQL strings without loading what only the generators (ENDPOINT,
    MIDDLEWARE) use, nor Alembic's reader; the findings are still there."""

    views = (
        "from django.http import JsonResponse\n\nfrom .models import Item\n\n\n"
        "def items(request):\n"
        "    if request.method == 'POST':\n"
        "        Item.objects.create(name=request.POST['name'])\n"
        "    return JsonResponse({'items': list(Item.objects.all())})\n"
    )
    urls = (
        "from django.urls import path\n\nfrom . import views\n\n"
        "urlpatterns = [path('items/', views.items)]\n"
    )
    script = (
        '$(".fetch").each(function (i, el) { $.get(el.dataset.url, show); });\n'
        '$("select").change(show);\n'
    )
    repo = committed_django_site(
        tmp_path / "site",
        ("blog/views.py", views),
        ("blog/urls.py", urls),
        ("static/js/page.js", script),
    )
    unused = (
        "backend_architect.resources",
        "backend_architect.project.dependencies",
        "backend_architect.frameworks.kit.ts_store",
        "backend_architect.orm_migrations.alembic",
        # a grammar's package __init__ (its query files), a URI's quoting, git's blob ids
        "importlib.resources",
        "urllib.parse",
        "_hashlib",
    )
    r = _check_loading(repo, unused, "IV001,IV010,API,AU")
    assert r.stderr.strip().splitlines()[-1] == "[] True 0", r.stderr
    found = {(f["filename"].replace(os.sep, "/"), f["code"]) for f in json.loads(r.stdout)}
    # the SQL string and the routed view's unvalidated input are still found
    assert found == {("shop/views.py", "IV010"), ("blog/views.py", "IV001")}, r.stdout


def _check_loading(repo: Path, unused: tuple[str, ...], select: str):
    """``check --select select`` of ``repo`` in a process that prints, last on stderr, which
    of ``unused`` it loaded, whether it loaded the Django module, and the exit status."""
    import subprocess

    probe = (
        "import sys\n"
        "from backend_architect.entry import main\n"
        "code = main(sys.argv[1:])\n"
        f"loaded = sorted(m for m in {unused!r} if m in sys.modules)\n"
        "print(loaded, 'backend_architect.frameworks.django' in sys.modules, code, file=sys.stderr)\n"
    )
    args = ["check", "--no-cache", "--exit-zero", "--select", select, "--output-format", "json"]
    return subprocess.run(
        [sys.executable, "-c", probe, *args, "."],
        check=False,
        cwd=repo,
        env=server_env(),
        capture_output=True,
        text=True,
    )


def test_grammars_load_their_compiled_module_as_their_package_does():
    """Each grammar comes from its wheel's compiled module, loaded without the wheel's
    ``__init__``: the functions are the ones the package exports once it is imported, and a
    grammar parses."""
    import importlib

    from backend_architect.core import languages

    for package, names in {
        "tree_sitter_python": ("language",),
        "tree_sitter_javascript": ("language",),
        "tree_sitter_typescript": ("language_typescript", "language_tsx"),
        "tree_sitter_go": ("language",),
        "tree_sitter_rust": ("language",),
        "tree_sitter_postgres": ("language",),
    }.items():
        compiled = languages._binding(package)
        exported = importlib.import_module(package)
        for name in names:
            assert getattr(compiled, name) is getattr(exported, name), (package, name)
    assert languages.parse(b"def f(x):\n    return x\n", "python").root_node.type == "module"
