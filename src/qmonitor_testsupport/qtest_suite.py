"""QEMU 7.2's own qtest programs, built from Debian's source package, run against qmonitor.

The programs are an independent judge: QEMU's tests of its monitor, of QOM and
introspection and of the devices qmonitor models.  Nothing of QEMU's source
enters the repository; this module fetches the source package matching the
installed ``qemu-system-x86`` (``apt-get source``), configures one target with
what the programs ``#ifdef`` on (as Debian builds QEMU: TCG, KVM, VNC, SPICE,
replication) and builds only the programs and the qtest accelerator module,
which Debian leaves out of its package.  A build is reused while its stamp
(source version and configure options) matches.

Each subtest runs in a process of its own (``-p PATH``), once against
Debian's QEMU (``QEMU_MODULE_DIR`` pointing at the built module, whose stamp
equals the installed binary's because ``--with-pkgversion`` does) and once
against qmonitor (through a link named ``qemu-system-x86_64``: libqtest takes
the target from the binary's name).  The programs register their subtests
from what the binary answers (``query-machines``, ``query-qmp-schema``), so a
subtest QEMU registers and qmonitor does not counts as failed.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

#: The programs run, in the order reported.
PROGRAMS: tuple[str, ...] = (
    "qmp-test",
    "qmp-cmd-test",
    "test-hmp",
    "qom-test",
    "device-introspect-test",
    "machine-none-test",
    "readconfig-test",
    "rtc-test",
    "wdt_ib700-test",
    "device-plug-test",
    "usb-hcd-uhci-test",
    "usb-hcd-ehci-test",
    "usb-hcd-xhci-test",
)

#: Debian's package of the installed oracle.
PACKAGE = "qemu-system-x86"

#: What the programs need from the configuration (their ``#ifdef``s and libqtest's).
CONFIGURE_OPTIONS: tuple[str, ...] = (
    "--target-list=x86_64-softmmu",
    "--without-default-features",
    "--enable-tcg",
    "--enable-kvm",
    "--enable-modules",
    "--enable-slirp",
    "--enable-fdt=system",
    "--enable-spice",
    "--enable-vnc",
    "--enable-replication",
    "--disable-docs",
)

#: Debian packages the configuration above builds with.
BUILD_DEPENDS: tuple[str, ...] = (
    "meson",
    "ninja-build",
    "pkg-config",
    "libglib2.0-dev",
    "libpixman-1-dev",
    "flex",
    "bison",
    "libslirp-dev",
    "libfdt-dev",
    "libspice-server-dev",
    "dpkg-dev",
    "gcc",
)

#: The accelerator module Debian's package lacks.
QTEST_MODULE = "accel-qtest-x86_64.so"

#: Seconds one subtest may take before it counts as failed.
SUBTEST_TIMEOUT = 90.0


def default_root() -> Path:
    """Where tools/qtest_suite.py keeps its build (``$QMONITOR_QTEST_DIR`` overrides)."""
    return Path(
        os.environ.get("QMONITOR_QTEST_DIR", str(Path.home() / ".cache" / "qmonitor-qtest"))
    )


def built_module_dir() -> Path | None:
    """The directory holding the built qtest accelerator module, if a build made one.

    Debian's QEMU needs it (``QEMU_MODULE_DIR``) to start with ``-accel qtest``.
    """
    explicit = os.environ.get("QEMU_MODULE_DIR")
    for directory in ([Path(explicit)] if explicit else []) + [default_root() / "modules"]:
        if (directory / QTEST_MODULE).exists():
            return directory
    return None


def uses_qtest_accel(args: Sequence[str]) -> bool:
    """Whether a command line asks for the qtest accelerator (``-accel qtest``, ``accel=qtest``)."""
    for flag, value in itertools.pairwise(args):
        if flag in ("-accel", "--accel") and value.split(",")[0] in ("qtest", "accel=qtest"):
            return True
        if flag in ("-machine", "-M") and "accel=qtest" in value.split(","):
            return True
    return False


_BINNMU = re.compile(r"\+b\d+$")
_TAP = re.compile(r"^(ok|not ok) \d+ (\S+)(.*)$")


def source_version(binary_version: str) -> str:
    """The source package version of a binary package version (a binNMU's ``+bN`` dropped)."""
    return _BINNMU.sub("", binary_version)


def pkgversion(binary_version: str) -> str:
    """What Debian passes as ``--with-pkgversion`` (it enters the module stamp)."""
    return f"Debian {binary_version}"


def deb_src_text(deb_sources: str) -> str:
    """deb822 ``.sources`` text turned into the matching ``deb-src`` entries."""
    out = []
    for line in deb_sources.splitlines():
        if line.strip() == "Types: deb":
            line = "Types: deb-src"
        out.append(line)
    return "\n".join(out) + "\n"


def deb_src_lines(sources_list: str) -> str:
    """One-line ``sources.list`` text turned into the matching ``deb-src`` lines."""
    out = []
    for line in sources_list.splitlines():
        words = line.split()
        if words and words[0] == "deb":
            out.append(" ".join(["deb-src", *words[1:]]))
    return "\n".join(out) + ("\n" if out else "")


def parse_list(output: str) -> list[str]:
    """The subtest paths a program prints for ``-l``."""
    return [line.strip() for line in output.splitlines() if line.startswith("/")]


def parse_tap(output: str) -> dict[str, bool]:
    """``ok``/``not ok`` per subtest path in a program's TAP output (SKIP counts as passed)."""
    results: dict[str, bool] = {}
    for line in output.splitlines():
        match = _TAP.match(line)
        if match:
            results[match.group(2)] = match.group(1) == "ok"
    return results


@dataclass
class Build:
    """Where a build lives and what it was made from."""

    root: Path
    binary_version: str

    @property
    def source_dir(self) -> Path:
        return self.root / "src"

    @property
    def build_dir(self) -> Path:
        return self.source_dir / "b"

    @property
    def module_dir(self) -> Path:
        return self.root / "modules"

    @property
    def stamp(self) -> Path:
        return self.root / "stamp.json"

    def wanted_stamp(self) -> dict[str, object]:
        return {
            "version": self.binary_version,
            "options": list(CONFIGURE_OPTIONS),
            "programs": list(PROGRAMS),
        }

    def program(self, name: str) -> Path:
        return self.build_dir / "tests" / "qtest" / name

    def is_current(self) -> bool:
        try:
            recorded = json.loads(self.stamp.read_text())
        except (OSError, ValueError):
            return False
        # The programs listed need only exist: a build made for a shorter
        # list (another checkout's) still serves, and a missing program is
        # built alone (see ensure_build), without starting over.
        return bool(
            self.same_configuration(recorded)
            and all(self.program(p).exists() for p in PROGRAMS)
            and (self.module_dir / QTEST_MODULE).exists()
        )

    def same_configuration(self, recorded: object) -> bool:
        """Whether a stamp is of a build of this QEMU version with these options."""
        wanted = self.wanted_stamp()
        return (
            isinstance(recorded, dict)
            and recorded.get("version") == wanted["version"]
            and recorded.get("options") == wanted["options"]
        )

    def missing_programs(self) -> list[str] | None:
        """The programs a configured build of this version lacks; None if it must start over."""
        try:
            recorded = json.loads(self.stamp.read_text())
        except (OSError, ValueError):
            return None
        if not self.same_configuration(recorded) or not (self.build_dir / "build.ninja").exists():
            return None
        if not (self.module_dir / QTEST_MODULE).exists():
            return None
        return [p for p in PROGRAMS if not self.program(p).exists()]


def installed_version() -> str:
    """The installed ``qemu-system-x86`` version, e.g. ``1:7.2+dfsg-7+deb12u18+b3``."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", PACKAGE],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _log(message: str) -> None:
    print(f"qtest: {message}", flush=True)


def _run(argv: Sequence[str], cwd: Path | None = None, log: Path | None = None) -> None:
    """Run a build step; its output goes to ``log`` and is shown if it fails."""
    if log is None:
        subprocess.run(argv, cwd=cwd, check=True)
        return
    with log.open("w") as out:
        status = subprocess.run(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode
    if status:
        print(log.read_text()[-6000:])
        raise subprocess.CalledProcessError(status, list(argv))


def ensure_deb_src() -> None:
    """Add deb-src entries mirroring the deb ones when apt knows none."""
    apt = Path("/etc/apt")
    texts = [p.read_text() for p in apt.glob("sources.list.d/*.sources")]
    lists = [
        p.read_text()
        for p in [apt / "sources.list", *apt.glob("sources.list.d/*.list")]
        if p.exists()
    ]
    if any("deb-src" in t for t in texts + lists):
        return
    deb822 = "".join(
        deb_src_text(t) + "\n" for t in texts if re.search(r"^Types:.*\bdeb\b", t, re.M)
    )
    one_line = "".join(deb_src_lines(t) for t in lists)
    if deb822.strip():
        (apt / "sources.list.d" / "qmonitor-qtest-src.sources").write_text(deb822)
    if one_line.strip():
        (apt / "sources.list.d" / "qmonitor-qtest-src.list").write_text(one_line)
    _run(["apt-get", "update", "-qq"], log=Path("/tmp/qmonitor-qtest-apt.log"))


def install_build_depends() -> None:
    """Install what the build needs (as root through apt-get; otherwise assume it is there)."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *BUILD_DEPENDS],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def fetch_source(build: Build) -> None:
    """``apt-get source`` of the installed version, unpacked at ``build.source_dir``."""
    download = build.root / "download"
    shutil.rmtree(download, ignore_errors=True)
    download.mkdir(parents=True)
    version = source_version(build.binary_version)
    _run(
        ["apt-get", "source", "-q", "--download-only", f"qemu={version}"],
        cwd=download,
        log=build.root / "download.log",
    )
    dsc = next(download.glob("*.dsc"))
    shutil.rmtree(build.source_dir, ignore_errors=True)
    _run(
        ["dpkg-source", "-x", dsc.name, str(build.source_dir)],
        cwd=download,
        log=build.root / "unpack.log",
    )
    shutil.rmtree(download)


def build_programs(build: Build, jobs: int) -> None:
    """Configure and build the programs and the qtest accelerator module."""
    shutil.rmtree(build.build_dir, ignore_errors=True)
    build.build_dir.mkdir(parents=True)
    options = [*CONFIGURE_OPTIONS, f"--with-pkgversion={pkgversion(build.binary_version)}"]
    _run(["../configure", *options], cwd=build.build_dir, log=build.root / "configure.log")
    targets = [f"tests/qtest/{p}" for p in PROGRAMS] + [QTEST_MODULE]
    _run(["ninja", f"-j{jobs}", *targets], cwd=build.build_dir, log=build.root / "build.log")
    build.module_dir.mkdir(exist_ok=True)
    shutil.copy2(build.build_dir / QTEST_MODULE, build.module_dir / QTEST_MODULE)


def ensure_build(root: Path, jobs: int) -> Build:
    """A current build under ``root``, made when missing or stale."""
    build = Build(root, installed_version())
    if build.is_current():
        _log(f"reusing the build in {root}")
        return build
    missing = build.missing_programs()
    if missing:
        # Only programs are missing: build them in the existing tree.
        targets = [f"tests/qtest/{p}" for p in missing]
        _run(["ninja", f"-j{jobs}", *targets], cwd=build.build_dir, log=build.root / "build.log")
        _log(f"built {', '.join(missing)} in {root}")
        return build
    root.mkdir(parents=True, exist_ok=True)
    build.stamp.unlink(missing_ok=True)
    started = time.monotonic()
    install_build_depends()
    ensure_deb_src()
    if not (build.source_dir / "configure").exists():
        fetch_source(build)
    build_programs(build, jobs)
    build.stamp.write_text(json.dumps(build.wanted_stamp(), indent=1) + "\n")
    _log(f"built in {time.monotonic() - started:.0f} s")
    return build


@dataclass
class Target:
    """A binary the programs are run against."""

    name: str
    binary: Path
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """How one subtest went against one target."""

    program: str
    path: str
    passed: bool
    seconds: float
    output: str = ""


def _environ(target: Target) -> dict[str, str]:
    env = dict(os.environ)
    env.update(target.env)
    env["QTEST_QEMU_BINARY"] = str(target.binary)
    env.pop("QTEST_LOG", None)
    return env


def list_subtests(build: Build, program: str, target: Target) -> list[str]:
    """The subtests ``program`` registers against ``target``."""
    try:
        out = subprocess.run(
            [str(build.program(program)), "-l"],
            env=_environ(target),
            capture_output=True,
            text=True,
            timeout=SUBTEST_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return []
    return parse_list(out.stdout)


def run_subtest(build: Build, program: str, path: str, target: Target) -> Outcome:
    """Run one subtest in a process of its own."""
    started = time.monotonic()
    try:
        out = subprocess.run(
            [str(build.program(program)), "-p", path],
            env=_environ(target),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=SUBTEST_TIMEOUT,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as exc:
        text = exc.output if isinstance(exc.output, str) else ""
        return Outcome(program, path, False, time.monotonic() - started, text + "\n(timed out)")
    results = parse_tap(out.stdout)
    passed = out.returncode == 0 and results.get(path, False)
    return Outcome(program, path, passed, time.monotonic() - started, out.stdout)


def run_target(
    build: Build, target: Target, wanted: dict[str, list[str]], jobs: int
) -> dict[tuple[str, str], Outcome]:
    """Every subtest of ``wanted`` against ``target``; those it does not register fail."""
    registered = {p: set(list_subtests(build, p, target)) for p in wanted}
    work = [(p, path) for p, paths in wanted.items() for path in paths]
    outcomes: dict[tuple[str, str], Outcome] = {}
    todo = [(p, path) for p, path in work if path in registered[p]]
    for p, path in work:
        if path not in registered[p]:
            outcomes[(p, path)] = Outcome(p, path, False, 0.0, "(not registered)")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for outcome in pool.map(lambda item: run_subtest(build, item[0], item[1], target), todo):
            outcomes[(outcome.program, outcome.path)] = outcome
    return outcomes


def table(
    programs: Iterable[str],
    wanted: dict[str, list[str]],
    results: dict[str, dict[tuple[str, str], Outcome]],
) -> str:
    """A Markdown table: passed subtests per program and target."""
    names = list(results)
    lines = [
        "| program | subtests | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    totals = dict.fromkeys(names, 0)
    count = 0
    for program in programs:
        paths = wanted.get(program, [])
        count += len(paths)
        cells = []
        for name in names:
            passed = sum(results[name][(program, path)].passed for path in paths)
            totals[name] += passed
            cells.append(str(passed))
        lines.append(f"| {program} | {len(paths)} | " + " | ".join(cells) + " |")
    lines.append(
        f"| **all** | **{count}** | " + " | ".join(f"**{totals[n]}**" for n in names) + " |"
    )
    return "\n".join(lines)


def read_expected(path: Path) -> set[tuple[str, str]]:
    """The subtests qmonitor must pass: ``program path`` lines (``#`` starts a comment)."""
    expected = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            program, subtest = line.split()
            expected.add((program, subtest))
    return expected


def write_expected(path: Path, outcomes: dict[tuple[str, str], Outcome]) -> None:
    """Record the subtests qmonitor passes now, in program order."""
    order = {p: i for i, p in enumerate(PROGRAMS)}
    passing = sorted(
        (k for k, o in outcomes.items() if o.passed), key=lambda k: (order.get(k[0], 99), k[1])
    )
    header = "# QEMU 7.2 qtest subtests qmonitor passes (tools/qtest_suite.py --update-expected)\n"
    path.write_text(header + "".join(f"{p} {s}\n" for p, s in passing))
