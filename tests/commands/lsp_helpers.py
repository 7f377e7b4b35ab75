"""Driving the real server for command tests: a copy of a project, a client that
records workspace/applyEdit, and helpers to run commands and apply their edits."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from lsprotocol import types

from backend_architect.core.document import Document, apply_edits, path_to_uri

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ROOT / "projects"


def copy_project(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(PROJECTS / name, target)
    return target


def record_edits(client) -> list:
    """Answer workspace/applyEdit with applied=True and keep the edits."""
    edits: list = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    return edits


def _fix_code_action_parsing(client) -> None:
    """lsprotocol's client-side hook reads any object with a "command" key as a Command,
    so a CodeAction that carries a command would lose its kind; read those as CodeActions."""
    from typing import Union

    conv = client.protocol._converter

    def hook(obj, _):
        if isinstance(obj.get("command"), dict) or "kind" in obj or "edit" in obj:
            return conv.structure(obj, types.CodeAction)
        return conv.structure(obj, types.Command)

    conv.register_structure_hook(Union[types.Command, types.CodeAction], hook)


async def start(client, root: Path, init_options=None, capabilities=None):
    _fix_code_action_parsing(client)
    caps = capabilities or types.ClientCapabilities(
        window=types.WindowClientCapabilities(
            work_done_progress=True, show_document=types.ShowDocumentClientCapabilities(support=True)
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix", "refactor", "source"])
                )
            )
        ),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
            ),
        ),
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=path_to_uri(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=path_to_uri(str(root)), name=root.name)],
            initialization_options=init_options,
        )
    )
    if caps.window is not None and caps.window.work_done_progress:
        await schema_indexed(client)


async def schema_indexed(client, timeout: float = 30.0) -> None:
    """Wait for the server's schema indexing to end (commands that use the catalog need it)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
                  for reports in client.progress_reports.values()):
        assert loop.time() < deadline, "schema indexing did not finish"
        await asyncio.sleep(0.02)


def open_file(client, path: Path, language: str, version: int = 1) -> str:
    uri = path_to_uri(str(path))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=path.read_text())
        )
    )
    return uri


def position_of(text: str, needle: str) -> dict:
    i = text.index(needle)
    line = text.count("\n", 0, i)
    col = i - (text.rfind("\n", 0, i) + 1)
    return {"line": line, "character": col}


async def run(client, command: str, uri: str | None = None, at: dict | None = None, version: int | None = 1, **extra):
    arg = dict(extra)
    if uri is not None:
        arg["uri"] = uri
        arg["version"] = version
        if at is not None:
            arg["range"] = {"start": at, "end": at}
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=f"backend-architect.{command}", arguments=[arg])
    )


def apply_workspace_edit(edit: types.WorkspaceEdit, disk: dict[str, str] | None = None) -> dict[str, str]:
    """The text of every file the edit touches (files on disk as the base), after applying it."""
    out: dict[str, str] = dict(disk or {})
    for change in edit.document_changes or []:
        if isinstance(change, types.CreateFile):
            path = Document("", path="/x").path  # noqa: F841 (keeps import used)
            p = change.uri[len("file://"):]
            assert p not in out or not Path(p).exists(), f"CreateFile over an existing file {p}"
            out[p] = ""
            continue
        p = change.text_document.uri[len("file://"):]
        if p not in out:
            out[p] = Path(p).read_text()
        doc = Document(out[p], path=p)
        edits = []
        for te in change.edits:
            s = doc.position_to_offset(te.range.start.line, te.range.start.character)
            e = doc.position_to_offset(te.range.end.line, te.range.end.character)
            from backend_architect.core.findings import Edit

            edits.append(Edit(s, e, te.new_text))
        out[p] = apply_edits(out[p], edits)
    return out


PYTHON = sys.executable
