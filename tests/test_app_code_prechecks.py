"""Cheap checks that let application code skip work must never drop a finding.

The database-call query of embedded SQL only runs on a file that names one of the
methods it asks for; the enabled rules of a file are selected once per language.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from backend_architect.app import embedded
from backend_architect.app.checks import is_test_path
from backend_architect.config import Settings
from backend_architect.core import languages
from backend_architect.core.document import Document, path_to_uri
from backend_architect.core.engine import enabled_rules
from backend_architect.core.registry import all_rules

FIXTURES = Path(__file__).resolve().parent / "fixtures"
QUERIES = {
    "python": embedded.PY_CALLS,
    "javascript": embedded.JS_CALLS,
    "typescript": embedded.JS_CALLS,
    "tsx": embedded.JS_CALLS,
    "go": embedded.GO_CALLS,
}
APP_FIXTURES = sorted(
    p for p in FIXTURES.rglob("*") if p.is_file() and Document("", path=str(p)).language in QUERIES
)


def test_there_are_app_code_fixtures_in_every_language():
    languages_seen = {Document("", path=str(p)).language for p in APP_FIXTURES}
    assert {"python", "typescript", "javascript", "go"} <= languages_seen


@pytest.mark.parametrize("path", APP_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_database_call_is_seen_by_the_precheck(path: Path):
    """Each call the query matches names its method where the pre-check looks for it."""
    doc = Document(path.read_text(encoding="utf-8"), path=str(path))
    query = QUERIES[doc.language]
    tree = languages.parse(doc.data, doc.language)
    names = embedded._CALL_NAMES[query]
    for _, caps in languages.matches(doc.language, query, tree.root_node):
        method = caps["method"][0]
        start = len(doc.data[: method.start_byte].decode("utf-8", "surrogatepass"))
        found = names.match(doc.text, start)
        # the name itself (in Python followed by what leads to its call's parenthesis)
        assert found is not None and found.group().startswith(method.text.decode()), (
            f"{path.name}: the call at byte {method.start_byte} is not seen by the pre-check"
        )


@pytest.mark.parametrize(
    "language, text",
    [
        ("python", "def f(cur, x):\n    cur.execute(f'SELECT * FROM t WHERE id = {x}')\n"),
        ("python", "def f(M, x):\n    return M.objects.raw('SELECT 1 WHERE a = %s' % x)\n"),
        (
            "typescript",
            "export async function f(db: any, id: string) { await db.query(`SELECT * FROM t WHERE id = ${id}`); }\n",
        ),
        (
            "typescript",
            "const rows = await prisma.$queryRawUnsafe('SELECT * FROM t WHERE id = ' + id);\n",
        ),
    ],
)
def test_a_file_with_a_database_call_passes_the_precheck(language: str, text: str):
    query = QUERIES[language]
    assert embedded._CALL_NAMES[query].search(text)


@pytest.mark.parametrize(
    "language, text",
    [
        ("python", "def execute_later(x):\n    return x.executed\n"),
        ("python", '"""Run the text through the raw filter, then execute it."""\nrun = 1\n'),
        ("typescript", "const $query = 1; const queryString = foo$query;\n"),
    ],
)
def test_names_only_count_as_whole_identifiers(language: str, text: str):
    assert not embedded._CALL_NAMES[QUERIES[language]].search(text)


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings(select=("IV", "AU"), ignore=("AU001",)),
        Settings(per_file_ignores={"**/views.py": ("IV",), "*.ts": ("AU",)}),
    ],
)
@pytest.mark.parametrize("path", ["app/views.py", "src/routes.ts", "db/001_init.sql", "main.go"])
def test_enabled_rules_are_the_rules_each_file_selects(settings: Settings, path: str):
    doc = Document("", path=path)
    expected = [
        r
        for r in all_rules()
        if doc.language in r.languages and settings.rule_enabled(r.code, doc.path)
    ]
    assert enabled_rules(settings, doc) == expected
    assert enabled_rules(settings, doc) == expected  # asked again: the same answer


def test_cached_path_answers_match_the_uncached_ones(tmp_path: Path):
    assert is_test_path("src/tests/test_views.py") and is_test_path("api/users.test.ts")
    assert not is_test_path("src/app/views.py")
    assert path_to_uri(str(tmp_path / "a b.py")) == (tmp_path / "a b.py").as_uri()
    assert path_to_uri("rel/x.py") == Path(os.path.abspath("rel/x.py")).as_uri()


@pytest.mark.parametrize(
    "name",
    [
        "a b/c+d.sql",
        "é ü/ß.py",
        "q?x#y;z/@:=&$,.sql",
        "c%20.sql",
        "tab\tnl\n.go",
        "~u/[x]{y}'\"`!*().ts",
        " 中文/файл.py",
        "\udcff bad.py",
    ],
)
def test_file_uris_of_odd_paths_are_spelled_as_pathlib_spells_them(name: str):
    for path in (f"/srv/{name}", f"//host/{name}", f"/srv/./x/../{name}", f"/{name}/"):
        assert path_to_uri(path) == Path(os.path.abspath(path)).as_uri()


def test_file_uris_of_the_root_and_of_files_in_one_odd_folder_are_pathlib_s():
    """A folder's part of the URI is encoded once for all its files: the same URIs."""
    for path in ("/", "//", "/+", "/a+/", "//a", "/a b/c", "/a b/d e", "/a b/f+g/h", "/a b/c"):
        assert path_to_uri(path) == Path(os.path.abspath(path)).as_uri()


ALL_FIXTURE_TEXTS = [p.read_bytes() for p in APP_FIXTURES] + [
    b"PassWord = 1",
    b"let pW = x",
    b"const PRIVATE_KEY = k; Api_Key",
    b"salted hash",
    b"nothing to see",
    b"HaveIBeenPwned range lookup of K-Anonymity",
]


@pytest.mark.parametrize("data", ALL_FIXTURE_TEXTS, ids=range(len(ALL_FIXTURE_TEXTS)))
def test_word_gates_agree_with_the_patterns_they_guard(data: bytes):
    from backend_architect.rules.auth_system import weak_password_hash as wph
    from backend_architect.rules.design_api import sensitive_field_in_response as sfr

    low = data.lower()
    sensitive = re.search(rb"(?i)password|secret|api_?key|token|salt|private", data)
    assert any(w in low for w in sfr.SENSITIVE_WORDS) == bool(sensitive)
    if re.search(wph.PASSWORD, data):
        assert b"pw" in low or b"pass" in low
    if re.search(wph.K_ANONYMITY, data):
        assert any(w in low for w in (b"pwned", b"anonymity", b"hibp"))


@pytest.mark.parametrize(
    "head",
    [
        b"import express from 'express';\nconst r = express.Router();",
        b"const { Router } = require('express')",
        b"import Fastify from 'fastify'",
        b"export default async function (app: FastifyInstance) {}",
        b"import { Hono } from 'hono'",
        b"import Router from '@koa/router'",
        b"import { Controller } from '@nestjs/common'",
        b"const x = 1;",
        b"from fastapi import FastAPI",
        b"import flask_restx\nfrom flask import Flask",
        b"from rest_framework import viewsets",
        b"  from django.db import models",
        b"# uses fastapi, flask and django\nimport os",
    ],
)
def test_framework_detection_is_unchanged_by_its_literal_gates(head: bytes):
    from backend_architect.frameworks import FRAMEWORKS, django, express, fastapi, fastify, flask
    from backend_architect.frameworks import hono, nestjs
    from backend_architect.frameworks.kit.node_router import KOA, koa_import

    assert koa_import(head) == bool(KOA.search(head))
    koa = bool(KOA.search(head))
    fw = {f.name: f for f in FRAMEWORKS}
    assert fw["express"].detects(head) == (
        not koa and bool(express._IMPORT.search(head) or express._ROUTER.search(head))
    )
    assert fw["fastify"].detects(head) == (not koa and bool(fastify._IMPORT.search(head)))
    assert fw["hono"].detects(head) == (not koa and bool(hono._IMPORT.search(head)))
    assert fw["nestjs"].detects(head) == (not koa and bool(nestjs._IMPORT.search(head)))
    for mod in (fastapi, flask, django):
        assert mod.FRAMEWORK.detects(head) == bool(mod._IMPORT.search(head))


@pytest.mark.parametrize(
    "name, language, text",
    [
        ("gen.go", "go", "// Code generated by sqlc. DO NOT EDIT.\npackage db\n"),
        ("a.ts", "typescript", "const s = '// @generated';\n// hand-written\n"),
        ("b.py", "python", "x = 1\n# This file was automatically generated\n"),
        ("c.py", "python", 'HEADER = "# Code generated by x. DO NOT EDIT."\n'),
        ("bundle.js", "javascript", "var a=1;" * 2000 + "\n"),
        ("long.ts", "typescript", ("let x = 1;\n" * 300) + "y" * 2500 + "\n"),
        ("plain.ts", "typescript", "export const x = 1;\n"),
        ("0001_up.sql", "sql", "-- AUTOGENERATED BY schema-dump\nSELECT 1;\n"),
        ("x.go", "go", "// Do Not Edit It, it is written by a tool\npackage x\n"),
        ("0002_up.sql", "sql", "-- generation of the slugs\nSELECT 1;\n"),
        ("d.go", "go", "// Code generated by gen-ü. DO NOT EDIT.\npackage db\n"),
        ("e.py", "python", "# GENERATED BY SQLC\n# Do Not Edit this file\nx = 'naïve'\n"),
        ("f.py", "python", "# hand-written, edited often\nx = 'naïve'\n"),
    ],
)
def test_own_code_by_content_is_what_its_line_by_line_definition_says(name, language, text):
    from backend_architect.project import ownership as own

    expected = None
    for line in text[:4096].split("\n"):
        if line.lstrip().startswith(own._COMMENT_STARTS) and own._GENERATED_HEADER.search(line):
            expected = (own.GENERATED, f"header {line.strip().strip('/#*-! ')[:80]!r}")
            break
    if expected is None and language in ("javascript", "typescript", "tsx"):
        if len(text) > own._LONG_LINE:
            longest = max(len(line) for line in text[: 256 * 1024].split("\n"))
            if longest >= own._LONG_LINE * 5 or (
                longest >= own._LONG_LINE and text.count("\n") < len(text) / 500
            ):
                expected = (own.MINIFIED, f"a {longest}-character line (minified or bundled)")
    got = own.by_content(name, language, text)
    assert (None if got is None else (got.kind, got.reason)) == expected


PY_FIXTURES = [p for p in APP_FIXTURES if p.suffix == ".py"]


@pytest.mark.parametrize("path", PY_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_python_route_is_seen_by_the_route_precheck(path: Path):
    """A file the route pre-check passes over (not parsed for routes) declares none."""
    from backend_architect import frameworks
    from backend_architect.frameworks.kit.python_views import (
        may_declare_python_routes,
        python_routes,
    )

    doc = Document(path.read_text(encoding="utf-8"), path=str(path))
    fw = frameworks.of_document(doc)
    if fw is None or fw.language != "python":
        return
    found = python_routes(doc, languages.parse(doc.data, "python"), doc.data, fw.name)
    if found:
        assert may_declare_python_routes(doc.data), f"{path.name}: its routes would be skipped"
    assert fw.may_declare_routes(doc.data) == may_declare_python_routes(doc.data)


@pytest.mark.parametrize(
    "text, routes",
    [
        # a decorator written with blanks, a line continuation and a comment around the name
        (
            "from flask import Flask\napp = Flask(__name__)\n@app . post (\n  # the path\n  '/x')\ndef x():\n    return {}\n",
            1,
        ),
        (
            "from fastapi import APIRouter\nr = APIRouter()\n@r.get \\\n('/y')\nasync def y():\n    return []\n",
            1,
        ),
        # a Django function view: its first parameter is the request
        (
            "from django.shortcuts import render\n\nasync def index(\n    request, slug):\n    return render(request, 'i.html')\n",
            1,
        ),
        # a function view's request, a comment between it and the next parameter
        (
            "from django.shortcuts import render\n\ndef index(request  # the request\n, slug):\n"
            "    return render(request, 'i.html')\n",
            1,
        ),
        # a first parameter typed or with a default is not taken for a view's request
        # (nothing to parse the module for)
        (
            "from django.shortcuts import render\n\ndef index(request: HttpRequest, slug):\n"
            "    return render(request, 'i.html')\n",
            0,
        ),
        (
            "from django.shortcuts import render\n\ndef helper(request=None):\n"
            "    return render(request, 'i.html')\n",
            0,
        ),
        # a class-based view's base (a name holding APIView), but not a type named ViewFunc
        (
            "from rest_framework.response import Response\n\n\nclass Items(ListAPIViewMixin):\n"
            "    def get(self, request):\n        return Response([])\n",
            1,
        ),
        (
            "from django.http import HttpResponse\n\nViewFunc = Callable[..., HttpResponse]\n\n\n"
            "def login_required(view: ViewFunc) -> ViewFunc:\n    return view\n",
            0,
        ),
        (
            "from django.http import HttpRequest, HttpResponse\n\nViewFunc = Callable[..., HttpResponse]\n\n\n"
            "def wrap(request: HttpRequest, view: ViewFunc) -> HttpResponse:\n    return view(request)\n",
            0,
        ),
        # the request read elsewhere (a form, a mixin): no view to parse for
        (
            "from django import forms\n\nclass F(forms.Form):\n    def clean(self):\n        return self.request.user\n",
            0,
        ),
        # words in names and comments only: nothing to parse for
        (
            "from django.db import models\n\nclass Post(models.Model):\n    title = models.CharField(max_length=9)\n",
            0,
        ),
        ("from fastapi import FastAPI\n\napp = FastAPI(title='get posted')\n", 0),
        # the verbs read only from decorators: a dict's .get( in code and in a decorator's
        # string are no route
        (
            "from django.conf import settings\n\n@cache_for('x.get(1)')  # .post(\n"
            "def limit(options):\n    return options.get('limit', settings.get('L'))\n",
            0,
        ),
        # a decorator spanning lines (an open bracket, a line continuation, a string holding
        # brackets and a hash) before its verb
        (
            "from fastapi import FastAPI\nroutes = [FastAPI()]\n@routes[\n    0  # ) the app\n"
            '].get("/a(#")\nasync def a():\n    return []\n',
            1,
        ),
        (
            "from fastapi import FastAPI\napp = FastAPI()\n@app \\\n  .delete('/b/{id}')\n"
            "async def b(id: int):\n    return None\n",
            1,
        ),
    ],
)
def test_route_precheck_on_small_modules(text: str, routes: int):
    from backend_architect.app.routes import extract_routes
    from backend_architect.frameworks.kit.python_views import may_declare_python_routes

    doc = Document(text, path="app/views.py")
    assert len(extract_routes(doc)) == routes
    if routes:
        assert may_declare_python_routes(doc.data)
    else:
        assert not may_declare_python_routes(doc.data)


def run_cli(*args: str, cwd: Path):
    import subprocess
    import sys

    from conftest import server_env

    return subprocess.run(
        [sys.executable, "-m", "backend_architect", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=server_env(),
        timeout=120,
    )


def test_cli_finds_routes_and_queries_written_with_odd_spacing(tmp_path: Path):
    """Through the command line: the pre-checks let through a route decorator and a database
    call written with blanks, line continuations and comments before their parenthesis, and
    files with neither are still checked for the rest."""
    (tmp_path / "auth.py").write_text(  # no other word of a route in it
        "from flask import Flask\n"
        "app = Flask(__name__)\n\n"
        "@app . route (  # sign-in\n"
        "    '/login', methods=['POST'])\n"
        "def login():\n"
        "    return {'ok': True}\n"
    )
    (tmp_path / "search.py").write_text(
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n\n"
        "@app.get('/search')\n"
        "def search():\n"
        "    cur = db.cursor()\n"
        "    return (cur.execute  # by name\n"
        "        (f\"SELECT * FROM users WHERE name = '{request.args['q']}'\"))\n"
    )
    (tmp_path / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    r = run_cli("check", "--output-format", "json", "--no-cache", "--exit-zero", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    codes = sorted({(f["filename"].rsplit("/", 1)[-1], f["code"]) for f in json.loads(r.stdout)})
    assert ("auth.py", "RL001") in codes  # the sign-in route, read from the spaced decorator
    assert ("search.py", "IV011") in codes  # the query formatted from request data
    assert not [c for c in codes if c[0] == "plain.py"]


def test_cli_reads_routes_from_decorators_only(tmp_path: Path):
    """Through the command line: a module whose only verbs are a dict's ``.get(`` has no route
    (it is not parsed for routes), a route decorator spanning lines still gives one, and a
    triple-quoted string in a decorator is read as the route decorator it may be."""
    (tmp_path / "config.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n\n"
        "def limit(options):\n    return options.get('limit') or options.post('x')\n"
    )
    (tmp_path / "auth.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n\n"
        "@app.route(\n    '/login',  # sign-in\n    methods=['POST'],\n)\n"
        "def login():\n    return {'ok': True}\n"
    )
    (tmp_path / "reset.py").write_text(
        'from flask import Flask\napp = Flask(__name__)\n\n@app.post("""/password/reset""")\n'
        "def reset():\n    return {'ok': True}\n"
    )
    r = run_cli("check", "--output-format", "json", "--no-cache", "--exit-zero", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    codes = sorted({(f["filename"].rsplit("/", 1)[-1], f["code"]) for f in json.loads(r.stdout)})
    assert ("auth.py", "RL001") in codes
    assert ("reset.py", "RL001") in codes
    assert not [c for c in codes if c[0] == "config.py"]
    from backend_architect.frameworks.kit.python_views import may_declare_python_routes

    assert not may_declare_python_routes((tmp_path / "config.py").read_bytes())


@pytest.mark.parametrize("path", APP_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_stem_search_answers_as_the_call_pattern_does(path: Path):
    """names_a_call looks for each stem and runs the pattern only there: the same answer."""
    doc = Document(path.read_text(encoding="utf-8"), path=str(path))
    query = QUERIES[doc.language]
    texts = [doc.text, doc.text.replace("(", " "), "x" + doc.text[len(doc.text) // 2 :]]
    for text in texts:
        expected = embedded._CALL_NAMES[query].search(text) is not None
        got = embedded.names_a_call(doc.language, text)
        if doc.language == "go":
            assert got == expected
            continue
        # Python, JavaScript, TypeScript: the pattern, narrowed to calls with arguments and
        # (but for a few bare functions and tagged templates) a receiver; every call the
        # finder takes a SQL string from is still seen
        assert expected or not got
        if not got:
            assert not _sites(text, doc.language), (
                f"{path.name}: a SQL string in a file the pre-check skips"
            )


def _sites(text: str, language: str = "python") -> list:
    """Every SQL string (statement or fragment) the finder takes from the calls the
    database-call query matches in ``text``, without the pre-check."""
    from backend_architect.core.engine import Context

    suffix = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx"}[language]
    doc = Document(text, path=f"app/module.{suffix}")
    finder = embedded._Finder(Context(doc, Settings()), languages.parse(doc.data, language))
    found = []
    for caps in finder._call_matches(QUERIES[language]):
        for fragments in (False, True):
            site = finder._site(
                caps["call"][0],
                caps["method"][0].text.decode(),
                caps.get("obj", [None])[0],
                caps["args"][0],
                False,
                fragments=fragments,
            )
            if site is not None:
                found.append(site)
    return found


@pytest.mark.parametrize(
    "text, calls",
    [
        ("def f(cur):\n    cur.execute(\n        # by id\n        'SELECT 1')\n", True),
        ("rows = (db\n    .execute('SELECT 1'))\n", True),
        ("q = text('SELECT 1')\n", True),
        ("q = sa.text('SELECT 1')\n", True),
        ("def f(cur, sql):\n    cur.execute(sql)\n", True),
        # no arguments, or a function that is not a database call's method
        ("def f(x):\n    y = x.copy()\n    cur.execute(  # nothing\n    )\n", False),
        ("import copy\nfrom asyncio import run\nresult = run(main())\nz = copy(x)\n", False),
    ],
)
def test_python_database_calls_need_arguments_and_a_receiver(text: str, calls: bool):
    """A Python file whose only calls of the names are empty, or functions called without a
    receiver that the finder never reads SQL from, is not parsed for SQL strings."""
    assert embedded.names_a_call("python", text) is calls
    if not calls:
        assert embedded._CALL_NAMES[embedded.PY_CALLS].search(text)  # the names are there
        assert not _sites(text)


@pytest.mark.parametrize(
    "text, calls",
    [
        ("const rows = await db\n  .query(sqlText, [id]);\n", True),
        ("const r = await client?.query('SELECT 1');\n", True),
        ("const r = sql`SELECT 1`;\n", True),
        ("const q = literal('now()');\n", True),
        ("const q = `\n  SELECT 1`;\nawait db.get(q);\n", True),
        ("await db.get('/* by id */ SELECT 1');\n", True),
        ('await db.get("\\n(SELECT 1)");\n', True),
        ("await knex('t').where(column, value);\n", True),  # a fragment: no keyword needed
        # a method that takes whole statements, and no string of the module starts like one
        ("const v = cache.get(key);\nconst label = 'Pick one';\n", False),
        ("const r = await db.all(`${table}`);\n", False),
        # no arguments, or a function called without a receiver
        ("const v = cache.get();\nconst all = run(get(key));\n", False),
        ("export const each = (xs) => xs.map(f);\nconst r = each(items);\n", False),
    ],
)
def test_typescript_database_calls_need_arguments_and_a_receiver(text: str, calls: bool):
    """A TypeScript module whose only calls of the names are empty or made without a
    receiver (``get()``, ``each(items)``), or call a method that takes whole statements
    while none of its string literals starts like one, is not parsed for SQL strings."""
    assert embedded.names_a_call("typescript", text) is calls
    if not calls:
        assert embedded._CALL_NAMES[embedded.JS_CALLS].search(text)  # the names are there
        assert not _sites(text, "typescript")


@pytest.mark.parametrize(
    "text, calls",
    [
        ("const rows = await db.query<User>(`SELECT * FROM users`);\n", True),
        ("const rows = await pool.query /* by id */ (\n  'SELECT 1'\n);\n", True),
        ("const r = await client?.query?.('SELECT 1');\n", True),
        ("const r = sql`SELECT 1`;\n", True),
        # the names as properties, parameters and words: no call of them
        (
            "const { query } = ctx.request;\nexport function load(query: string) { return query; }\n",
            False,
        ),
        ("// execute the query later\nconst query = { text: 'x', values: [] };\n", False),
    ],
)
def test_typescript_database_calls_need_their_arguments_next(text: str, calls: bool):
    """In JavaScript and TypeScript a method name counts only with its arguments next; a file
    that only names the methods is not parsed for SQL strings."""
    assert embedded.names_a_call("typescript", text) is calls
    if not calls:  # nor does the query the pre-check stands for match
        tree = languages.parse(text, "typescript")
        assert not languages.matches("typescript", embedded.JS_CALLS, tree.root_node)


def test_cli_finds_a_typescript_query_with_a_comment_before_its_arguments(tmp_path: Path):
    """Through the command line: a TypeScript database call with a comment and a line break
    before its arguments is still read for SQL, and a module that only names ``query`` as a
    property is checked for the rest without a finding."""
    (tmp_path / "articles.ts").write_text(
        'import express from "express";\nimport { Pool } from "pg";\n\n'
        "const pool = new Pool();\nconst app = express();\n\n"
        'app.delete("/articles/:id", async (req, res) => {\n'
        "  await pool.query /* by id */\n"
        "    (`DELETE FROM articles WHERE id = ${req.params.id}`);\n"
        "  res.status(204).end();\n});\n"
    )
    (tmp_path / "params.ts").write_text(
        "export function load(ctx: { query: string }) {\n  const { query } = ctx;\n  return query;\n}\n"
    )
    r = run_cli("check", "--output-format", "json", "--no-cache", "--exit-zero", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    codes = sorted({(f["filename"].rsplit("/", 1)[-1], f["code"]) for f in json.loads(r.stdout)})
    assert ("articles.ts", "IV011") in codes  # the query spliced from request data
    assert not [c for c in codes if c[0] == "params.ts"]


@pytest.mark.parametrize(
    "text, routes",
    [
        (b"def index(request):\n    return render(request, 'a.html')\n", True),
        (b"def index(  # the view\n    request, pk):\n    pass\n", True),
        (b"class Things(generics.ListAPIView):\n    pass\n", True),
        (b"api.add_resource(Todo, '/todos')\n", True),
        (b"app.add_url_rule('/', view_func=index)\n", True),
        (b"@app.get('/items')\ndef items():\n    return []\n", True),
        # the words without a view: a request made, a helper taking something else
        (b"import requests\n\ndef fetch(url):\n    return requests.get(url)\n", False),
        (b"def handle(req, request_id):\n    return d.get(request_id)\n", False),
    ],
)
def test_python_route_precheck(text: bytes, routes: bool):
    from backend_architect.frameworks.kit.python_views import may_declare_python_routes

    assert may_declare_python_routes(text) is routes


@pytest.mark.parametrize(
    "language, text, expected",
    [
        # a name or a dot before a banner of comment marks: each pre-check answers at once
        # (the blanks-and-comments part of a pattern read one way only: a failed search
        # used to try every way of cutting the banner into comments, 2 ** its length)
        ("python", "x = 1  # runs execute\n" + "#" * 60 + "\n", False),
        ("python", "cur.execute  # the query (\n" + "#" * 60 + "\n", True),
        ("python", "cur.execute\n" + "#" * 60 + "\n  ('SELECT 1')\n", True),
        ("javascript", "db.query " + "/" * 60 + "\n", False),
        ("javascript", "db.query // the SQL\n" + "/" * 60 + "\n('SELECT 1')\n", True),
        ("javascript", "db.query /* a */ // b\n" + "/" * 60, False),
        ("javascript", "db.query(" + "/" * 60, True),
        ("javascript", "db.query(" + "/" * 60 + "\n)", False),
    ],
)
def test_prechecks_answer_at_once_after_a_comment_banner(language, text, expected):
    import time

    from backend_architect.app.embedded import names_a_call
    from backend_architect.frameworks.kit.python_views import may_declare_python_routes

    started = time.perf_counter()
    assert names_a_call(language, text) is expected
    module = "from django.urls import path\n# See the docs.\n" + "#" * 60 + "\nX = 1\n"
    assert not may_declare_python_routes(module.encode())
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "module, reads_urls",
    [
        # parsed for routes (a Resource named in a comment) but with no view: its folder's
        # urls.py is not read
        (
            "from django.conf import settings\n\n# a Resource of the site\ndef limit(x):\n    return x\n",
            False,
        ),
        # a function view: its path comes from urls.py
        (
            "from django.shortcuts import render\n\ndef index(request):\n    return render(request, 'i.html')\n",
            True,
        ),
    ],
)
def test_a_django_module_reads_its_urls_only_for_a_view(
    tmp_path: Path, module: str, reads_urls: bool
):
    import subprocess
    import sys

    from conftest import server_env

    (tmp_path / "manage.py").write_text("import django\n")
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog" / "views.py").write_text(module)
    (tmp_path / "blog" / "urls.py").write_text(
        "from django.urls import path\n\nfrom . import views\n\nurlpatterns = [path('i/', views.index)]\n"
    )
    probe = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda e, a: e == 'open' and str(a[0]).endswith('urls.py') and opened.append(a[0]))\n"
        "from backend_architect.entry import main\n"
        "code = main(sys.argv[1:])\n"
        "print(bool(opened), code, file=sys.stderr)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", probe, "check", "--no-cache", "--exit-zero", "blog/views.py"],
        check=False,
        cwd=tmp_path,
        env=server_env(),
        capture_output=True,
        text=True,
    )
    assert r.stderr.strip().splitlines()[-1] == f"{reads_urls} 0", r.stderr


def _alternatives(pattern: str) -> list[str]:
    """The names a ``^(a\\.b|c\\.d)$`` pattern matches, as text."""
    body = re.fullmatch(r"\^\((.*)\)\$", pattern)
    assert body is not None, pattern
    return [alt.replace("\\.", ".") for alt in body.group(1).split("|")]


def test_go_connection_factories_are_the_words_cp001_looks_for_first():
    from backend_architect.rules.connection_pool import connection_per_request as cp001

    names = _alternatives(cp001.GO_FACTORIES.pattern)
    assert sorted(names) == sorted(n.decode() for n in cp001.GO_FACTORY_NAMES)


def test_cli_flags_every_go_callee_of_ev001_and_cp001(tmp_path: Path):
    """A Go file is read for EV001 and CP001 only when it names a callee they flag: each one,
    alone in its file, is still found."""
    from backend_architect.rules.connection_pool import connection_per_request as cp001

    (tmp_path / ".git").mkdir()
    calls = {
        "EV001": [
            'smtp.SendMail("smtp.example.com:587", nil, "a@example.com", nil, nil)',
            "time.Sleep(time.Second)",
            'gofpdf.New("P", "mm", "A4", "")',
            "wkhtmltopdf.NewPDFGenerator()",
            'http.Post("https://hooks.example.com/orders", "application/json", nil)',
            'http.PostForm("https://hooks.example.com/orders", nil)',
        ],
        "CP001": [f'{name}("postgres")' for name in _alternatives(cp001.GO_FACTORIES.pattern)],
    }
    expected = {}
    for code, lines in calls.items():
        for k, line in enumerate(lines):
            path = tmp_path / f"{code.lower()}_{k}" / "main.go"
            path.parent.mkdir()
            path.write_text(
                'package main\n\nimport "github.com/gin-gonic/gin"\n\n'
                f"func create(c *gin.Context) {{\n\tx := {line}\n\t_ = x\n\tc.Status(201)\n}}\n\n"
                'func routes(r *gin.Engine) {\n\tr.POST("/orders", create)\n}\n'
            )
            expected[str(path)] = code
    proc = run_cli(
        "check",
        "--select",
        "EV001,CP001",
        "--output-format",
        "json",
        "--exit-zero",
        ".",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    found = {((tmp_path / f["filename"]).resolve(), f["code"]) for f in json.loads(proc.stdout)}
    missing = {
        (path, code) for path, code in expected.items() if (Path(path).resolve(), code) not in found
    }
    assert not missing, missing


GO_FIXTURES = [p for p in APP_FIXTURES if p.suffix == ".go"]
# the Query assignments CP003 reads, as one query of the tree would find them
CP003_QUERY = """
(short_var_declaration left: (expression_list . (identifier) @v) right: (expression_list (call_expression function: (selector_expression field: (field_identifier) @m) arguments: (argument_list (_)) @a))) @d
(assignment_statement left: (expression_list . (identifier) @v) right: (expression_list (call_expression function: (selector_expression field: (field_identifier) @m) arguments: (argument_list (_)) @a))) @d
"""


@pytest.mark.parametrize("path", GO_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_go_calls_read_off_the_shared_method_calls_are_what_their_queries_find(path: Path):
    """The database calls of SQL strings and CP003's Query assignments come from the file's
    method calls (one query per tree): the same nodes, in the same order, as their own
    queries find."""
    from backend_architect.core.engine import Context
    from backend_architect.rules.connection_pool import connection_not_closed as cp003

    doc = Document(path.read_text(encoding="utf-8"), path=str(path))
    tree = languages.parse(doc.data, "go")
    finder = embedded._Finder(Context(doc, Settings(), None), tree)
    shared = [
        (c["call"][0].start_byte, c["call"][0].end_byte)
        for c in finder._call_matches(embedded.GO_CALLS)
    ]
    own = [
        (c["call"][0].start_byte, c["call"][0].end_byte)
        for _, c in languages.matches("go", embedded.GO_CALLS, tree.root_node)
    ]
    assert shared == own
    queries = ("Query", "QueryContext", "Queryx", "QueryxContext")
    own = [
        (m["d"][0].start_byte, m["v"][0].start_byte)
        for _, m in languages.matches("go", CP003_QUERY, tree.root_node)
        if m["m"][0].text.decode() in queries
    ]
    shared = [(d.start_byte, v.start_byte) for d, v in cp003._go_query_assignments(doc, tree)]
    assert shared == own


@pytest.mark.parametrize("path", GO_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_go_declared_functions_are_what_their_query_finds(path: Path):
    """A file without a syntax error is read for its functions at its top level only: the
    same functions, in the same order, as the query of the whole tree (and with an error
    left in the file, too)."""
    from backend_architect.frameworks.kit import go_router

    data = path.read_bytes()
    for text in (data, data.replace(b"{", b"(", 1)):  # (the second: a syntax error early on)
        tree = languages.parse(text, "go")
        own: dict = {}
        for _, m in languages.matches("go", go_router.GO_FUNCS, tree.root_node):
            own.setdefault(m["name"][0].text, m["fn"][0].start_byte)
        found = go_router.declared_functions(tree, text)
        assert [(k.encode(), n.start_byte) for k, n in found.items()] == list(own.items())
