"""The `backend-architect` command's entry point. The editor's start (`serve`, `serve
--stdio`) goes straight to the language server without importing the command line's
modules or building an argument parser; every other command goes through
:func:`warm.main` (a stored run of an unchanged ``check``, else :func:`cli.main`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words in (["serve"], ["serve", "--stdio"]):
        return serve()
    from .warm import main as warm_main

    return warm_main(argv)


def serve() -> int:
    """Run the language server on stdio until the client exits."""
    import gc

    # No full collection while lsprotocol, pygls and the server's modules load: the objects
    # they create stay, and a full collection over them cost a fifth of the time to
    # `initialize`. The young generations are still collected (the imports' short-lived
    # cycles are freed before lsp.server.serve() freezes what is left).
    gc.set_threshold(700, 10, 1000)
    from .lsp.server import serve as serve_stdio

    serve_stdio()
    return 0
