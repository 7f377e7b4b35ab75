"""The commands' LSP adapter end to end, through the real server: the pure command's
edit arrives as a versioned WorkspaceEdit (CreateFile for new files), and an edit that
rewrites the user's code asks for confirmation when the client supports change
annotations. The generators themselves are tested without a server (test_generators.py)."""

import subprocess
import sys

import pglast
import pytest
from lsprotocol import types

from backend_architect.core.languages import error_count

from .lsp_helpers import apply_workspace_edit, copy_project, open_file, position_of, record_edits, run, start


def created_files(edit: types.WorkspaceEdit) -> list[str]:
    return [c.uri[len("file://"):] for c in edit.document_changes if isinstance(c, types.CreateFile)]


def sql_strings(text: str) -> list[str]:
    """The SQL literals of generated code (the ones with no string interpolation)."""
    import re

    return [m.group(2) for m in re.finditer(r"(['`])((?:SELECT|INSERT|DELETE|UPDATE) [^'`$]*?)\1", text)]


async def _open_schema(client, root):
    path = root / "db" / "schema.sql"
    uri = open_file(client, path, "sql")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return path, uri


async def test_repository_python_dbapi_from_create_table(client, tmp_path):
    root = copy_project("shop", tmp_path)
    edits = record_edits(client)
    await start(client, root)
    path, uri = await _open_schema(client, root)
    res = await run(client, "REPOSITORY", uri, at=position_of(path.read_text(), "orders ("))
    assert res["table"] == "orders", res
    (params,) = edits
    (created,) = created_files(params.edit)
    assert created == str(root / "repositories" / "orders_repository.py")
    text = apply_workspace_edit(params.edit)[created]
    assert text == res["text"]
    assert error_count(text, "python") == 0
    # columns match the table; a method per unique key; the writable columns exclude serial and now() defaults
    assert "COLUMNS = ('id', 'user_id', 'number', 'total_cents', 'status', 'created_at')" in text
    assert "WRITABLE = ('user_id', 'number', 'total_cents', 'status')" in text
    assert "def find_by_user_id_and_number(self, user_id: int, number: str)" in text
    for name in ("def find_by_id(", "def find_all(", "def create(", "def update(", "def delete("):
        assert name in text
    # create writes only the columns given: the others take the table's own defaults
    assert "REQUIRED = ('user_id', 'number', 'total_cents')" in text
    for sql in sql_strings(text):
        pglast.parse_sql(sql.replace("%s", "$1"))


async def test_service_extracts_handler_logic_across_two_files(client, tmp_path):
    root = copy_project("shop", tmp_path)
    edits = record_edits(client)
    await start(client, root)
    path = root / "app" / "main.py"
    uri = open_file(client, path, "python")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    res = await run(client, "SERVICE", uri, at=position_of(path.read_text(), "digest ="))
    files = apply_workspace_edit(edits[0].edit)
    services = root / "app" / "services" / "main_service.py"
    assert set(files) == {str(path), str(services)}
    handler, service = files[str(path)], files[str(services)]
    assert "import app.services.main_service as main_service" in handler
    assert 'return {"data": main_service.create_user(body=body)}' in handler
    assert "hashlib" not in handler.split("def create_user")[1]
    assert "def create_user(body):" in service and "import hashlib" in service and "return user" in service
    assert "HTTPException" in res["message"]  # said honestly: the moved code still raises an HTTP error
    for text in files.values():
        assert error_count(text, "python") == 0
    # the result runs: the handler calls the service, which does the work
    pytest.importorskip("fastapi")
    path.write_text(handler)
    (root / "app" / "services").mkdir()
    (root / "app" / "services" / "__init__.py").write_text("")
    services.write_text(service)
    probe = "import app.main as m; print(m.create_user({'email': ' A@B.C ', 'password': 'pw'})['data']['email'])"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "a@b.c"


async def test_a_rewrite_of_user_code_carries_a_confirmation_annotation(client, tmp_path):
    root = copy_project("shop", tmp_path)
    edits = record_edits(client)
    caps = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[types.ResourceOperationKind.Create],
                change_annotation_support=types.ChangeAnnotationsSupportOptions(groups_on_label=True),
            ),
        ),
    )
    await start(client, root, capabilities=caps)
    path = root / "app" / "main.py"
    uri = open_file(client, path, "python")
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    await run(client, "SERVICE", uri, at=position_of(path.read_text(), "digest ="))
    edit = edits[0].edit
    (annotation,) = edit.change_annotations.values()
    assert annotation.needs_confirmation
    handler_edit = next(
        c for c in edit.document_changes
        if isinstance(c, types.TextDocumentEdit) and c.text_document.uri == uri
    )
    assert handler_edit.text_document.version == 1
    assert all(isinstance(e, types.AnnotatedTextEdit) for e in handler_edit.edits)
    # an annotated edit is still an ordinary edit to apply
    assert "create_user" in apply_workspace_edit(edit)[str(path)]
