"""The long fuzz run: a million inputs (or QMONITOR_FUZZ_EXAMPLES) per target.

    python tools/fuzz_long.py [json|qmp|hmp|all] [--runs N] [--engine atheris|mutate]

Each target (tests/fuzz/fuzz_harness.py: the JSON streamer, the QMP request
path of an in-process null machine, the HMP line editor and parser) runs in
a child process of its own.  With atheris installed (``pip install
atheris``) the run is coverage-guided (libFuzzer) from the committed corpus
(tests/fuzz/corpus/KIND); new interesting inputs go to a temporary folder
whose path is printed (``-merge=1`` them into the corpus by hand).  Without
atheris a seeded mutation loop over the same corpus runs instead.  A failing
input is written to fuzz-crash-KIND-*.bin in the current folder and the run
fails.  The last line of each child says how many inputs it tried.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("json", "qmp", "hmp")


def _paths() -> None:
    for extra in (ROOT / "tests", ROOT / "tests" / "fuzz", ROOT / "src"):
        if str(extra) not in sys.path:
            sys.path.insert(0, str(extra))


def _target(kind: str) -> Callable[[bytes], None]:
    import fuzz_harness

    if kind == "json":
        return fuzz_harness.check_streamer
    if kind == "qmp":
        return fuzz_harness.QmpHarness().fuzz
    return fuzz_harness.HmpHarness().fuzz


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


def run_mutate(kind: str, runs: int) -> int:
    """A seeded mutation loop (no coverage feedback); returns inputs tried."""
    import fuzz_harness

    target = _target(kind)
    pool = fuzz_harness.corpus(kind) or [b""]
    rnd = random.Random(int(os.environ.get("QMONITOR_FUZZ_SEED", "0")))
    started = time.monotonic()
    for i in range(runs):
        data = _mutate(rnd, rnd.choice(pool), pool)
        try:
            target(data)
        except BaseException:
            crash = Path(f"fuzz-crash-{kind}-{i}.bin")
            crash.write_bytes(data)
            print(f"{kind}: failing input written to {crash}", flush=True)
            raise
        if i % 50_000 == 0 and i:
            print(f"{kind}: {i} inputs, {time.monotonic() - started:.0f} s", flush=True)
    print(f"{kind}: done, {runs} inputs in {time.monotonic() - started:.0f} s", flush=True)
    return runs


def run_atheris(kind: str, runs: int) -> None:
    """Coverage-guided under libFuzzer; never returns (libFuzzer exits)."""
    import atheris

    with atheris.instrument_imports(include=["qmonitor", "fuzz_harness"]):
        target = _target(kind)

    def one_input(data: bytes) -> None:
        target(data)

    found = tempfile.mkdtemp(prefix=f"qmonitor-fuzz-{kind}-")
    print(f"{kind}: new corpus entries go to {found}", flush=True)
    args = [
        sys.argv[0],
        f"-runs={runs}",
        "-max_len=4096",
        "-timeout=60",
        "-print_final_stats=1",
        f"-artifact_prefix=fuzz-crash-{kind}-",
        found,
        str(ROOT / "tests" / "fuzz" / "corpus" / kind),
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
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    engine = args.engine
    if engine is None:
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "mutate"
    if args.child:
        _paths()
        if engine == "atheris":
            run_atheris(args.kind, args.runs)
        run_mutate(args.kind, args.runs)
        return 0
    kinds = KINDS if args.kind == "all" else (args.kind,)
    failed = False
    for kind in kinds:
        cmd = [sys.executable, __file__, kind, "--runs", str(args.runs), "--engine", engine]
        print(f"== {kind} ({engine}, {args.runs} inputs)", flush=True)
        rc = subprocess.run([*cmd, "--child"], check=False).returncode
        failed = failed or rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
