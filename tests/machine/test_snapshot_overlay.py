"""``-snapshot`` and ``snapshot=on`` against QEMU 7.2 (tests/golden/block/snapshot_overlay.json).

Each recorded command line runs as a qmonitor process with ``$TMPDIR`` in
a folder of the case: the same drives in ``query-block``,
``query-named-block-nodes`` and ``info block`` (the overlay over the image,
its json: filename), the same errors, nothing left in ``$TMPDIR`` while it
runs or after, and the images untouched.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from qmonitor.machine.block.temp_overlay import create_tmp_file, temporary_dir
from qmonitor.qapi.error import QapiError
from qmonitor_testsupport import REPO
from qmonitor_testsupport.snapshot_overlay_cases import OVERLAY_CASES, run_overlay_case

GOLDEN = json.loads((REPO / "tests" / "golden" / "block" / "snapshot_overlay.json").read_text())
CASES = {case["name"]: case for case in GOLDEN["cases"]}
PROG = "qemu-system-x86_64"


def test_recordings_match_the_cases() -> None:
    assert [(c["name"], c["argv"], c["tmpdir"]) for c in GOLDEN["cases"]] == [
        (name, argv, tmpdir) for name, argv, tmpdir in OVERLAY_CASES
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_overlay_as_qemu(name: str) -> None:
    case = CASES[name]
    got = run_overlay_case([sys.executable, "-m", "qmonitor"], case["argv"], case["tmpdir"])
    got["stderr"] = got["stderr"].replace("qmonitor:", f"{PROG}:")
    want = {k: v for k, v in case.items() if k not in ("name", "argv", "tmpdir")}
    assert got == want


def test_tmp_means_var_tmp() -> None:
    assert temporary_dir({"TMPDIR": "/tmp"}) == "/var/tmp"
    assert temporary_dir({}) == "/var/tmp"
    assert temporary_dir({"TMPDIR": "/x/y"}) == "/x/y"


def test_temporary_file_names(tmp_path: Path) -> None:
    first, second = create_tmp_file(str(tmp_path)), create_tmp_file(str(tmp_path))
    assert first != second
    for name in (first, second):
        path = Path(name)
        assert path.parent == tmp_path and path.name.startswith("vl.") and len(path.name) == 9
        assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(QapiError) as info:
        create_tmp_file(str(tmp_path / "missing"))
    assert info.value.desc.startswith(f"Could not open temporary file '{tmp_path}/missing/vl.")
    assert info.value.desc.endswith("': No such file or directory")
