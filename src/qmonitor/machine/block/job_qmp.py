"""The job commands on a machine: job-*, block-job-*, the job starters and the job queries.

The machine's :class:`~qmonitor.machine.block.jobs.JobList` lives in its
parts beside the block graph; jobs' later slices run on the main loop
after their rate limit's delay, on QEMU_CLOCK_REALTIME as QEMU's
job_sleep_ns does (so they go on while the VM is stopped, ``-S``
included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmonitor.machine.block.job_cmds import JobCommands, lookup
from qmonitor.machine.block.job_kinds import (
    AMEND_DRIVER,
    AMEND_DRIVERS,
    AMEND_UNSUPPORTED,
    Amend,
    Create,
    OneShot,
)
from qmonitor.machine.block.jobs import JobList
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    import asyncio

    from qmonitor.machine.block.graph import BlockNode
    from qmonitor.machine.machine import Machine


class LoopScheduler:
    """Run a job's next slice on the main loop after a delay (QEMU_CLOCK_REALTIME)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def later(self, delay_ns: int, callback: Callable[[], None]) -> Any:
        if delay_ns <= 0:
            return self.loop.call_soon(callback)
        return self.loop.call_later(delay_ns / 1e9, callback)


def jobs_of(machine: Machine) -> JobList:
    """The machine's jobs (made with their first use)."""
    return machine.part(JobList, lambda: JobList(machine.emit_event, LoopScheduler(machine.loop)))


def _warn(text: str) -> None:
    from qmonitor.monitor.monitor import error_printf

    error_printf(f"warning: {text}\n")


def replace_medium(machine: Machine, old: BlockNode, new: BlockNode) -> None:
    """The devices' BlockBackends on ``old`` take ``new`` (a mirror's or commit's switch)."""
    from qmonitor.machine.block.drive_setup import backends_of

    for backend in backends_of(machine).all():
        if backend.medium is old:
            backend.medium = new
            old.backends -= 1
            old.parents -= 1
            new.backends += 1
            new.parents += 1


def register_job_commands(machine: Machine) -> JobList:
    """Register the job commands and queries; return the job list they work on."""
    from qmonitor.machine.block.commands import graph_of
    from qmonitor.machine.block.transaction import Transactions
    from qmonitor.machine.savevm import snapshot_job
    from qmonitor.machine.schema import machine_schema

    schema = machine_schema()
    graph = graph_of(machine)
    jobs = jobs_of(machine)
    starters = JobCommands(graph, jobs, _warn)
    starters.replace = lambda old, new: replace_medium(machine, old, new)
    transactions = Transactions(graph, jobs, starters)
    full = machine.commands.full

    def job_verb(action: Callable[[Any], None]) -> Callable[..., None]:
        def handler(id: str) -> None:
            action(jobs.find(id))

        return handler

    def block_verb(action: Callable[[Any], None]) -> Callable[..., None]:
        def handler(device: str) -> None:
            action(jobs.find_block(device))

        return handler

    def block_id_verb(action: Callable[[Any], None]) -> Callable[..., None]:
        def handler(id: str) -> None:
            action(jobs.find_block(id))

        return handler

    def block_job_cancel(device: str, force: bool = False) -> None:
        from qmonitor.machine.block.jobs import BLOCK_JOB_PAUSED

        job = jobs.find_block(device)
        if job.user_paused and not force:
            raise QapiError(BLOCK_JOB_PAUSED.format(device))
        jobs.cancel(job, force)

    def block_job_set_speed(device: str, speed: int) -> None:
        jobs.set_speed(jobs.find_block(device), speed)

    def one_shot(kind: Callable[..., OneShot], job_type: str) -> Callable[[dict[str, Any]], None]:
        def handler(args: dict[str, Any]) -> None:
            job_id = args["job-id"]
            jobs.check_id(job_id)
            driver = kind(graph, args, job_type)
            job = jobs.create(job_id, driver, total=1, auto_dismiss=False)
            jobs.start(job)

        return handler

    def amend(args: dict[str, Any]) -> None:
        node = lookup(graph, None, args["node-name"])
        driver = args["options"]["driver"]
        if node.driver != driver:
            raise QapiError(AMEND_DRIVER)
        if driver not in AMEND_DRIVERS:
            raise QapiError(AMEND_UNSUPPORTED)
        one_shot(Amend, "amend")(args)

    handlers: dict[str, Callable[..., Any]] = {
        "block-commit": starters.block_commit,
        "drive-backup": starters.drive_backup,
        "blockdev-backup": starters.backup_command,
        "drive-mirror": starters.drive_mirror,
        "blockdev-mirror": starters.blockdev_mirror,
        "block-stream": starters.block_stream,
        "block-job-set-speed": block_job_set_speed,
        "block-job-cancel": block_job_cancel,
        "block-job-pause": block_verb(jobs.pause),
        "block-job-resume": block_verb(jobs.resume),
        "block-job-complete": block_verb(jobs.complete),
        "block-job-dismiss": block_id_verb(jobs.dismiss),
        "block-job-finalize": block_id_verb(jobs.finalize),
        "blockdev-create": one_shot(Create, "create"),
        "x-blockdev-amend": amend,
        "job-pause": job_verb(jobs.pause),
        "job-resume": job_verb(jobs.resume),
        "job-cancel": job_verb(lambda job: jobs.cancel(job, True)),
        "job-complete": job_verb(jobs.complete),
        "job-dismiss": job_verb(jobs.dismiss),
        "job-finalize": job_verb(jobs.finalize),
        "snapshot-save": one_shot(snapshot_job(machine), "snapshot-save"),
        "snapshot-load": one_shot(snapshot_job(machine), "snapshot-load"),
        "snapshot-delete": one_shot(snapshot_job(machine), "snapshot-delete"),
        "transaction": transactions.run,
        "query-jobs": jobs.query_jobs,
        "query-block-jobs": jobs.query_block_jobs,
    }
    for name, handler in handlers.items():
        full.register(bind_command(schema, name, handler))
    return jobs
