"""``-readconfig`` against the files recorded from real QEMU (tests/golden/cli/readconfig.json).

tools/record_readconfig.py ran QEMU 7.2 on each file of
qmonitor_testsupport.readconfig_cases.  A file QEMU refuses must give the
same text and exit status from parse_args(); one it accepts must start
qmonitor, which must answer the probe queries (query-memdev, qom-list
/objects, query-spice, query-name) as QEMU did.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor.options.cmdline import CmdlineError, parse_args
from qmonitor.options.readconfig import (
    ConfigFileError,
    ConfigSection,
    FileLocation,
    config_sections,
)
from qmonitor_testsupport import readconfig_cases

GOLDEN = json.loads(
    (Path(__file__).resolve().parent.parent / "golden/cli/readconfig.json").read_text()
)
CASES = {case["name"]: case for case in GOLDEN["cases"]}
PROG = "qemu-system-x86_64"


def test_golden_file_matches_the_recorder() -> None:
    assert [c[0] for c in readconfig_cases.CASES] == list(CASES)
    for name, text, before, after in readconfig_cases.CASES:
        assert CASES[name]["config"] == text
        assert CASES[name]["argv"] == readconfig_cases.argv_of(before, after)


def _parse(case: dict[str, Any], tmp: Path) -> None:
    (tmp / "qemu.cfg").write_text(case["config"].replace("{tmp}", str(tmp)))
    parse_args([a.replace("{tmp}", str(tmp)) for a in case["argv"]], PROG)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c["started"]])
def test_refused_like_qemu(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    with pytest.raises(CmdlineError) as info:
        _parse(case, tmp_path)
    assert info.value.status == case["status"]
    assert info.value.message.replace(str(tmp_path), "{tmp}") == case["stderr"]


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c["started"]])
def test_accepted_like_qemu(name: str) -> None:
    case = CASES[name]
    text = case["config"]
    before, after = _split(case["argv"])
    ours = readconfig_cases.run_case([sys.executable, "-m", "qmonitor"], name, text, before, after)
    assert ours["started"], ours["stderr"]
    assert ours["stderr"] == case["stderr"]
    assert "replies" in ours, "the probe monitor did not answer"
    assert ours["replies"] == case["replies"]


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    """The options a case put before and after its -readconfig."""
    body = argv[len(readconfig_cases.BASE) : -len(readconfig_cases.PROBE)]
    index = body.index(readconfig_cases.CONFIG)
    return body[: index - 1], body[index + 1 :]


# -- the file format, sans-IO --------------------------------------------------------


def _sections(text: str) -> list[ConfigSection]:
    return list(config_sections(text.encode(), "f.cfg"))


def test_sections_are_handed_on_one_by_one() -> None:
    gen = config_sections(b'[name]\nguest = "a"\n[memory]\n \n', "f.cfg")
    assert next(gen) == ConfigSection("name", {"guest": "a"}, FileLocation("f.cfg", 2))
    with pytest.raises(ConfigFileError) as info:
        next(gen)
    assert (info.value.message, info.value.location) == ("parse error", FileLocation("f.cfg", 4))


def test_a_word_alone_is_a_key_with_an_empty_value() -> None:
    assert _sections("[name]\nguest = x\nflag\n")[0].values == {"guest": "", "flag": ""}


def test_a_header_with_an_id_and_scanf_limits() -> None:
    (section,) = _sections('[ chardev "c0" ]\n' + "k" * 70 + ' = "v"\n')
    assert section.group == "chardev"
    # %63s stops after 63 bytes, and "=" must follow at once.
    assert section.values == {"id": "c0", "k" * 63: ""}


def test_long_lines_are_read_in_pieces() -> None:
    # fgets() reads 1023 bytes; the rest of the line is a line of its own.
    value = "v" * 1100
    (section,) = _sections(f'[name]\nguest = "{value}"\n')
    assert section.values["guest"] == "v" * (1023 - len('guest = "'))
    assert set(section.values) == {"guest", "v" * 63}


def test_section_without_lines_has_no_location() -> None:
    assert _sections("[name]\n") == [ConfigSection("name", {}, None, last=True)]


def test_a_bracket_line_renames_the_last_section() -> None:
    """``[]`` is no header: read as a key, it leaves ``]`` in QEMU's group buffer."""
    first, last = _sections('[name]\nguest = "a"\n[memory]\nsize = "1"\n[]\n')
    assert (first.group, last.group) == ("name", "]")
    assert last.values == {"size": "1", "[]": ""}
    assert last.location == FileLocation("f.cfg", 5)


def test_names_and_values_are_the_file_bytes_as_utf8() -> None:
    (section,) = config_sections('[objecté]\nk = "é"\n'.encode(), "f.cfg")
    assert (section.group, section.values) == ("objecté", {"k": "é"})
    (section,) = config_sections(b'[g]\nk = "\xff"\n', "f.cfg")
    assert section.values["k"].encode("utf-8", "surrogateescape") == b"\xff"


def _refusal(tmp_path: Path, text: str, *argv: str) -> str:
    path = tmp_path / "q.cfg"
    path.write_text(text)
    args = ["-M", "none", "-display", "none", "-nodefaults", *argv, "-readconfig", str(path)]
    with pytest.raises(CmdlineError) as info:
        parse_args(args, PROG)
    return info.value.message.replace(str(path), "{cfg}")


def test_a_later_error_keeps_the_file_location(tmp_path: Path) -> None:
    """The monitor's check runs after the loop, at the section's saved LOC_FILE (case 318)."""
    got = _refusal(tmp_path, '[mon]\npretty = "off"\n')
    assert got == f"{PROG}:{{cfg}}:2: Parameter 'chardev' is missing\n"


def test_overcommit_and_sandbox_sections_take_ids(tmp_path: Path) -> None:
    """Neither list merges: an id is checked as one (cases 331, 308)."""
    got = _refusal(tmp_path, '[overcommit]\nid = "+x"\nmem-lock = "off"\n')
    assert got == f"{PROG}:{{cfg}}:3: Parameter 'id' expects an identifier\n"
    got = _refusal(
        tmp_path, '[sandbox "a"]\nenable = "y"\n[sandbox "b"]\nenable = "y"\nspawn = "1"\n'
    )
    assert got == f"{PROG}:{{cfg}}:5: invalid argument for spawn\n"


def test_boot_is_no_section_group(tmp_path: Path) -> None:
    got = _refusal(tmp_path, '[boot]\norder = "c"\n')
    assert got == f"{PROG}:{{cfg}}:2: There is no option group 'boot'\n"


def test_object_section_visited_as_object_options(tmp_path: Path) -> None:
    """A missing member and an unexpected key, as the keyval visitor finds them (cases 232, 322)."""
    got = _refusal(tmp_path, '[object]\nqom-type = "memory-backend-ram"\nid = "m0"\n[name]\n')
    assert got == f"{PROG}:{{cfg}}:3: Parameter 'size' is missing\n"
    got = _refusal(tmp_path, '[object]\nqom-type = "rng-builtin"\nid = "r"\nx')
    assert got == f"{PROG}:{{cfg}}:4: Parameter 'x' is unexpected\n"


def test_drive_section_is_a_drive(tmp_path: Path) -> None:
    """Opened where QEMU opens the drives, at the section's location (case 296)."""
    got = _refusal(tmp_path, '[name]\n[drive]\nx = "1"\n\n')
    assert got == f"{PROG}:{{cfg}}:3: Must specify either driver or file\n"
