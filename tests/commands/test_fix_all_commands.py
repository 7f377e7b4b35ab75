"""The command-scoped fix-alls: the edit and the report of what remains (as the pure
command), and through the real server the versioned edit, the stale-version refusal
and the source actions."""


import json

import pglast
from lsprotocol import types

from . import pure
from .lsp_helpers import apply_workspace_edit, copy_project, open_file, record_edits, run, start


def test_migration_fix_all_applies_safe_fixes_and_reports_the_rest(tmp_path):
    root = copy_project("shop", tmp_path)
    path = root / "migrations" / "002_orders_indexes.sql"
    result, edit = pure.run(root, "MIGRATION", path)
    assert result["applied"] == 3, result  # MG001, MG004 and MG015
    assert not edit.needs_confirmation  # safe fixes only
    fixed = edit.texts()[str(path)]
    assert "CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id)" in fixed
    assert "NOT VALID" in fixed and "VALIDATE CONSTRAINT orders_total_positive" in fixed
    assert fixed.startswith("SET lock_timeout = '5s';\n")
    pglast.parse_sql(fixed)  # the result still parses
    assert fixed == result["text"]
    assert "applied 3 fixes" in result["message"]


def test_query_optimize_fix_all_reports_findings_without_a_safe_fix(tmp_path):
    root = copy_project("shop", tmp_path)
    (root / "backend-architect.toml").write_text('extend-select = ["QO001", "QO004"]\n')  # off by default
    result, edit = pure.run(root, "QUERY_OPTIMIZE", root / "db" / "reports.sql")
    codes = sorted(r["code"] for r in result["remaining"])
    assert codes == ["QO004"], result  # QO001 is fixed: the catalog knows the columns of orders
    assert result["applied"] == 1 and edit is not None
    fixed = edit.texts()[str(root / "db" / "reports.sql")]
    assert "SELECT *" not in fixed
    assert "line 2 QO004" in result["message"]


async def test_fix_all_refuses_a_stale_version(client, tmp_path):
    root = copy_project("shop", tmp_path)
    edits = record_edits(client)
    await start(client, root)
    uri = open_file(client, root / "migrations" / "002_orders_indexes.sql", "sql", version=3)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await run(client, "MIGRATION", uri, version=2)
    assert "changed" in result["message"] and not edits


async def test_fix_all_is_offered_as_a_source_action(client, tmp_path):
    root = copy_project("shop", tmp_path)
    await start(client, root)
    uri = open_file(client, root / "migrations" / "002_orders_indexes.sql", "sql")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.backend-architect"]),
        )
    )
    titles = {a.title: a for a in actions}
    action = titles["MIGRATION: fix all 3 in this file"]
    assert action.kind == "source.backend-architect.migration"
    assert action.command.command == "backend-architect.MIGRATION"
    assert not any("ask Claude" in t for t in titles)  # no key: no AI entries


async def test_fix_all_commands_without_rules_say_so(client, tmp_path):
    from backend_architect.commands.fix_all import codes_of

    root = copy_project("shop", tmp_path)
    edits = record_edits(client)
    await start(client, root)
    uri = open_file(client, root / "app" / "main.py", "python")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    for name in ("RATE_LIMITING", "INPUT_VALIDATION", "CONNECTION_POOL"):
        result = await run(client, name, uri)
        if codes_of(name):
            assert result["message"].startswith(f"{name}: "), result
        else:
            assert result["message"] == f"{name}: no rules of this command are installed yet.", result
    assert not edits


async def test_ai_variant_without_a_key_says_how_to_enable_it(client, tmp_path):
    root = copy_project("shop", tmp_path)
    await start(client, root)
    uri = open_file(client, root / "db" / "reports.sql", "sql")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="backend-architect.QUERY_OPTIMIZE.ai", arguments=[{"uri": uri, "version": 1}])
    )
    assert result["message"] == "QUERY_OPTIMIZE (ask Claude): AI is off; set ANTHROPIC_API_KEY in the environment the server runs in."


def _caps(annotations: bool) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True,
                change_annotation_support=(
                    types.ChangeAnnotationsSupportOptions(groups_on_label=True) if annotations else None
                ),
            ),
        ),
    )


UNVALIDATED = (
    "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    '@app.post("/carts")\nasync def create_cart(payload: dict):\n'
    '    return {"count": len(payload["items"]), "owner": payload["owner"]}\n'
)


async def test_input_validation_applies_unsafe_fixes_as_a_preview(client, tmp_path):
    """Invoked explicitly, INPUT_VALIDATION applies its (unsafe) fixes in an edit the
    client must confirm: every text edit carries an annotation needing confirmation."""
    root = tmp_path / "api"
    root.mkdir()
    path = root / "main.py"
    path.write_text(UNVALIDATED)
    edits = record_edits(client)
    await start(client, root, capabilities=_caps(annotations=True))
    uri = open_file(client, path, "python")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await run(client, "INPUT_VALIDATION", uri)
    assert result["applied"] >= 1 and result["needs_confirmation"] is True, result
    (params,) = edits
    (annotation,) = params.edit.change_annotations.values()
    assert annotation.needs_confirmation is True
    changes = params.edit.document_changes[0].edits
    assert changes and all(isinstance(e, types.AnnotatedTextEdit) for e in changes)
    fixed = apply_workspace_edit(params.edit)[str(path)]
    assert "class CreateCartBody(BaseModel):" in fixed and "items: list[Any]" in fixed
    compile(fixed, "main.py", "exec")


async def test_input_validation_without_annotation_support_applies_safe_fixes_only(client, tmp_path):
    root = tmp_path / "api"
    root.mkdir()
    path = root / "main.py"
    path.write_text(UNVALIDATED)
    edits = record_edits(client)
    await start(client, root, capabilities=_caps(annotations=False))
    uri = open_file(client, path, "python")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await run(client, "INPUT_VALIDATION", uri)
    assert result["applied"] == 0 and not edits
    assert [r["code"] for r in result["remaining"]] == ["IV001"]


LOGIN = (
    "from flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    '@app.post("/login")\ndef login():\n    return {"user": request.get_json()["user"]}\n'
)


async def test_rate_limiting_adds_the_limiter_to_the_manifest(client, tmp_path):
    """The limiter the fix brings in is declared in the project's manifest, in the same
    previewed edit."""
    root = tmp_path / "api"
    root.mkdir()
    (root / "requirements.txt").write_text("flask>=3\n")
    path = root / "app.py"
    path.write_text(LOGIN)
    edits = record_edits(client)
    await start(client, root, capabilities=_caps(annotations=True))
    uri = open_file(client, path, "python")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await run(client, "RATE_LIMITING", uri)
    assert result["applied"] >= 1, result
    (params,) = edits
    files = apply_workspace_edit(params.edit)
    assert files[str(root / "requirements.txt")] == "flask>=3\nflask-limiter\n"
    assert "@limiter.limit(" in files[str(path)]
    compile(files[str(path)], "app.py", "exec")


POOL = (
    "import os\n\nimport asyncpg\n\n\n"
    "async def make_pool():\n"
    '    return await asyncpg.create_pool(os.environ["DATABASE_URL"])\n'
)


async def test_connection_pool_applies_unsafe_fixes_as_a_preview(client, tmp_path):
    """CONNECTION_POOL's pool-size fix is unsafe: invoked explicitly, it goes in an edit
    whose every change needs the user's confirmation; RATE_LIMITING's edit likewise."""
    root = tmp_path / "api"
    root.mkdir()
    path = root / "db.py"
    path.write_text(POOL)
    (root / "requirements.txt").write_text("flask>=3\n")
    login = root / "app.py"
    login.write_text(LOGIN)
    edits = record_edits(client)
    await start(client, root, capabilities=_caps(annotations=True))
    uri = open_file(client, path, "python")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await run(client, "CONNECTION_POOL", uri)
    assert result["applied"] >= 1 and result["needs_confirmation"] is True, result
    result = await run(client, "RATE_LIMITING", open_file(client, login, "python"))
    assert result["applied"] >= 1 and result["needs_confirmation"] is True, result
    assert len(edits) == 2
    for params in edits:
        (annotation,) = params.edit.change_annotations.values()
        assert annotation.needs_confirmation is True
        text_edits = [e for c in params.edit.document_changes for e in getattr(c, "edits", [])]
        assert text_edits and all(isinstance(e, types.AnnotatedTextEdit) for e in text_edits)
    fixed = apply_workspace_edit(edits[0].edit)[str(path)]
    assert "max_size=" in fixed and "asyncpg.create_pool(" in fixed, fixed
    compile(fixed, "db.py", "exec")
    from backend_architect.core.document import Document
    from backend_architect.core.engine import lint

    assert not [f for f in lint(Document(fixed, path=str(path))).findings if f.code == "CP002"]


async def test_a_command_while_the_schema_is_indexed_says_so(client, tmp_path):
    """Run before the schema is read, a command that needs it says it is still being
    indexed instead of answering "nothing"; once indexed, it answers."""
    root = tmp_path / "shop"
    (root / "migrations").mkdir(parents=True)
    (root / "migrations" / "0001_init.sql").write_text(
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total integer);\n"
    )
    for i in range(1500):  # a project whose schema takes a moment to read
        (root / "migrations" / f"{i + 100:04d}_audit_{i}.sql").write_text(
            f"CREATE TABLE audit_{i} (id bigint PRIMARY KEY, at timestamptz NOT NULL);\n"
            f"CREATE INDEX audit_{i}_at ON audit_{i} (at);\n"
        )
    query = root / "queries.sql"
    query.write_text("SELECT id, total FROM orders WHERE customer_id = 1;\n")
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(apply_edit=True),
    )
    record_edits(client)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="shop")],
        )
    )
    uri = open_file(client, query, "sql")
    early = await run(client, "INDEX_STRATEGY", uri)
    indexed = any(
        reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
        for reports in client.progress_reports.values()
    )
    if not indexed:
        assert "still being indexed" in early["message"] and early.get("indexing") is True, early
    early_fix = await run(client, "QUERY_OPTIMIZE", uri)
    still = not any(
        reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
        for reports in client.progress_reports.values()
    )
    if still:  # a fix-all's "nothing to fix" would not be the whole answer yet: it says so
        assert "still being indexed" in early_fix["message"] and early_fix.get("indexing"), early_fix
    from .lsp_helpers import schema_indexed

    await schema_indexed(client, timeout=120)
    late = await run(client, "INDEX_STRATEGY", uri)
    assert "still being indexed" not in late["message"] and "customer_id" in json.dumps(late), late
    assert not indexed, "the schema was read before the first command: nothing was tested"
