"""Test support for qmonitor: what tests/ and the recorders in tools/ share.

Installed beside :mod:`qmonitor` by the same ``pip install -e .``, so test
modules and recorder scripts import it by name, without touching
``sys.path``.  It is not part of qmonitor's public API and may change with
the tests.

* :mod:`.goldenlib` and :mod:`.qmp_corpus`: the QMP golden transcripts --
  their format, the socket driver that records and replays them, the cases.
  :mod:`.goldenlib` gathers :mod:`.golden_format` (cases and their JSON),
  :mod:`.golden_diff` (escaped text, differences) and :mod:`.golden_driver`
  (process and sockets); :mod:`.qmp_corpus` is written with :mod:`.qmp_steps`.
* :mod:`.hmp_golden`: the HMP transcripts' format, normalising and replay
  (the cases themselves live in ``tools/hmp_cases.py``, recorded by
  ``tools/record_hmp.py``).
* :mod:`.cli_cases`: command lines recorded from QEMU and how a daemonizing
  one is run; :mod:`.event_timing`: the event-timing scenarios and player.
* :mod:`.procs`, :mod:`.sessions`, :mod:`.fakes`: starting processes, once
  per session helpers, test doubles.
* :mod:`.fuzz_harness`, :mod:`.fuzz_strategies`: fuzz targets and the
  hypothesis strategies feeding them; :mod:`.libvirtd`: a private libvirtd.
"""

from __future__ import annotations

from pathlib import Path

#: The repository this package is installed from (editable install): the
#: home of ``tests/golden`` and ``tests/fuzz/corpus``.
REPO = Path(__file__).resolve().parent.parent.parent
