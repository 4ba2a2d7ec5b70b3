"""The ``block`` theme of the QMP golden corpus: blockdev-add, blockdev-del, the block queries.

Nodes of the drivers the null machine backs (null-co, null-aio, blkdebug,
file, raw), QEMU's errors for their names and options, what the block
queries answer about them, and migrate-pause (in band and out of band).
Files are named relative to the case's directory, QEMU's working
directory (``stdout.txt`` is an empty regular file there).  Nodes made
inline get generated names with random digits: the queries are asked only
of graphs whose nodes are all named.  Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, NEG_OOB, PROBE, cmd, oob, table


def _add(tag: Any, driver: str, name: str | None = None, **opts: Any) -> Any:
    args: dict[str, Any] = {"driver": driver}
    if name is not None:
        args["node-name"] = name
    args.update({k.replace("_", "-"): v for k, v in opts.items()})
    return cmd("blockdev-add", args, tag)


def _del(name: Any, tag: Any = None) -> Any:
    return cmd("blockdev-del", {"node-name": name}, tag if tag is not None else f"del-{name}")


_QUERIES = (
    cmd("query-named-block-nodes", id="nodes"),
    cmd("query-named-block-nodes", {"flat": True}, "flat"),
    cmd("x-debug-query-block-graph", id="graph"),
    cmd("query-blockstats", id="stats"),
    cmd("query-blockstats", {"query-nodes": True}, "stats-nodes"),
    cmd("query-block", id="block"),
)

table("block", [
    ("blk_add_names", "blockdev-add: node names, their errors and the driver", NEG,
     _add("no-name", "null-co"), _add("digit", "null-co", "1a"), _add("empty", "null-co", ""),
     _add("space", "null-co", "a b"), _add("long", "null-co", "a" * 32),
     _add("max", "null-co", "b" * 31), _add("chars", "null-co", "a.b_c-1"),
     _add("n0", "null-co", "n0"), _add("dup", "null-co", "n0"), _add("drv", "nope", "x"),
     _add("no-drv", "", "x"), cmd("blockdev-add", {"node-name": "y"}, "missing"),
     _add("extra", "null-co", "z", x=1), _add("size", "null-co", "z", size="1"),
     _add("ro", "null-aio", "n1", read_only=True, size=4096, read_zeroes=True),
     _add("dup1", "null-aio", "n1"), _add("share", "null-co", "s0", force_share=True),
     _add("share-ro", "null-co", "s1", force_share=True, read_only=True),
     _add("dz", "null-co", "d0", detect_zeroes="unmap"),
     _add("dz-ok", "null-co", "d1", detect_zeroes="unmap", discard="unmap"),
     _add("dz-on", "null-co", "d2", detect_zeroes="on", discard="ignore"),
     _add("dz-dup", "null-co", "n0", detect_zeroes="unmap"),
     _add("cache", "null-co", "c0", cache={"direct": True, "no-flush": True}),
     cmd("query-named-block-nodes", {"flat": True}, "nodes"), PROBE),
    ("blk_del", "blockdev-del: unknown, in use, children by reference and inline", NEG,
     _del("nope"), _del(1, "int"), cmd("blockdev-del", {}, "no-arg"),
     _add("n0", "null-co", "n0"), _add("r0", "raw", "r0", file="n0"),
     _add("r-nope", "raw", "r1", file="nope"), _del("n0"), _del("r0"), _del("n0"),
     _del("n0", "again"), _add("inline", "raw", "r2", file={"driver": "null-co", "size": 512}),
     _del("r2"), _add("inline-named", "raw", "r3", file={"driver": "null-co", "node-name": "c3"}),
     _del("c3"), _del("r3"), _del("c3", "c3-gone"), PROBE),
    ("blk_drivers", "blkdebug, file and raw: config files, host files, options", NEG,
     _add("b-nope", "blkdebug", "b0", image={"driver": "null-co"}, config="nope.conf"),
     _add("b-dir", "blkdebug", "b0", image={"driver": "null-co"}, config="."),
     _add("b-ok", "blkdebug", "b0", image={"driver": "null-co", "node-name": "i0"},
          config="stdout.txt"),
     _add("b-ref", "blkdebug", "b1", image="i0"),
     _add("f-nope", "file", "f0", filename="nope.img"),
     _add("f-dev", "file", "f0", filename="/dev/null"),
     _add("f-dir", "file", "f0", filename="."),
     _add("f-ok", "file", "f0", filename="stdout.txt"),
     _add("f-ro", "file", "f1", filename="stdout.txt", read_only=True),
     _add("raw", "raw", "r0", file="f1"), _add("raw-size", "raw", "r1", file="f0", size=0),
     _add("raw-off", "raw", "r2", file="f0", offset=512), PROBE),
    ("blk_queries", "The block queries on a graph of named nodes", NEG,
     _add("n0", "null-co", "n0"), _add("n1", "null-aio", "n1", size=1048576, read_only=True),
     _add("r0", "raw", "r0", file="n1"), _add("b0", "blkdebug", "b0", image="n0"),
     *_QUERIES, _del("b0"), _del("r0"), cmd("query-named-block-nodes", id="after")),
    ("blk_queries_file", "The block queries on a file node and raw over it", NEG,
     _add("f0", "file", "f0", filename="stdout.txt"), _add("r0", "raw", "r0", file="f0"),
     *_QUERIES),
    ("blk_filenames", "Node filenames: exact ones, and json: when options say more", NEG,
     _add("b0", "blkdebug", "b0", config="stdout.txt",
          image={"driver": "null-co", "read-zeroes": True, "node-name": "i0"}),
     _add("b1", "blkdebug", "b1", config="stdout.txt",
          image={"driver": "null-co", "node-name": "i1"}),
     _add("r1", "raw", "r1", size=512, file={"driver": "null-co", "node-name": "i2"}),
     _add("b2", "blkdebug", "b2", align=512, image="i1"),
     _add("r2", "raw", "r2", file="b1"), _add("r3", "raw", "r3", file="b2"),
     _add("n3", "null-co", "n3", latency_ns=10), _add("n4", "null-aio", "n4", size=0),
     cmd("query-named-block-nodes", {"flat": True}, "flat"),
     cmd("query-named-block-nodes", id="nodes")),
    ("blk_migrate_pause", "migrate-pause with no migration, in band and out of band", NEG_OOB,
     cmd("migrate-pause", id="ib"), oob("migrate-pause", "oob"),
     cmd("migrate-pause", {"x": 1}, "arg"), PROBE),
    ("blk_migrate_pause_no_oob", "exec-oob migrate-pause while OOB is off", NEG,
     oob("migrate-pause", "oob"), cmd("migrate-pause", id="ib"), PROBE),
])  # fmt: skip
