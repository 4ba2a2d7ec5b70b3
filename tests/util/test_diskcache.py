"""The on-disk cache of costly values: hits, misses, damage and the switch that turns it off."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from qmonitor.util import diskcache
from qmonitor.util.diskcache import cache_key, cached, source_digest


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(diskcache.ENV, str(directory))
    return directory


def test_a_miss_builds_and_stores_then_a_hit_does_not_build(cache: Path) -> None:
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"a": 1}

    assert cached("thing", "k1", build) == {"a": 1}
    assert cached("thing", "k1", build) == {"a": 1}
    assert calls == [1]
    assert [p.name for p in cache.iterdir()] == ["thing-k1.pickle"]


def test_files_are_the_users_own(cache: Path) -> None:
    cached("thing", "k", lambda: 1)
    assert (cache.stat().st_mode & 0o777) == 0o700
    assert ((cache / "thing-k.pickle").stat().st_mode & 0o777) == 0o600


def test_another_key_is_another_value(cache: Path) -> None:
    assert cached("thing", "k1", lambda: 1) == 1
    assert cached("thing", "k2", lambda: 2) == 2


def test_a_damaged_file_is_a_miss_and_is_replaced(cache: Path) -> None:
    cache.mkdir()
    (cache / "thing-k.pickle").write_bytes(b"not a pickle")
    assert cached("thing", "k", lambda: [1, 2]) == [1, 2]
    assert pickle.loads((cache / "thing-k.pickle").read_bytes()) == [1, 2]


def test_an_unwritable_cache_still_gives_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    monkeypatch.setenv(diskcache.ENV, str(blocker / "cache"))
    assert cached("thing", "k", lambda: "value") == "value"


def test_off_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls: list[int] = []
    for _ in range(2):
        cached("thing", "k", lambda: calls.append(1))
    assert calls == [1, 1]
    assert not any(tmp_path.iterdir())


def test_keys_follow_every_part_and_sources_their_contents(tmp_path: Path) -> None:
    assert cache_key("a", "b") != cache_key("ab")
    assert cache_key("a") == cache_key("a")
    f = tmp_path / "m.py"
    f.write_text("x = 1\n")
    before = source_digest([str(f)])
    f.write_text("x = 2\n")
    assert source_digest([str(f)]) != before


def test_the_machine_schema_survives_the_cache(cache: Path) -> None:
    from qmonitor.machine import schema as machine_schema_module
    from qmonitor.qapi.introspect import schema_info
    from qmonitor.qapi.schema import load_schema_text

    fresh = load_schema_text(machine_schema_module.SCHEMA, machine_schema_module.FNAME)
    machine_schema_module.machine_schema.cache_clear()
    try:
        machine_schema_module.machine_schema()  # stores
        machine_schema_module.machine_schema.cache_clear()
        loaded = machine_schema_module.machine_schema()  # reads back
        assert any(p.name.startswith("machine-schema-") for p in cache.iterdir())
        assert list(schema_info(loaded)) == list(schema_info(fresh))
    finally:
        machine_schema_module.machine_schema.cache_clear()


def test_every_schema_module_is_a_part_and_in_the_cache_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The schema text is PARTS' text (pieces are joined by parts); the key hashes every file."""
    import importlib

    from qmonitor.machine import schema as machine_schema_module
    from qmonitor.util import diskcache

    here = Path(machine_schema_module.__file__).parent
    modules = {p.stem for p in here.glob("*.py") if p.stem != "__init__"}
    parts = machine_schema_module.PARTS
    assert len(parts) == len(set(parts)) and set(parts) <= modules
    for name in modules:
        module = importlib.import_module(f"qmonitor.machine.schema.{name}")
        # A module with TEXT is a part; the others hold pieces that parts join.
        assert hasattr(module, "TEXT") == (name in parts), name
    text = "".join(
        importlib.import_module(f"qmonitor.machine.schema.{part}").TEXT for part in parts
    )
    assert machine_schema_module.SCHEMA == text == machine_schema_module.schema_text()
    hashed: list[str] = []

    def digest(paths: list[str]) -> str:
        hashed.extend(Path(p).name for p in paths)
        return "x"

    monkeypatch.setattr(diskcache, "source_digest", digest)
    machine_schema_module._cache_key.cache_clear()
    try:
        machine_schema_module._cache_key(False)
    finally:
        machine_schema_module._cache_key.cache_clear()
    assert {f"{name}.py" for name in modules} <= set(hashed)


def test_a_cached_schema_has_no_docs(cache: Path) -> None:
    from qmonitor.machine import schema as machine_schema_module

    machine_schema_module.machine_schema.cache_clear()
    try:
        schema = machine_schema_module.machine_schema()
        assert schema.docs == []
        assert all(ent.doc is None for ent in schema.entities)
        assert schema.lookup_entity("query-status") is not None
    finally:
        machine_schema_module.machine_schema.cache_clear()


def test_a_cached_schema_shares_its_strings(cache: Path) -> None:
    from qmonitor.machine import schema as machine_schema_module
    from qmonitor.qapi.introspect import schema_info
    from qmonitor.qapi.schema import load_schema_text

    fresh = load_schema_text(machine_schema_module.SCHEMA, machine_schema_module.FNAME)
    machine_schema_module.machine_schema.cache_clear()
    try:
        machine_schema_module.machine_schema()  # stores
        machine_schema_module.machine_schema.cache_clear()
        loaded = machine_schema_module.machine_schema()  # reads back
        assert list(schema_info(loaded)) == list(schema_info(fresh))
        # The name of a type and the type name of a member of that type are one object.
        status = loaded.lookup_type("StatusInfo")
        assert status is not None
        member = next(m for m in status.members if m.name == "status")  # type: ignore[attr-defined]
        assert member.type_name is loaded.lookup_type("RunState").name  # type: ignore[union-attr]
    finally:
        machine_schema_module.machine_schema.cache_clear()
