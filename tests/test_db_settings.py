"""The database settings the server reads and the ones the VS Code extension declares and sends
agree; the editor's URL survives a project file's database table; a committed file can hold
neither the URL nor the folder of programs verify-on-save runs."""

from __future__ import annotations

import json
import re
from dataclasses import fields

from backend_architect.config import DatabaseSettings, from_mapping, load_project
from backend_architect.lsp.settings import resolve
from conftest import ROOT

PREFIX = "backendArchitect.database."


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _declared() -> dict:
    manifest = json.loads((ROOT / "vscode-client" / "package.json").read_text())
    props = manifest["contributes"]["configuration"]["properties"]
    return {k[len(PREFIX) :]: v for k, v in props.items() if k.startswith(PREFIX)}


def test_every_database_setting_is_declared_with_the_servers_default():
    declared = _declared()
    server = {_camel(f.name): f.default for f in fields(DatabaseSettings)}
    assert set(declared) == set(server)
    for key, default in server.items():
        assert declared[key]["default"] == ("" if default is None else default), key
        kind = {bool: "boolean", int: "number"}.get(type(default), "string")
        assert declared[key]["type"] == kind, key
    # the secret and the programs to run cannot come from a workspace's .vscode/settings.json
    assert declared["url"]["scope"] == "machine" and declared["postgresBin"]["scope"] == "machine"
    assert "DATABASE_URL" in declared["url"]["markdownDescription"]


def test_what_the_extension_sends_is_what_the_server_reads():
    settings_ts = (ROOT / "vscode-client" / "src" / "settings.ts").read_text()
    read = set(re.findall(r"'database\.(\w+)'", settings_ts))
    assert read == set(_declared())  # every declared key is read and sent (initializationOptions)
    defaults = {k: v["default"] for k, v in _declared().items()}
    settings, warnings = from_mapping({"database": defaults}, source="editor settings")
    assert warnings == [] and settings.database == DatabaseSettings()
    changed = {
        "url": "postgresql://app:pw@localhost/app",
        "useEnv": False,
        "statementTimeoutMs": 750,
        "lockTimeoutMs": 250,
        "hypopg": False,
        "explainOnHover": False,
        "verifyOnSave": True,
        "postgresBin": "/opt/pg/bin",
        "sizeMigrations": True,
        "smallTableRows": 500,
    }
    assert set(changed) == set(defaults)
    settings, warnings = from_mapping({"database": changed}, source="editor settings")
    assert warnings == []
    for f in fields(DatabaseSettings):
        assert getattr(settings.database, f.name) == changed[_camel(f.name)], f.name


def test_the_editors_url_survives_a_project_database_table(tmp_path):
    (tmp_path / "backend-architect.toml").write_text("[database]\nstatement-timeout-ms = 900\n")
    editor = {"database": {"url": "postgresql://app:pw@localhost/app", "hypopg": False}}
    settings, warnings = resolve(editor, str(tmp_path))
    assert warnings == []
    db = settings.database
    assert db.url == "postgresql://app:pw@localhost/app"  # from the editor
    assert db.statement_timeout_ms == 900  # the project's value wins over the editor's default
    assert db.hypopg is False


def test_a_committed_file_cannot_choose_the_postgres_programs(tmp_path):
    (tmp_path / "backend-architect.toml").write_text(
        '[database]\npostgres-bin = "./tools"\nverify-on-save = true\n'
    )
    settings, warnings = load_project(str(tmp_path))
    assert settings.database.postgres_bin is None and settings.database.verify_on_save is True
    assert any("database.postgres-bin is never read from a file" in w for w in warnings)
