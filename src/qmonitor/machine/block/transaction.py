"""``transaction``: block actions done all together or not at all (blockdev.c's qmp_transaction).

Every job first pauses and resumes (the transaction drains all I/O), then
each action is prepared in order; the first that fails undoes the ones
prepared before it (in reverse order) and its error is the command's.
When all are prepared, each commits: backups start, still inside their
drained section, and run once it ends.  With ``completion-mode:
grouped`` the transaction's jobs share one job transaction: when one
fails or is cancelled, the others are cancelled.

Dirty bitmap actions change the bitmaps (and their bits) at once and put
them back on an abort.  External snapshots are checked as far as QEMU checks their node
and then fail with an ``x-qmonitor`` text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qmonitor.machine.block import bitmaps
from qmonitor.machine.block.bitmaps import DirtyBitmap
from qmonitor.machine.block.graph import NO_DEVICE_NOR_NODE, BlockGraph, BlockNode
from qmonitor.machine.block.job_cmds import JobCommands
from qmonitor.machine.block.jobs import Job, JobList, JobTxn
from qmonitor.qapi.error import QapiError

#: blockdev.c's abort action.
ABORT_ACTION = "Transaction aborted using Abort action"
NOT_MODELLED = "x-qmonitor: transaction action '{}' is not modelled"


@dataclass
class Prepared:
    """An action prepared: how to commit it and how to undo it."""

    commit: Callable[[], None]
    abort: Callable[[], None]


#: A bitmap change: (graph, node, name) -> the node and the bitmap as it was.
BitmapChange = Callable[[BlockGraph, str, str], tuple[BlockNode, DirtyBitmap]]

#: An action's prepare: its data and the transaction's job transaction → Prepared.
Action = Callable[[dict[str, Any], "JobTxn | None"], Prepared]


def _nothing() -> None:
    return None


class Transactions:
    """The ``transaction`` command over the machine's graph and jobs."""

    def __init__(self, graph: BlockGraph, jobs: JobList, starters: JobCommands) -> None:
        self.graph = graph
        self.jobs = jobs
        self.starters = starters
        #: Prepare functions by action type.
        self.actions: dict[str, Action] = {
            "abort": self._abort,
            "blockdev-backup": self._backup,
            "drive-backup": self._drive_backup,
            "block-dirty-bitmap-add": self._bitmap_add,
            "block-dirty-bitmap-remove": self._bitmap_change(bitmaps.remove),
            "block-dirty-bitmap-clear": self._bitmap_change(bitmaps.clear),
            "block-dirty-bitmap-enable": self._bitmap_change(bitmaps.enable),
            "block-dirty-bitmap-disable": self._bitmap_change(bitmaps.disable),
            "block-dirty-bitmap-merge": self._bitmap_merge,
            "blockdev-snapshot-sync": self._lookup_action("device", "node-name"),
            "blockdev-snapshot": self._lookup_action("node", "node"),
            "blockdev-snapshot-internal-sync": self._internal_snapshot,
        }

    def run(self, args: dict[str, Any]) -> None:
        props = args.get("properties", {})
        grouped = props.get("completion-mode", "individual") == "grouped"
        txn = JobTxn() if grouped else None
        self.jobs.drain()
        prepared: list[Prepared] = []
        try:
            for action in args["actions"]:
                kind = action["type"]
                prepare = self.actions.get(kind, self._not_modelled(kind))
                prepared.append(prepare(action.get("data", {}), txn))
        except QapiError:
            for done in reversed(prepared):
                done.abort()
            raise
        for done in prepared:
            done.commit()
        self.starters.end_drained()

    def _abort(self, data: dict[str, Any], txn: JobTxn | None) -> Prepared:
        raise QapiError(ABORT_ACTION)

    def _backup(self, data: dict[str, Any], txn: JobTxn | None) -> Prepared:
        job = self.starters.blockdev_backup(data, txn)
        return self._job_prepared(job)

    def _drive_backup(self, data: dict[str, Any], txn: JobTxn | None) -> Prepared:
        job = self.starters.drive_backup_job(data, txn)
        return self._job_prepared(job)

    def _job_prepared(self, job: Job) -> Prepared:
        def commit() -> None:
            self.starters.start_paused(job)

        def abort() -> None:
            self.jobs.cancel(job, True)

        return Prepared(commit, abort)

    def _internal_snapshot(self, data: dict[str, Any], txn: JobTxn | None) -> Prepared:
        """internal_snapshot_prepare: the snapshot is taken; an abort deletes it again."""
        from qmonitor.machine.block.node_cmds import snapshot_internal

        undo = snapshot_internal(self.graph, data["device"], data["name"])
        return Prepared(lambda: None, undo)

    def _lookup_action(self, device: str, node: str) -> Action:
        """An action whose first check is bdrv_lookup_bs(``device``, ``node``)."""

        def prepare(data: dict[str, Any], txn: JobTxn | None) -> Prepared:
            name = data.get(node)
            if name is None or name not in self.graph.nodes:
                raise QapiError(NO_DEVICE_NOR_NODE.format(data.get(device, ""), name or ""))
            raise QapiError(NOT_MODELLED.format(self._kind_of(prepare)))

        return prepare

    def _bitmap_add(self, data: dict[str, Any], txn: JobTxn | None) -> Prepared:
        """block_dirty_bitmap_add_action: the bitmap is made; an abort drops it again."""
        node = self.graph.lookup_bs(data["node"], data["node"])
        bitmaps.add(self.graph, data["node"], data["name"], data.get("granularity"),
                    data.get("persistent", False), data.get("disabled", False))  # fmt: skip
        return Prepared(_nothing, lambda: bitmaps.drop(node, data["name"]))

    def _bitmap_change(self, change: BitmapChange) -> Action:
        """remove, clear, enable, disable: changed now; an abort puts the bitmap back."""

        def prepare(data: dict[str, Any], txn: JobTxn | None) -> Prepared:
            node, before = change(self.graph, data["node"], data["name"])
            return Prepared(_nothing, lambda: bitmaps.restore(node, before))

        return prepare

    def _bitmap_merge(self, data: dict[str, Any], txn: JobTxn | None) -> Prepared:
        """block-dirty-bitmap-merge: merged now; an abort puts the target's bits back."""
        node, before = bitmaps.merge(self.graph, data["node"], data["target"], data["bitmaps"])
        return Prepared(_nothing, lambda: bitmaps.restore(node, before))

    def _kind_of(self, prepare: Action) -> str:
        return next((k for k, v in self.actions.items() if v is prepare), "?")

    def _not_modelled(self, kind: str) -> Action:
        def prepare(data: dict[str, Any], txn: JobTxn | None) -> Prepared:
            raise QapiError(NOT_MODELLED.format(kind))

        return prepare
