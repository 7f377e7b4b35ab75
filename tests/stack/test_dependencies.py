"""The project-dependencies model: manifests read with their versions; a new dependency
added to the manifest the project already uses; fixes that fit what is installed."""

from __future__ import annotations

import json
import os
import tomllib

import pytest

from backend_architect.project.dependencies import add_dependency, for_path, read


def test_pyproject_requirements_and_versions(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = [\n  "FastAPI>=0.100",\n  "pydantic<2",\n]\n'
        '[project.optional-dependencies]\ntest = ["pytest==8.1.0"]\n'
    )
    (tmp_path / "requirements.txt").write_text("# pinned\nslowapi==0.1.9\npsycopg[binary]>=3.1 ; python_version>'3.8'\n-r other.txt\n")
    deps = read(str(tmp_path))
    assert deps.has("fastapi") and deps.has("slowapi") and deps.has("psycopg") and deps.has("pytest")
    assert not deps.has("flask-limiter")
    assert deps.major("pydantic") == 1 and deps.pydantic_major() == 1
    assert deps.major("fastapi") == 0
    assert deps.major("pytest") == 8
    assert deps.get("psycopg").spec == ">=3.1"
    assert deps.first("flask-limiter", "slowapi") == "slowapi"


@pytest.mark.parametrize(
    "spec,major",
    [(">=2", 2), ("==1.10.2", 1), ("~=2.5", 2), ("<2", 1), ("<2.0", 1), ("", None), (">=1.8,<2", 1)],
)
def test_major_versions(tmp_path, spec, major):
    (tmp_path / "requirements.txt").write_text(f"pydantic{spec}\n")
    assert read(str(tmp_path)).major("pydantic") == major


def test_package_json_go_mod_pipfile_setup_cfg(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"zod": "^3.22.0"}, "devDependencies": {"typescript": "~5.4.0"}}))
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n\tgithub.com/lib/pq v1.10.9 // indirect\n)\n")
    (tmp_path / "Pipfile").write_text('[packages]\nflask = "*"\nflask-limiter = {version = ">=3"}\n')
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires =\n    requests>=2\n    click\n")
    deps = read(str(tmp_path))
    assert deps.major("zod") == 3 and deps.major("typescript") == 5
    assert deps.major("github.com/gin-gonic/gin") == 1
    assert deps.has("flask", "nothing") and deps.major("flask-limiter") == 3
    assert deps.has("requests") and deps.has("click")


def test_add_dependency_to_pyproject_keeps_it_valid(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = [\n  "fastapi>=0.100",\n]\n')
    deps = read(str(tmp_path))
    assert add_dependency(deps, "fastapi") is None  # already there
    path, text = add_dependency(deps, "slowapi", ">=0.1.9")
    assert path.endswith("pyproject.toml")
    assert tomllib.loads(text)["project"]["dependencies"] == ["fastapi>=0.100", "slowapi>=0.1.9"]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["flask"]\n')
    _, text = add_dependency(read(str(tmp_path)), "flask-limiter")
    assert tomllib.loads(text)["project"]["dependencies"] == ["flask", "flask-limiter"]


def test_add_dependency_to_requirements_and_package_json(tmp_path):
    (tmp_path / "requirements.txt").write_text("flask")
    path, text = add_dependency(read(str(tmp_path)), "flask-limiter", ">=3")
    assert path.endswith("requirements.txt") and text == "flask\nflask-limiter>=3\n"
    (tmp_path / "package.json").write_text('{\n    "name": "x",\n    "dependencies": {"express": "^4.19.0"}\n}\n')
    path, text = add_dependency(read(str(tmp_path)), "express-rate-limit", "^7.0.0", "npm")
    assert json.loads(text)["dependencies"] == {"express": "^4.19.0", "express-rate-limit": "^7.0.0"}
    assert '\n    "name"' in text  # the file's own indentation


def test_for_path_follows_manifest_changes(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "requirements.txt").write_text("flask\n")
    deps = for_path(str(tmp_path / "app" / "views.py"))
    assert deps is not None and deps.has("flask") and not deps.has("flask-limiter")
    (tmp_path / "requirements.txt").write_text("flask\nflask-limiter\n")
    os.utime(tmp_path / "requirements.txt", ns=(1, 10**18))
    assert for_path(str(tmp_path / "app" / "views.py")).has("flask-limiter")


LOGIN = 'from flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.post("/login")\ndef login():\n    return {"ok": request.json["user"]}\n'


def _rl001_titles(root) -> list[str]:
    import contextlib
    import io

    from backend_architect.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["check", "--jobs", "1", "--output-format", "json", "--select", "RL001", str(root)])
    return [f["fix"]["title"] for f in json.loads(out.getvalue()) if f.get("fix")]


def test_rate_limit_fix_title_says_when_the_limiter_is_new(tmp_path):
    (tmp_path / "requirements.txt").write_text("flask>=3\n")
    (tmp_path / "app.py").write_text(LOGIN)
    assert _rl001_titles(tmp_path) == [
        "RATE_LIMITING: add a rate limit to this route (flask-limiter, a new dependency: add flask-limiter to requirements.txt)"
    ]
    other = tmp_path / "other"
    other.mkdir()
    (other / "requirements.txt").write_text("flask>=3\nFlask-Limiter>=3\n")
    (other / "app.py").write_text(LOGIN)
    assert _rl001_titles(other) in ([], ["RATE_LIMITING: add a rate limit to this route (flask-limiter)"])


@pytest.mark.parametrize("pin,v1", [("pydantic<2", True), ("pydantic>=2.5", False)])
def test_fastapi_endpoint_follows_the_pydantic_major(tmp_path, pin, v1):
    import contextlib
    import io

    from backend_architect.cli import main

    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\ndependencies = ["fastapi", "{pin}"]\n')
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["generate", "endpoint", str(schema), "--table", "tags", "--root", str(tmp_path), "--write"]) == 0
    text = (tmp_path / "routes" / "tags.py").read_text()
    assert ('class Config:\n        extra = "forbid"' in text) is v1
    assert (".dict(exclude_unset=True)" in text) is v1
    assert ("ConfigDict" in text) is not v1 and (".model_dump(exclude_unset=True)" in text) is not v1
    compile(text, "tags.py", "exec")
