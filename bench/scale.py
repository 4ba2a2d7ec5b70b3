"""How many fake VMs fit on one machine: N processes of QEMU 7.2 and of qmonitor, side by side.

    python bench/scale.py [--vms 10,50,200] [--seconds 2] [--only qemu|qmonitor]

Each VM is started with the kind of command line libvirt gives a paused
guest (``-M pc -S``, 128 MiB, a qcow2 disk on ``-blockdev``, a user-mode NIC,
a QMP socket; ``--no-devices`` leaves out the ``-device`` lines), all N at
once.  For each target and N it reports:

- start all: from the first spawn until every VM has answered
  ``qmp_capabilities`` and ``query-status`` (the machine is built, not only
  greeting);
- memory once all are idle for a second: VmRSS per VM (mean) and in total,
  and PSS per VM (``/proc/PID/smaps_rollup``: shared pages divided among the
  processes that share them, what the VMs really cost together);
- ``query-status`` latency p50/p99 over all VMs, one client per VM, asked in
  turn for ``--seconds``.

QEMU runs as many of the N as the machine's available memory allows (it
stops adding VMs when less than a quarter of MemAvailable would be left).
The table goes to stdout, the figures to bench/results/scale.json and the
plot to bench/results/scale.svg.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import plot
from targets import BENCH, BenchError, log_tail, make_targets, spawn, stop, stop_all

RESULTS = BENCH / "results" / "scale.json"
PLOT = BENCH / "results" / "scale.svg"
START_TIMEOUT = 300.0


def vm_argv(i: int, tmp: Path, devices: bool) -> list[str]:
    """VM ``i``'s command line, in the shape libvirt builds for a paused guest."""
    disk = tmp / f"disk{i}.qcow2"
    argv = [
        "-name", f"guest=vm{i}", "-S", "-no-user-config", "-nodefaults",
        "-machine", "pc", "-m", "128", "-smp", "1", "-display", "none", "-no-shutdown",
        "-blockdev",
        json.dumps({"driver": "file", "filename": str(disk), "node-name": "libvirt-1-storage",
                    "auto-read-only": True, "discard": "unmap"}),
        "-blockdev",
        json.dumps({"node-name": "libvirt-1-format", "read-only": False, "driver": "qcow2",
                    "file": "libvirt-1-storage"}),
        "-netdev", "user,id=hostnet0",
    ]  # fmt: skip
    if devices:
        argv += [
            "-device", "virtio-blk-pci,bus=pci.0,addr=0x4,drive=libvirt-1-format,id=virtio-disk0",
            "-device", f"virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:00:{i >> 8:02x}:"
            f"{i & 0xFF:02x},bus=pci.0,addr=0x3",
        ]  # fmt: skip
    return [*argv, "-qmp", f"unix:{tmp / f'qmp{i}.sock'},server=on,wait=off"]


def make_disks(tmp: Path, n: int) -> None:
    img = shutil.which("qemu-img")
    if img is None:
        raise BenchError("qemu-img is needed for the VMs' disks")
    for i in range(n):
        subprocess.run(
            [img, "create", "-q", "-f", "qcow2", str(tmp / f"disk{i}.qcow2"), "1G"], check=True
        )


class Client:
    """One negotiated QMP connection, read line by line."""

    def __init__(self, path: Path, deadline: float) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise BenchError(f"{path}: no socket") from None
                time.sleep(0.01)
        self.sock.settimeout(max(1.0, deadline - time.monotonic()))
        self.buf = b""
        self.line()  # the greeting
        self.ask(b'{"execute": "qmp_capabilities"}\n')

    def line(self) -> bytes:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise BenchError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def ask(self, request: bytes) -> bytes:
        self.sock.sendall(request)
        while True:
            line = self.line()
            if line.startswith((b'{"return"', b'{"error"')):
                return line

    def close(self) -> None:
        self.sock.close()


def mem_available_kib() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


def proc_kib(pid: int, path: str, key: str) -> int:
    with open(f"/proc/{pid}/{path}") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    raise BenchError(f"no {key} in /proc/{pid}/{path}")


def run_scale(
    cmd: list[str], env: dict[str, str] | None, n: int, seconds: float, devices: bool, qemu: bool
) -> dict[str, Any]:
    """Start ``n`` VMs of one target, measure them, stop them."""
    procs: list[subprocess.Popen[bytes]] = []
    clients: list[Client] = []
    with tempfile.TemporaryDirectory(prefix="qmonitor-scale-") as d:
        tmp = Path(d)
        make_disks(tmp, n)
        floor = mem_available_kib() // 4
        try:
            t0 = time.monotonic()
            for i in range(n):
                if qemu and procs and mem_available_kib() < floor:
                    break  # as many as fit
                procs.append(spawn([*cmd, *vm_argv(i, tmp, devices)], tmp / f"vm{i}.log", env))
            deadline = t0 + START_TIMEOUT
            for i, proc in enumerate(procs):
                if proc.poll() is not None:
                    raise BenchError(f"vm{i} exited: {log_tail(tmp / f'vm{i}.log')}")
                client = Client(tmp / f"qmp{i}.sock", deadline)
                client.ask(b'{"execute": "query-status"}\n')
                clients.append(client)
            started = time.monotonic() - t0
            time.sleep(1.0)
            rss = [proc_kib(p.pid, "status", "VmRSS:") for p in procs]
            pss = [proc_kib(p.pid, "smaps_rollup", "Pss:") for p in procs]
            latencies: list[float] = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for client in clients:
                    t = time.perf_counter()
                    client.ask(b'{"execute": "query-status"}\n')
                    latencies.append((time.perf_counter() - t) * 1e6)
            latencies.sort()
            count = len(procs)
            return {
                "vms": count,
                "start_all_s": round(started, 3),
                "rss_total_mib": round(sum(rss) / 1024, 1),
                "rss_per_vm_mib": round(sum(rss) / count / 1024, 2),
                "pss_per_vm_mib": round(sum(pss) / count / 1024, 2),
                "p50_us": round(latencies[len(latencies) // 2], 1),
                "p99_us": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
                "round_trips": len(latencies),
            }
        finally:
            for client in clients:
                client.close()
            for proc in procs:
                stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", default="10,50,200", help="comma-separated VM counts")
    parser.add_argument("--seconds", type=float, default=2.0, help="latency measurement time")
    parser.add_argument("--only", choices=("qemu", "qmonitor"))
    parser.add_argument("--no-devices", action="store_true", help="leave out the -device lines")
    args = parser.parse_args()
    counts = [int(x) for x in args.vms.split(",") if x]
    targets = {k: t for k, t in make_targets().items() if k in ("qemu", "qmonitor")}
    results: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in targets}
    try:
        for n in counts:
            for name, t in targets.items():
                if args.only and name != args.only:
                    continue
                print(f"{name}: {n} VMs ...", file=sys.stderr, flush=True)
                try:
                    results[name][n] = run_scale(
                        t.cmd, t.env, n, args.seconds, not args.no_devices, name == "qemu"
                    )
                except (BenchError, OSError, subprocess.CalledProcessError) as e:
                    results[name][n] = {"error": str(e)}
                print(f"  {results[name][n]}", file=sys.stderr, flush=True)
    finally:
        stop_all()
    print(table(results))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "host": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "devices": not args.no_devices,
        "results": results,
    }
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n")
    with contextlib.suppress(ValueError):
        PLOT.write_text(plot.svg(panels(results)))
    return 0


def table(results: dict[str, dict[int, dict[str, Any]]]) -> str:
    head = (
        "| VMs asked | target | VMs run | start all (s) | RSS per VM (MiB) | PSS per VM (MiB) "
        "| RSS total (MiB) | query-status p50 / p99 (µs) |\n|---:|---|---:|---:|---:|---:|---:|---|"
    )
    lines = [head]
    for name, by_n in results.items():
        for n, r in sorted(by_n.items()):
            if "error" in r:
                lines.append(f"| {n} | {name} | n/a: {r['error']} | | | | | |")
                continue
            lines.append(
                f"| {n} | {name} | {r['vms']} | {r['start_all_s']:.2f} | {r['rss_per_vm_mib']:.1f}"
                f" | {r['pss_per_vm_mib']:.1f} | {r['rss_total_mib']:,.0f}"
                f" | {r['p50_us']:,.0f} / {r['p99_us']:,.0f} |"
            )
    return "\n".join(lines)


def panels(results: dict[str, dict[int, dict[str, Any]]]) -> list[plot.Panel]:
    def series(key: str) -> dict[str, list[tuple[float, float]]]:
        return {
            name: [(float(r["vms"]), float(r[key])) for r in by_n.values() if key in r]
            for name, by_n in results.items()
            if any(key in r for r in by_n.values())
        }

    return [
        plot.Panel("PSS per VM", "VMs", "MiB", series("pss_per_vm_mib")),
        plot.Panel("Start all", "VMs", "seconds", series("start_all_s")),
        plot.Panel("query-status p99 across VMs", "VMs", "µs", series("p99_us")),
    ]


if __name__ == "__main__":
    sys.exit(main())
