"""The ``queries`` theme of the QMP golden corpus: machine-state queries and object-add.

What qmp-cmd-test asks (every query without required arguments, on
``-M none`` with and without ``-accel qtest``, and on a PC), what those
queries answer to their optional arguments, and object-add/object-del/
qom-set: the exact sequence of qmp-cmd-test's object-add-failure-modes and
the property values and errors around it.  Imported by :mod:`.qmp_corpus`,
whose ``CASES`` these join.

``-accel qtest`` is a module of QEMU 7.2: record with ``QEMU_MODULE_DIR``
naming the directory that holds ``accel-qtest-x86_64.so``.  Sizes QEMU
cannot round to a page (``-1``) make it abort, and what it can allocate depends on
the host: neither is asked for.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, Opts, cmd, table

#: The queries qmp-cmd-test runs on every machine (none depends on -accel).
QUERIES = (
    "query-pr-managers", "query-blockstats", "query-block-jobs", "x-debug-query-block-graph",
    "query-jobs", "query-block-exports", "query-dump", "query-dump-guest-memory-capability",
    "query-rx-filter", "query-tpm-models", "query-tpm-types", "query-tpm", "query-spice",
    "query-vnc", "query-vnc-servers", "query-mice", "query-display-options",
    "query-xen-replication-status", "query-colo-status", "query-dirty-rate",
    "query-current-machine", "query-vm-generation-id", "query-memory-size-summary",
    "query-memory-devices", "x-query-irq", "x-query-numa", "x-query-profile",
    "x-query-ramblock", "x-query-rdma", "x-query-roms", "x-query-usb", "query-replay",
    "query-fdsets", "query-acpi-ospm-status", "query-stats-schemas",
)  # fmt: skip
#: The queries whose answer depends on the accelerator (TCG's texts).
TCG_QUERIES = ("x-query-jit", "x-query-opcount")
#: The queries whose answer depends on the machine type and memory.
MACHINE_QUERIES = (
    "query-current-machine", "query-acpi-ospm-status", "query-mice",
    "query-memory-size-summary", "query-vm-generation-id", "x-query-numa", "x-query-usb",
    "query-memory-devices",
)  # fmt: skip

QTEST = Opts(("-accel", "qtest"))
_RAM = "memory-backend-ram"


def _queries(names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(cmd(name, id=name) for name in names)


def _add(id: Any = None, qom_type: Any = _RAM, tag: Any = None, **props: Any) -> Any:
    args: dict[str, Any] = {}
    if qom_type is not None:
        args["qom-type"] = qom_type
    if id is not None:
        args["id"] = id
    args.update({k.replace("_", "-"): v for k, v in props.items()})
    return cmd("object-add", args, tag if tag is not None else id)


def _del(id: str, key: str = "id") -> Any:
    return cmd("object-del", {key: id}, f"del-{id}")


def _get(path: str, prop: str) -> Any:
    return cmd("qom-get", {"path": path, "property": prop}, f"get {path} {prop}")


def _set(path: str, prop: str, value: Any) -> Any:
    return cmd("qom-set", {"path": path, "property": prop, "value": value}, f"set {prop}")


_MIB = 1048576
_BACKEND_PROPS = (
    "share", "size", "dump", "prealloc-threads", "x-use-canonical-path-for-ramblock-id",
    "policy", "prealloc-context", "prealloc", "reserve", "host-nodes", "merge", "r[0]",
)  # fmt: skip

table("queries", [
    ("qry_none_tcg", "qmp-cmd-test's queries on -M none with the default accelerator (TCG)", NEG,
     *_queries(QUERIES + TCG_QUERIES)),
    ("qry_none_qtest", "qmp-cmd-test's queries on -M none -accel qtest", NEG,
     *_queries(QUERIES + TCG_QUERIES), QTEST),
    ("qry_none_ram", "-M none -m 256: the memory summary and the RAM block", NEG,
     *_queries(("query-memory-size-summary", "x-query-ramblock", "x-query-numa")),
     Opts(("-m", "256"))),
    ("qry_pc", "Machine-dependent queries on a PC", NEG, *_queries(MACHINE_QUERIES),
     Opts(("-M", "pc", "-accel", "qtest"))),
    ("qry_q35", "Machine-dependent queries on a Q35 PC", NEG, *_queries(MACHINE_QUERIES),
     Opts(("-M", "q35", "-accel", "qtest"))),
    ("qry_arguments", "Optional arguments of the queries", NEG,
     cmd("query-rx-filter", {"name": "n0"}, 1), cmd("query-rx-filter", {"name": 1}, 2),
     cmd("query-blockstats", {"query-nodes": True}, 3),
     cmd("query-blockstats", {"query-nodes": False}, 4),
     cmd("query-stats-schemas", {"provider": "kvm"}, 5),
     cmd("query-stats-schemas", {"provider": "x"}, 6),
     cmd("query-tpm-models", {"x": 1}, 7), cmd("x-query-irq", {"x": 1}, 8), PROBE),
    ("qry_obj_add_failure_modes", "object-add-failure-modes of qmp-cmd-test, step by step", NEG,
     _add("ram1"), _add(qom_type=None, id="ram1", tag="no-type"), _del("ram1"),
     _add("ram1", size=_MIB), _add("ram1", size=_MIB, tag="dup"), _del("ram1"),
     _add("ram1", size=str(_MIB), tag="str"), _add(size=_MIB, tag="no-id"),
     _add("ram1", sized=_MIB, tag="sized"), _add("ram1", size=_MIB, tag="ok"),
     _del("ram1", key="ida"), _del("ram1"), cmd("object-del", {"id": "ram1"}, "again")),
    ("qry_obj_add_backend", "A RAM backend's properties: qom-list, qom-get, qom-set", NEG,
     _add("r", size=_MIB), cmd("qom-list", {"path": "/objects"}, "objects"),
     cmd("qom-list", {"path": "/objects/r"}, "list"),
     *(_get("/objects/r", p) for p in _BACKEND_PROPS),
     *(_set("/objects/r", p, True) for p in (*_BACKEND_PROPS, "type", "nope")),
     _set("/objects/r", "size", 4096), _set("/objects/r", "merge", False),
     _get("/objects/r", "merge"), _set("/objects/r", "policy", "bind"),
     _get("/objects/r", "policy"), _set("/objects/r", "policy", "x"),
     _set("/objects/r", "prealloc-threads", 4), _get("/objects/r", "prealloc-threads"),
     _set("/objects/r", "host-nodes", [0]), _set("r", "dump", False), _get("r", "dump"),
     cmd("qom-set", {"path": "/objects/x", "property": "dump", "value": 1}, "no-path"),
     _add("r2", size=4096, merge=False, dump=False), _get("/objects/r2", "merge"),
     _get("/objects/r2", "dump"), _del("r"), cmd("qom-list", {"path": "/objects"}, "after")),
    ("qry_obj_add_errors", "object-add: ids, sizes, unknown types and members, completion", NEG,
     _add("z", size=0), _add("a b", size=4096), _add("1a", size=4096), _add("a.b_c-1", size=4096),
     _add("s0", qom_type="secret"), _add("s1", qom_type="secret", data="x"),
     _add("s2", qom_type="x"), _add("r3", size=4096, x=False),
     _add("r5", size=4096, policy="nope"), _add(tag="empty", qom_type=None),
     cmd("object-add", {"qom-type": 1, "id": "x"}, "int-type"),
     _add("io0", qom_type="iothread"), cmd("qom-list", {"path": "/objects/io0"}, "io0"),
     _add("io1", qom_type="iothread", poll_max_ns=0), _get("/objects/io1", "poll-max-ns"),
     cmd("qom-list", {"path": "/objects"}, "objects"), _del("io0"), _del("s1"), PROBE),
    ("qry_obj_add_size_types", "object-add: what the size visitor says of non-sizes", NEG,
     _add("a", size=18446744073709551616), _add("b", size=1.5),
     _add("c", size=-9223372036854775809), _add("d", size=True), _add("e", size=None),
     _add("f", size=[1])),
    ("qry_qom_set_misc", "qom-set on the machine and a chardev", NEG,
     _set("/machine", "kernel", "k"), _get("/machine", "kernel"), _set("/machine", "kernel", 1),
     _set("/machine", "dump-guest-core", False), _get("/machine", "dump-guest-core"),
     _set("/machine", "type", "x"), _set("/machine", "unattached", "x"),
     _set("/machine", "nope", 1), _set("/chardevs/compat_monitor0", "connected", True),
     cmd("qom-set", {"path": "/machine", "property": "kernel"}, "no-value"), PROBE),
    ("qry_obj_del_pc_ram", "object-del of the RAM backend a PC uses", NEG, _del("pc.ram"),
     _del("nope"), cmd("qom-list", {"path": "/objects"}, "objects"),
     Opts(("-M", "pc", "-accel", "qtest"))),
])  # fmt: skip
