"""The HMP cases tools/record_hmp.py records from QEMU, theme by theme.

:data:`THEMES` maps each theme (one file, tests/golden/hmp/THEME.json) to
its :class:`~qmonitor_testsupport.hmp_golden.Case` list; the kinds of case
(``socket``, ``hmc``) and the marks ``qemu_table`` and ``process`` are
described in tools/record_hmp.py, which imports this module as its
neighbour in tools/.  Only the recorder reads the cases: tests replay the
recorded files.
"""

from __future__ import annotations

from qmonitor_testsupport.hmp_golden import Case

UP, DOWN, RIGHT, LEFT = b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D"


def _typed(*lines: str) -> tuple[bytes, ...]:
    return tuple(line.encode() + b"\r" for line in lines)


def _devices(*drivers: str) -> tuple[str, ...]:
    """``-device DRIVER`` for each driver."""
    return tuple(arg for driver in drivers for arg in ("-device", driver))


THEMES: dict[str, list[Case]] = {
    "editing": [
        Case("type_enter", "typing a command redraws from the line start", _typed("info status")),
        Case(
            "backspace",
            "Backspace (DEL and Ctrl-H), also at the start of the line",
            (b"abc", b"\x7f", b"\x08", b"\x7f\x7f\x7f", b"zy\r"),
        ),
        Case(
            "cursor_keys",
            "Left/Right move, insert in the middle, Right stops at the end",
            (b"abcd", LEFT + LEFT, b"X", RIGHT, b"Y", RIGHT * 4, LEFT * 9, b"Z", b"\r"),
        ),
        Case(
            "home_end",
            "Ctrl-A/E, ESC[1~ ESC[4~, ESC O H / ESC O F; ESC[H is not Home",
            (
                b"abc",
                b"\x1b[1~",
                b"\x1b[4~",
                b"\x1bOH",
                b"\x1bOF",
                b"\x01",
                b"\x05",
                b"\x1b[H",
                b"\r",
            ),
        ),
        Case(
            "delete",
            "Ctrl-D and ESC[3~ delete under the cursor, nothing at the end",
            (b"abcd", b"\x01", b"\x04", b"\x1b[3~", b"\x05\x04", b"\x1b[3~", b"\r"),
        ),
        Case(
            "ctrl_w",
            "Ctrl-W deletes the word before the cursor",
            (b"a b  c", b"\x17", b"\x17", b"\x17", b"\x17", b"one two", LEFT * 2, b"\x17", b"\r"),
        ),
        Case(
            "ctrl_w_leading_blanks", "Ctrl-W over blanks at the start", (b"   ab  ", b"\x17", b"\r")
        ),
        Case("ctrl_l", "Ctrl-L clears the screen and redraws", (b"ab", LEFT, b"\x0c", b"\r")),
        Case(
            "unbound_control_keys",
            "QEMU 7.2 binds no Ctrl-K, Ctrl-U, Ctrl-N, Ctrl-P, Ctrl-B, Ctrl-F ...",
            (
                b"ab",
                b"\x0b",
                b"\x15",
                b"\x0e",
                b"\x10",
                bytes([2, 3, 6, 7, 0x0F, 0x11, 0x12, 0x13, 0x14, 0x16, 0x18, 0x19, 0x1A]),
                bytes([0x1C, 0x1D, 0x1E, 0x1F, 0]),
                b"\r",
            ),
        ),
        Case(
            "escapes_split",
            "escape sequences cut in half across reads",
            (b"abc", b"\x1b", b"[", b"D", b"\x1b[", b"3", b"~", b"\x1bO", b"H", b"\r"),
        ),
        Case(
            "escapes_unknown",
            "ESC + other byte, CSI with ';', unknown CSI and SS3 finals, ESC ESC",
            (
                b"\x1bxy",
                b"\x1b[12;5Az",
                b"\x1b[99~w",
                b"\x1b[Zq",
                b"\x1bOxr",
                b"\x1b\x1b[D",
                b"\x1b[2~",
                b"\r",
            ),
        ),
        Case(
            "csi_8bit",
            "0x9B starts a CSI sequence",
            (b"abc", b"\x9bD", b"\x9b3~", b"\x9b1~", b"\r"),
        ),
        Case("csi_up_aliases", "ESC[F is Up and ESC[E is Down", (b"one\r", b"\x1b[F", b"\x1b[E")),
        Case(
            "enter_variants",
            "CR, LF, CR LF (two lines), LF CR",
            (b"info name\r", b"info name\n", b"info name\r\n", b"\n\r", b"\r\r"),
            args=("-name", "vm1"),
        ),
        Case(
            "high_bytes",
            "bytes >= 0x80 are text, invalid UTF-8 included",
            (b"\xc3\xa9\xff\x80", LEFT, b"\x01\xfe", b"\r"),
        ),
        Case(
            "nul_and_controls_in_line",
            "NUL and other control bytes never enter the line",
            (b"in\x00fo\x7f\x7fo na\x1bme", b"\r"),
        ),
        Case(
            "long_line",
            "at most 4095 typed bytes; one more fits when typed before the end",
            (b"x" * 4094, b"yz", b"\x01Q", b"\x05\x7f", b"W\r", UP, b"\r"),
            quiet=1.0,
        ),
        Case(
            "long_line_one_chunk",
            "a 5000-byte line sent at once",
            (b"info " + b"s" * 4995, b"\r"),
            quiet=1.0,
        ),
    ],
    "history": [
        Case(
            "up_down", "Up and Down walk the history", (b"one\r", b"two\r", *[UP] * 3, *[DOWN] * 3)
        ),
        Case("empty_history", "Up and Down with no history", (UP, DOWN, b"\x10", b"\r")),
        Case(
            "dedup",
            "a line entered again moves to the end",
            (*_typed("info name", "info uuid", "info name"), b"info history\r"),
        ),
        Case(
            "recall_and_edit",
            "an edited recalled line is a new entry",
            (b"aa\r", b"bb\r", UP, b"\x7f", b"x\r", b"info history\r", UP, UP, UP, UP),
        ),
        Case(
            "empty_line_keeps_position",
            "an empty line leaves the history position where it was",
            (b"a\r", b"b\r", b"c\r", UP, UP, b"\x7f", b"\r", UP, DOWN, DOWN),
        ),
        Case(
            "bounded",
            "64 entries at most, the oldest go first",
            (*[f"c{i}\r".encode() for i in range(70)], b"info history\r", UP, UP),
        ),
        Case(
            "down_from_middle",
            "Down past the newest entry empties the line",
            (b"a\r", b"b\r", UP, UP, DOWN, DOWN, DOWN, b"typed", UP, DOWN),
        ),
    ],
    "completion": [
        Case(
            "unique_info_sub",
            "a unique completion is typed in with a space after it",
            (b"info statu\t", b"\r"),
        ),
        Case(
            "two_info_subs",
            "several candidates: listed in columns, then the prompt and the line",
            (b"info re\t", b"\t", b"g\t", b"\r"),
        ),
        Case(
            "nothing_after_command",
            "nothing to complete after a command without arguments",
            (b"info status \t", b"stop \t", b"\r"),
        ),
        Case(
            "help_info_sub",
            "help completes commands, help info completes info sub-commands",
            (b"help info re\t", b"\t", b"\x05\x17\x17\x17", b"? info statu\t", b"\r"),
        ),
        Case("unknown_prefix", "no candidate: nothing happens", (b"zzz\t", b"info zz\t", b"\r")),
        Case(
            "cursor_in_middle",
            "completion looks at the text before the cursor",
            (b"info statusx", LEFT, b"\t", b"\r"),
        ),
        Case(
            "bad_quote",
            "a bad quote stops completion (and is reported on stdout)",
            (b'help "info\t', b'\x01\x04"\t', b"\r"),
        ),
        Case(
            "too_many_words",
            "more than 16 words: no completion",
            (b"help a b c d e f g h i j k l m n o p q\t", b"\x17\x17\t", b"\r"),
        ),
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
        Case(
            "empty_line",
            "Tab on an empty line lists every command",
            (b"\t", b"i\t", b"\x7f", b"s\t", b"\r"),
            qemu_table=True,
        ),
        Case(
            "info_listing",
            "info and help completions list QEMU's tables",
            (b"info \t", b"\x05\x7f\x7f\x7f\x7f\x7fhelp \t", b" info s\t", b"\r"),
            qemu_table=True,
        ),
        Case(
            "common_prefix",
            "the common prefix of the candidates is typed in",
            (b"sys\t", b"\x17info m\t", b"\x17d\t", b"\r"),
            qemu_table=True,
        ),
        Case(
            "listing",
            "help and info list the whole tables",
            (b"help\r", b"info\r"),
            qemu_table=True,
            reference_only=True,
        ),
    ],
    "commands": [
        Case(
            "info_basics",
            "info status/name/uuid/version",
            _typed("info status", "info name", "info uuid", "info version"),
            args=("-name", "guest-1", "-uuid", "12345678-1234-5678-9abc-def012345678"),
        ),
        Case("info_no_name", "info name without -name prints nothing", _typed("info name")),
        Case("info_kvm", "info kvm with -accel kvm", _typed("info kvm"), args=("-accel", "kvm")),
        Case(
            "run_state",
            "stop/cont/system_reset/system_powerdown and the status they leave",
            _typed(
                "info status",
                "cont",
                "info status",
                "s",
                "info status",
                "c",
                "stop",
                "system_reset",
                "info status",
                "system_powerdown",
                "c",
                "system_reset",
                "info status",
            ),
            args=("-S",),
        ),
        Case(
            "null_machine_info",
            "info sub-commands of a machine without CPU or devices",
            _typed(
                "info balloon",
                "info block-jobs",
                "info cpus",
                "info dump",
                "info iothreads",
                "info kvm",
                "info mem",
                "info tlb",
                "info mice",
                "info numa",
                "info replay",
                "info vm-generation-id",
                "info lapic",
                "info lapic 1",
                "info registers",
                "info registers -a",
                "info registers 3",
                "info registers 0xffffffff",
                "info registers -a 3",
            ),
        ),
        Case(
            "help_one",
            "help with a command, an alias, a sub-command",
            _typed(
                "help stop",
                "help q",
                "? c",
                "help help",
                "help ?",
                "help info status",
                "help info status x",
                "help stop x",
                "?  info  name",
                "help info lapic",
                "help info registers",
                'help "info" "version"',
            ),
        ),
        Case(
            "help_errors",
            "help with unknown words, bad quotes, too many words",
            _typed(
                "help bogus",
                "help info bogus",
                "help status",
                'help "info\\" status"',
                'help "info\\q"',
                'help "unterminated',
                "help a b c d e f g h i j k l m n o p q",
                "help a b c d e f g h i j k l m n o p",
                "help " + "x" * 1100,
            ),
        ),
        Case(
            "unknown_commands",
            "unknown names, leading blanks, the / separator, quotes in names",
            _typed(
                "bogus",
                "  bogus  x",
                "info bogus",
                "info/x",
                "stop/x",
                "info stat/us",
                'info "status"',
                '"info" status',
                "i\\x",
                "x" * 300,
                "info " + "y" * 300,
            ),
        ),
        Case(
            "extraneous",
            "extra words after commands that take none",
            _typed(
                "stop extra",
                "info status x",
                'cont extra "x',
                'info history "a',
                'stop "x"',
                'stop "',
                "system_reset   now   ",
                "info   status   x   ",
            ),
        ),
        Case(
            "integer_arguments",
            "QEMU's integer expressions and their errors",
            _typed(
                "info lapic 1+",
                "info lapic (1",
                "info lapic (1+2)*3",
                "info lapic 'a",
                "info lapic 'a'",
                "info lapic ''",
                "info lapic '",
                "info lapic $pc",
                "info lapic $",
                "info lapic 99999999999999999999",
                "info lapic 0xffffffffffffffff",
                "info lapic 0x100000000",
                "info lapic 0xffffffff",
                "info lapic -1",
                "info lapic 1/0",
                "info lapic 1%0",
                "info lapic 7/2*2%3",
                "info lapic @",
                "info lapic 0x",
                "info lapic 08",
                "info lapic 017",
                "info lapic 1 2",
                "info lapic ~0",
                "info lapic ~~5",
                "info lapic 5 )",
                "info lapic 1|2&3^4",
                "info lapic -(-3)",
                "info lapic ( 1 + 2 ) * 3",
                "info lapic 0x1g",
            ),
        ),
        Case(
            "option_arguments",
            "-x options: unknown ones, a dash alone, repeated",
            _typed(
                "info registers -b",
                "info registers --a",
                "info registers -",
                "info registers -a -a",
                "info registers -a5",
                "info registers 1 +",
                "info registers +",
                "info registers   -a   ",
            ),
        ),
        Case("quit", "quit closes the monitor", _typed("quit")),
        Case("quit_alias", "q is quit; what follows is not read", (b"q\rinfo status\r",)),
        Case(
            "typeahead",
            "several commands in one read",
            (b"info status\rstop\rinfo status\rcont\rinfo status\r",),
        ),
    ],
    "chardev": [
        Case(
            "info_chardev_kinds",
            "info chardev: socket, file, null, vc and a QMP socket; help and completion",
            (b"info chardev\r", b"help info chardev\r", b"info ch\t", b"\r"),
            args=(
                "-chardev",
                "null,id=n1",
                "-chardev",
                "file,id=f1,path=out.txt",
                "-chardev",
                "vc,id=v1",
                "-chardev",
                "socket,id=s1,path=s1.sock,server=on,wait=off",
                "-qmp",
                "unix:qmp.sock,server=on,wait=off",
                "-chardev",
                "socket,id=t1,host=127.0.0.1,port=47123,server=on,wait=off",
            ),
            process=True,
        ),
        Case(
            "info_chardev_mux",
            "a mux on stdio with a monitor: the mux and its base",
            _typed("info chardev"),
            args=("-chardev", "stdio,mux=on,id=c", "-mon", "chardev=c"),
            process=True,
        ),
        Case(
            "info_chardev_serial_mon",
            "-serial mon:stdio",
            _typed("info chardev"),
            args=("-serial", "mon:stdio"),
            process=True,
        ),
        Case(
            "info_chardev_monitor_stdio",
            "-monitor stdio: a second monitor",
            _typed("info chardev"),
            args=("-monitor", "stdio"),
            process=True,
        ),
        Case(
            "info_chardev_pty",
            "a pty is listed with its path",
            _typed("info chardev"),
            args=("-chardev", "pty,id=p1"),
            process=True,
        ),
        Case(
            "info_chardev_many",
            "twenty chardevs: the order of QEMU's grown hash table",
            _typed("info chardev"),
            args=tuple(a for i in range(20) for a in ("-chardev", f"null,id=dev{i}")),
            process=True,
        ),
    ],
    "arguments": [
        Case(
            "sizes",
            "o arguments (block_resize): suffixes, fractions, hex, limits",
            tuple(
                f"block_resize foo {size}".encode()
                for size in (
                    "10",
                    "10x",
                    "x",
                    "-1",
                    "1.5k",
                    "0x10",
                    "0x10k",
                    "0x1.5",
                    "1e3",
                    "1.5e3",
                    "99999999999T",
                    "9223372036854775807b",
                    "9223372036854775808b",
                    "18446744073709551616b",
                    "",
                    "1.",
                    ".5",
                    "1.k",
                    "5 k",
                    "0.5",
                    "1.5b",
                    "0x",
                    "2G",
                    "1t",
                    "8E",
                    "16E",
                )
            ),
            kind="hmc",
        ),
        Case(
            "size_values",
            "qemu_strtosz_MiB's values (migrate_set_parameter max-bandwidth, read back):"
            " rounding, fractions that round to 1, signs, hex, limits",
            tuple(
                line.encode()
                for size in (
                    "1.5",
                    "1.1k",
                    "0.7k",
                    "0.1k",
                    "0.9999999999999999k",
                    "0.99999999999999999999k",
                    "1.99999999999999999999",
                    "8191.9999999999999999T",
                    "+1M",
                    " 2k",
                    "1.",
                    "1.k",
                    "0x10",
                    "0x10k",
                    "1.5e3k",
                    "0.5b",
                    "1.0b",
                    "99999999999999999999",
                    "99999999999999999999k",
                    "-1",
                    "7.9999999999999999E",
                    "8E",
                )
                for line in (
                    f"migrate_set_parameter max-bandwidth {size}",
                    "info migrate_parameters",
                )
            ),
            kind="hmc",
        ),
        Case(
            "formats",
            "/ arguments (print): counts, letters, sizes, bad letters",
            tuple(
                s.encode()
                for s in (
                    "print 10",
                    "print /x 10",
                    "print/x 10",
                    "print /d -1",
                    "print /2x 10",
                    "print /q 10",
                    "print /xz 10",
                    "print /c 65",
                    "print /o 8",
                    "print /u -1",
                    "print /i 1",
                    "print /bx 300",
                    "print /hx -1",
                    "print",
                    "print /",
                    "print /x",
                    "print 7",
                    "print /d 7",
                    "print 7",
                )
            ),
            kind="hmc",
        ),
        Case(
            "options",
            "O arguments (device_add): implied driver, ids, bad quoting",
            tuple(
                s.encode()
                for s in (
                    "device_add",
                    "device_add foo",
                    "device_add foo,bar",
                    "device_add id=x!y,driver=foo",
                    "device_add foo,id=a,id=b",
                    "device_add foo,,x",
                    'device_add "foo',
                    "device_add foo extra",
                    'device_add "foo,id=q"',
                )
            ),
            kind="hmc",
            reference_only=True,
        ),
    ],
    "guest": [
        # A PC's guest, as libvirt starts it: its vCPUs (left in their reset
        # state by -S), CPU slots, balloon, mice and (no) drives.  process:
        # replayed against a qmonitor started with the case's command line.
        Case(
            "pc_vcpus",
            "info cpus/registers/lapic/mem/tlb, the cpu command, balloon, block, mice",
            _typed(
                "info cpus",
                "info hotpluggable-cpus",
                "info registers",
                "info registers -a",
                "info registers 1",
                "info registers 2",
                "info lapic",
                "info lapic 1",
                "info lapic 2",
                "info mem",
                "info tlb",
                "cpu 1",
                "info cpus",
                "info registers",
                "info lapic",
                "info mem",
                "cpu 2",
                "cpu -1",
                "cpu",
                "cpu 0x100000000",
                "info cpus",
                "info balloon",
                "info block",
                "info block -n -v",
                "info block ide0-hd0",
                "info blockstats",
                "info mice",
            ),
            args=("-M", "pc", "-cpu", "qemu64", "-smp", "2", "-m", "128", "-S", "-accel", "tcg"),
            process=True,
        ),
        Case(
            "q35_balloon",
            "a q35 guest with a balloon: its size in MiB",
            _typed(
                "info balloon", "info cpus", "info hotpluggable-cpus", "info mice", "info lapic"
            ),
            args=("-M", "q35", "-m", "1G", "-device", "virtio-balloon-pci,id=balloon0", "-S"),
            process=True,
        ),
        Case(
            "topology",
            "sockets of three cores: empty slots, APIC IDs with a gap",
            _typed(
                "info cpus",
                "info hotpluggable-cpus",
                "info lapic 3",
                "info lapic 4",
                "cpu 3",
                "info cpus",
                "info registers",
                "info lapic",
            ),
            args=("-M", "pc", "-smp", "4,sockets=2,cores=3,maxcpus=6", "-S"),
            process=True,
        ),
        Case(
            "dies",
            "a die-id in the CPU slots",
            _typed("info hotpluggable-cpus"),
            args=("-M", "pc", "-smp", "2,dies=2", "-S"),
            process=True,
        ),
        Case(
            "kvm",
            "under KVM the other CPUs are not halted and the APIC is an x2APIC",
            _typed("info registers -a", "info lapic 1", "info kvm"),
            args=("-M", "pc", "-smp", "2", "-accel", "kvm", "-S"),
            process=True,
        ),
        Case(
            "cpu_model",
            "a named CPU model with its stepping changed: EDX after reset",
            _typed("info registers", "info hotpluggable-cpus"),
            args=("-M", "pc", "-cpu", "Haswell-v2,stepping=7", "-S"),
            process=True,
        ),
        Case(
            "usb_mice",
            "USB input devices after the PS/2 mouse; keyboards take a number too",
            _typed("info mice"),
            args=(
                "-M",
                "pc",
                "-S",
                *_devices("piix3-usb-uhci", "usb-kbd", "usb-tablet", "usb-mouse"),
            ),
            process=True,
        ),
        Case(
            "virtio_mice",
            "virtio input devices on q35",
            _typed("info mice"),
            args=(
                "-M",
                "q35",
                "-S",
                *_devices("virtio-tablet-pci", "virtio-keyboard-pci", "virtio-mouse-pci"),
            ),
            process=True,
        ),
        Case(
            "null_machine",
            "the same commands on a machine without CPUs",
            _typed(
                "cpu 0",
                "info cpus",
                "info hotpluggable-cpus",
                "info block",
                "info blockstats",
                "info mice",
                "info lapic 0",
            ),
        ),
    ],
    "hmc": [
        Case(
            "outputs",
            "human-monitor-command returns what the command printed",
            tuple(
                s.encode()
                for s in (
                    "info status",
                    "info name",
                    "info history",
                    "help stop",
                    "help info status",
                    "bogus",
                    "info bogus",
                    "stop extra",
                    "info lapic 1+",
                    "info registers -",
                    'help "x',
                    "",
                    "   ",
                    "stop",
                    "info status",
                    "cont",
                    "info balloon",
                )
            ),
            kind="hmc",
            args=("-name", "foo"),
        ),
    ],
}


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

THEMES["table"] = [
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
    import json
    from pathlib import Path

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


THEMES["table"].append(
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

THEMES["table"].append(
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

THEMES["table"].append(
    Case(
        "info_pc",
        "the info sub-commands whose answers qmonitor models on a PC that never ran",
        tuple(line for line in _info_lines() if line.split()[1] not in _PC_UNMODELLED),
        kind="hmc",
        args=("-M", "pc", "-S", "-m", "128"),
    )
)


THEMES["commands"].append(
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
THEMES["commands"].append(
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
