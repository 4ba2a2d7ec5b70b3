"""The qtest runner's pure parts: versions, deb-src entries, TAP and list parsing, the table."""

from __future__ import annotations

import json
from pathlib import Path

from qmonitor_testsupport.qtest_suite import (
    PROGRAMS,
    QTEST_MODULE,
    Build,
    Outcome,
    deb_src_lines,
    deb_src_text,
    parse_list,
    parse_tap,
    pkgversion,
    read_expected,
    source_version,
    table,
    uses_qtest_accel,
    write_expected,
)


def test_source_version_drops_only_a_binnmu_suffix() -> None:
    assert source_version("1:7.2+dfsg-7+deb12u18+b3") == "1:7.2+dfsg-7+deb12u18"
    assert source_version("1:7.2+dfsg-7+deb12u18") == "1:7.2+dfsg-7+deb12u18"
    assert source_version("1:8.0+b1ubuntu1") == "1:8.0+b1ubuntu1"


def test_pkgversion_is_debians() -> None:
    assert pkgversion("1:7.2+dfsg-7+deb12u18+b3") == "Debian 1:7.2+dfsg-7+deb12u18+b3"


def test_deb_src_mirrors_deb822_and_one_line_sources() -> None:
    deb822 = "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n"
    assert deb_src_text(deb822).splitlines()[0] == "Types: deb-src"
    assert deb_src_text(deb822).splitlines()[1:] == deb822.splitlines()[1:]
    listing = "# comment\ndeb http://deb.debian.org/debian bookworm main\ndeb-src http://x y z\n"
    assert deb_src_lines(listing) == "deb-src http://deb.debian.org/debian bookworm main\n"


def test_parse_list_and_tap() -> None:
    listing = "# random seed: R02S\n/x86_64/qmp/protocol\n/x86_64/qmp/oob\n"
    assert parse_list(listing) == ["/x86_64/qmp/protocol", "/x86_64/qmp/oob"]
    tap = "1..3\nok 1 /x86_64/a\nnot ok 2 /x86_64/b\nok 3 /x86_64/c # SKIP no kvm\nBail out!\n"
    assert parse_tap(tap) == {"/x86_64/a": True, "/x86_64/b": False, "/x86_64/c": True}


def test_table_counts_per_program_and_target() -> None:
    wanted = {"qmp-test": ["/a", "/b"], "rtc-test": ["/c"]}
    results = {
        "QEMU 7.2": {
            ("qmp-test", "/a"): Outcome("qmp-test", "/a", True, 0.1),
            ("qmp-test", "/b"): Outcome("qmp-test", "/b", True, 0.1),
            ("rtc-test", "/c"): Outcome("rtc-test", "/c", True, 0.1),
        },
        "qmonitor": {
            ("qmp-test", "/a"): Outcome("qmp-test", "/a", True, 0.1),
            ("qmp-test", "/b"): Outcome("qmp-test", "/b", False, 0.1),
            ("rtc-test", "/c"): Outcome("rtc-test", "/c", False, 0.0),
        },
    }
    text = table(["qmp-test", "rtc-test"], wanted, results)
    assert text.splitlines()[2] == "| qmp-test | 2 | 2 | 1 |"
    assert text.splitlines()[3] == "| rtc-test | 1 | 1 | 0 |"
    assert text.splitlines()[4] == "| **all** | **3** | **3** | **1** |"


def test_expected_list_round_trips(tmp_path: Path) -> None:
    outcomes = {
        ("rtc-test", "/r"): Outcome("rtc-test", "/r", True, 0.1),
        ("qmp-test", "/q"): Outcome("qmp-test", "/q", True, 0.1),
        ("qmp-test", "/f"): Outcome("qmp-test", "/f", False, 0.1),
    }
    path = tmp_path / "passing.txt"
    write_expected(path, outcomes)
    lines = path.read_text().splitlines()
    assert lines[1:] == ["qmp-test /q", "rtc-test /r"]
    assert read_expected(path) == {("qmp-test", "/q"), ("rtc-test", "/r")}


def test_uses_qtest_accel_reads_qemus_spellings() -> None:
    assert uses_qtest_accel(["-M", "none", "-accel", "qtest"])
    assert uses_qtest_accel(["-accel", "qtest,thread=single"])
    assert uses_qtest_accel(["-machine", "pc,accel=qtest"])
    assert not uses_qtest_accel(["-accel", "tcg", "-name", "qtest"])
    assert not uses_qtest_accel([])


def test_a_build_for_fewer_programs_is_completed_not_redone(tmp_path: Path) -> None:
    build = Build(tmp_path, "1:7.2+dfsg-7")
    assert build.missing_programs() is None  # nothing built yet: start over
    (build.build_dir / "tests" / "qtest").mkdir(parents=True)
    (build.build_dir / "build.ninja").write_text("")
    build.module_dir.mkdir()
    (build.module_dir / QTEST_MODULE).write_text("")
    stamp = dict(build.wanted_stamp(), programs=list(PROGRAMS[:-1]))
    build.stamp.write_text(json.dumps(stamp))
    for name in PROGRAMS[:-1]:
        build.program(name).write_text("")
    assert not build.is_current()
    assert build.missing_programs() == [PROGRAMS[-1]]
    build.program(PROGRAMS[-1]).write_text("")
    assert build.is_current()
    build.stamp.write_text(json.dumps(dict(stamp, options=["--other"])))
    assert not build.is_current()
    assert build.missing_programs() is None  # configured otherwise: start over
