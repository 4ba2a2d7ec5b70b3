"""Jobs and their state machine, as QEMU 7.2's job.c and blockjob.c run them.

A job moves through the statuses of :data:`TRANSITIONS` (QEMU's JobSTT:
what may follow what) and accepts a user's verb only in the statuses
:data:`VERBS` allows (QEMU's JobVerbTable).  Every change of status of a
job with an id emits ``JOB_STATUS_CHANGE``; block jobs also emit
``BLOCK_JOB_READY``, ``BLOCK_JOB_PENDING``, ``BLOCK_JOB_COMPLETED`` and
``BLOCK_JOB_CANCELLED`` as blockjob.c's notifiers do.

The work itself is a :class:`JobDriver`'s: :meth:`JobDriver.step` does
one slice of it (a mirror iteration, a backup chunk) and says what comes
next; :class:`JobList` calls it at once for the first slices the way a
coroutine entered from a monitor command runs until its first real wait,
then on the main loop, each slice after the rate limit's delay.  Jobs in
one transaction (:class:`JobTxn`) complete, finalize or abort together.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from qmonitor.qapi.error import ErrorClass, QapiError

# Texts of job.c, job-qmp.c and blockjob.c.
VERB_REFUSED = "Job '{}' in state '{}' cannot accept command verb '{}'"
JOB_NOT_FOUND = "Job not found"
BLOCK_JOB_NOT_FOUND = "Block job '{}' not found"
ALREADY_PAUSED = "Job is already paused"
NOT_PAUSED = "Can't resume a job that was not paused"
CANNOT_COMPLETE = "The active block job '{}' cannot be completed"
BLOCK_JOB_PAUSED = "The block job for device '{}' is currently paused"
INVALID_JOB_ID = "Invalid job ID '{}'"
JOB_ID_IN_USE = "Job ID '{}' already in use"
SPEED_NEGATIVE = "Parameter 'speed' expects a non-negative value"
#: bdrv_op_is_blocked's text with a block job's blocker.
NODE_BUSY = "Node '{}' is busy: block device is in use by block job: {}"
#: strerror(ECANCELED): the error of a cancelled job.
CANCELED = "Operation canceled"


class JobStatus(enum.Enum):
    """QEMU's JobStatus, in its order (the tables index by it)."""

    UNDEFINED = "undefined"  #: not yet made
    CREATED = "created"  #: made, not started
    RUNNING = "running"  #: working
    PAUSED = "paused"  #: paused while running
    READY = "ready"  #: in sync, waiting to be completed (mirror, active commit)
    STANDBY = "standby"  #: paused while ready
    WAITING = "waiting"  #: done, waiting for the other jobs of its transaction
    PENDING = "pending"  #: waiting to be finalized
    ABORTING = "aborting"  #: failing or cancelled, undoing its changes
    CONCLUDED = "concluded"  #: over, waiting to be dismissed
    NULL = "null"  #: gone


_S = list(JobStatus)


def _table(rows: dict[JobStatus, str]) -> dict[JobStatus, frozenset[JobStatus]]:
    """Rows of 0/1 flags over the statuses in order, as job.c writes its tables."""
    return {
        k: frozenset(_S[i] for i, c in enumerate(v.replace(" ", "")) if c == "1")
        for k, v in rows.items()
    }


# fmt: off
#: What status may follow each status (job.c's JobSTT).  Columns:
#:                                       U  C  R  P  Y  S  W  D  X  E  N
TRANSITIONS = _table({
    JobStatus.UNDEFINED: "0  1  0  0  0  0  0  0  0  0  0",
    JobStatus.CREATED:   "0  0  1  0  0  0  0  0  1  0  1",
    JobStatus.RUNNING:   "0  0  0  1  1  0  1  0  1  0  0",
    JobStatus.PAUSED:    "0  0  1  0  0  0  0  0  0  0  0",
    JobStatus.READY:     "0  0  0  0  0  1  1  0  1  0  0",
    JobStatus.STANDBY:   "0  0  0  0  1  0  0  0  0  0  0",
    JobStatus.WAITING:   "0  0  0  0  0  0  0  1  1  0  0",
    JobStatus.PENDING:   "0  0  0  0  0  0  0  0  1  1  0",
    JobStatus.ABORTING:  "0  0  0  0  0  0  0  0  1  1  0",
    JobStatus.CONCLUDED: "0  0  0  0  0  0  0  0  0  0  1",
    JobStatus.NULL:      "0  0  0  0  0  0  0  0  0  0  0",
})
# fmt: on


class JobVerb(enum.Enum):
    """What a user asks of a job (QEMU's JobVerb)."""

    CANCEL = "cancel"
    PAUSE = "pause"
    RESUME = "resume"
    SET_SPEED = "set-speed"
    COMPLETE = "complete"
    FINALIZE = "finalize"
    DISMISS = "dismiss"


# fmt: off
#: In which statuses each verb is accepted (job.c's JobVerbTable).
#:                                         U  C  R  P  Y  S  W  D  X  E  N
_VERB_ROWS = {
    JobVerb.CANCEL:    "0  1  1  1  1  1  1  1  0  0  0",
    JobVerb.PAUSE:     "0  1  1  1  1  1  0  0  0  0  0",
    JobVerb.RESUME:    "0  1  1  1  1  1  0  0  0  0  0",
    JobVerb.SET_SPEED: "0  1  1  1  1  1  0  0  0  0  0",
    JobVerb.COMPLETE:  "0  0  0  0  1  1  0  0  0  0  0",
    JobVerb.FINALIZE:  "0  0  0  0  0  0  0  1  0  0  0",
    JobVerb.DISMISS:   "0  0  0  0  0  0  0  0  0  1  0",
}
# fmt: on
VERBS: dict[JobVerb, frozenset[JobStatus]] = {
    verb: frozenset(_S[i] for i, c in enumerate(row.replace(" ", "")) if c == "1")
    for verb, row in _VERB_ROWS.items()
}


class Step(enum.Enum):
    """What a driver's slice of work says comes next."""

    MORE = "more"  #: more to do: run again after the rate limit's delay
    YIELD = "yield"  #: more to do, but let the main loop run first (no rate limit)
    READY = "ready"  #: in sync: become ready, then wait for complete or cancel
    DONE = "done"  #: the work is over (successfully unless the driver set an error)


class JobDriver(Protocol):
    """What one kind of job does (QEMU's JobDriver and BlockJobDriver callbacks)."""

    #: The job's type, as query-jobs names it ("mirror", "create", ...).
    job_type: str
    #: Whether it is a block job (listed by query-block-jobs, BLOCK_JOB_* events).
    block: bool

    def step(self, job: Job) -> Step:
        """Do one slice of work (at most a rate-limited chunk); say what comes next."""
        ...

    def complete(self, job: Job) -> None:
        """A user asked a ready job to complete (raise QapiError if it cannot)."""
        ...

    def cancel(self, job: Job, force: bool) -> bool:
        """A user cancels: return whether the job is really cancelled (not just finished)."""
        ...

    def prepare(self, job: Job) -> str | None:
        """Apply the job's graph changes before it finalizes; an error text if that failed."""
        ...

    def abort(self, job: Job) -> None:
        """Undo what the job changed (it failed or was cancelled)."""
        ...


@dataclass(eq=False)
class JobTxn:
    """Jobs that succeed or fail together (a transaction's, or a job alone)."""

    jobs: list[Job] = field(default_factory=list)
    aborting: bool = False


@dataclass(eq=False)
class Job:
    """One job (QEMU's Job, with BlockJob's speed)."""

    id: str
    driver: JobDriver
    txn: JobTxn
    auto_finalize: bool = True
    auto_dismiss: bool = True
    status: JobStatus = JobStatus.UNDEFINED
    #: Pauses asked of it (by users and by drained sections); paused while > 0.
    pause_count: int = 1
    user_paused: bool = False
    #: Whether it is in the middle of a slice of work (query-block-jobs' busy).
    busy: bool = False
    #: Its rate limit in bytes per second (0: none).
    speed: int = 0
    current: int = 0
    total: int = 0
    #: A user asked for a cancel (job_cancel_requested) ...
    cancel_requested: bool = False
    #: ... and meant it: a ready mirror cancelled without force finishes normally.
    force_cancel: bool = False
    #: Whether its work is over and its completion runs on the main loop.
    deferred: bool = False
    error: str | None = None
    #: Whether a user asked a ready job to complete.
    should_complete: bool = False
    #: Whether it was started (job_started: its coroutine exists).
    started: bool = False
    #: The nodes it holds (block_job_add_bdrv): no other job may use them.
    nodes: list[Any] = field(default_factory=list)
    #: Driver state (what it copies, where it is).
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def cancelled(self) -> bool:
        """job_is_cancelled: a forced cancel was asked."""
        return self.cancel_requested and self.force_cancel

    @property
    def ready(self) -> bool:
        return self.status in (JobStatus.READY, JobStatus.STANDBY)

    @property
    def completed(self) -> bool:
        """job_is_completed: its work is over (waiting, pending, aborting or after)."""
        return self.status in _COMPLETED


_COMPLETED = frozenset(
    {JobStatus.WAITING, JobStatus.PENDING, JobStatus.ABORTING, JobStatus.CONCLUDED, JobStatus.NULL}
)


class Emit(Protocol):
    def __call__(self, event: str, data: dict[str, Any] | None = None) -> None: ...


class Scheduler(Protocol):
    """Where jobs' later slices run: the main loop, after a delay in nanoseconds."""

    def later(self, delay_ns: int, callback: Callable[[], None]) -> Any: ...


class JobList:
    """The machine's jobs, newest first (QEMU's jobs list), and what users do to them."""

    def __init__(self, emit: Emit, scheduler: Scheduler) -> None:
        self.jobs: list[Job] = []
        self._emit = emit
        self._scheduler = scheduler

    # -- finding ---------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    def find(self, job_id: str) -> Job:
        """A job by id for the job-* commands."""
        job = self.get(job_id)
        if job is None:
            raise QapiError(JOB_NOT_FOUND)
        return job

    def find_block(self, job_id: str) -> Job:
        """A block job by id for the block-job-* commands."""
        job = self.get(job_id)
        if job is None or not job.driver.block:
            raise QapiError(BLOCK_JOB_NOT_FOUND.format(job_id), ErrorClass.DEVICE_NOT_ACTIVE)
        return job

    def holders(self, node: Any) -> list[Job]:
        """The jobs holding a node (block_job_add_bdrv)."""
        return [job for job in self.jobs if any(n is node for n in job.nodes)]

    def holder(self, node: Any) -> Job | None:
        held = self.holders(node)
        return held[0] if held else None

    def check_not_busy(self, node: Any) -> None:
        """bdrv_op_is_blocked: a node a job holds cannot be used by another."""
        job = self.holder(node)
        if job is not None:
            raise QapiError(NODE_BUSY.format(node.name, job.driver.job_type))

    def check_id(self, job_id: str) -> None:
        """job_create's checks of a new job's id."""
        from qmonitor.machine.block.graph import id_wellformed

        if not id_wellformed(job_id):
            raise QapiError(INVALID_JOB_ID.format(job_id))
        if self.get(job_id) is not None:
            raise QapiError(JOB_ID_IN_USE.format(job_id))

    # -- life ------------------------------------------------------------

    def create(
        self,
        job_id: str,
        driver: JobDriver,
        *,
        total: int = 0,
        speed: int = 0,
        auto_finalize: bool = True,
        auto_dismiss: bool = True,
        txn: JobTxn | None = None,
        nodes: tuple[Any, ...] = (),
    ) -> Job:
        """A new job in status created (not started), holding ``nodes``."""
        self.check_id(job_id)
        if speed < 0:
            raise QapiError(SPEED_NEGATIVE)
        txn = txn or JobTxn()
        job = Job(job_id, driver, txn, auto_finalize, auto_dismiss, speed=speed, total=total)
        job.nodes = list(nodes)
        txn.jobs.insert(0, job)
        self.jobs.insert(0, job)
        self._transition(job, JobStatus.CREATED)
        return job

    def early_fail(self, job: Job) -> None:
        """job_early_fail: a job that failed while it was being set up goes at once."""
        self.jobs.remove(job)
        job.txn.jobs.remove(job)
        self._transition(job, JobStatus.NULL)

    def start(self, job: Job) -> None:
        """Start a created job: it runs its first slices now."""
        job.pause_count -= 1
        job.busy = True
        job.started = True
        self._transition(job, JobStatus.RUNNING)
        self._run(job)

    def _transition(self, job: Job, status: JobStatus) -> None:
        assert status in TRANSITIONS[job.status], (job.status, status)
        changed = status is not job.status
        job.status = status
        if changed:
            self._emit("JOB_STATUS_CHANGE", {"id": job.id, "status": status.value})

    def _block_event(self, job: Job, event: str, error: str | None = None) -> None:
        if not job.driver.block:
            return
        data: dict[str, Any] = {
            "type": job.driver.job_type,
            "device": job.id,
            "len": job.total,
            "offset": job.current,
            "speed": job.speed,
        }
        if error is not None:
            data["error"] = error
        self._emit(event, data)

    # -- running ---------------------------------------------------------

    def _run(self, job: Job) -> None:
        """Run slices until the job must wait (a delay, a pause, readiness) or is over."""
        while True:
            if job.cancelled or job.deferred:
                self._finish_run(job)
                return
            if job.pause_count:
                self._pause_point(job)
                return
            if job.ready and not (job.should_complete or job.cancel_requested):
                job.busy = False
                return
            job.busy = True
            outcome = job.driver.step(job)
            operation = job.data.pop("io_error", None)
            if operation is not None and job.driver.block:
                data = {"device": job.id, "operation": operation, "action": "report"}
                self._emit("BLOCK_JOB_ERROR", data)
            if outcome is Step.READY:
                job.busy = False
                if not job.ready:
                    self._transition(job, JobStatus.READY)
                    self._block_event(job, "BLOCK_JOB_READY")
                if job.should_complete or job.cancel_requested:
                    self._finish_run(job)
                return
            if outcome is Step.DONE:
                self._finish_run(job)
                return
            job.busy = False
            delay = 0
            if outcome is Step.MORE and job.speed:
                # The rate limit: what this slice moved, at ``speed`` bytes a second.
                delay = max(1, job.data.get("moved", 0)) * 1_000_000_000 // job.speed
            self._scheduler.later(delay, lambda: self._resume_work(job))
            return

    def _resume_work(self, job: Job) -> None:
        if job.status in (JobStatus.RUNNING, JobStatus.READY) and not job.deferred:
            self._run(job)

    def _pause_point(self, job: Job) -> None:
        job.busy = False
        if job.status is JobStatus.RUNNING:
            self._transition(job, JobStatus.PAUSED)
        elif job.status is JobStatus.READY:
            self._transition(job, JobStatus.STANDBY)

    def _unpause(self, job: Job) -> None:
        if job.status is JobStatus.PAUSED:
            self._transition(job, JobStatus.RUNNING)
        elif job.status is JobStatus.STANDBY:
            self._transition(job, JobStatus.READY)
        if job.status in (JobStatus.RUNNING, JobStatus.READY):
            self._run(job)

    def _finish_run(self, job: Job) -> None:
        """The job's run is over: complete it (job_exit → job_completed)."""
        job.deferred = True
        job.busy = False
        if job.cancelled and job.error is None:
            job.error = CANCELED
        self._completed(job)

    def _update_rc(self, job: Job) -> None:
        if job.cancelled and job.error is None:
            job.error = CANCELED
        if job.error is not None and job.status is not JobStatus.ABORTING:
            self._transition(job, JobStatus.ABORTING)

    def _completed(self, job: Job) -> None:
        self._update_rc(job)
        if job.error is not None:
            self._txn_abort(job)
            return
        self._transition(job, JobStatus.WAITING)
        if any(not o.completed for o in job.txn.jobs):
            return
        for other in list(job.txn.jobs):
            self._transition(other, JobStatus.PENDING)
            if not other.auto_finalize:
                self._block_event_pending(other)
        if all(o.auto_finalize for o in job.txn.jobs):
            self._do_finalize(job)

    def _block_event_pending(self, job: Job) -> None:
        if job.driver.block:
            self._emit("BLOCK_JOB_PENDING", {"type": job.driver.job_type, "id": job.id})

    def _do_finalize(self, job: Job) -> None:
        for other in list(job.txn.jobs):
            if other.error is None:
                other.error = other.driver.prepare(other)
                self._update_rc(other)
                if other.error is not None:
                    self._txn_abort(other)
                    return
        for other in list(job.txn.jobs):
            self._finalize_single(other)

    def _finalize_single(self, job: Job) -> None:
        self._update_rc(job)
        if job.error is not None:
            job.driver.abort(job)
        # The drivers' clean (mirror_exit_common, backup_clean) let go of the nodes.
        job.nodes.clear()
        if job.started:
            if job.cancelled:
                self._block_event(job, "BLOCK_JOB_CANCELLED")
            else:
                self._block_event(job, "BLOCK_JOB_COMPLETED", job.error)
        if job in job.txn.jobs:
            job.txn.jobs.remove(job)
        self._transition(job, JobStatus.CONCLUDED)
        if job.auto_dismiss or not job.started:
            self._dismiss(job)

    def _txn_abort(self, job: Job) -> None:
        txn = job.txn
        if txn.aborting:
            return
        txn.aborting = True
        for other in txn.jobs:
            if other is not job:
                self._cancel_async(other, True)
        while txn.jobs:
            other = txn.jobs[0]
            if not other.completed and other.status is not JobStatus.ABORTING:
                other.deferred = True
                other.busy = False
                self._update_rc(other)
            self._finalize_single(other)

    def _dismiss(self, job: Job) -> None:
        job.busy = False
        job.nodes.clear()
        job.deferred = True
        if job in job.txn.jobs:
            job.txn.jobs.remove(job)
        self._transition(job, JobStatus.NULL)
        if job in self.jobs:
            self.jobs.remove(job)

    def _cancel_async(self, job: Job, force: bool) -> None:
        force = job.driver.cancel(job, force)
        if job.user_paused:
            job.user_paused = False
            job.pause_count -= 1
        if force or not job.deferred:
            job.cancel_requested = True
            job.force_cancel |= force

    # -- verbs -------------------------------------------------------------

    def apply_verb(self, job: Job, verb: JobVerb) -> None:
        if job.status not in VERBS[verb]:
            raise QapiError(VERB_REFUSED.format(job.id, job.status.value, verb.value))

    def cancel(self, job: Job, force: bool) -> None:
        """job_user_cancel."""
        self.apply_verb(job, JobVerb.CANCEL)
        if job.status is JobStatus.CONCLUDED:
            self._dismiss(job)
            return
        self._cancel_async(job, force)
        if not job.started:
            self._completed(job)
        elif job.deferred:
            if job.cancelled:
                self._txn_abort(job)
        elif job.pause_count == 0:
            self._run(job)

    def pause(self, job: Job) -> None:
        """job_user_pause."""
        self.apply_verb(job, JobVerb.PAUSE)
        if job.user_paused:
            raise QapiError(ALREADY_PAUSED)
        job.user_paused = True
        job.pause_count += 1
        if job.status in (JobStatus.RUNNING, JobStatus.READY):
            self._pause_point(job)

    def resume(self, job: Job) -> None:
        """job_user_resume."""
        if not job.user_paused or job.pause_count <= 0:
            raise QapiError(NOT_PAUSED)
        self.apply_verb(job, JobVerb.RESUME)
        job.user_paused = False
        job.pause_count -= 1
        if not job.pause_count:
            self._unpause(job)

    def end_drain(self, job: Job) -> None:
        """A drained section the job started in ends: it goes on."""
        job.pause_count -= 1
        if not job.pause_count:
            self._unpause(job)

    def drain(self, jobs: list[Job] | None = None) -> None:
        """A drained section over every node (or the nodes of ``jobs``): jobs pause, then go on.

        bdrv_drain_all_begin visits the nodes in the order they were made:
        the jobs on them pause in that order, and resume in it at the end.
        """
        chosen = jobs if jobs is not None else [j for j in self.jobs if j.nodes]
        chosen = sorted(chosen, key=lambda j: min(n.seq for n in j.nodes) if j.nodes else 0)
        paused = [j for j in chosen if j.status in (JobStatus.RUNNING, JobStatus.READY)]
        for job in paused:
            job.pause_count += 1
            self._pause_point(job)
        for job in paused:
            self.end_drain(job)

    def complete(self, job: Job) -> None:
        """job_complete."""
        self.apply_verb(job, JobVerb.COMPLETE)
        if job.cancel_requested:
            raise QapiError(CANNOT_COMPLETE.format(job.id))
        job.driver.complete(job)
        job.should_complete = True
        if job.status is JobStatus.READY:
            self._run(job)

    def finalize(self, job: Job) -> None:
        """job_finalize."""
        self.apply_verb(job, JobVerb.FINALIZE)
        self._do_finalize(job)

    def dismiss(self, job: Job) -> None:
        """job_dismiss."""
        self.apply_verb(job, JobVerb.DISMISS)
        self._dismiss(job)

    def set_speed(self, job: Job, speed: int) -> None:
        """block_job_set_speed."""
        self.apply_verb(job, JobVerb.SET_SPEED)
        if speed < 0:
            raise QapiError(SPEED_NEGATIVE)
        job.speed = speed

    # -- queries -----------------------------------------------------------

    def query_jobs(self) -> list[dict[str, Any]]:
        out = []
        for job in self.jobs:
            info: dict[str, Any] = {
                "id": job.id,
                "type": job.driver.job_type,
                "status": job.status.value,
                "current-progress": job.current,
                "total-progress": job.total,
            }
            if job.error is not None:
                info["error"] = job.error
            out.append(info)
        return out

    def query_block_jobs(self) -> list[dict[str, Any]]:
        out = []
        for job in self.jobs:
            if not job.driver.block:
                continue
            info: dict[str, Any] = {
                "type": job.driver.job_type,
                "device": job.id,
                "len": job.total,
                "offset": job.current,
                "busy": job.busy,
                "paused": job.pause_count > 0,
                "speed": job.speed,
                "io-status": "ok",
                "ready": job.ready,
                "status": job.status.value,
                "auto-finalize": job.auto_finalize,
                "auto-dismiss": job.auto_dismiss,
            }
            if job.error is not None:  # block_job_query: whenever the job failed
                info["error"] = job.error
            out.append(info)
        return out
