"""The long fuzz run: a million inputs (or QMONITOR_FUZZ_EXAMPLES) per target.

    python tools/fuzz_long.py [json|qmp|hmp|cli|readconfig|all] [--runs N]
                              [--engine atheris|mutate]

Each target (qmonitor_testsupport.fuzz_harness: the JSON streamer, the QMP request
path of an in-process null machine, the HMP line editor and parser;
qmonitor_testsupport.cli_fuzz: the command-line parser and -readconfig, in
process, one argument vector or file per input) runs in a child process of
its own.  With atheris installed (``pip install
atheris``) the run is coverage-guided (libFuzzer) from the committed corpus
(tests/fuzz/corpus/KIND); new interesting inputs go to a temporary folder
whose path is printed (``-merge=1`` them into the corpus by hand).  Without
atheris a seeded mutation loop over the same corpus runs instead.  The cli
and readconfig targets start from the command lines and files recorded from
QEMU (tests/golden/cli); half of their inputs are byte mutations, half come
from cli_fuzz's generator (the option table and option lists) and its
option-level mutations.  A failing
input is written to fuzz-crash-KIND-*.bin in the current folder and the run
fails.  The last line of each child says how many inputs it tried.

The mutation loop reports progress every ``--progress`` inputs (count,
seconds, inputs per second, and the slowest input so far) and has a
watchdog: an input still running after ``--hang`` seconds is written to
fuzz-hang-KIND-N.bin, every thread's stack is printed, and the run fails.
``--replay FILE...`` runs saved inputs (crashes, hangs) through a target
once each and prints how long each took.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("json", "qmp", "hmp", "cli", "readconfig")
#: Targets whose seeds are the recordings and whose inputs are half structured.
CLI_KINDS = ("cli", "readconfig")


def _target(kind: str) -> Callable[[bytes], None]:
    from qmonitor_testsupport import fuzz_harness

    if kind == "json":
        return fuzz_harness.check_streamer
    if kind == "qmp":
        return fuzz_harness.QmpHarness().fuzz
    if kind in CLI_KINDS:
        from qmonitor_testsupport.cli_fuzz import CliHarness

        harness = CliHarness()
        return harness.fuzz_argv if kind == "cli" else harness.fuzz_config
    return fuzz_harness.HmpHarness().fuzz


def _pool(kind: str) -> list[bytes]:
    """The seed inputs of ``kind``."""
    from qmonitor_testsupport import cli_fuzz, fuzz_harness

    return cli_fuzz.seeds(kind) if kind in CLI_KINDS else fuzz_harness.corpus(kind)


def _mutate(rnd: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(5)
        pos = rnd.randint(0, len(out))
        if op == 0 and out:
            out[min(pos, len(out) - 1)] ^= 1 << rnd.randrange(8)
        elif op == 1:
            out[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
        elif op == 2:
            del out[pos : pos + rnd.randint(1, 8)]
        elif op == 3:
            other = rnd.choice(pool)
            start = rnd.randint(0, len(other))
            out[pos:pos] = other[start : start + rnd.randint(1, 64)]
        else:
            out = out[:pos]
    return bytes(out[:4096])


class Watchdog:
    """Ends the run when one input takes longer than ``limit`` seconds.

    The loop calls :meth:`begin` before each input and :meth:`end` after
    it; a thread of its own looks once a second.  An input over the limit is
    written to fuzz-hang-KIND-N.bin and every thread's stack is printed
    before the process exits with status 3.  faulthandler backs it up (stacks
    only, then exit) in case the interpreter itself is stuck, so that this
    thread cannot run: the thread pushes that deadline back at each look.
    """

    def __init__(self, kind: str, limit: float) -> None:
        self.kind = kind
        self.limit = limit
        self._current: tuple[int, bytes, float] | None = None
        self._stopped = threading.Event()
        faulthandler.dump_traceback_later(2 * limit, exit=True)
        threading.Thread(target=self._watch, name="fuzz-watchdog", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()
        faulthandler.cancel_dump_traceback_later()

    def begin(self, index: int, data: bytes) -> None:
        self._current = (index, data, time.monotonic())

    def end(self) -> float:
        """Seconds the input took."""
        current, self._current = self._current, None
        return time.monotonic() - current[2] if current is not None else 0.0

    def _watch(self) -> None:
        while not self._stopped.wait(1.0):
            faulthandler.dump_traceback_later(2 * self.limit, exit=True)
            current = self._current
            if current is None:
                continue
            index, data, since = current
            if time.monotonic() - since < self.limit:
                continue
            hang = Path(f"fuzz-hang-{self.kind}-{index}.bin")
            hang.write_bytes(data)
            print(
                f"{self.kind}: input {index} still running after {self.limit:.0f} s;"
                f" written to {hang}; stacks follow",
                file=sys.stderr,
                flush=True,
            )
            faulthandler.dump_traceback(all_threads=True)
            os._exit(3)


def run_mutate(kind: str, runs: int, progress: int = 10_000, hang: float = 120.0) -> int:
    """A seeded mutation loop (no coverage feedback); returns inputs tried."""
    from qmonitor_testsupport.cli_fuzz import structured_input

    target = _target(kind)
    pool = _pool(kind) or [b""]
    rnd = random.Random(int(os.environ.get("QMONITOR_FUZZ_SEED", "0")))
    watchdog = Watchdog(kind, hang)
    started = time.monotonic()
    slowest = (0.0, -1)
    for i in range(runs):
        if kind in CLI_KINDS and rnd.random() < 0.5:
            data = structured_input(kind, rnd, pool)
        else:
            data = _mutate(rnd, rnd.choice(pool), pool)
        watchdog.begin(i, data)
        try:
            target(data)
        except BaseException:
            crash = Path(f"fuzz-crash-{kind}-{i}.bin")
            crash.write_bytes(data)
            print(f"{kind}: failing input written to {crash}", flush=True)
            raise
        slowest = max(slowest, (watchdog.end(), i))
        if progress and i % progress == 0 and i:
            spent = time.monotonic() - started
            print(
                f"{kind}: {i} inputs, {spent:.0f} s, {i / spent:.0f}/s,"
                f" slowest input {slowest[1]} ({slowest[0]:.2f} s)",
                flush=True,
            )
    watchdog.stop()
    spent = time.monotonic() - started
    print(
        f"{kind}: done, {runs} inputs in {spent:.0f} s,"
        f" slowest input {slowest[1]} ({slowest[0]:.2f} s)",
        flush=True,
    )
    return runs


def replay(kind: str, files: list[str]) -> int:
    """Run each saved input once; 1 if any failed."""
    target = _target(kind)
    failed = 0
    for name in files:
        data = Path(name).read_bytes()
        started = time.monotonic()
        try:
            target(data)
        except Exception as err:
            failed += 1
            print(f"{name}: FAILED after {time.monotonic() - started:.2f} s: {err!r:.2000}")
        else:
            print(f"{name}: ok in {time.monotonic() - started:.2f} s")
    return 1 if failed else 0


def run_atheris(kind: str, runs: int) -> None:
    """Coverage-guided under libFuzzer; never returns (libFuzzer exits)."""
    import atheris

    with atheris.instrument_imports(include=["qmonitor", "fuzz_harness"]):
        target = _target(kind)

    def one_input(data: bytes) -> None:
        target(data)

    found = tempfile.mkdtemp(prefix=f"qmonitor-fuzz-{kind}-")
    print(f"{kind}: new corpus entries go to {found}", flush=True)
    seed_dirs = [str(ROOT / "tests" / "fuzz" / "corpus" / kind)]
    if kind in CLI_KINDS:
        for n, data in enumerate(_pool(kind)):
            Path(found, f"seed-{n}").write_bytes(data)
        seed_dirs = []
    args = [
        sys.argv[0],
        f"-runs={runs}",
        "-max_len=4096",
        "-timeout=60",
        "-print_final_stats=1",
        f"-artifact_prefix=fuzz-crash-{kind}-",
        found,
        *seed_dirs,
    ]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", nargs="?", default="all", choices=(*KINDS, "all"))
    parser.add_argument(
        "--runs", type=int, default=int(os.environ.get("QMONITOR_FUZZ_EXAMPLES", 1_000_000))
    )
    parser.add_argument("--engine", choices=("atheris", "mutate"), default=None)
    parser.add_argument(
        "--progress", type=int, default=10_000, help="report every N inputs (mutate)"
    )
    parser.add_argument(
        "--hang", type=float, default=120.0, help="seconds one input may take (mutate)"
    )
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="run saved inputs once")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        if args.kind == "all":
            parser.error("--replay needs a target: " + ", ".join(KINDS))
        return replay(args.kind, args.replay)
    engine = args.engine
    if engine is None:
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "mutate"
    if args.child:
        if engine == "atheris":
            run_atheris(args.kind, args.runs)
        run_mutate(args.kind, args.runs, args.progress, args.hang)
        return 0
    kinds = KINDS if args.kind == "all" else (args.kind,)
    failed = False
    for kind in kinds:
        cmd = [sys.executable, __file__, kind, "--runs", str(args.runs), "--engine", engine]
        cmd += ["--progress", str(args.progress), "--hang", str(args.hang)]
        print(f"== {kind} ({engine}, {args.runs} inputs)", flush=True)
        rc = subprocess.run([*cmd, "--child"], check=False).returncode
        failed = failed or rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
