"""HMP cases of QEMU 7.2's whole command table, for tools/record_hmp.py.

The ``table`` theme (tests/golden/hmp/table.json): every command and
``info`` sub-command on the null machine and on a PC, with typical
arguments and bad ones, through ``human-monitor-command``; and further
``commands`` sessions (``--preconfig``, chardev-remove).  tools/hmp_cases.py
puts them into its :data:`THEMES`.
"""

from __future__ import annotations

import json
from pathlib import Path

from qmonitor_testsupport.hmp_golden import Case

#: Sessions added to the ``commands`` theme.
COMMAND_CASES: list[Case] = []


def _typed(*lines: str) -> tuple[bytes, ...]:
    return tuple(line.encode() + b"\r" for line in lines)


def _devices(*drivers: str) -> tuple[str, ...]:
    """``-device DRIVER`` for each driver."""
    return tuple(arg for driver in drivers for arg in ("-device", driver))


def _lines(text: str) -> tuple[bytes, ...]:
    """One command line per non-empty line of ``text``."""
    return tuple(line.strip().encode() for line in text.splitlines() if line.strip())


#: QEMU's tests/qtest/test-hmp.c runs these on every machine type; on the
#: null machine, the ones whose state qmonitor models or that find nothing.
_TEST_HMP = """
    announce_self
    boot_set ndc
    commit all
    cpu 0
    drive_add ignored format=help
    drive_add -n ignored format=help
    dump-guest-memory /dev/null 0 4096
    dump-guest-memory /dev/null
    gdbserver
    gva2gpa 0
    hostfwd_add tcp::43210-:43210
    hostfwd_remove tcp::43210-:43210
    i /w 0
    memsave 0 4096 "/dev/null"
    migrate_set_parameter xbzrle-cache-size 1
    migrate_set_parameter downtime-limit 1
    migrate_set_parameter max-bandwidth 1
    mouse_button 7
    mouse_move 10 10
    mouse_button 0
    sendkey x
    nmi
    o /w 0 0x1234
    pmemsave 0 4096 "/dev/null"
    p $pc + 8
    screendump /dev/null
    singlestep on
    wavcapture /dev/null
    stopcapture 0
    sum 0 512
    x /8i 0x100
    xp /16x 0
"""

#: Commands with typical arguments, naming what the null machine lacks.
_NULL_MACHINE = """
    balloon 100
    block_job_cancel foo
    block_job_cancel -f foo
    block_job_complete foo
    block_job_pause foo
    block_job_resume foo
    block_job_set_speed foo 1M
    block_resize foo 1G
    block_set_io_throttle foo 1 2 3 4 5 6
    block_stream foo
    block_stream foo 1M base
    calc_dirty_rate 1
    cancel_vcpu_dirty_limit
    cancel_vcpu_dirty_limit 3
    change foo bar
    closefd foo
    commit foo
    delvm foo
    drive_backup foo bar
    drive_backup -n -f -c foo bar qcow2
    drive_del foo
    drive_mirror foo bar
    dump-guest-memory -p /dev/null
    dumpdtb /dev/null
    eject foo
    eject -f foo
    exit_preconfig
    gdbserver none
    gdbserver tcp::4321
    getfd foo
    gpa2hpa 0
    gpa2hva 0x1000
    gva2gpa 0x1000
    i /b 0x70
    i /h 0x71
    i 0x80
    loadvm foo
    mce 0 0 0 0 0 0
    migrate_cancel
    migrate_continue pre-switchover
    migrate_incoming tcp:127.0.0.1:0
    migrate_pause
    migrate_recover tcp:127.0.0.1:0
    migrate_set_capability xbzrle on
    migrate_set_capability bogus on
    info migrate_capabilities
    migrate_set_capability xbzrle off
    migrate_start_postcopy
    mouse_set 0
    nbd_server_add foo
    nbd_server_add -w foo bar
    nbd_server_remove foo
    nbd_server_remove -f foo
    pcie_aer_inject_error foo 0
    qemu-io foo "read 0 512"
    qemu-io -d foo "read 0 512"
    replay_break 0
    replay_delete_break
    replay_seek 0
    savevm foo
    savevm
    set_vcpu_dirty_limit 10
    singlestep
    singlestep off
    singlestep bogus
    snapshot_blkdev foo
    snapshot_blkdev foo bar
    snapshot_blkdev_internal foo bar
    snapshot_delete_blkdev_internal foo bar
    snapshot_delete_blkdev_internal foo bar baz
    sum 0 0
    sync-profile
    sync-profile on
    sync-profile
    sync-profile off
    sync-profile bogus
    system_wakeup
    x /2x 0
    xp /2x 0x1000
    xp /0x 0
    x_colo_lost_heartbeat
"""

#: log items and log file templates.
_LOG = """
    log none
    log all
    log bogus
    log in_asm,bogus
    log in_asm,int
    log trace:foo
    log trace:
    log ,
    logfile qemu-log-%x
    logfile qemu-log-%d-%d
    logfile qemu-log-%d
    log tid
    log none
    log tid,cpu
    logfile other-%d
    logfile qemu-log-%d
    log none
    logfile qemu-log
    log all
"""

#: Trace events by name and by pattern, and their states.
_TRACE = """
    trace-event foo on
    trace-event qemu_mutex_lock on
    info trace-events qemu_mutex_lock
    info trace-events qemu_mutex_*
    trace-event qemu_mutex_* on
    info trace-events qemu_mutex_?ock
    trace-event qemu_mutex_lock off
    info trace-events qemu_mutex_*
    trace-event nope* on
    info trace-events nope*
    info trace-events nope
    trace-event qemu_mutex_lock on 0
    trace-event qemu_mutex_lock on -1
    info trace-events qemu_mutex_lock 0
    trace-event qemu_mutex_lock maybe
    log trace:visit_type_int*
    info trace-events visit_type_int*
    log trace:-visit_type_int8
    info trace-events visit_type_int*
    log trace:foo,bogus
    log trace:-foo
    info trace-events *run_poll*
"""

#: Migration parameters read from text, QEMU's checks, and what they leave.
_MIGRATE_SET_PARAMETER = """
    migrate_set_parameter compress-level 5
    migrate_set_parameter compress-level 10
    migrate_set_parameter compress-level 300
    migrate_set_parameter compress-level -1
    migrate_set_parameter compress-level x
    migrate_set_parameter compress-level 0x5
    migrate_set_parameter compress-level 1-2
    migrate_set_parameter compress-threads 0
    migrate_set_parameter compress-threads 256
    migrate_set_parameter compress-wait-thread off
    migrate_set_parameter compress-wait-thread yes
    migrate_set_parameter compress-wait-thread maybe
    migrate_set_parameter decompress-threads 0
    migrate_set_parameter throttle-trigger-threshold 0
    migrate_set_parameter throttle-trigger-threshold 101
    migrate_set_parameter cpu-throttle-initial 0
    migrate_set_parameter cpu-throttle-increment 100
    migrate_set_parameter cpu-throttle-tailslow on
    migrate_set_parameter max-cpu-throttle 100
    migrate_set_parameter tls-creds foo
    migrate_set_parameter tls-hostname bar
    migrate_set_parameter tls-authz baz
    migrate_set_parameter max-bandwidth 1
    migrate_set_parameter max-bandwidth 1k
    migrate_set_parameter max-bandwidth x
    migrate_set_parameter downtime-limit 1
    migrate_set_parameter downtime-limit 2000001
    migrate_set_parameter downtime-limit 1k
    migrate_set_parameter downtime-limit x
    migrate_set_parameter x-checkpoint-delay 5
    migrate_set_parameter x-checkpoint-delay 4294967296
    migrate_set_parameter block-incremental on
    migrate_set_parameter multifd-channels 0
    migrate_set_parameter multifd-channels 4
    migrate_set_parameter multifd-compression zlib
    migrate_set_parameter multifd-compression bogus
    migrate_set_parameter multifd-zlib-level 10
    migrate_set_parameter multifd-zlib-level 9
    migrate_set_parameter multifd-zstd-level 21
    migrate_set_parameter multifd-zstd-level 20
    migrate_set_parameter xbzrle-cache-size 1
    migrate_set_parameter xbzrle-cache-size 4k
    migrate_set_parameter xbzrle-cache-size 3k
    migrate_set_parameter xbzrle-cache-size 1M
    migrate_set_parameter max-postcopy-bandwidth 5
    migrate_set_parameter announce-initial 10
    migrate_set_parameter announce-initial 100001
    migrate_set_parameter announce-max 20
    migrate_set_parameter announce-rounds 1001
    migrate_set_parameter announce-rounds 3
    migrate_set_parameter announce-step 0
    migrate_set_parameter announce-step 10001
    migrate_set_parameter announce-step 7
    migrate_set_parameter block-bitmap-mapping x
    migrate_set_parameter bogus 1
    info migrate_parameters
"""

#: Choosing among a PC's mice, and keys for sendkey.
_INPUT = """
    info mice
    mouse_set 0
    mouse_set 1
    mouse_set 3
    mouse_set 4
    mouse_set 5
    mouse_set 6
    info mice
    mouse_set 2
    info mice
    mouse_set 5
    info mice
    sendkey x
    sendkey ctrl-alt-delete
    sendkey ctrl-alt-bogus
    sendkey 0x1c
    sendkey 0x1g
    sendkey 0x
    sendkey <
    sendkey a-<
    sendkey x 100
    sendkey -x
    sendkey x-
    sendkey 0X1c
"""

#: User-created objects from text: types read by keyval, QEMU's checks.
_OBJECTS = """
    object_add memory-backend-ram,id=mem1,size=256M
    object_add memory-backend-ram,id=mem1,size=256M
    object_add memory-backend-ram,id=mem2,size=x
    object_add memory-backend-ram,id=mem3,size=1M,share=maybe
    object_add memory-backend-ram,id=mem4,size=1M,share=on,prealloc-threads=x
    object_add memory-backend-ram,id=mem5
    object_add memory-backend-ram,size=1M
    object_add memory-backend-ram,id=m6,size=1M,bogus=1
    object_add bogus-type,id=x
    object_add id=x
    object_add help
    object_add secret,id=s1,data=abc
    object_add secret,id=s2
    object_add memory-backend-ram,id=m7,size=1M,host-nodes=0
    object_add memory-backend-ram,id=m8,size=-1
    object_add iothread,id=io2,poll-max-ns=99999999999999999999
    object_add memory-backend-ram,id=m9,size=1M,policy=bogus
    object_add memory-backend-ram,id=m10,size=1M,x-use-canonical-path-for-ramblock-id=yes
    object_add {"qom-type":"secret","id":"s3","data":"x"}
    object_del mem1
    object_del mem1
    object_del s1
"""

#: Remote displays and servers the null machine does not run.
_DISPLAYS = """
    set_password vnc secret
    set_password spice secret
    set_password bogus secret
    set_password vnc secret -d 0
    set_password vnc secret keep
    expire_password vnc never
    expire_password spice now
    expire_password bogus now
    client_migrate_info spice localhost 5900
    client_migrate_info vnc localhost 5900
    client_migrate_info bogus localhost
    nbd_server_stop
    ringbuf_write nope x
    ringbuf_read nope 10
    chardev-remove nope
    chardev-send-break nope
"""

#: QOM properties set from text and from JSON.
_QOM_SET = """
    qom-set /machine initrd test
    qom-set /machine bogus 1
    qom-set /nope initrd x
    qom-set /machine dump-guest-core off
    qom-set /machine dump-guest-core maybe
    qom-set -j /machine dump-guest-core false
    qom-set -j /machine dump-guest-core "no"
    qom-set -j /machine initrd "x
    qom-set -j /machine initrd {"a": 1}
    qom-set /machine type x
    qom-set /machine mem-merge on
    qom-set /machine kernel
"""

#: print's formats and expressions.
_PRINT = """
    print 0
    print /x 0
    print /o 0
    print /o 8
    print /x 255
    print /u -1
    print /d -1
    print /c 65
    print /c 10
    print /c 0x27
    print /c 200
    p 1+2*3
    p /x 0xffffffffffffffff
"""


def _info_lines() -> tuple[bytes, ...]:
    """``info X`` for every sub-command whose answer is the same from run to run."""
    names = (
        "balloon block block-jobs blockstats capture cpus dirty_rate dump history"
        " hotpluggable-cpus iothreads irq jit kvm lapic mem memdev memory-devices"
        " memory_size_summary mice migrate migrate_capabilities migrate_parameters mtree"
        " name network numa opcount pci pic profile qtree ramblock rdma roms registers"
        " replay rocker rocker-of-dpa-flows rocker-of-dpa-groups rocker-ports sev sgx"
        " snapshots spice stats status sync-profile tlb tpm trace-events usb usbhost"
        " usernet uuid"
        " vcpu_dirty_limit version virtio virtio-queue-element virtio-queue-status"
        " virtio-status virtio-vhost-queue-status vm-generation-id vnc"
    )
    return tuple(f"info {name}".encode() for name in names.split())


_ARGUMENTED_INFO = """
    info rocker sw1
    info rocker-ports sw1
    info rocker-of-dpa-flows sw1
    info rocker-of-dpa-groups sw1 2
    info stats vm
    info stats bogus
    info virtio-status /machine
    info virtio-queue-status /machine 0
    info virtio-queue-element /machine 0 1
    info virtio-vhost-queue-status /machine 0
    info lapic 0
    info registers -a
"""

TABLE_CASES: list[Case] = [
    Case(
        "test_hmp",
        "test-hmp.c's commands on the null machine",
        _lines(_TEST_HMP),
        kind="hmc",
        args=("-S",),
    ),
    Case(
        "null_machine",
        "commands over what the null machine lacks",
        _lines(_NULL_MACHINE),
        kind="hmc",
    ),
    Case("print", "print's formats", _lines(_PRINT), kind="hmc"),
    Case("log", "log items and log files", _lines(_LOG), kind="hmc"),
    Case("trace", "trace events", _lines(_TRACE), kind="hmc"),
    Case("objects", "object_add and object_del", _lines(_OBJECTS), kind="hmc"),
    Case("qom_set", "qom-set with and without -j", _lines(_QOM_SET), kind="hmc"),
    Case("displays", "passwords, NBD, chardevs that are not there", _lines(_DISPLAYS), kind="hmc"),
    Case(
        "input",
        "mouse_set and sendkey on a PC with USB input devices",
        _lines(_INPUT),
        kind="hmc",
        args=(
            "-M",
            "pc",
            "-S",
            *_devices("piix3-usb-uhci", "usb-kbd", "usb-tablet", "usb-mouse"),
        ),
    ),
    Case(
        "migrate_set_parameter",
        "every migration parameter, good values and bad",
        _lines(_MIGRATE_SET_PARAMETER),
        kind="hmc",
    ),
    Case("info", "every info sub-command on the null machine", _info_lines(), kind="hmc"),
    Case(
        "info_arguments", "info sub-commands with arguments", _lines(_ARGUMENTED_INFO), kind="hmc"
    ),
]


def _bare_commands() -> tuple[bytes, ...]:
    """Every command alone, and with a stray word: QEMU's argument errors for each spec.

    Left out: what ends the session (quit), prints a listing other cases
    have (help, info), or, with its arguments all optional, acts on state
    qmonitor does not model.
    """
    data = Path(__file__).resolve().parents[1] / "src" / "qmonitor" / "machine" / "hmp_help.json"
    names = [entry[0].split("|")[0] for entry in json.loads(data.read_text())["commands"]]
    skip = {
        "quit", "help", "info", "stop", "cont", "system_reset", "system_powerdown",
        "nbd_server_stop", "migrate_cancel", "announce_self", "savevm", "qom-list",
        "sync-profile", "singlestep", "gdbserver", "exit_preconfig",
        # An empty option list reaches QMP commands qmonitor lacks or another
        # area models (device_add).
        "device_add", "netdev_add",
    }  # fmt: skip
    lines: list[bytes] = []
    for name in names:
        if name in skip:
            continue
        lines.append(name.encode())
    for name in ("stop", "cont", "nmi", "system_wakeup", "migrate_pause", "x_colo_lost_heartbeat"):
        lines.append(f"{name} extra".encode())
    return tuple(lines)


TABLE_CASES.append(
    Case("bare", "every command without its arguments", _bare_commands(), kind="hmc")
)


#: Memory, ports and boot order of a PC whose guest never ran.
_PC = """
    xp /16x 0
    xp /4xg 0
    xp /3d 0
    xp /5c 0xffff0
    xp /8xb 0xffff0
    xp /2o 0xffff0
    xp /2u 0xffff0
    xp /2d 0xfffffff0
    xp /2x 0xa0000
    xp /2x 0xfec00000
    xp /2x 0x10000000
    xp /2xw 0x7fffffc
    xp /2xw 0x7fffffe
    x /4x 0x100
    x /2xh 0xffff0
    x /3uh 0xffff0
    x /2dg 0xffff0
    sum 0 512
    sum 0xffff0 16
    sum 0x10000000 16
    gva2gpa 0
    gva2gpa 0x1234
    gpa2hpa 0x10000000
    nmi
    i 0x70
    o 0x70 0x0a
    i 0x71
    boot_set ndc
    o 0x70 0x3d
    i 0x71
    o 0x70 0x38
    i 0x71
    boot_set cd
    o 0x70 0x3d
    i 0x71
    boot_set cc
    boot_set z
    boot_set e
    boot_set abcd
    info sgx
    info numa
"""

TABLE_CASES.append(
    Case(
        "pc",
        "a PC's memory, ports and boot order",
        _lines(_PC),
        kind="hmc",
        args=("-M", "pc", "-S", "-m", "128"),
    )
)

#: Info sub-commands left out on a PC: thread ids and the memory tree differ
#: from run to run; the rest print queries whose PC answers (interrupt
#: counts, TCG statistics, PCI and qdev trees, RAM blocks, ROMs, the
#: interrupt controllers' state) qmonitor does not model.
_PC_UNMODELLED = frozenset(
    (b"cpus", b"mtree", b"irq", b"jit", b"pci", b"pic", b"qtree", b"ramblock", b"roms")
)

TABLE_CASES.append(
    Case(
        "info_pc",
        "the info sub-commands whose answers qmonitor models on a PC that never ran",
        tuple(line for line in _info_lines() if line.split()[1] not in _PC_UNMODELLED),
        kind="hmc",
        args=("-M", "pc", "-S", "-m", "128"),
    )
)


COMMAND_CASES.append(
    Case(
        "preconfig",
        "before the machine is built: only preconfig commands, in help, completion and use",
        (
            b"help\r",
            b"info\r",
            b"help stop\r",
            b"help info cpus\r",
            b"help info status\r",
            b"stop\r",
            b"info cpus\r",
            b"info status\r",
            b"s\t",
            b"\x05\x17\rinfo v\t",
            b"\x05\x17\x17\rexit_preconfig\r",
            b"help stop\r",
            b"info cpus\r",
        ),
        args=("--preconfig",),
    )
)


#: chardev-remove and friends on the command line's chardevs (not in the
#: chardev theme, whose sessions all list the chardevs first).
COMMAND_CASES.append(
    Case(
        "chardev_remove",
        "chardev-remove of a monitor's chardev and of an unused one; breaks, ringbufs",
        _typed(
            "chardev-remove compat_monitor0",
            "chardev-send-break n1",
            "chardev-send-break compat_monitor0",
            "ringbuf_write n1 x",
            "ringbuf_read compat_monitor0 4",
            "chardev-remove n1",
            "info chardev",
            "chardev-remove n1",
        ),
        args=("-chardev", "null,id=n1"),
        process=True,
    )
)


#: Sessions added to the ``completion`` theme: arguments that complete.
COMPLETION_CASES: list[Case] = [
    Case(
        "arguments",
        "commands that complete their arguments: keys, capabilities, events, types",
        (
            b"sendkey ctrl-al\t",
            b"\t",
            b"\r",
            b"sendkey \t",
            b"\x05\x17\r",
            b"watchdog_action p\t",
            b"\r",
            b"watchdog_action \t",
            b"\r",
            b"migrate_set_capability postcopy-\t",
            b"\r",
            b"migrate_set_capability xbzrle o\t",
            b"\r",
            b"migrate_set_parameter max-\t",
            b"\r",
            b"migrate_set_parameter x\t",
            b"\r",
            b"trace-event qemu_mutex_\t",
            b"\r",
            b"trace-event qemu_mutex_lock o\t",
            b"\r",
            b"trace-event \t",
            b"\x05\x17\r",
            b"object_add memory-backend-\t",
            b"\r",
            b"netdev_add vhost-\t",
            b"\x05\x17\x17\x17\r",
            b"netdev_add \t",
            b"\x05\x17\x17\x17\r",
            b"set_link foo o\t",
            b"\r",
            b"delvm \t",
            b"\r",
            b"netdev_del \t",
            b"\r",
            b"x \t",
            b"\r",
            b"sendkey a b\t",
            b"\r",
        ),
        quiet=0.5,
    ),
    Case(
        "files_and_drives",
        "file names complete from the directory; block device names from none",
        (
            b"logfile \t",
            b"\x05\x17\x17\r",
            b"dumpdtb h\t",
            b"\x05\x17\x17\r",
            b"screendump /dev/nul\t",
            b"\x05\x17\x17\x17\x17\r",
            b"logfile ./\t",
            b"\x05\x17\x17\x17\r",
            b"logfile nope/\t",
            b"\x05\x17\x17\x17\r",
            b"dump-guest-memory -p h\t",
            b"\x05\x17\x17\x17\r",
            b"block_resize \t",
            b"\x05\x17\r",
            b"change \t",
            b"\x05\x17\r",
        ),
        process=True,
    ),
    Case(
        "chardevs_and_objects",
        "chardev and object ids complete from what the command line made",
        (
            b"chardev-remove \t",
            b"\r",
            b"chardev-send-break n\t",
            b"\r",
            b"ringbuf_write \t",
            b"\r",
            b"chardev-add \t",
            b"\r",
            b"object_add secret,id=sec0,data=x\r",
            b"object_del \t",
            b"\r",
        ),
        args=("-chardev", "null,id=n1", "-chardev", "null,id=n2"),
        process=True,
    ),
]
