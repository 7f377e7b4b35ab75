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

    code = warm_main(argv)
    if argv is None and words[:1] == ["check"]:  # the process's own command: it ends here
        _end_process(code)
    return code


def _end_process(code: int) -> None:
    """End the process once a run's output is out, without the interpreter's teardown: freeing
    every object a run made (its files, parse trees, schema, caches) one by one costs more
    than some whole runs (lemmy's migrations: 65 of 480 ms). The exit handlers still run
    first; with another thread still running, or a profiler or tracer attached (which writes
    its data after the command returns), the interpreter ends as usual."""
    import os
    import threading

    if threading.active_count() > 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # e.g. a closed pipe: the interpreter's own exit reports it as usual
        return
    import atexit

    atexit._run_exitfuncs()  # noqa: SLF001 - what the interpreter runs at exit (logging, pools)
    os._exit(code if isinstance(code, int) else 1)


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
