"""The ``devices`` theme of the QMP golden corpus: device_add, device_del, trace events, CPU models.

What QEMU 7.2 answers on ``-M none`` to device_add (ids, drivers,
aliases, buses), device_del, the trace event commands and the CPU model
queries.  Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from qmonitor_testsupport.qmp_steps import NEG, PROBE, cmd, table


def _get(name: str, tag: object, **extra: object) -> object:
    return cmd("trace-event-get-state", {"name": name, **extra}, tag)


def _set(name: str, enable: bool, tag: object, **extra: object) -> object:
    return cmd("trace-event-set-state", {"name": name, "enable": enable, **extra}, tag)


table("devices", [
    ("dev_add_del", "device_add and device_del on -M none", NEG,
     cmd("device_add", {"driver": "isa-serial", "id": "s0"}, 1),
     cmd("device_add", {"driver": "virtio-net"}, 2), cmd("device_add", {}, 3),
     cmd("device_add", {"driver": "nope", "id": "1x"}, 4),
     cmd("device_add", {"driver": "x86_64-cpu"}, 5),
     cmd("device_add", {"driver": "isa-serial", "bus": "nope"}, 6),
     cmd("device_add", {"driver": "isa-serial", "chardev": "nope"}, 7),
     cmd("device_add", {"driver": "e1000", "netdev": "n"}, 8),
     cmd("device_add", {"driver": "usb-tablet"}, 9), cmd("device_add", {"driver": "pc-dimm"}, 10),
     cmd("device_add", {"driver": "i8042"}, 11),
     cmd("device_add", {"driver": "qemu64-x86_64-cpu"}, 12),
     cmd("device_add", {"driver": "nope"}, 13), cmd("device_add", {"driver": "tpm-crb"}, 14),
     cmd("device_del", {"id": "nope"}, 15), cmd("device_del", {"id": "/machine"}, 16),
     cmd("device_del", {"id": "/machine/unattached"}, 17), cmd("device_del", {"id": "/x"}, 18),
     PROBE),
    ("dev_trace", "trace-event-get-state and -set-state", NEG,
     _get("nope", 1), _get("qmp_enter_query_s*", 2), _get("nope*", 3),
     _set("nope", True, 4), _set("qmp_enter_query_sgx", True, 5), _get("qmp_*_query_sgx", 6),
     _set("qmp_*_query_sgx", False, 7), _get("qmp_enter_query_sgx", 8),
     _get("qmp_enter_query_sgx", 9, vcpu=0), _set("qmp_enter_query_sgx", True, 10, vcpu=0),
     _get("qmp_enter_query_sg?", 11), PROBE),
    ("dev_cpu_models", "query-cpu-definitions and model expansion errors", NEG,
     cmd("query-cpu-definitions", id=1),
     cmd("query-cpu-model-expansion", {"type": "static", "model": {"name": "nope"}}, 2),
     cmd("query-cpu-model-expansion",
         {"type": "full", "model": {"name": "qemu64", "props": {"nope": 1}}}, 3),
     cmd("query-cpu-model-expansion",
         {"type": "full", "model": {"name": "qemu64", "props": {"sse": 1}}}, 4), PROBE),
])  # fmt: skip
