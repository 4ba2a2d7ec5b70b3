"""The argument specs of QEMU 7.2's HMP commands, and the tables built from them.

QEMU's commands are known by name here; what ``help`` prints of each (its
``params`` and ``help`` texts) is recorded from QEMU 7.2 by
``tools/record_hmp.py --help-table`` into hmp_help.json beside this file,
in QEMU's order.  :data:`ARGS_TYPES` and :data:`INFO_ARGS_TYPES` hold the
``args_type`` string each command's arguments are parsed by (the types
are described in :mod:`qmonitor.monitor.hmp_args`).  :func:`build_table`
puts the three together with the handlers a table is given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from qmonitor.monitor.hmp_table import HMPCommand, HmpCompleter, HmpHandler

__all__ = ["ARGS_TYPES", "INFO_ARGS_TYPES", "HelpEntry", "build_table", "help_entries"]

#: The recorded listings, package data.
HELP_FILE = os.path.join(os.path.dirname(__file__), "hmp_help.json")

#: Top-level commands (hmp-commands.hx): name with aliases -> args_type.
ARGS_TYPES: dict[str, str] = {
    "announce_self": "interfaces:s?,id:s?",
    "balloon": "value:M",
    "block_job_cancel": "force:-f,device:B",
    "block_job_complete": "device:B",
    "block_job_pause": "device:B",
    "block_job_resume": "device:B",
    "block_job_set_speed": "device:B,speed:o",
    "block_resize": "device:B,size:o",
    "block_set_io_throttle": "device:B,bps:l,bps_rd:l,bps_wr:l,iops:l,iops_rd:l,iops_wr:l",
    "block_stream": "device:B,speed:o?,base:s?",
    "boot_set": "bootdevice:s",
    "calc_dirty_rate": "dirty_ring:-r,dirty_bitmap:-b,second:l,sample_pages_per_GB:l?",
    "cancel_vcpu_dirty_limit": "cpu_index:l?",
    "change": "device:B,force:-f,target:F,arg:s?,read-only-mode:s?",
    "chardev-add": "args:s",
    "chardev-change": "id:s,args:s",
    "chardev-remove": "id:s",
    "chardev-send-break": "id:s",
    "client_migrate_info": "protocol:s,hostname:s,port:i?,tls-port:i?,cert-subject:s?",
    "closefd": "fdname:s",
    "commit": "device:B",
    "cont|c": "",
    "cpu": "index:i",
    "delvm": "name:s",
    "device_add": "device:O",
    "device_del": "id:s",
    "drive_add": "node:-n,pci_addr:s,opts:s",
    "drive_backup": "reuse:-n,full:-f,compress:-c,device:B,target:s,format:s?",
    "drive_del": "id:B",
    "drive_mirror": "reuse:-n,full:-f,device:B,target:s,format:s?",
    "dump-guest-memory": (
        "paging:-p,detach:-d,windmp:-w,zlib:-z,lzo:-l,snappy:-s,filename:F,begin:l?,length:l?"
    ),
    "dumpdtb": "filename:F",
    "eject": "force:-f,device:B",
    "exit_preconfig": "",
    "expire_password": "protocol:s,time:s,display:-ds",
    "gdbserver": "device:s?",
    "getfd": "fdname:s",
    "gpa2hpa": "addr:l",
    "gpa2hva": "addr:l",
    "gva2gpa": "addr:l",
    "help|?": "name:S?",
    "hostfwd_add": "arg1:s,arg2:s?",
    "hostfwd_remove": "arg1:s,arg2:s?",
    "i": "fmt:/,addr:i,index:i.",
    "info": "item:s?",
    "loadvm": "name:s",
    "log": "items:s",
    "logfile": "filename:F",
    "mce": "broadcast:-b,cpu_index:i,bank:i,status:l,mcg_status:l,addr:l,misc:l",
    "memsave": "val:l,size:i,filename:s",
    "migrate": "detach:-d,blk:-b,inc:-i,resume:-r,uri:s",
    "migrate_cancel": "",
    "migrate_continue": "state:s",
    "migrate_incoming": "uri:s",
    "migrate_pause": "",
    "migrate_recover": "uri:s",
    "migrate_set_capability": "capability:s,state:b",
    "migrate_set_parameter": "parameter:s,value:s",
    "migrate_start_postcopy": "",
    "mouse_button": "button_state:i",
    "mouse_move": "dx_str:s,dy_str:s,dz_str:s?",
    "mouse_set": "index:i",
    "nbd_server_add": "writable:-w,device:B,name:s?",
    "nbd_server_remove": "force:-f,name:s",
    "nbd_server_start": "all:-a,writable:-w,uri:s",
    "nbd_server_stop": "",
    "netdev_add": "netdev:O",
    "netdev_del": "id:s",
    "nmi": "",
    "o": "fmt:/,addr:i,val:i",
    "object_add": "object:S",
    "object_del": "id:s",
    "pcie_aer_inject_error": (
        "advisory_non_fatal:-a,correctable:-c,id:s,error_status:s,"
        "header0:i?,header1:i?,header2:i?,header3:i?,prefix0:i?,prefix1:i?,prefix2:i?,prefix3:i?"
    ),
    "pmemsave": "val:l,size:i,filename:s",
    "print|p": "fmt:/,val:l",
    "qemu-io": "qdev:-d,device:B,command:s",
    "qom-get": "path:s,property:s",
    "qom-list": "path:s?",
    "qom-set": "json:-j,path:s,property:s,value:S",
    "quit|q": "",
    "replay_break": "icount:l",
    "replay_delete_break": "",
    "replay_seek": "icount:l",
    "ringbuf_read": "device:s,size:i",
    "ringbuf_write": "device:s,data:s",
    "savevm": "name:s?",
    "screendump": "filename:F,format:-fs,device:s?,head:i?",
    "sendkey": "keys:s,hold-time:i?",
    "set_link": "name:s,up:b",
    "set_password": "protocol:s,password:s,display:-ds,connected:s?",
    "set_vcpu_dirty_limit": "dirty_rate:l,cpu_index:l?",
    "singlestep": "option:s?",
    "snapshot_blkdev": "reuse:-n,device:B,snapshot-file:s?,format:s?",
    "snapshot_blkdev_internal": "device:B,name:s",
    "snapshot_delete_blkdev_internal": "device:B,name:s,id:s?",
    "stopcapture": "n:i",
    "stop|s": "",
    "sum": "start:i,size:i",
    "sync-profile": "op:s?",
    "system_powerdown": "",
    "system_reset": "",
    "system_wakeup": "",
    "trace-event": "name:s,option:b,vcpu:i?",
    "watchdog_action": "action:s",
    "wavcapture": "path:F,audiodev:s,freq:i?,bits:i?,nchannels:i?",
    "x": "fmt:/,addr:l",
    "x_colo_lost_heartbeat": "",
    "xp": "fmt:/,addr:l",
}

#: ``info`` sub-commands (hmp-commands-info.hx): name -> args_type.
INFO_ARGS_TYPES: dict[str, str] = {
    "balloon": "",
    "block": "nodes:-n,verbose:-v,device:B?",
    "block-jobs": "",
    "blockstats": "",
    "capture": "",
    "chardev": "",
    "cpus": "",
    "dirty_rate": "",
    "dump": "",
    "history": "",
    "hotpluggable-cpus": "",
    "iothreads": "",
    "irq": "",
    "jit": "",
    "kvm": "",
    "lapic": "apic-id:i?",
    "mem": "",
    "memdev": "",
    "memory-devices": "",
    "memory_size_summary": "",
    "mice": "",
    "migrate": "",
    "migrate_capabilities": "",
    "migrate_parameters": "",
    "mtree": "flatview:-f,dispatch_tree:-d,owner:-o,disabled:-D",
    "name": "",
    "network": "",
    "numa": "",
    "opcount": "",
    "pci": "",
    "pic": "",
    "profile": "",
    "qdm": "",
    "qom-tree": "path:s?",
    "qtree": "",
    "ramblock": "",
    "rdma": "",
    "registers": "cpustate_all:-a,vcpu:i?",
    "replay": "",
    "rocker": "name:s",
    "rocker-of-dpa-flows": "name:s,tbl_id:i?",
    "rocker-of-dpa-groups": "name:s,type:i?",
    "rocker-ports": "name:s",
    "roms": "",
    "sev": "",
    "sgx": "",
    "snapshots": "",
    "spice": "",
    "stats": "target:s,names:s?,provider:s?",
    "status": "",
    "sync-profile": "mean:-m,no_coalesce:-n,max:i?",
    "tlb": "",
    "tpm": "",
    "trace-events": "name:s?,vcpu:i?",
    "usb": "",
    "usbhost": "",
    "usernet": "",
    "uuid": "",
    "vcpu_dirty_limit": "",
    "version": "",
    "virtio": "",
    "virtio-queue-element": "path:s,queue:i,index:i?",
    "virtio-queue-status": "path:s,queue:i",
    "virtio-status": "path:s",
    "virtio-vhost-queue-status": "path:s,queue:i",
    "vm-generation-id": "",
    "vnc": "",
}


#: Commands available before the machine is built (``--preconfig``; the
#: ``p`` flag of hmp-commands.hx and hmp-commands-info.hx).
PRECONFIG: dict[str, frozenset[str]] = {
    "commands": frozenset(
        (
            "help|?", "quit|q", "exit_preconfig", "block_resize", "block_stream",
            "block_job_set_speed", "block_job_cancel", "block_job_complete",
            "block_job_pause", "block_job_resume", "netdev_add", "netdev_del",
            "object_add", "object_del", "nbd_server_start", "nbd_server_add",
            "nbd_server_remove", "nbd_server_stop", "getfd", "closefd",
            "block_set_io_throttle", "qom-list", "qom-get", "qom-set", "info",
        )
    ),
    "info": frozenset(
        (
            "version", "chardev", "history", "status", "name", "uuid", "qom-tree", "memdev",
            "iothreads", "hotpluggable-cpus", "virtio", "virtio-status", "virtio-queue-status",
            "virtio-vhost-queue-status", "virtio-queue-element",
        )
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class HelpEntry:
    """One line (or several) of QEMU's ``help``: name, params and help text."""

    name: str
    params: str
    help: str


_ENTRIES: dict[str, tuple[HelpEntry, ...]] = {}


def help_entries(table: str) -> tuple[HelpEntry, ...]:
    """The recorded entries of ``"commands"`` or ``"info"``, in QEMU's order."""
    if not _ENTRIES:
        with open(HELP_FILE, encoding="utf-8") as f:
            doc = json.load(f)
        for key in ("commands", "info"):
            _ENTRIES[key] = tuple(HelpEntry(*entry) for entry in doc[key])
    return _ENTRIES[table]


def build_table(
    table: str,
    handlers: Mapping[str, HmpHandler],
    sub_tables: Mapping[str, tuple[HMPCommand, ...]] | None = None,
    completions: Mapping[str, HmpCompleter] | None = None,
) -> tuple[HMPCommand, ...]:
    """The commands of ``table`` that have a handler, in QEMU's order.

    A command is named by its first name (``"stop"`` for ``stop|s``) in
    ``handlers``, ``sub_tables`` and ``completions``.
    """
    specs = ARGS_TYPES if table == "commands" else INFO_ARGS_TYPES
    cmds: list[HMPCommand] = []
    for entry in help_entries(table):
        key = entry.name.split("|", 1)[0]
        handler = handlers.get(key)
        if handler is None:
            continue
        sub = (sub_tables or {}).get(key)
        complete = (completions or {}).get(key)
        spec = specs[entry.name]
        early = entry.name in PRECONFIG[table]
        cmds.append(
            HMPCommand(entry.name, spec, entry.params, entry.help, handler, sub, complete, early)
        )
    return tuple(cmds)
