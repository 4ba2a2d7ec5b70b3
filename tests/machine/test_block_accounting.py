"""BlockBackends' I/O accounting (block/accounting.c) and a forced eject's unlocking."""

from __future__ import annotations

from qmonitor.machine.block.accounting import BlockAcctStats, IoType
from qmonitor.machine.block.backend import BlockBackend, backend_stats
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.media import Drive, Drives, eject, open_tray


def test_done_failed_and_invalid_count_as_qemu_counts_them() -> None:
    stats = BlockAcctStats()
    stats.done(IoType.READ, 4096, 10, 100)
    stats.failed(IoType.WRITE, 7, 200)
    stats.invalid(IoType.UNMAP, 300)
    out = stats.counters(1000)
    assert (out["rd_bytes"], out["rd_operations"], out["rd_total_time_ns"]) == (4096, 1, 10)
    assert (out["wr_operations"], out["failed_wr_operations"], out["wr_total_time_ns"]) == (0, 1, 7)
    assert (out["invalid_unmap_operations"], out["unmap_total_time_ns"]) == (1, 0)
    assert out["idle_time_ns"] == 700  # from the invalid request's time
    assert "flush_bytes" not in out and "flush_merged" not in out


def test_without_account_failed_or_invalid_the_access_time_stays() -> None:
    stats = BlockAcctStats(account_invalid=False, account_failed=False)
    stats.failed(IoType.READ, 5, 100)
    stats.invalid(IoType.READ, 200)
    out = stats.counters(300)
    assert (out["failed_rd_operations"], out["invalid_rd_operations"]) == (1, 1)
    assert out["rd_total_time_ns"] == 0
    assert "idle_time_ns" not in out  # never accessed as far as the counters go


def test_backend_stats_show_the_counters_and_the_roots_highest_write() -> None:
    node = BlockNode("null-co", name="n0", size=1 << 20)
    node.wr_highest_offset = 9216
    blk = BlockBackend("d0", medium=node)
    blk.acct.done(IoType.WRITE, 1024, 3, 50)
    stats = backend_stats(blk, 80)["stats"]
    assert (stats["wr_bytes"], stats["wr_highest_offset"], stats["idle_time_ns"]) == (
        1024,
        9216,
        30,
    )
    keys = list(stats)
    assert keys.index("unmap_merged") + 1 == keys.index("idle_time_ns")


def test_a_forced_eject_unlocks_the_tray() -> None:
    # ide_cd_eject_request_cb: force clears the device's lock; the tray then opens.
    drive = Drive("cd", qdev_id="cd", removable=True, has_tray=True, locked=True)
    drives = Drives(by_name={"cd": drive})
    open_tray(drives, id="cd", force=True)
    assert (drive.tray_open, drive.locked) == (True, False)
    drive = Drive("cd", qdev_id="cd", removable=True, has_tray=True, locked=True)
    drives = Drives(by_name={"cd": drive})
    eject(BlockGraph(), drives, id="cd", force=True)
    assert (drive.tray_open, drive.locked) == (True, False)


def test_an_unforced_request_leaves_a_locked_tray_shut() -> None:
    drive = Drive("cd", qdev_id="cd", removable=True, has_tray=True, locked=True)
    open_tray(Drives(by_name={"cd": drive}), id="cd")
    assert (drive.tray_open, drive.locked) == (False, True)
