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


# QEMU 7.2's whole command table, in a module of its own.
from hmp_cases_table import COMMAND_CASES, COMPLETION_CASES, TABLE_CASES  # noqa: E402

THEMES["table"] = TABLE_CASES
THEMES["commands"] += COMMAND_CASES
THEMES["completion"] += COMPLETION_CASES
