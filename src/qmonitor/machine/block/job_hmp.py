"""The HMP commands of block jobs: ``info block-jobs``, ``block_job_*``, ``block_stream``.

Each calls the QMP command as QEMU's block-hmp-cmds.c does (its error is
printed as ``Error: ...`` by the caller); ``info block-jobs`` prints
query-block-jobs' answer in QEMU's words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

# Lines of block-hmp-cmds.c's hmp_info_block_jobs.
NO_JOBS = "No active jobs\n"
STREAM_LINE = (
    "Streaming device {device}: Completed {offset} of {len} bytes, speed limit {speed} bytes/s\n"
)
JOB_LINE = (
    "Type {type}, device {device}: Completed {offset} of {len} bytes, speed limit {speed} bytes/s\n"
)


def info_block_jobs(mon: MachineHMP, args: dict[str, Any]) -> None:
    jobs = qmp(mon, "query-block-jobs")
    if not jobs:
        mon.printf(NO_JOBS)
    for job in jobs:
        mon.printf((STREAM_LINE if job["type"] == "stream" else JOB_LINE).format(**job))


def _device_verb(command: str) -> Any:
    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        qmp(mon, command, {"device": args["device"]})

    return handler


def block_job_cancel(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "block-job-cancel", {"device": args["device"], "force": bool(args.get("force"))})


def block_job_set_speed(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "block-job-set-speed", {"device": args["device"], "speed": args["speed"]})


def block_stream(mon: MachineHMP, args: dict[str, Any]) -> None:
    # hmp_block_stream names the job after the device.
    arguments: dict[str, Any] = {"job-id": args["device"], "device": args["device"]}
    if args.get("base") is not None:
        arguments["base"] = args["base"]
    if args.get("speed") is not None:
        arguments["speed"] = args["speed"]
    qmp(mon, "block-stream", arguments)


#: Handlers of the top-level commands, by name.
HANDLERS: dict[str, Any] = {
    "block_job_cancel": block_job_cancel,
    "block_job_complete": _device_verb("block-job-complete"),
    "block_job_pause": _device_verb("block-job-pause"),
    "block_job_resume": _device_verb("block-job-resume"),
    "block_job_set_speed": block_job_set_speed,
    "block_stream": block_stream,
}
