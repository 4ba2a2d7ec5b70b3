"""Scripted commands: what a fake QEMU answers in place of (or before) its own.

A :class:`Script` keeps, per command name, a queue of :class:`Rule` and the
events to raise after the command.  The fake registers a
:class:`ScriptedCommand` for each such name in the machine's full command
list; it takes any arguments (the test decides what they mean), runs the
first rule that still has uses left, and falls back on the machine's own
command, or on QEMU's CommandNotFound when there is none.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from qmonitor.monitor.monitor import current_monitor
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor.qapi.commands import QmpCommand
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import COMMAND_NOT_FOUND
from qmonitor.testing.proxy import SENTINEL_PREFIX

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: A reply computed from the request's arguments (may be async, may raise QapiError).
ReplyFunction = Callable[[dict[str, Any]], Any]


class Action(Enum):
    """What a rule does with the request."""

    #: Answer with a value, an error or what a function returns.
    REPLY = "reply"
    #: Cut the connection where the reply would have been.
    DROP = "drop"
    #: Write raw bytes where the reply would have been (no real reply).
    GARBAGE = "garbage"
    #: Answer only after :meth:`Script.release` (then as if unscripted).
    STALL = "stall"


@dataclass
class Rule:
    """One scripted answer; ``times`` None means every time."""

    action: Action
    value: Any = None
    error: QapiError | None = None
    function: ReplyFunction | None = None
    delay: float = 0.0
    garbage: bytes = b""
    times: int | None = None


@dataclass
class AfterEvent:
    """An event raised right after a command's reply."""

    event: str
    data: dict[str, Any] | None
    delay: float = 0.0
    times: int | None = 1


@dataclass
class _Entry:
    rules: list[Rule] = field(default_factory=list)
    events: list[AfterEvent] = field(default_factory=list)
    original: QmpCommand | None = None


def make_error(error: QapiError | str | tuple[str, str]) -> QapiError:
    """``"text"`` (GenericError), ``("ClassName", "text")`` or a QapiError."""
    if isinstance(error, QapiError):
        return error
    if isinstance(error, str):
        return QapiError(error)
    cls, desc = error
    return QapiError(desc, ErrorClass(cls))


@dataclass(slots=True)
class ScriptedCommand(QmpCommand):
    """A command that takes any arguments and asks the script what to do."""

    script: Script | None = None

    def call(self, arguments: dict[str, Any]) -> Any:
        assert self.script is not None
        return self.script.run(self.name, dict(arguments))


class Script:
    """The scripted commands of one machine; mutate only on the machine's main loop."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self._entries: dict[str, _Entry] = {}
        self._released = asyncio.Event()
        self._lock = threading.Lock()

    # -- configuration (main loop) -------------------------------------------

    def add_rule(self, name: str, rule: Rule, *, first: bool = False) -> None:
        entry = self._entry(name)
        if first:
            entry.rules.insert(0, rule)
        else:
            # A one-shot rule goes before the permanent ones already there.
            index = len(entry.rules)
            if rule.times is not None:
                index = next((i for i, r in enumerate(entry.rules) if r.times is None), index)
            entry.rules.insert(index, rule)
        self._install(name)

    def add_event(self, name: str, after: AfterEvent) -> None:
        self._entry(name).events.append(after)
        self._install(name)

    def reset(self, name: str | None = None) -> None:
        """Forget the script of ``name`` (or of every command)."""
        for key in [name] if name is not None else list(self._entries):
            entry = self._entries.get(key)
            if entry is not None:
                entry.rules.clear()
                entry.events.clear()
                self._install(key)

    def release(self) -> None:
        """Let every stalled command go on."""
        self._released.set()
        self._released = asyncio.Event()

    def _entry(self, name: str) -> _Entry:
        entry = self._entries.get(name)
        if entry is None:
            found = self.machine.commands.full.find(name)
            entry = _Entry(original=found)
            self._entries[name] = entry
        return entry

    def _install(self, name: str) -> None:
        entry = self._entries[name]
        full = self.machine.commands.full
        if entry.rules or entry.events:
            if not isinstance(full.find(name), ScriptedCommand):
                orig = entry.original
                full.register(
                    ScriptedCommand(
                        name,
                        _unused_handler,
                        allow_oob=orig.allow_oob if orig is not None else False,
                        allow_preconfig=True,
                        coroutine=True,
                        script=self,
                    )
                )
            return
        del self._entries[name]
        if entry.original is not None:
            full.register(entry.original)
        else:
            full.unregister(name)

    # -- running (main loop, from the dispatcher) ---------------------------

    def run(self, name: str, arguments: dict[str, Any]) -> Any:
        entry = self._entries.get(name)
        rule = self._take_rule(entry) if entry is not None else None
        events = self._take_events(entry) if entry is not None else []
        try:
            result = self._run_rule(entry, rule, name, arguments)
        except BaseException:
            if events:
                self._then_emit(None, events)  # after the error reply
            raise
        finally:
            if (
                entry is not None
                and not entry.rules
                and not entry.events
                and self._entries.get(name) is entry
            ):
                self._install(name)
        if events:
            result = self._then_emit(result, events)
        return result

    def _run_rule(
        self, entry: _Entry | None, rule: Rule | None, name: str, arguments: dict[str, Any]
    ) -> Any:
        if rule is None:
            result = self._fallback(entry, name, arguments)
        elif rule.action is Action.REPLY:
            result = self._reply(rule, arguments)
        elif rule.action is Action.STALL:
            result = self._stall(entry, name, arguments)
        else:
            mon = current_monitor()
            if isinstance(mon, MonitorQMP):
                word = "drop" if rule.action is Action.DROP else "garbage " + rule.garbage.hex()
                mon.send_text((SENTINEL_PREFIX + word.encode()).decode("latin-1"))
            result = None
        return result

    def _take_rule(self, entry: _Entry) -> Rule | None:
        if not entry.rules:
            return None
        rule = entry.rules[0]
        if rule.times is not None:
            rule.times -= 1
            if rule.times <= 0:
                entry.rules.pop(0)
        return rule

    def _take_events(self, entry: _Entry) -> list[AfterEvent]:
        taken = []
        for after in list(entry.events):
            taken.append(after)
            if after.times is not None:
                after.times -= 1
                if after.times <= 0:
                    entry.events.remove(after)
        return taken

    def _fallback(self, entry: _Entry | None, name: str, arguments: dict[str, Any]) -> Any:
        original = entry.original if entry is not None else None
        if original is None:
            raise QapiError(COMMAND_NOT_FOUND.format(name), ErrorClass.COMMAND_NOT_FOUND)
        return original.call(arguments)

    def _reply(self, rule: Rule, arguments: dict[str, Any]) -> Any:
        async def later() -> Any:
            await asyncio.sleep(rule.delay)
            return await _resolve(compute())

        def compute() -> Any:
            if rule.error is not None:
                raise rule.error
            if rule.function is not None:
                return rule.function(arguments)
            return rule.value

        if rule.delay > 0:
            return later()
        return compute()

    def _stall(self, entry: _Entry | None, name: str, arguments: dict[str, Any]) -> Any:
        released = self._released

        async def stalled() -> Any:
            await released.wait()
            return await _resolve(self._fallback(entry, name, arguments))

        return stalled()

    def _then_emit(self, result: Any, events: list[AfterEvent]) -> Any:
        loop = self.machine.loop

        def emit() -> None:
            for after in events:
                if after.delay > 0:
                    loop.call_later(after.delay, self.machine.emit_event, after.event, after.data)
                else:
                    self.machine.emit_event(after.event, after.data)

        if inspect.isawaitable(result):
            awaitable = result

            async def then() -> Any:
                try:
                    return await awaitable
                finally:
                    loop.call_soon(emit)

            return then()
        loop.call_soon(emit)
        return result


async def _resolve(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


def _unused_handler(**_: Any) -> None:  # pragma: no cover - ScriptedCommand.call replaces it
    raise AssertionError("scripted commands run through Script.run")
