"""The QMP command registry and QEMU's dispatcher (qapi/qmp-dispatch.c).

A :class:`QmpCommand` pairs a name with a handler and the options QEMU's
schema gives it (``allow-oob``, ``allow-preconfig``, ``coroutine``,
``success-response``).  :func:`qmp_dispatch` checks a request's shape,
finds the command, validates the arguments and runs the handler with the
current monitor set, building the reply exactly as QEMU does (the ``id``
is added last, errors carry no ``return``).
"""

from __future__ import annotations

import contextvars
import inspect
import json
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from qmonitor.qapi.context import CURRENT_MONITOR, CommandMonitor, set_current_monitor
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import (
    ARGUMENTS_NOT_OBJECT,
    COMMAND_DISABLED,
    COMMAND_NOT_FOUND,
    INTERNAL_ERROR,
    LACKS_EXECUTE,
    MEMBER_CLASH,
    MEMBER_NOT_STRING,
    MEMBER_UNEXPECTED,
    NO_OOB,
    NOT_AN_OBJECT,
    NOT_BEFORE_MACHINE_READY,
    UNEXPECTED_PARAMETER,
)
from qmonitor.qapi.types import ObjectType, Path, first_unexpected
from qmonitor.qjson import encode, qdict_order

Handler = Callable[..., Any]


@dataclass(slots=True)
class QmpCommand:
    """A command as QEMU registers it (QmpCommand in qapi/qmp/dispatch.h).

    ``handler`` receives the validated arguments as keyword arguments
    (member names with ``-`` turned into ``_``); it returns the reply's
    ``return`` value (None means ``{}``), or an awaitable of it for
    ``coroutine`` commands, and raises :class:`QapiError` on failure.
    """

    name: str
    handler: Handler
    args: ObjectType | None = None
    allow_oob: bool = False
    allow_preconfig: bool = False
    coroutine: bool = False
    success_response: bool = True
    enabled: bool = True
    #: The handler needs only the big lock, not the main loop's thread (it
    #: touches no loop-bound object): the monitor I/O thread may run it
    #: itself while the main loop is idle.  Not for coroutine commands.
    any_thread: bool = False

    def call(self, arguments: dict[str, Any]) -> Any:
        """Validate ``arguments`` as QEMU's input visitor does, then run the handler."""
        if self.args is None:
            if arguments:
                raise QapiError(UNEXPECTED_PARAMETER.format(first_unexpected(arguments, {})))
            return self.handler()
        values = self.args.visit_members(arguments, Path())
        return self.handler(**{k.replace("-", "_"): v for k, v in values.items()})


class QmpCommandList:
    """A set of commands (QEMU has two: negotiation mode and full).

    Commands may be registered lazily (:meth:`register_lazy`): a group of
    names whose handlers some loader registers when one of them is first
    looked up, so a process pays for a family of commands (its modules,
    its argument types) only once a client uses it.  Lookups, listings and
    replacements behave as if every group were loaded.
    """

    def __init__(self) -> None:
        self._commands: dict[str, QmpCommand] = {}
        #: Names not registered yet, each with the loader that registers it.
        self._pending: dict[str, Callable[[], None]] = {}
        self._loading = threading.RLock()
        #: The machine is not built yet (``--preconfig``): only the commands
        #: with ``allow-preconfig`` run (qmp_command_available).
        self.preconfig = False

    def register(self, cmd: QmpCommand) -> QmpCommand:
        """Add (or replace) a command."""
        if cmd.name in self._pending:
            self._load(cmd.name)
        self._commands[cmd.name] = cmd
        return cmd

    def register_lazy(self, names: Iterable[str], load: Callable[[], None]) -> None:
        """Declare commands ``load`` registers (all of ``names``) when one is first needed."""
        for name in names:
            if name not in self._commands:
                self._pending[name] = load

    def unregister(self, name: str) -> None:
        if name in self._pending:
            self._load(name)
        self._commands.pop(name, None)

    def find(self, name: str) -> QmpCommand | None:
        cmd = self._commands.get(name)
        if cmd is None and name in self._pending:
            self._load(name)
            cmd = self._commands.get(name)
        return cmd

    def names(self) -> list[str]:
        """The names of the enabled commands, registered or not loaded yet (loads nothing)."""
        names = [c.name for c in list(self._commands.values()) if c.enabled]
        names.extend(n for n in list(self._pending) if n not in self._commands)
        return names

    def load_all(self) -> None:
        """Register every lazily declared command now."""
        while self._pending:
            self._load(next(iter(self._pending)))

    def _load(self, name: str) -> None:
        with self._loading:
            load = self._pending.get(name)
            if load is None:  # another thread loaded it meanwhile
                return
            group = [n for n, fn in self._pending.items() if fn is load]
            for other in group:
                del self._pending[other]
            try:
                load()
            except BaseException:
                self.register_lazy(group, load)
                raise

    def __iter__(self) -> Iterator[QmpCommand]:
        self.load_all()
        return iter(list(self._commands.values()))

    def __len__(self) -> int:
        return len(self._commands) + len(self._pending)


def check_obj(request: Any, allow_oob: bool) -> dict[str, Any]:
    """Check a request's members in QEMU's order (qmp_dispatch_check_obj)."""
    if not isinstance(request, dict):
        raise QapiError(NOT_AN_OBJECT)
    exec_key: str | None = None
    keys = request.keys()
    for key in keys if len(keys) < 2 else qdict_order(keys):
        value = request[key]
        if key == "execute" or (key == "exec-oob" and allow_oob):
            if not isinstance(value, str):
                raise QapiError(MEMBER_NOT_STRING.format(key))
            if exec_key is not None:
                raise QapiError(MEMBER_CLASH.format(key, exec_key))
            exec_key = key
        elif key == "arguments":
            if not isinstance(value, dict):
                raise QapiError(ARGUMENTS_NOT_OBJECT)
        elif key != "id":
            raise QapiError(MEMBER_UNEXPECTED.format(key))
    if exec_key is None:
        raise QapiError(LACKS_EXECUTE)
    return request


def is_oob(request: dict[str, Any]) -> bool:
    """Does the request look like an out-of-band command (qmp_is_oob)?"""
    return "exec-oob" in request and "execute" not in request


def error_response(err: QapiError, req_id: Any = None, has_id: bool = False) -> dict[str, Any]:
    """``{"error": {...}}`` plus the request's id when it had one."""
    rsp: dict[str, Any] = {"error": err.to_qobject()}
    if has_id:
        rsp["id"] = req_id
    return rsp


DispatchResult = dict[str, Any] | None | Coroutine[Any, Any, dict[str, Any] | None]


def qmp_dispatch(
    cmds: QmpCommandList,
    request: Any,
    allow_oob: bool,
    cur_mon: CommandMonitor | None,
) -> DispatchResult:
    """Run one request and build its reply (None: no reply is due).

    For a ``coroutine`` handler the result is a coroutine yielding the
    reply; the caller awaits it on the main loop.
    """
    has_id = isinstance(request, dict) and "id" in request
    req_id = request.get("id") if has_id else None
    try:
        command = request.get("execute") if has_id else None
        if not (type(command) is str and len(request) == 2):
            # Anything but the plain {"execute": NAME, "id": ID}, which
            # passes every check, is checked in full.
            check_obj(request, allow_oob)
            command = request.get("execute")
        oob = False
        if command is None:
            command = request["exec-oob"]
            oob = True
        cmd = cmds.find(command)
        if cmd is None:
            raise QapiError(COMMAND_NOT_FOUND.format(command), ErrorClass.COMMAND_NOT_FOUND)
        if not cmd.enabled:
            raise QapiError(COMMAND_DISABLED.format(command), ErrorClass.COMMAND_NOT_FOUND)
        if oob and not cmd.allow_oob:
            raise QapiError(NO_OOB.format(command))
        if cmds.preconfig and not cmd.allow_preconfig:
            raise QapiError(NOT_BEFORE_MACHINE_READY.format(command))
        arguments = request.get("arguments", _NO_ARGUMENTS)
        token = CURRENT_MONITOR.set(cur_mon)
        try:
            ret = cmd.call(arguments)
        finally:
            CURRENT_MONITOR.reset(token)
        if type(ret) not in _NOT_AWAITABLE and inspect.isawaitable(ret):
            return _finish(ret, cmd, cur_mon, req_id, has_id)
    except QapiError as err:
        return error_response(err, req_id, has_id)
    except Exception as exc:  # a handler bug must not cost the client its reply
        return error_response(internal_error(exc), req_id, has_id)
    return _success(cmd, ret, req_id, has_id)


#: Arguments of a request that has none (never changed: handlers get copies).
_NO_ARGUMENTS: dict[str, Any] = {}

#: Return types that are plainly not awaitable (spares the general check).
_NOT_AWAITABLE = frozenset({type(None), dict, list, str, int, bool, float})


def current_monitor_var() -> contextvars.ContextVar[CommandMonitor | None]:
    """The ``monitor_cur`` variable (:data:`qmonitor.qapi.context.CURRENT_MONITOR`)."""
    return CURRENT_MONITOR


def _reply_frame() -> tuple[str, str, str]:
    """Text around the value and the id of ``{"return": VALUE, "id": ID}``."""
    if qdict_order(("return", "id"))[0] == "return":
        return '{"return": ', ', "id": ', "}"
    return '{"id": ', ', "return": ', "}"  # pragma: no cover - QEMU's order is fixed


_FRAME_OPEN, _FRAME_MIDDLE, _FRAME_CLOSE = _reply_frame()
_RETURN_FIRST = _FRAME_OPEN == '{"return": '


def run_plain(
    cmd: QmpCommand, request: dict[str, Any], cur_mon: CommandMonitor | None
) -> str | None:
    """The compact reply text of ``{"execute": NAME[, "id": ID]}`` (None: no reply).

    The same reply as :func:`qmp_dispatch` gives, by a shorter road: the
    caller has found ``cmd`` enabled, without arguments and not a coroutine
    command, and the request has no member but those two.
    """
    token = CURRENT_MONITOR.set(cur_mon)
    try:
        return plain_reply(cmd, request)
    finally:
        CURRENT_MONITOR.reset(token)


def plain_reply(cmd: QmpCommand, request: dict[str, Any]) -> str | None:
    """:func:`run_plain` with the current monitor already set by the caller."""
    if "id" not in request:
        return plain_reply_text(cmd, None)
    req_id = request["id"]
    return plain_reply_text(cmd, encode(req_id), req_id)


#: plain_reply_text's ``req_id`` when the id is to be read from its text.
ID_FROM_TEXT: Any = object()


def plain_reply_text(
    cmd: QmpCommand, id_text: str | None, req_id: Any = ID_FROM_TEXT
) -> str | None:
    """:func:`plain_reply` for a request whose id is given as the text QEMU writes for it.

    ``id_text`` is None when the request has no id.  The text goes into the
    reply as it is (see :meth:`JsonStreamer.next_plain`); ``req_id``, the
    id itself, is needed only for an error reply and is otherwise read back
    from the text (which must then be an int64 or a plain string).
    """
    try:
        ret = cmd.handler()
        if type(ret) not in _NOT_AWAITABLE and inspect.isawaitable(ret):
            if inspect.iscoroutine(ret):
                ret.close()
            raise TypeError(f"command {cmd.name} returned an awaitable")
        if not cmd.success_response:
            return None
        # A value QMP cannot carry is the handler's bug too.
        value = encode({} if ret is None else ret)
    except QapiError as err:
        return _plain_error(err, id_text, req_id)
    except Exception as exc:  # a handler bug must not cost the client its reply
        return _plain_error(internal_error(exc), id_text, req_id)
    if id_text is None:
        return '{"return": ' + value + "}"
    if _RETURN_FIRST:
        return _FRAME_OPEN + value + _FRAME_MIDDLE + id_text + _FRAME_CLOSE
    return _FRAME_OPEN + id_text + _FRAME_MIDDLE + value + _FRAME_CLOSE  # pragma: no cover


def _plain_error(err: QapiError, id_text: str | None, req_id: Any) -> str:
    if id_text is None:
        return encode(error_response(err, None, False))
    if req_id is ID_FROM_TEXT:
        req_id = json.loads(id_text)
    return encode(error_response(err, req_id, True))


def internal_error(exc: BaseException) -> QapiError:
    """The reply for a handler that failed with a Python exception."""
    return QapiError(INTERNAL_ERROR.format(type(exc).__name__, exc))


def _success(cmd: QmpCommand, ret: Any, req_id: Any, has_id: bool) -> dict[str, Any] | None:
    if not cmd.success_response:
        return None
    rsp: dict[str, Any] = {"return": {} if ret is None else ret}
    if has_id:
        rsp["id"] = req_id
    return rsp


async def _finish(
    ret: Awaitable[Any], cmd: QmpCommand, cur_mon: CommandMonitor | None, req_id: Any, has_id: bool
) -> dict[str, Any] | None:
    old = set_current_monitor(cur_mon)
    try:
        value = await ret
    except QapiError as err:
        return error_response(err, req_id, has_id)
    except Exception as exc:  # a handler bug must not cost the client its reply
        return error_response(internal_error(exc), req_id, has_id)
    finally:
        set_current_monitor(old)
    return _success(cmd, value, req_id, has_id)
