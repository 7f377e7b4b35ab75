"""Fuzz document sync against the real server for a while; report edits/s and any counterexample.

The same state machine as tests/e2e/test_sync.py, run for long: random documents
(every kind of separator, multi-byte and astral characters), random edits in each
position encoding; after every edit the server's text must equal the editor's and
every diagnostic must lie inside the document, and at the end of each run the
diagnostics must equal a fresh analysis. A failure is shrunk by Hypothesis and
printed as the steps that reproduce it.

    python benchmarks/fuzz_sync.py --seconds 600
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_sync import ENCODINGS, STATS, SyncMachine, SyncSession  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seconds", type=float, default=120, help="how long to fuzz (default 120)")
    ap.add_argument("--steps", type=int, default=40, help="edits per run (default 40)")
    ap.add_argument("--encodings", default=",".join(ENCODINGS), help="position encodings to use")
    args = ap.parse_args(argv)
    encodings = [e.strip() for e in args.encodings.split(",") if e.strip()]
    unknown = [e for e in encodings if e not in ENCODINGS]
    if unknown:
        ap.error(f"unknown encoding(s) {', '.join(unknown)}; choose from {', '.join(ENCODINGS)}")

    failures: list[str] = []
    runs = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        sessions = {}
        for encoding in encodings:
            root = Path(tmp) / encoding
            root.mkdir()
            sessions[encoding] = SyncSession(root, encoding)
        try:
            while time.perf_counter() - started < args.seconds and not failures:
                for encoding, session in sessions.items():
                    SyncMachine.session = session
                    try:
                        run_state_machine_as_test(
                            SyncMachine,
                            settings=settings(
                                max_examples=10,
                                stateful_step_count=args.steps,
                                deadline=None,
                                suppress_health_check=list(HealthCheck),
                                database=None,
                            ),
                        )
                    except Exception as exc:  # a counterexample, shrunk by Hypothesis
                        notes = "\n".join(getattr(exc, "__notes__", []))
                        failures.append(
                            f"[{encoding}] {type(exc).__name__}: {exc}\n{notes}\n{traceback.format_exc(limit=3)}"
                        )
                        break
                    runs += 10
        finally:
            codes = {e: s.close() for e, s in sessions.items()}
    elapsed = time.perf_counter() - started
    print(f"runs: {runs}  edits (didChange): {STATS['edits']}  content changes: {STATS['changes']}")
    print(
        f"time: {elapsed:.1f} s  edits/s: {STATS['edits'] / elapsed:.1f}  encodings: {', '.join(encodings)}"
    )
    print(f"server exit codes after shutdown/exit: {codes}")
    if failures:
        print("\ncounterexample:\n" + "\n".join(failures))
        return 1
    print("no counterexample")
    return 0


if __name__ == "__main__":
    sys.exit(main())
