"""The ``migration`` theme of the QMP golden corpus: parameters and the migration commands.

What QEMU 7.2 answers on ``-M none`` to migrate-set-parameters (each
check, and the parameters read back), and to the migration, COLO, Xen and
dirty-rate commands of a machine that is not migrating.  No case starts a
migration to a real destination.  Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, Opts, cmd, sleep, table

_QUERY = cmd("query-migrate-parameters", id="params")


def _set(tag: Any, **params: Any) -> Any:
    return cmd("migrate-set-parameters", {k.replace("_", "-"): v for k, v in params.items()}, tag)


table("migration", [
    ("mig_set_parameters", "migrate-set-parameters: values kept, then read back", NEG,
     _set(1, compress_level=9, compress_threads=4, decompress_threads=3,
          throttle_trigger_threshold=70, cpu_throttle_initial=30, cpu_throttle_increment=5,
          cpu_throttle_tailslow=True, max_bandwidth=1000, downtime_limit=500,
          x_checkpoint_delay=100, block_incremental=True, multifd_channels=4,
          xbzrle_cache_size=8192, max_postcopy_bandwidth=5, max_cpu_throttle=50,
          multifd_compression="zlib", multifd_zlib_level=3, multifd_zstd_level=20,
          announce_initial=10, announce_max=20, announce_rounds=3, announce_step=4,
          tls_creds="", tls_hostname="h", tls_authz=None),
     _QUERY, _set(2, tls_hostname=None, tls_creds=None), _QUERY, _set(3), PROBE),
    ("mig_set_parameters_checks", "migrate-set-parameters: each range check", NEG,
     _set(1, compress_level=10), _set(2, compress_threads=0), _set(3, decompress_threads=0),
     _set(4, throttle_trigger_threshold=0), _set(5, throttle_trigger_threshold=101),
     _set(6, cpu_throttle_initial=0), _set(7, cpu_throttle_initial=100),
     _set(8, cpu_throttle_increment=0), _set(9, downtime_limit=2000001),
     _set(10, multifd_channels=0), _set(11, multifd_zlib_level=10),
     _set(12, multifd_zstd_level=21), _set(13, xbzrle_cache_size=1000),
     _set(14, xbzrle_cache_size=2048), _set(15, max_cpu_throttle=10),
     _set(16, max_cpu_throttle=100), _set(17, announce_initial=100001),
     _set(18, announce_max=100001), _set(19, announce_rounds=1001), _set(20, announce_step=0),
     _set(21, announce_step=10001), _set(22, compress_level=256), _set(23, compress_level=-1),
     _set(24, downtime_limit=2000000), _set(25, cpu_throttle_initial=99, max_cpu_throttle=98),
     _set(26, compress_level=1, compress_threads=0), _set(27, tls_creds=1),
     _set(28, block_bitmap_mapping=[]), _set(29, multifd_compression="zstd"),
     _set(30, max_bandwidth=-1), _QUERY, PROBE),
    ("mig_commands", "migration commands on a machine that is not migrating", NEG,
     cmd("migrate-start-postcopy", id=1), cmd("migrate_cancel", id=2),
     cmd("migrate-continue", {"state": "pre-switchover"}, 3),
     cmd("migrate", {"uri": "x"}, 4), cmd("migrate", {"uri": "fd:nope"}, 5),
     cmd("migrate", {"uri": "tcp:127.0.0.1"}, 6),
     cmd("migrate-incoming", {"uri": "tcp:127.0.0.1:0"}, 7),
     cmd("migrate-recover", {"uri": "tcp:127.0.0.1:0"}, 8),
     cmd("x-colo-lost-heartbeat", id=9),
     cmd("client_migrate_info", {"protocol": "spice", "hostname": "h"}, 10),
     cmd("client_migrate_info", {"protocol": "vnc", "hostname": "h"}, 11),
     cmd("xen-save-devices-state", {"filename": "/dev/null"}, 12),
     cmd("xen-set-global-dirty-log", {"enable": True}, 13),
     cmd("xen-load-devices-state", {"filename": "/dev/null"}, 14),
     cmd("xen-set-replication", {"enable": True, "primary": True}, 15),
     cmd("xen-colo-do-checkpoint", id=16),
     cmd("set-vcpu-dirty-limit", {"dirty-rate": 1}, 17),
     cmd("cancel-vcpu-dirty-limit", id=18), cmd("query-vcpu-dirty-limit", id=19),
     cmd("calc-dirty-rate", {"calc-time": 0}, 20),
     cmd("calc-dirty-rate", {"calc-time": 61}, 21),
     cmd("calc-dirty-rate", {"calc-time": 1, "sample-pages": 127}, 22),
     cmd("calc-dirty-rate", {"calc-time": 1, "sample-pages": 16385}, 23),
     cmd("query-dirty-rate", id=24), cmd("query-migrate", id=25),
     cmd("migrate", {"uri": "unix:/nonexistent/dir/s"}, 26), sleep(0.3),
     cmd("query-migrate", id=27), PROBE),
    ("mig_start_postcopy_on", "migrate-start-postcopy with postcopy-ram on, no migration", NEG,
     cmd("migrate-set-capabilities",
         {"capabilities": [{"capability": "postcopy-ram", "state": True}]}, 1),
     cmd("migrate-start-postcopy", id=2), PROBE),
    ("mig_events", "MIGRATION events of failed migrations", NEG,
     cmd("migrate-set-capabilities",
         {"capabilities": [{"capability": "events", "state": True}]}, 1),
     cmd("migrate", {"uri": "x"}, 2), cmd("query-migrate", id=3),
     cmd("migrate", {"uri": "fd:nope"}, 4), cmd("migrate", {"uri": "tcp:127.0.0.1"}, 5),
     cmd("migrate", {"uri": "unix:/nonexistent/dir/s"}, 6), sleep(0.3),
     cmd("query-migrate", id=7), PROBE),
    ("mig_paused", "migration commands on a machine started with -S", NEG,
     cmd("migrate-incoming", {"uri": "tcp:127.0.0.1:0"}, 1), cmd("migrate", {"uri": "x"}, 2),
     PROBE, Opts(("-S",))),
])  # fmt: skip
