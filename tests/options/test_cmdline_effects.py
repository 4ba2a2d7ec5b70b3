"""What -blockdev, -d/-D and -trace leave in the running machine, seen through its monitors.

Each command line runs as a process; where QEMU is installed the same
requests go to it and the replies must be the same bytes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import BASE_ARGS, QEMU, qmonitor_cmd, qmp_replies

BLOCKDEV = ["-blockdev", "raw,node-name=r,file.driver=null-co,file.size=512,file.node-name=f"]
START = [{"execute": "qmp_capabilities"}]


def _hmp(line: str) -> dict[str, Any]:
    return {"execute": "human-monitor-command", "arguments": {"command-line": line}}


def _both(args: list[str], requests: list[dict[str, Any]], tmp_path: Path) -> list[bytes]:
    """qmonitor's replies; the same as QEMU's when QEMU is here."""
    ours = qmp_replies(qmonitor_cmd(), [*BASE_ARGS, *args], [*START, *requests], tmp_path)
    if QEMU is not None:
        theirs = qmp_replies([QEMU], [*BASE_ARGS, *args], [*START, *requests], tmp_path)
        assert ours == theirs
    return ours[1:]


def test_blockdev_nodes_are_in_the_graph(tmp_path: Path) -> None:
    (reply,) = _both(
        BLOCKDEV, [{"execute": "query-named-block-nodes", "arguments": {"flat": True}}], tmp_path
    )
    nodes = json.loads(reply)["return"]
    assert [node["node-name"] for node in nodes] == ["r", "f"]


def test_blockdev_node_can_be_deleted(tmp_path: Path) -> None:
    replies = _both(
        BLOCKDEV,
        [
            {"execute": "blockdev-del", "arguments": {"node-name": "f"}},
            {"execute": "blockdev-del", "arguments": {"node-name": "r"}},
        ],
        tmp_path,
    )
    assert replies[0] == (
        b'{"error": {"class": "GenericError", "desc": "Node f is not owned by the monitor"}}\r\n'
    )
    assert replies[1] == b'{"return": {}}\r\n'


def test_trace_option_is_seen_by_hmp_and_qmp(tmp_path: Path) -> None:
    (hmp, qmp) = _both(
        ["-trace", "enable=qmp_job_p*"],
        [
            _hmp("info trace-events qmp_job_*"),
            {"execute": "trace-event-get-state", "arguments": {"name": "qmp_job_pause"}},
        ],
        tmp_path,
    )
    assert "qmp_job_pause : state 1" in json.loads(hmp)["return"]
    assert "qmp_job_cancel : state 0" in json.loads(hmp)["return"]
    assert json.loads(qmp)["return"] == [
        {"name": "qmp_job_pause", "state": "enabled", "vcpu": False}
    ]


def test_log_file_is_created_and_logfile_sees_the_items(tmp_path: Path) -> None:
    log = tmp_path / "log"
    (reply,) = _both(["-d", "guest_errors", "-D", str(log)], [_hmp("log foo")], tmp_path)
    assert log.exists()
    assert log.read_bytes() == b""
    assert json.loads(reply)["return"].startswith("Log items (comma separated):")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-D", "/nonexistent/dir/log"], b"Error opening logfile /nonexistent/dir/log: "),
        (["-chroot", "/nonexistent/dir"], b"chroot failed\n"),
        (
            ["-blockdev", "null-co,node-name=x", "-blockdev", "null-aio,node-name=x"],
            b"-blockdev null-aio,node-name=x: Duplicate nodes with node-name='x'\n",
        ),
    ],
)
def test_start_up_errors(args: list[str], message: bytes) -> None:
    """Errors met once the options are read: status 1, QEMU's text."""
    ours = subprocess.run(
        [*qmonitor_cmd(), *BASE_ARGS, *args],
        capture_output=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert ours.returncode == 1
    assert ours.stderr.startswith(b"qmonitor: " + message)
    if QEMU is not None:
        theirs = subprocess.run(
            [QEMU, *BASE_ARGS, *args],
            capture_output=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert (ours.returncode, ours.stderr) == (
            theirs.returncode,
            theirs.stderr.replace(b"qemu-system-x86_64: ", b"qmonitor: "),
        )


def test_smbios_uuid_is_the_machines(tmp_path: Path) -> None:
    (reply,) = _both(
        ["-smbios", "type=1,uuid=12345678-1234-1234-1234-1234567890AB"],
        [{"execute": "query-uuid"}],
        tmp_path,
    )
    assert json.loads(reply)["return"] == {"UUID": "12345678-1234-1234-1234-1234567890ab"}


def test_trace_file_names_the_log_file(tmp_path: Path) -> None:
    trace = tmp_path / "trace.log"
    _both(["-trace", f"enable=nosuch*,file={trace}"], [], tmp_path)
    assert trace.exists()


def test_per_thread_log_from_the_command_line_is_kept_by_hmp(tmp_path: Path) -> None:
    """-d tid makes the log file name fixed: HMP's logfile then refuses a new one."""
    (reply,) = _both(
        ["-d", "tid", "-D", str(tmp_path / "log%d")], [_hmp(f"logfile {tmp_path}/other")], tmp_path
    )
    assert json.loads(reply)["return"] == "Cannot change log filename after setting 'tid'\r\n"
