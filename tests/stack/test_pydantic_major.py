"""Generated Python code in the pydantic major version the project pins.

The IV001 fixes (Flask, FastAPI) and ENDPOINT's FastAPI models are generated in a project
pinned to pydantic 1 and in one on pydantic 2. The code is checked against pydantic 1's API
by parsing it (no v2-only names), and run: under the installed pydantic 2 in this process,
and under a real pydantic 1 installed into a temporary folder when pip can get it (the run
is skipped, not the parse check, when it cannot).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backend_architect.cli import main as cli_main

#: names only pydantic 2 has (on models, in imports)
V2_ONLY = {
    "model_dump",
    "model_validate",
    "model_config",
    "model_fields",
    "model_dump_json",
    "model_validate_json",
    "ConfigDict",
    "field_validator",
    "model_validator",
}
V1_ONLY = {"parse_obj", "validator", "root_validator"}

FLASK_VIEW = """\
from flask import Flask, request

app = Flask(__name__)


@app.post("/items")
def create_item():
    data = request.get_json()
    name = data["name"]
    tags = data["tags"]
    return {"name": name.lower(), "count": len(tags)}, 201
"""

FASTAPI_VIEW = """\
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/items")
async def create_item(request: Request):
    data = await request.json()
    name = data["name"]
    return {"name": name.lower(), "tags": [t for t in data["tags"]]}
"""

SCHEMA = """\
CREATE TABLE products (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku varchar(20) NOT NULL UNIQUE,
  name text NOT NULL,
  price_cents integer NOT NULL DEFAULT 0,
  tags text[]
);
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL
);
"""


def names_used(code: str) -> set[str]:
    """Every attribute, imported name and assigned name in ``code``."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.alias):
            out.add(node.name)
        elif isinstance(node, ast.Name):
            out.add(node.id)
    return out


def model_classes(code: str) -> str:
    """The source of the module's BaseModel classes, with the imports they need."""
    tree = ast.parse(code)
    parts = [
        "from __future__ import annotations",
        "from datetime import date, datetime",
        "from typing import Any",
        "from pydantic import BaseModel, Field, validator  # validator: the pydantic 1 models",
        "try:\n    from pydantic import ConfigDict\nexcept ImportError:  # pydantic 1\n    pass",
    ]
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Name) and b.id == "BaseModel" for b in node.bases
        ):
            parts.append(ast.get_source_segment(code, node) or "")
    return "\n\n".join(parts) + "\n"


def project(root: Path, manifest: str, content: str, app: str) -> Path:
    root.mkdir(parents=True)
    (root / manifest).write_text(content)
    (root / "app.py").write_text(app)
    return root


def fix(root: Path) -> str:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli_main(["check", "--jobs", "1", "--select", "IV001", "--fix", "--unsafe-fixes", str(root)])
    return (root / "app.py").read_text()


@pytest.fixture(scope="module")
def pydantic1(tmp_path_factory) -> Path | None:
    """A folder holding pydantic 1 (None when pip cannot install it here)."""
    target = tmp_path_factory.mktemp("pydantic1")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
             "--target", str(target), "pydantic>=1.10,<2"],
            capture_output=True,
            timeout=180,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return target if done.returncode == 0 else None


def run_with(pydantic1: Path | None, root: Path, script: str) -> dict:
    """``script`` run in ``root`` (pydantic 1 first on the path when given); its JSON output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(p) for p in (pydantic1, root) if p]))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "manifest,content",
    [
        ("requirements.txt", "flask>=3\npydantic==1.10.*\n"),
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["flask>=3", "pydantic<2"]\n'),
    ],
)
def test_flask_iv001_fix_runs_under_pydantic_1(tmp_path, manifest, content, pydantic1):
    root = project(tmp_path / "shop", manifest, content, FLASK_VIEW)
    code = fix(root)
    used = names_used(code)
    assert "parse_obj" in used and not used & V2_ONLY, code
    if pydantic1 is None:
        pytest.skip("pydantic 1 could not be installed here: checked by parsing only")
    out = run_with(
        pydantic1,
        root,
        """
        import json, pydantic
        from app import app
        c = app.test_client()
        ok = c.post("/items", json={"name": "Anvil", "tags": ["a", "b"]})
        bad = c.post("/items", json={"name": "Anvil"})
        print(json.dumps({"version": pydantic.VERSION, "ok": [ok.status_code, ok.get_json()],
                          "bad": [bad.status_code, bad.get_json()]}))
        """,
    )
    assert out["version"].startswith("1.")
    assert out["ok"] == [201, {"name": "anvil", "count": 2}], out
    status, body = out["bad"]
    assert status == 422 and [d["field"] for d in body["error"]["details"]] == ["tags"], out


def test_flask_iv001_fix_on_pydantic_2(tmp_path):
    root = project(tmp_path / "shop", "requirements.txt", "flask>=3\npydantic>=2\n", FLASK_VIEW)
    code = fix(root)
    used = names_used(code)
    assert "model_validate" in used and not used & V1_ONLY, code
    out = run_with(
        None,
        root,
        """
        import json, pydantic
        from app import app
        c = app.test_client()
        ok = c.post("/items", json={"name": "A", "tags": []})
        bad = c.post("/items", json={"tags": []})
        print(json.dumps({"version": pydantic.VERSION, "ok": ok.get_json(), "bad": bad.status_code}))
        """,
    )
    assert out["version"].startswith("2.") and out["ok"] == {"name": "a", "count": 0} and out["bad"] == 422


@pytest.mark.parametrize(
    "content",
    [
        '[project]\nname = "x"\ndependencies = ["fastapi", "pydantic<2"]\n',
        '[project]\nname = "x"\ndependencies = ["fastapi<0.100"]\n',  # no pydantic: FastAPI's own
    ],
)
def test_fastapi_iv001_fix_uses_pydantic_1(tmp_path, content, pydantic1):
    root = project(tmp_path / "shop", "pyproject.toml", content, FASTAPI_VIEW)
    code = fix(root)
    used = names_used(code)
    assert "dict" in used and not used & V2_ONLY, code
    assert "body.dict()" in code
    if pydantic1 is None:
        pytest.skip("pydantic 1 could not be installed here: checked by parsing only")
    (root / "models.py").write_text(model_classes(code))
    out = run_with(
        pydantic1,
        root,
        """
        import json, pydantic
        from models import CreateItemBody
        body = CreateItemBody(name="Anvil", tags=["a", 1])
        try:
            CreateItemBody(name="Anvil")
            refused = False
        except pydantic.ValidationError:
            refused = True
        print(json.dumps({"version": pydantic.VERSION, "dict": body.dict(), "refused": refused}))
        """,
    )
    assert out["version"].startswith("1.")
    assert out == {"version": out["version"], "dict": {"name": "Anvil", "tags": ["a", 1]}, "refused": True}


def generate_endpoint(root: Path, table: str = "products") -> str:
    schema = root / "schema.sql"
    schema.write_text(SCHEMA)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = cli_main(
            ["generate", "endpoint", str(schema), "--table", table, "--root", str(root), "--write"]
        )
    assert code == 0
    return (root / "routes" / f"{table}.py").read_text()


ENDPOINT_MODELS = """
import json, pydantic
from models import ProductCreate, ProductReplace, ProductUpdate

def refused(cls, **kw):
    try:
        cls(**kw)
    except pydantic.ValidationError as e:
        return sorted(str(err["loc"][-1]) for err in e.errors())
    return []

dump = "dict" if pydantic.VERSION.startswith("1.") else "model_dump"
print(json.dumps({
    "version": pydantic.VERSION,
    "create": getattr(ProductCreate(sku="A-1", name="Anvil"), dump)(exclude_unset=True),
    "create_extra": refused(ProductCreate, sku="A-1", name="Anvil", id=5),
    "create_long": refused(ProductCreate, sku="x" * 21, name="Anvil"),
    "replace_missing": refused(ProductReplace, sku="A-1", name="Anvil"),
    "replace": getattr(ProductReplace(sku="A-1", name="Anvil", price_cents=3, tags=None), dump)(exclude_unset=True),
    "update": getattr(ProductUpdate(tags=None), dump)(exclude_unset=True),
}))
"""


@pytest.mark.parametrize("pin", ["pydantic<2", "pydantic>=2"])
def test_fastapi_endpoint_models_run_under_the_pinned_major(tmp_path, pin, pydantic1):
    root = project(
        tmp_path / "shop",
        "pyproject.toml",
        f'[project]\nname = "x"\ndependencies = ["fastapi", "{pin}"]\n',
        "from fastapi import FastAPI\n\napp = FastAPI()\n",
    )
    code = generate_endpoint(root)
    used = names_used(code)
    v1 = pin == "pydantic<2"
    assert not used & (V2_ONLY if v1 else V1_ONLY), sorted(used & (V2_ONLY | V1_ONLY))
    (root / "models.py").write_text(model_classes(code))
    if v1:
        if pydantic1 is None:
            pytest.skip("pydantic 1 could not be installed here: checked by parsing only")
        out = run_with(pydantic1, root, ENDPOINT_MODELS)
        assert out["version"].startswith("1.")
    else:
        out = run_with(None, root, ENDPOINT_MODELS)
        assert out["version"].startswith("2.")
    assert out["create"] == {"sku": "A-1", "name": "Anvil"}, out
    assert out["create_extra"] == ["id"] and out["create_long"] == ["sku"], out
    # PUT is a full replacement: every writable field is sent, a nullable one may be null
    assert out["replace_missing"] == ["price_cents", "tags"], out
    assert out["replace"] == {"sku": "A-1", "name": "Anvil", "price_cents": 3, "tags": None}, out
    assert out["update"] == {"tags": None}, out


PASSWORD_MODELS = """
import json, pydantic
from models import UserCreate, UserReplace, UserUpdate

def refused(cls, **kw):
    try:
        cls(**kw)
    except pydantic.ValidationError as e:
        return sorted(str(err["loc"][-1]) for err in e.errors())
    return []

dump = "dict" if pydantic.VERSION.startswith("1.") else "model_dump"
print(json.dumps({
    "version": pydantic.VERSION,
    "create_null": refused(UserCreate, email="a@example.com", password=None),
    "replace_null": refused(UserReplace, email="a@example.com", password=None),
    "update_null": refused(UserUpdate, password=None),
    "replace_kept": getattr(UserReplace(email="a@example.com"), dump)(exclude_unset=True),
    "update_kept": getattr(UserUpdate(email="a@example.com"), dump)(exclude_unset=True),
    "update": getattr(UserUpdate(password="correct horse"), dump)(exclude_unset=True),
}))
"""


@pytest.mark.parametrize("pin", ["pydantic<2", "pydantic>=2"])
def test_fastapi_write_only_password_is_never_null(tmp_path, pin, pydantic1):
    """The write-only ``password`` may be left out of PUT and PATCH (the stored hash stays), but
    a null is a validation error, as in the Flask and Django endpoints, under either major."""
    root = project(
        tmp_path / "shop",
        "pyproject.toml",
        f'[project]\nname = "x"\ndependencies = ["fastapi", "{pin}"]\n',
        "from fastapi import FastAPI\n\napp = FastAPI()\n",
    )
    code = generate_endpoint(root, "users")
    v1 = pin == "pydantic<2"
    used = names_used(code)
    assert not used & (V2_ONLY if v1 else V1_ONLY), sorted(used & (V2_ONLY | V1_ONLY))
    (root / "models.py").write_text(model_classes(code))
    if v1 and pydantic1 is None:
        pytest.skip("pydantic 1 could not be installed here: checked by parsing only")
    out = run_with(pydantic1 if v1 else None, root, PASSWORD_MODELS)
    assert out["version"].startswith("1." if v1 else "2."), out
    assert out["create_null"] == out["replace_null"] == out["update_null"] == ["password"], out
    assert out["replace_kept"] == out["update_kept"] == {"email": "a@example.com"}, out
    assert out["update"] == {"password": "correct horse"}, out
