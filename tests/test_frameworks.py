"""The framework list and the framework modules' templates."""

from __future__ import annotations

import pkgutil
import re
from importlib import resources

import pytest

from backend_architect import frameworks
from backend_architect.core import languages

TEMPLATES = resources.files("backend_architect.frameworks").joinpath("templates")
GRAMMAR = {".py": "python", ".ts": "typescript", ".js": "javascript", ".go": "go", ".rs": "rust"}
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _template_files():
    by_folder = {f.name.replace("/", "_"): f for f in frameworks.FRAMEWORKS}
    for folder in sorted(TEMPLATES.iterdir(), key=lambda p: p.name):
        fw = by_folder.get(folder.name)
        samples = fw.template_samples if fw is not None else frameworks.Framework.template_samples
        for f in sorted(folder.iterdir(), key=lambda p: p.name):
            if not f.is_file():  # e.g. __pycache__ left by compileall
                continue
            yield f"{folder.name}/{f.name}", f, samples


def _errors(node, out):
    if node.type == "ERROR" or node.is_missing:
        out.append((node.start_point, node.type))
    for c in node.children:
        _errors(c, out)
    return out


@pytest.mark.parametrize(
    ("name", "path", "samples"), list(_template_files()), ids=[t[0] for t in _template_files()]
)
def test_template_parses_with_its_grammar(name, path, samples):
    ext = "." + path.name.rsplit(".", 1)[-1]
    assert ext in GRAMMAR, f"{name}: no grammar for {ext}"
    raw = path.read_text("utf-8")
    unknown = set(PLACEHOLDER.findall(raw)) - set(samples)
    assert not unknown, f"{name}: placeholders without a sample value (template_samples): {unknown}"
    filled = PLACEHOLDER.sub(lambda m: samples[m.group(1)], raw)
    tree = languages.parse(filled.encode(), GRAMMAR[ext])
    assert _errors(tree.root_node, []) == [], f"{name} does not parse as {GRAMMAR[ext]}"


def test_every_template_folder_belongs_to_a_framework():
    names = {f.name.replace("/", "_") for f in frameworks.FRAMEWORKS} | {"_shared"}
    folders = {p.name for p in TEMPLATES.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= names, folders - names


def test_every_framework_module_is_in_the_list():
    pkg = resources.files("backend_architect.frameworks")
    modules = {
        m.name for m in pkgutil.iter_modules([str(pkg)]) if not m.ispkg and m.name not in ("base",)
    }
    listed = {type(f).__module__.rsplit(".", 1)[-1] for f in frameworks.FRAMEWORKS}
    assert modules == listed


def test_names_are_unique_and_languages_known():
    names = [f.name for f in frameworks.FRAMEWORKS]
    assert len(names) == len(set(names))
    families = set(frameworks.LANGUAGE_FAMILIES.values())
    for f in frameworks.FRAMEWORKS:
        assert f.language in families, f
        assert f.title and f.default_language


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        ("python", b"from fastapi import FastAPI\n", "fastapi"),
        ("python", b"import flask\n", "flask"),
        ("python", b"from rest_framework.views import APIView\n", "django"),
        ("python", b"import os\n", None),
        ("typescript", b'import { Controller } from "@nestjs/common";\n', "nestjs"),
        ("typescript", b'import Fastify from "fastify";\n', "fastify"),
        ("javascript", b'const express = require("express");\n', "express"),
        ("javascript", b'const Koa = require("koa");\nconst r = new Router()\n', None),
        ("go", b'import "github.com/gin-gonic/gin"\n', "gin"),
        ("go", b'import "github.com/labstack/echo/v4"\n', "echo"),
        ("go", b'import "net/http"\n', "net/http"),
        ("sql", b"select 1", None),
    ],
)
def test_detect(language, source, expected):
    fw = frameworks.detect(language, source)
    assert (fw.name if fw else None) == expected


def test_scaffolded_frameworks_generate_middleware_from_templates():
    for f in frameworks.scaffolded():
        if f.app_creation is None:
            continue  # Django: MIDDLEWARE edits the settings module
        assert f.middleware_filename, f
        ext = "." + f.middleware_filename.rsplit(".", 1)[-1]
        assert ext in GRAMMAR


def test_the_framework_table_names_each_module_with_its_family_and_name():
    """Detection imports one language family's modules (``_MODULES``): the table must say
    what each module's framework says of itself, and list every framework module."""
    table = frameworks._MODULES
    for module, family, name in table:
        fw = frameworks._framework(module)
        assert (fw.language, fw.name) == (family, name), module
        assert frameworks.by_name(name) is fw
    assert [f.name for f in frameworks.FRAMEWORKS] == [n for _, _, n in table]
    own = {m.name for m in pkgutil.iter_modules(frameworks.__path__)} - {"base", "kit", "templates"}
    assert own == {m for m, _, _ in table}
    assert frameworks.by_name("bottle") is None


def test_a_check_of_python_code_loads_no_other_family_of_frameworks(tmp_path):
    """Through the CLI: a FastAPI router checked loads the Python frameworks only."""
    import json
    import subprocess
    import sys

    from conftest import server_env

    (tmp_path / "orders.py").write_text(
        "from fastapi import APIRouter, Depends\n\nrouter = APIRouter()\n\n\n"
        '@router.get("/orders", response_model=list[OrderOut])\n'
        "def list_orders(db=Depends(get_db)):\n    return db.query(Order).all()\n"
    )
    others = [
        f"backend_architect.frameworks.{m}" for m, f, _ in frameworks._MODULES if f != "python"
    ]
    probe = (
        "import sys\n"
        "from backend_architect.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {others!r} if m in sys.modules), file=sys.stderr)\n"
    )
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "check",
            "--no-cache",
            "--exit-zero",
            "--output-format",
            "json",
            ".",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=server_env(),
        timeout=120,
        check=False,
    )
    assert r.stderr.strip().splitlines()[-1] == "[]", r.stderr
    codes = {f["code"] for f in json.loads(r.stdout)}
    assert "API004" in codes, r.stdout  # the list without pagination: the routes were read
