"""The commands' one list, and the direction of the arrows: commands are pure and know
nothing of the editor or the command line."""

import subprocess
import sys

from backend_architect.commands import COMMAND_HANDLERS, handler_of, not_available, run
from backend_architect.commands.base import Target, Workspace
from backend_architect.config import Settings
from backend_architect.core.registry import COMMANDS


def test_every_listed_command_is_a_known_command_with_a_function():
    assert set(COMMAND_HANDLERS) <= set(COMMANDS)
    for name in COMMAND_HANDLERS:
        fn = handler_of(name)
        assert callable(fn), name
        # a function marked with @handler is listed under the command it names
        assert getattr(fn, "command_name", name) == name


def test_a_command_without_a_function_says_so(tmp_path):
    for name in sorted(set(COMMANDS) - set(COMMAND_HANDLERS)) + ["NOT_A_COMMAND"]:
        res = run(name, Target(name, Workspace(str(tmp_path), Settings())))
        assert res.data == not_available(name) and res.edit is None
        assert res.messages == [(res.message, False)] and "not available" in res.message


def test_a_document_command_without_a_document_explains(tmp_path):
    res = run("REPOSITORY", Target("REPOSITORY", Workspace(str(tmp_path), Settings())))
    assert "needs a file" in res.message and res.edit is None


def test_commands_import_neither_the_server_nor_the_command_line():
    code = (
        "import sys\n"
        "import backend_architect.commands as c\n"
        "import backend_architect.commands.actions, backend_architect.ai.facts\n"
        "for n in c.COMMAND_HANDLERS: c.handler_of(n)\n"
        "print(sorted(m for m in sys.modules if m.startswith(("
        "'backend_architect.lsp', 'backend_architect.cli', 'lsprotocol', 'pygls', 'anthropic'))))\n"
    )
    from conftest import server_env

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=server_env(), timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
