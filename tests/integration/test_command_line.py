"""What a user sees from wisp's command line before any guest runs.
These need no /dev/kvm: arguments and kernel files are checked first."""
import os

import pytest

from conftest import (EXIT_BAD_KERNEL, EXIT_NO_ACCEL, EXIT_USAGE, kvm_usable,
                      run_wisp, guest)


def one_line_error(result):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("wisp: "), lines[0]
    return lines[0]


def test_help_lists_options_and_exit_codes():
    r = run_wisp("--help")
    assert r.returncode == 0
    for word in ["--memory", "--serial", "--screenshot", "--ascii", "--idle-exit",
                 "--timeout", "--debug", "--cpu-hide", "123 guest crashed"]:
        assert word in r.stdout


def test_version():
    r = run_wisp("--version")
    assert r.returncode == 0 and r.stdout.startswith("wisp ")


@pytest.mark.parametrize("args, words", [
    ([], "usage"),
    (["frobnicate"], "unknown command"),
    (["run"], "no kernel given"),
    (["run", "-m", "12X", "k.elf"], "not a memory size"),
    (["run", "-m", "-5", "k.elf"], "not a memory size"),
    (["run", "-m", "99999999999999999999G", "k.elf"], "not a memory size"),
    (["run", "--timeout", "soon", "k.elf"], "--timeout"),
    (["run", "--idle-exit", "-1", "k.elf"], "--idle-exit"),
    (["run", "--framebuffer", "big", "k.elf"], "--framebuffer"),
    (["run", "--no-such-option", "k.elf"], "unknown or incomplete option"),
    (["run", "a.elf", "b.elf"], "unexpected argument"),
    (["run", "--restore", "g.snap", "-S"], "-S (--gdb-wait) needs --gdb"),
    (["run", "--restore", "g.snap", "--step-history", "8", "-s"], "use one"),
    (["run", "--restore", "g.snap", "k.elf"], "a kernel cannot be given with it"),
])
def test_bad_arguments_exit_120_with_one_line(args, words):
    r = run_wisp(*args)
    assert r.returncode == EXIT_USAGE, r.stderr
    assert words in r.stderr


def test_missing_kernel_file(tmp_path):
    r = run_wisp("run", tmp_path / "nope.elf")
    assert r.returncode == EXIT_BAD_KERNEL
    line = one_line_error(r)
    assert "nope.elf" in line


def test_directory_is_not_a_kernel(tmp_path):
    r = run_wisp("run", tmp_path)
    assert r.returncode == EXIT_BAD_KERNEL
    one_line_error(r)


@pytest.mark.parametrize("content, words", [
    (b"", "ELF"),
    (b"#!/bin/sh\necho hi\n" * 10, "not an ELF"),
    (b"\x7fELF\x01\x01\x01" + b"\0" * 60, "32-bit"),
])
def test_malformed_kernels_are_named(tmp_path, content, words):
    k = tmp_path / "bad.elf"
    k.write_bytes(content)
    r = run_wisp("run", k)
    assert r.returncode == EXIT_BAD_KERNEL
    line = one_line_error(r)
    assert "bad.elf" in line and words in line


def test_truncated_real_guest(tmp_path):
    data = guest("hello").read_bytes()
    k = tmp_path / "half.elf"
    k.write_bytes(data[:len(data) // 3])
    r = run_wisp("run", k)
    assert r.returncode == EXIT_BAD_KERNEL
    one_line_error(r)


def test_memory_too_small_for_the_kernel_layout():
    r = run_wisp("run", "-m", "16M", guest("hello"))
    assert r.returncode == EXIT_USAGE
    assert "16 MiB" in one_line_error(r)


def test_memory_too_large():
    r = run_wisp("run", "-m", "8G", guest("hello"))
    assert r.returncode == EXIT_USAGE
    one_line_error(r)


def test_unknown_cpu_feature_is_refused():
    r = run_wisp("run", "--cpu-hide", "avx2,warp-drive", guest("hello"))
    if not kvm_usable() and r.returncode == EXIT_NO_ACCEL:
        # The policy is built from what KVM supports, after the kernel loads
        # (a PVM /dev/kvm, which the guest tests do not use, still opens).
        return
    assert r.returncode == EXIT_USAGE
    assert "warp-drive" in one_line_error(r)


def test_missing_accelerator_is_reported(tmp_path):
    r = run_wisp("run", guest("hello"),
                 env={**os.environ, "WISP_KVM_DEVICE": str(tmp_path / "kvm")})
    assert r.returncode == EXIT_NO_ACCEL
    line = one_line_error(r)
    assert str(tmp_path / "kvm") in line and "not found" in line


def test_unopenable_accelerator_is_reported(tmp_path):
    fake = tmp_path / "kvm"
    fake.write_text("not a device")
    r = run_wisp("run", guest("hello"), env={**os.environ, "WISP_KVM_DEVICE": str(fake)})
    assert r.returncode == EXIT_NO_ACCEL
    one_line_error(r)


def test_unwritable_serial_file(tmp_path):
    r = run_wisp("run", "--serial", tmp_path / "no" / "such" / "dir.log", guest("hello"))
    assert r.returncode == EXIT_USAGE
    one_line_error(r)
