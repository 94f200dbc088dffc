"""Kernels written for other loaders: Multiboot 1 (ELF32, ELF64 with a
32-bit entry, the a.out kludge, gzip), Multiboot 2 and Limine (base
revisions 0-4), booted by wisp without a bootloader. The test kernels
(tests/guests/kboot/) check every field they were promised and say so on
the 0xE9 debug console; the verdict leaves through isa-debug-exit, so a
pass is status 33 ((0x10 << 1) | 1), exactly as under QEMU. Here the
host checks what only it knows: module bytes and strings, the screenshot,
the command line. Then QEMU's conventions (--debugcon, --isa-debug-exit,
--no-shutdown, --no-reboot), the bad headers of each protocol (one line,
status 121; these need no KVM), and kernels no one here wrote: Debian's
memtest86+ (a bzImage whose syssize rounds past the file's end) and GRUB
Invaders (a Multiboot kernel)."""
import os
import random
import re
import signal
import struct
import subprocess

import pytest

from conftest import (EXIT_BAD_KERNEL, EXIT_GUEST_HALTED, EXIT_TIMEOUT, EXIT_USAGE, GUESTS,
                      kvm_usable, read_image, run_wisp)
from linux_boot import find_kernel_dir

KB = GUESTS / "kboot"
PASS_STATUS = 33  # isa-debug-exit: (0x10 << 1) | 1
MEM = 64
FB = (800, 600)

needs_kvm = pytest.mark.skipif(not kvm_usable(), reason="no usable /dev/kvm on this host")


def kernel(name):
    path = KB / name
    assert path.exists(), f"{path} missing: run make guests"
    return path


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def one_line_error(result):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("wisp: "), lines[0]
    return lines[0]


@pytest.fixture
def modules(tmp_path):
    """Two modules: a text file with arguments, 10000 random bytes without."""
    m0 = tmp_path / "first.txt"
    m0.write_bytes(b"module zero\n")
    m1 = tmp_path / "second.bin"
    m1.write_bytes(random.Random(16).randbytes(10000))
    return [(m0, "arg=1 two"), (m1, None)]


def boot(path, tmp_path, modules=(), *extra, mem=MEM, cmdline_extra="", timeout=60,
         expect_mods=None):
    """Boots a test kernel with its expectations on the command line; returns
    the result, the debug console's text and the screenshot's path."""
    log = tmp_path / "debugcon.log"
    shot = tmp_path / "screen.png"
    mods = len(modules) if expect_mods is None else expect_mods
    cmdline = (f"expect_mem={mem} expect_mods={mods} fb_w={FB[0]} fb_h={FB[1]}"
               f"{cmdline_extra}")
    args = ["run", "-m", f"{mem}M", "--framebuffer", f"{FB[0]}x{FB[1]}", "--debugcon", log,
            "--isa-debug-exit", "--timeout", str(timeout), "--screenshot", shot,
            "--cmdline", cmdline]
    for m, margs in modules:
        args += ["--module", f"{m},{margs}" if margs else str(m)]
    r = run_wisp(*args, *extra, path, timeout=timeout + 30)
    text = log.read_text(errors="replace") if log.exists() else ""
    return r, text, shot


def assert_quadrants(shot):
    img = read_image(shot)
    assert img.size == FB
    assert img.getpixel((100, 100)) == (255, 0, 0)
    assert img.getpixel((700, 100)) == (0, 255, 0)
    assert img.getpixel((100, 500)) == (0, 0, 255)
    assert img.getpixel((700, 500)) == (255, 255, 255)


def assert_multiboot_modules(text, modules):
    for i, (m, margs) in enumerate(modules):
        data = m.read_bytes()
        string = f"{m} {margs}" if margs else str(m)
        line = f"module {i}: {len(data)} bytes fnv 0x{fnv1a(data):x} string '{string}'"
        assert line in text, f"{line!r} not in:\n{text}"


MULTIBOOT_KERNELS = ["multiboot1.elf", "multiboot1_elf64.elf", "multiboot1_aout.bin",
                     "multiboot1.elf.gz"]


@needs_kvm
@pytest.mark.parametrize("name", MULTIBOOT_KERNELS)
def test_multiboot1_kernel_gets_every_promised_field(tmp_path, modules, name):
    r, text, shot = boot(kernel(name), tmp_path, modules)
    assert r.returncode == PASS_STATUS, text + r.stderr
    assert "PASS: multiboot1" in text
    assert "check failed" not in text
    assert f"cmdline: 'expect_mem={MEM} expect_mods=2 fb_w=800 fb_h=600'" in text
    assert "loader: 'wisp'" in text
    assert_multiboot_modules(text, modules)
    assert_quadrants(shot)


@needs_kvm
def test_multiboot2_kernel_gets_every_requested_tag(tmp_path, modules):
    r, text, shot = boot(kernel("multiboot2.elf"), tmp_path, modules)
    assert r.returncode == PASS_STATUS, text + r.stderr
    assert "PASS: multiboot2" in text and "check failed" not in text
    assert "load base: 0x100000" in text
    assert_multiboot_modules(text, modules)
    assert_quadrants(shot)


@needs_kvm
@pytest.mark.parametrize("revision", [0, 1, 2, 3, 4])
def test_limine_kernel_gets_every_answer(tmp_path, modules, revision):
    r, text, shot = boot(kernel(f"limine_rev{revision}.elf"), tmp_path, modules)
    assert r.returncode == PASS_STATUS, text + r.stderr
    assert f"PASS: limine_rev{revision}" in text and "check failed" not in text
    assert "loader: 'wisp'" in text
    for i, (m, margs) in enumerate(modules):
        data = m.read_bytes()
        line = (f"module {i}: {len(data)} bytes fnv 0x{fnv1a(data):x} path '{m}' "
                f"cmdline '{margs or ''}'")
        assert line in text, f"{line!r} not in:\n{text}"
    assert_quadrants(shot)


@needs_kvm
@pytest.mark.parametrize("name, boot_name", [("multiboot1.elf", "multiboot"),
                                             ("multiboot2.elf", "multiboot2"),
                                             ("limine_rev3.elf", "limine")])
def test_explicit_boot_names_and_initrd_as_first_module(tmp_path, modules, name, boot_name):
    """--boot NAME works, and --initrd is the first module, before --module's."""
    initrd, _ = modules[0]
    r, text, _ = boot(kernel(name), tmp_path, modules[1:], "--boot", boot_name,
                      "--initrd", initrd, expect_mods=2)
    assert r.returncode == PASS_STATUS, text + r.stderr
    size = len(initrd.read_bytes())
    first = (f"module 0: {size} bytes fnv 0x{fnv1a(initrd.read_bytes()):x} "
             + (f"path '{initrd}' cmdline ''" if boot_name == "limine" else f"string '{initrd}'"))
    assert first in text, text
    assert f"module 1: {len(modules[1][0].read_bytes())} bytes" in text


@needs_kvm
def test_multiboot2_kernel_chooses_the_resolution(tmp_path):
    """Without --framebuffer, the framebuffer tag's width and height win."""
    data = bytearray(kernel("multiboot2.elf").read_bytes())
    off = mb2_header(data) + 16 + 48  # after the 44-byte information request
    assert struct.unpack_from("<HHI", data, off) == (5, 0, 20)
    struct.pack_into("<II", data, off + 8, 640, 480)
    k = tmp_path / "mb2-640x480.elf"
    k.write_bytes(bytes(data))
    log, shot = tmp_path / "d.log", tmp_path / "s.png"
    r = run_wisp("run", "-m", "64M", "--debugcon", log, "--isa-debug-exit", "--timeout", "60",
                 "--screenshot", shot, "--cmdline", "expect_mem=64 expect_mods=0 fb_w=640 fb_h=480",
                 k, timeout=90)
    assert r.returncode == PASS_STATUS, log.read_text() + r.stderr
    assert read_image(shot).size == (640, 480)


# ---- QEMU's conventions ----

@needs_kvm
def test_debugcon_stdio_shares_the_terminal(tmp_path):
    r = run_wisp("run", "-m", "64M", "--debugcon", "stdio", "--isa-debug-exit", "--timeout", "60",
                 "--cmdline", "expect_mem=64 expect_mods=0 fb_w=1024 fb_h=768",
                 kernel("multiboot1.elf"), timeout=90)
    assert r.returncode == PASS_STATUS, r.stdout + r.stderr
    assert "PASS: multiboot1" in r.stdout


@needs_kvm
@pytest.mark.parametrize("exit_args", [[], ["--isa-debug-exit=0x501,2"]])
def test_without_the_exit_port_the_kernel_halts(tmp_path, exit_args):
    """The kernel writes 0x10 to port 0xF4 and then halts with interrupts
    off: with no isa-debug-exit there (or one elsewhere) wisp sees the halt."""
    log = tmp_path / "d.log"
    r = run_wisp("run", "-m", "64M", "--debugcon", log, *exit_args, "--timeout", "60",
                 "--cmdline", "expect_mem=64 expect_mods=0", kernel("multiboot1.elf"),
                 timeout=90)
    # No verdict reached wisp: not a pass (status 119, not 0).
    assert r.returncode == EXIT_GUEST_HALTED, r.stderr
    assert "interrupts disabled" in r.stderr
    assert "PASS: multiboot1" in log.read_text()


@needs_kvm
def test_isa_debug_exit_cannot_take_a_devices_port(tmp_path):
    r = run_wisp("run", "--isa-debug-exit=0x3f8,4", "--timeout", "30", kernel("multiboot1.elf"),
                 timeout=60)
    assert r.returncode == EXIT_USAGE
    assert "port 0x3f8 is COM1's" in one_line_error(r)


@needs_kvm
@pytest.mark.parametrize("action, words", [(1, "guest powered off"), (2, "guest rebooted")])
def test_power_off_and_reset_end_wisp(tmp_path, action, words):
    r, text, _ = boot(kernel("multiboot1.elf"), tmp_path, (), "--no-reboot",
                      cmdline_extra=f" action={action}")
    assert r.returncode == 0, text + r.stderr
    assert words in r.stderr


@needs_kvm
@pytest.mark.parametrize("action", [1, 2])
def test_no_shutdown_keeps_wisp_until_the_timeout(tmp_path, action):
    r, text, shot = boot(kernel("multiboot1.elf"), tmp_path, (), "--no-shutdown",
                         cmdline_extra=f" action={action}", timeout=8)
    assert r.returncode == EXIT_TIMEOUT, text + r.stderr
    assert "--no-shutdown keeps wisp running" in r.stderr
    assert_quadrants(shot)  # the screen is still there to look at


# ---- bad headers: one line naming the problem, status 121 (no KVM) ----

def patched(tmp_path, name, offset_of, value, fmt="<I"):
    data = bytearray(kernel(name).read_bytes())
    struct.pack_into(fmt, data, offset_of(data), value)
    out = tmp_path / ("bad-" + name)
    out.write_bytes(bytes(data))
    return out


def mb1_header(data):
    for off in range(0, 8192, 4):
        if struct.unpack_from("<I", data, off)[0] == 0x1BADB002:
            return off
    raise AssertionError("no multiboot header")


def mb2_header(data):
    for off in range(0, 32768, 8):
        if struct.unpack_from("<I", data, off)[0] == 0xE85250D6:
            return off
    raise AssertionError("no multiboot2 header")


def limine_request(data, id3):
    off = data.find(struct.pack("<QQ", 0xc7b1dd30df4c8b88, 0x0a82e883a194f07b) +
                    struct.pack("<Q", id3))
    assert off >= 0
    return off


@pytest.mark.parametrize("name, where, value, fmt, words", [
    ("multiboot1.elf", lambda d: mb1_header(d) + 8, 0x12345678, "<I", "bad checksum"),
    ("multiboot1.elf", lambda d: mb1_header(d) + 4, 0x27, "<I", "bad checksum"),
    ("multiboot2.elf", lambda d: mb2_header(d) + 12, 0, "<I", "bad checksum"),
    # The information request's last type (21, load base) becomes 9 (ELF sections).
    ("multiboot2.elf", lambda d: mb2_header(d) + 16 + 8 + 8 * 4, 9, "<I",
     "requires boot information tag 9 (ELF sections)"),
    # The a.out kludge's header_addr/load_addr moved above -m's RAM.
    ("multiboot1_aout.bin", lambda d: mb1_header(d) + 12, 0x10000000, "<I", "load_addr"),
    # The Limine paging mode request's min_mode: 5-level only.
    ("limine_rev3.elf", lambda d: limine_request(d, 0x95c1a0edab0944cb) + 64, 1, "<Q",
     "5-level paging"),
    # The Limine entry point request pointing into the data segment.
    ("limine_rev3.elf", lambda d: limine_request(d, 0x13d86c035a1cd3e1) + 48,
     0xffffffff80003000, "<Q", "not inside an executable segment"),
])
def test_bad_headers_are_named(tmp_path, name, where, value, fmt, words):
    bad = patched(tmp_path, name, where, value, fmt)
    r = run_wisp("run", "-m", "64M", bad)
    assert r.returncode == EXIT_BAD_KERNEL, r.stderr
    line = one_line_error(r)
    assert str(bad) in line and words in line, line


def test_multiboot_header_that_requires_an_unknown_feature(tmp_path):
    def fix(d):
        off = mb1_header(d)
        flags = 0x7 | (1 << 7)
        struct.pack_into("<II", d, off + 4, flags, (-(0x1BADB002 + flags)) & 0xFFFFFFFF)
        return off + 4
    data = bytearray(kernel("multiboot1.elf").read_bytes())
    fix(data)
    bad = tmp_path / "mb-flag7.elf"
    bad.write_bytes(bytes(data))
    r = run_wisp("run", bad)
    assert r.returncode == EXIT_BAD_KERNEL
    assert "requires feature flag 0x0080" in one_line_error(r)


def test_aout_kludge_over_wisps_area(tmp_path):
    data = bytearray(kernel("multiboot1_aout.bin").read_bytes())
    off = mb1_header(data)
    header_addr, load_addr, load_end, bss_end, entry = struct.unpack_from("<5I", data, off + 12)
    delta = 0x100000 - 0x8000  # move everything to 0x8000
    struct.pack_into("<5I", data, off + 12, header_addr - delta, load_addr - delta,
                     load_end - delta, bss_end - delta, entry - delta)
    bad = tmp_path / "low.bin"
    bad.write_bytes(bytes(data))
    r = run_wisp("run", bad)
    assert r.returncode == EXIT_BAD_KERNEL
    assert "overlaps wisp's boot area" in one_line_error(r)


@pytest.mark.parametrize("name", ["multiboot1.elf", "multiboot2.elf", "limine_rev3.elf"])
def test_module_that_does_not_fit(tmp_path, name):
    big = tmp_path / "big.img"
    with open(big, "wb") as f:
        f.truncate(70 << 20)
    r = run_wisp("run", "-m", "64M", "--module", big, kernel(name))
    assert r.returncode == EXIT_BAD_KERNEL
    line = one_line_error(r)
    assert str(big) in line and "does not fit" in line, line


def test_truncated_gzip_kernel(tmp_path):
    data = kernel("multiboot1.elf.gz").read_bytes()
    bad = tmp_path / "cut.elf.gz"
    bad.write_bytes(data[:len(data) // 2])
    r = run_wisp("run", bad)
    assert r.returncode == EXIT_BAD_KERNEL
    line = one_line_error(r)
    assert "cut.elf.gz" in line and "gzip" in line, line


def test_elf32_without_a_multiboot_header(tmp_path):
    data = bytearray(kernel("multiboot1.elf").read_bytes())
    off = mb1_header(data)
    data[off:off + 4] = b"\0\0\0\0"
    bad = tmp_path / "plain32.elf"
    bad.write_bytes(bytes(data))
    r = run_wisp("run", bad)
    assert r.returncode == EXIT_BAD_KERNEL
    assert "32-bit ELF without a Multiboot 1 or 2 header" in one_line_error(r)


def test_wrong_explicit_protocol(tmp_path):
    r = run_wisp("run", "--boot", "multiboot2", kernel("multiboot1.elf"))
    assert r.returncode == EXIT_BAD_KERNEL
    assert "no Multiboot2 header" in one_line_error(r)
    r = run_wisp("run", "--boot", "limine", kernel("multiboot1.elf"))
    assert r.returncode == EXIT_BAD_KERNEL
    assert "ELF64" in one_line_error(r)


@pytest.mark.parametrize("args, words", [
    (["--isa-debug-exit=0xf4"], "--isa-debug-exit=0xf4"),
    (["--isa-debug-exit=0xf4,3"], "size 1, 2 or 4"),
    (["--module", ",x"], "no file name"),
    (["--boot", "multiboot3"], "--boot multiboot3"),
])
def test_bad_options(args, words):
    r = run_wisp("run", *args, "k.elf")
    assert r.returncode == EXIT_USAGE
    assert words in r.stderr


def test_modules_are_not_for_linux_or_native(tmp_path):
    m = tmp_path / "m"
    m.write_bytes(b"x")
    r = run_wisp("run", "--module", m, GUESTS / "hello.elf")
    assert r.returncode == EXIT_USAGE
    assert "--module" in one_line_error(r)


# ---- kernels no one here wrote ----

def kboot_kernel(name):
    return find_kernel_dir("WISP_KBOOT_KERNELS", "kboot-kernels", name,
                           "scripts/fetch-kboot-kernels.sh") / name


def test_memtest_bzimage_truncated_for_real_is_refused(tmp_path):
    data = kboot_kernel("memtest86+x64.bin").read_bytes()
    cut = tmp_path / "memtest-cut.bin"
    cut.write_bytes(data[:-16])  # 8 bytes of rounding + 16 bytes gone
    r = run_wisp("run", "--boot", "bzimage", cut)
    assert r.returncode == EXIT_BAD_KERNEL
    assert "truncated bzImage" in one_line_error(r)


@needs_kvm
def test_memtest_bzimage_whose_syssize_rounds_past_the_end_boots(tmp_path):
    """memtest86+ (Debian's memtest86+x64.bin) through the bzImage 64-bit
    entry: it reads console=ttyS0 from the command line in the zero page
    and clears its serial screen (ESC [2J) once it has measured the CPU and
    memory, which takes 15-30 s where guest memory accesses are emulated
    (the nested test VM); wisp is stopped as soon as that arrives."""
    from conftest import WISP
    p = subprocess.Popen([str(WISP), "run", "-m", "256M", "--timeout", "100", "--cmdline",
                          "console=ttyS0,115200", str(kboot_kernel("memtest86+x64.bin"))],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    seen = b""
    try:
        while b"\x1b[2J" not in seen:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    finally:
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
    assert b"truncated" not in err
    assert seen.startswith(b"\x1b[2J"), (seen[:200], err[-500:])
    assert p.returncode == 128 + signal.SIGTERM, err  # still running when stopped


@needs_kvm
def test_grub_invaders_multiboot_kernel_runs(tmp_path):
    """GRUB Invaders (Debian's grub-invaders): a Multiboot 1 ELF32 kernel
    that plays on the VGA text screen; it must load, be recognised and run
    until stopped, touching the CRT controller as it draws."""
    r = run_wisp("run", "-v", "--timeout", "5", kboot_kernel("invaders.exec"), timeout=60)
    assert r.returncode == EXIT_TIMEOUT, r.stderr[-2000:]
    assert "multiboot boot" in r.stderr
    assert re.search(r"port=0x3d[45]", r.stderr)
