"""A private libvirtd for tests: its own config, state and sockets in a temp dir.

libvirtd runs as root with the QEMU driver (Debian's libvirt 9.0) and no
systemd: :func:`private_libvirtd` writes a ``libvirtd.conf`` and a
``qemu.conf`` for that (``user = "root"``, no cgroups, no namespaces, no
security driver, unauthenticated unix socket), then starts ``libvirtd -d``
inside a private mount namespace (``unshare -m``) in which libvirt's fixed
directories (/etc/libvirt, /run/libvirt, /var/lib/libvirt,
/var/cache/libvirt, /var/log/libvirt) are the temp dir's, so nothing of the
host's libvirt is read or changed.  ``virsh`` reaches it through the socket
in the temp dir.  On exit the daemon, and every process left in its
namespace, is killed, and the temp dir removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LIBVIRTD = shutil.which("libvirtd") or "/usr/sbin/libvirtd"
VIRSH = shutil.which("virsh")
UNSHARE = shutil.which("unshare")

#: libvirt's directories with fixed paths for the privileged daemon.
DIRS = {
    "etc": "/etc/libvirt",
    "run": "/run/libvirt",
    "lib": "/var/lib/libvirt",
    "cache": "/var/cache/libvirt",
    "log": "/var/log/libvirt",
}

LIBVIRTD_CONF = """\
unix_sock_dir = "{run}"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
log_outputs = "{log_level}:file:{root}/libvirtd.log"
log_filters = "{log_filters}"
"""

QEMU_CONF = """\
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
security_driver = "none"
"""


def why_unavailable() -> str | None:
    """Why a private libvirtd cannot run here, or None."""
    if os.geteuid() != 0:
        return "libvirtd's QEMU driver needs root"
    if not os.path.exists(LIBVIRTD) or VIRSH is None:
        return "libvirt is not installed (libvirt-daemon-driver-qemu, libvirt-clients)"
    if UNSHARE is None:
        return "unshare(1) is not installed"
    try:
        import pwd

        pwd.getpwnam("libvirt-qemu")
    except KeyError:
        return "Debian's QEMU driver needs a 'libvirt-qemu' user (.ci/run creates it)"
    probe = subprocess.run([UNSHARE, "-m", "true"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        return "cannot create a mount namespace (unshare -m)"
    return None


@dataclass
class Libvirtd:
    """A running private libvirtd: its temp dir, pid and connection URI."""

    root: Path
    pid: int
    uri: str

    def run_virsh(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``virsh -c URI ARGS``; returns the finished process, whatever its status."""
        assert VIRSH is not None
        return subprocess.run(
            [VIRSH, "-q", "-c", self.uri, *args], capture_output=True, text=True, timeout=timeout
        )

    def virsh(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        """Run ``virsh -c URI ARGS``; returns stdout (raises with stderr on failure)."""
        proc = self.run_virsh(*args, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(f"virsh {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.root / "libvirtd.log").read_text(errors="replace")
        return ""


#: libvirt's debug lines about its monitor connections (src/qemu/qemu_monitor*.c):
#: a new connection, a request sent, a reply or event received.
_MONITOR_LINE = re.compile(
    r"QEMU_MONITOR_(NEW|SEND_MSG|RECV_REPLY|RECV_EVENT): mon=(\S+) ?(?:msg=|reply=|event=)?(.*)"
)


@dataclass(frozen=True, slots=True)
class MonitorMessage:
    """One message of a monitor conversation in a libvirtd log."""

    #: Where its line starts in the log (to tell which virsh command it belongs to).
    offset: int
    #: Which conversation: a counter of the log's new connections.
    session: int
    #: ``send``, ``reply`` or ``event``.
    kind: str
    text: str


def monitor_messages(log: str) -> list[MonitorMessage]:
    """Every monitor message of a libvirtd log, with its offset and connection.

    Connections are told apart by libvirt's monitor pointer, which a later
    connection may reuse: a message belongs to the newest connection
    opened with its pointer.
    """
    out: list[MonitorMessage] = []
    kinds = {"SEND_MSG": "send", "RECV_REPLY": "reply", "RECV_EVENT": "event"}
    current: dict[str, int] = {}
    count = 0
    offset = 0
    for line in log.splitlines(keepends=True):
        here, offset = offset, offset + len(line)
        m = _MONITOR_LINE.search(line)
        if m is None:
            continue
        kind, mon, rest = m.groups()
        if kind == "NEW":
            current[mon] = count
            count += 1
        elif mon in current:
            if kind == "SEND_MSG":
                rest = rest.rsplit(" fd=", 1)[0].strip().removesuffix("\\r\\n")
            out.append(MonitorMessage(here, current[mon], kinds[kind], rest.strip()))
    return out


def monitor_sessions(log: str) -> list[list[tuple[str, str]]]:
    """libvirt's monitor conversations in a libvirtd log, one list per connection.

    Each entry is ``(kind, json)``: ``send`` (the request as libvirt wrote
    it), ``reply`` or ``event`` (as libvirt read it).  Needs the
    ``qemu.qemu_monitor`` log filter at level 1 (the default of
    :func:`private_libvirtd`).
    """
    sessions: list[list[tuple[str, str]]] = []
    kinds = {"SEND_MSG": "send", "RECV_REPLY": "reply", "RECV_EVENT": "event"}
    for line in log.splitlines():
        m = _MONITOR_LINE.search(line)
        if m is None:
            continue
        kind, _, rest = m.groups()
        if kind == "NEW":
            sessions.append([])
        elif sessions:
            if kind == "SEND_MSG":
                # The request as sent ends with CR LF (logged escaped), then the fd.
                rest = rest.rsplit(" fd=", 1)[0].strip().removesuffix("\\r\\n")
            sessions[-1].append((kinds[kind], rest.strip()))
    return sessions


def _namespace_pids(pid: int) -> list[int]:
    """Processes sharing the mount namespace of ``pid`` (its children included)."""
    try:
        ns = os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return []
    if ns == os.readlink("/proc/self/ns/mnt"):
        return []  # not a private namespace: never sweep the host's processes
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{entry}/ns/mnt") == ns:
                    pids.append(int(entry))
    return pids


@contextlib.contextmanager
def private_libvirtd(
    tmp: Path,
    *,
    log_filters: str = "1:qemu.qemu_monitor 3:*",
    log_level: int = 1,
    hostname: str | None = None,
    host_uuid: str | None = None,
) -> Iterator[Libvirtd]:
    """Start a private libvirtd under ``tmp`` (see the module docstring); stop it at exit.

    ``hostname`` runs it in a UTS namespace of its own under that name and
    ``host_uuid`` gives it that host UUID: two daemons then look like two
    hosts to each other, as a migration between them needs.
    """
    root = tmp / "libvirt"
    paths = {key: root / key for key in DIRS}
    for path in paths.values():
        path.mkdir(parents=True, exist_ok=True)
    (paths["etc"] / "libvirtd.conf").write_text(
        LIBVIRTD_CONF.format(
            run=DIRS["run"], root=root, log_filters=log_filters, log_level=log_level
        )
    )
    if host_uuid is not None:
        with (paths["etc"] / "libvirtd.conf").open("a") as conf:
            conf.write(f'host_uuid = "{host_uuid}"\n')
    (paths["etc"] / "qemu.conf").write_text(QEMU_CONF)
    mounts = " && ".join(
        f"mkdir -p {target} && mount --bind {paths[key]} {target}" for key, target in DIRS.items()
    )
    pidfile = root / "libvirtd.pid"
    uts = f"hostname {hostname} && " if hostname is not None else ""
    script = (
        f"{uts}mount --make-rprivate / && {mounts} && "
        f"exec {LIBVIRTD} -d -f {DIRS['etc']}/libvirtd.conf -p {pidfile}"
    )
    assert UNSHARE is not None
    flags = ["-m", "-u"] if hostname is not None else ["-m"]
    subprocess.run([UNSHARE, *flags, "sh", "-c", script], check=True, timeout=60)
    daemon = Libvirtd(root, 0, f"qemu:///system?socket={paths['run']}/libvirt-sock")
    try:
        end = time.monotonic() + 30
        while not (pidfile.exists() and pidfile.read_text().strip()):
            if time.monotonic() > end:
                raise RuntimeError(f"libvirtd did not start:\n{daemon.log()[-3000:]}")
            time.sleep(0.05)
        daemon.pid = int(pidfile.read_text().strip())
        while not (paths["run"] / "libvirt-sock").exists():
            if time.monotonic() > end:
                raise RuntimeError(f"libvirtd did not listen:\n{daemon.log()[-3000:]}")
            time.sleep(0.05)
        yield daemon
    finally:
        if daemon.pid:
            _stop(daemon.pid)
        shutil.rmtree(root, ignore_errors=True)


def _stop(pid: int) -> None:
    """SIGTERM the daemon, wait (bounded), then SIGKILL whatever remains in its namespace."""
    others = [p for p in _namespace_pids(pid) if p != pid]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + 10
    while time.monotonic() < end and os.path.exists(f"/proc/{pid}"):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                break
        time.sleep(0.05)
    for victim in [pid, *others, *_namespace_pids(pid)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(victim, signal.SIGKILL)


def persona_wrapper(tmp: Path, qemu: str, timeout: float = 900) -> Path:
    """An emulator binary for libvirt: qmonitor with a persona recorded from ``qemu``.

    The persona answers libvirt's probing of the binary; the domain itself
    is served by qmonitor's machine.  The wrapper is ``tmp/qemu-system-x86_64``.
    """
    import sys

    src = Path(__file__).resolve().parents[1]
    persona = tmp / "qemu.json"
    subprocess.run(
        [sys.executable, "-m", "qmonitor", "persona", "record", "--qemu", qemu, "-q",
         "-o", str(persona)],
        check=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(src)},
    )  # fmt: skip
    path = tmp / "qemu-system-x86_64"
    path.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={src}${{PYTHONPATH:+:$PYTHONPATH}} "
        f'exec {sys.executable} -m qmonitor -persona {persona} "$@"\n'
    )
    path.chmod(0o755)
    return path
