"""What HMP's ``info migrate`` prints of a ``query-migrate`` answer (hmp_info_migrate).

A pure function of the answer: the status (with the error of a failed
migration), the times, the RAM figures (QEMU prints some only when they
are not zero) and the addresses an incoming migration listens on.
"""

from __future__ import annotations

from typing import Any


def _socket_uri(address: dict[str, Any]) -> str:
    """socket_uri: how QEMU writes a SocketAddress back as a URI."""
    kind = address.get("type")
    if kind == "inet":
        return f"tcp:{address['host']}:{address['port']}"
    if kind == "unix":
        return f"unix:{address['path']}"
    if kind == "fd":
        return f"fd:{address['str']}"
    return f"vsock:{address.get('cid')}:{address.get('port')}"


def migration_info_text(info: dict[str, Any]) -> str:
    """The lines after the globals, for one ``query-migrate`` answer."""
    out: list[str] = []
    reasons = info.get("blocked-reasons")
    if reasons:
        out.append("Outgoing migration blocked:\n")
        out += [f"  {reason}\n" for reason in reasons]
    if "status" in info:
        status = info["status"]
        if status == "failed" and "error-desc" in info:
            out.append(f"Migration status: {status} ({info['error-desc']})\n")
        else:
            out.append(f"Migration status: {status}\n")
        out.append(f"total time: {info.get('total-time', 0)} ms\n")
        if "expected-downtime" in info:
            out.append(f"expected downtime: {info['expected-downtime']} ms\n")
        if "downtime" in info:
            out.append(f"downtime: {info['downtime']} ms\n")
        if "setup-time" in info:
            out.append(f"setup: {info['setup-time']} ms\n")
    ram = info.get("ram")
    if ram is not None:
        out += [
            f"transferred ram: {ram['transferred'] >> 10} kbytes\n",
            f"throughput: {ram['mbps']:0.2f} mbps\n",
            f"remaining ram: {ram['remaining'] >> 10} kbytes\n",
            f"total ram: {ram['total'] >> 10} kbytes\n",
            f"duplicate: {ram['duplicate']} pages\n",
            f"skipped: {ram['skipped']} pages\n",
            f"normal: {ram['normal']} pages\n",
            f"normal bytes: {ram['normal-bytes'] >> 10} kbytes\n",
            f"dirty sync count: {ram['dirty-sync-count']}\n",
            f"page size: {ram['page-size'] >> 10} kbytes\n",
            f"multifd bytes: {ram['multifd-bytes'] >> 10} kbytes\n",
            f"pages-per-second: {ram['pages-per-second']}\n",
        ]
        for key, line in (
            ("dirty-pages-rate", "dirty pages rate: {} pages\n"),
            ("postcopy-requests", "postcopy request count: {}\n"),
        ):
            if ram.get(key):
                out.append(line.format(ram[key]))
        for key, words in (
            ("precopy-bytes", "precopy ram"),
            ("downtime-bytes", "downtime ram"),
            ("postcopy-bytes", "postcopy ram"),
        ):
            if ram.get(key):
                out.append(f"{words}: {ram[key] >> 10} kbytes\n")
        if ram.get("dirty-sync-missed-zero-copy"):
            count = ram["dirty-sync-missed-zero-copy"]
            out.append(f"Zero-copy-send fallbacks happened: {count} times\n")
    addresses = info.get("socket-address")
    if addresses:
        out.append("socket address: [\n")
        out += [f"\t{_socket_uri(a)}\n" for a in addresses]
        out.append("]\n")
    return "".join(out)
