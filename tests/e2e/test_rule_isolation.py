"""A rule that raises is logged once; the other rules' findings are still published."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402

BROKEN_RULE = textwrap.dedent(
    '''
    from backend_architect.core.registry import Rule


    class ExplodingRule(Rule):
        """
        ## What it does
        A project-local rule with a bug.

        ## Why is this bad?
        It raises.

        ## Example
        ```sql
        SELECT 1;
        ```

        ## Use instead
        ```sql
        SELECT 1;
        ```
        """

        code = "QO999"
        name = "exploding-rule"
        command = "QUERY_OPTIMIZE"
        message = "never seen"
        statement_kinds = None

        def check_statement(self, stmt, ctx):
            raise RuntimeError("boom in a local rule")
    '''
)


def _local_rules_file() -> str:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "local_rules.py"
    path.write_text(BROKEN_RULE)
    return str(path)


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_CMD, server_env=server_env(BACKEND_ARCHITECT_LOCAL_RULES=_local_rules_file())
    )
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            initialization_options={"extendSelect": ["QO001", "QO005"]},  # canaries, off by default
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_raising_rule_is_isolated_and_logged_once(client: LanguageClient):
    for i in range(2):
        uri = f"file:///tmp/iso/q{i}.sql"
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="sql", version=1, text="SELECT * FROM users;\nSELECT id FROM t WHERE id NOT IN (SELECT x FROM u);\n")
            )
        )
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        assert sorted(d.code for d in client.diagnostics[uri]) == ["QO001", "QO005"]
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    assert len([e for e in errors if "QO999" in e]) == 1, errors
    assert "boom in a local rule" in errors[0]
