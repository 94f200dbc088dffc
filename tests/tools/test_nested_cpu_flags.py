"""scripts/nested-kvm/cpu_flags.py reads the SVM global interrupt flag of
each CPU of a running QEMU from its memory, and sets it again. Checked on
real QEMU (TCG, the binary nested-kvm.sh runs) with a boot sector that
enters protected mode, enables SVM, loads marker values into the
registers and halts with interrupts on and the PICs masked: once after
CLGI (GIF clear: the CPU can never wake) and once without it; and
--set-gif on the first lets a waiting NMI in, as nested-kvm.sh's mend."""
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nested_qemu import nested_kvm_qemu

HERE = Path(__file__).resolve().parents[2] / "scripts" / "nested-kvm"
QEMU = nested_kvm_qemu()

sys.path.insert(0, str(HERE))
try:
    import cpu_flags  # the parsing and the sanity rule, tested without QEMU
finally:
    sys.path.pop(0)

BOOT_SECTOR = r"""
    .code16
    .globl _start
_start:
    cli
    lgdtl gdtr - _start + 0x7c00
    lidtl idtr - _start + 0x7c00
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $(pm - _start + 0x7c00)
    .code32
pm:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %ss
    movl $0x7000, %esp
    movl $0xc0000080, %ecx      /* EFER.SVME, so that CLGI is allowed */
    rdmsr
    orl $0x1000, %eax
    wrmsr
    movb $0xff, %al             /* no interrupt from the PICs: the halt lasts */
    outb %al, $0x21
    outb %al, $0xa1
    GIF_INSTRUCTION
    movl $0x1111aaaa, %eax
    movl $0x2222bbbb, %ecx
    movl $0x3333cccc, %edx
    movl $0x4444dddd, %ebx
    movl $0x6666ffff, %ebp
    movl $0x77770101, %esi
    movl $0x88880202, %edi
    sti
1:  hlt
    jmp 1b
nmi:                            /* an NMI taken: EDI says so */
    movl $0x99990303, %edi
2:  cli
    hlt
    jmp 2b
    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff
    .quad 0x00cf92000000ffff
idt:                            /* vector 2, the NMI: a 32-bit interrupt gate */
    .quad 0
    .quad 0
    .word nmi - _start + 0x7c00, 0x08, 0x8e00, 0
gdtr:
    .word 23
    .long gdt - _start + 0x7c00
idtr:
    .word 23
    .long idt - _start + 0x7c00
    .org 510
    .byte 0x55, 0xaa
"""


def boot_sector(tmp_path, gif_instruction):
    source = tmp_path / "boot.S"
    source.write_text(BOOT_SECTOR.replace("GIF_INSTRUCTION", gif_instruction))
    subprocess.run(["as", "--32", "-o", str(tmp_path / "boot.o"), str(source)], check=True)
    image = tmp_path / "boot.img"
    subprocess.run(["objcopy", "-O", "binary", "-j", ".text", str(tmp_path / "boot.o"),
                    str(image)], check=True)
    assert image.stat().st_size == 512
    return image


def monitor(path, command):
    return subprocess.run([sys.executable, str(HERE / "monitor.py"), str(path), command],
                          capture_output=True, text=True, check=True, timeout=30).stdout


@contextlib.contextmanager
def halted_qemu(tmp_path, gif_instruction):
    """QEMU running the boot sector, halted with the markers loaded: (its
    process, its monitor socket)."""
    image = boot_sector(tmp_path, gif_instruction)
    sock = tmp_path / "monitor"
    qemu = subprocess.Popen([QEMU, "-accel", "tcg", "-cpu", "max", "-m", "32",
                             "-display", "none", "-nodefaults", "-no-user-config",
                             "-drive", f"file={image},format=raw,if=floppy",
                             "-monitor", f"unix:{sock},server=on,wait=off"])
    try:
        registers = ""
        for _ in range(100):
            if sock.exists():
                registers = monitor(sock, "info registers -a")
                if "EDI=88880202" in registers and "HLT=1" in registers:
                    break
            time.sleep(0.2)
        assert "EDI=88880202" in registers, registers
        yield qemu, sock
    finally:
        qemu.kill()
        qemu.wait()


def run_cpu_flags(qemu, registers, *options):
    return subprocess.run([sys.executable, str(HERE / "cpu_flags.py"), *options, str(qemu.pid)],
                          input=registers, capture_output=True, text=True, timeout=120)


def flags_of_halted_qemu(tmp_path, gif_instruction):
    with halted_qemu(tmp_path, gif_instruction) as (qemu, sock):
        read = run_cpu_flags(qemu, monitor(sock, "info registers -a"))
        assert read.returncode == 0, read.stderr
        return read.stdout


needs_qemu = pytest.mark.skipif(QEMU is None or os.geteuid() != 0,
                                reason="needs qemu-system-x86_64 (scripts/install-deps.sh "
                                       "test) and root to read its memory")


@needs_qemu
def test_a_cpu_halted_after_clgi_has_its_global_interrupt_flag_clear(tmp_path):
    out = flags_of_halted_qemu(tmp_path, "clgi")
    assert out.startswith("CPU 0: GIF=0 NMI-blocked=0 SVM-guest=0"), out


@needs_qemu
def test_a_cpu_halted_without_clgi_has_it_set(tmp_path):
    out = flags_of_halted_qemu(tmp_path, "nop")
    assert out.startswith("CPU 0: GIF=1 NMI-blocked=0 SVM-guest=0"), out


@needs_qemu
def test_set_gif_lets_the_waiting_nmi_in(tmp_path):
    """What nested-kvm.sh does to a CPU halted with GIF lost: an NMI sent
    while GIF is clear stays pending; with the VM stopped, --set-gif sets
    GIF, and on cont the NMI is taken (its handler changes EDI)."""
    with halted_qemu(tmp_path, "clgi") as (qemu, sock):
        monitor(sock, "nmi")
        time.sleep(1)
        assert "EDI=88880202" in monitor(sock, "info registers -a")  # not taken
        registers = monitor(sock, "stop") + monitor(sock, "info registers -a")
        mended = run_cpu_flags(qemu, registers, "--set-gif")
        assert mended.returncode == 0, mended.stdout + mended.stderr
        assert mended.stdout.startswith("CPU 0: was halted with GIF clear; GIF set "
                                        "(hflags2 00000100 -> 00000101)"), mended.stdout
        monitor(sock, "cont")
        for _ in range(50):
            if "EDI=99990303" in monitor(sock, "info registers -a"):
                break
            time.sleep(0.1)
        assert "EDI=99990303" in monitor(sock, "info registers -a")
        # Nothing left to mend.
        registers = monitor(sock, "stop") + monitor(sock, "info registers -a")
        again = run_cpu_flags(qemu, registers, "--set-gif")
        assert again.returncode == 1 and again.stdout == "no halted CPU with GIF clear\n"


def test_registers_are_read_from_64_bit_and_32_bit_dumps():
    dump = (
        "CPU#0\n"
        "RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000000 RDX=4000000000000000\n"
        "RSI=0000000000000000 RDI=000000000006c87c RBP=ffffffff82a1aa40 RSP=ffffffff82a03e98\n"
        "R8 =ffffffffffdf6199 R9 =000000003457a502 R10=00000000fffffffb R11=0000000000000000\n"
        "R12=0000000000000000 R13=0000000000000000 R14=ffffffff82a1a110 R15=0000000000000000\n"
        "RIP=ffffffff81a592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\n"
        "CPU#1\n"
        "EAX=1111aaaa EBX=4444dddd ECX=2222bbbb EDX=3333cccc\n"
        "ESI=77770101 EDI=88880202 EBP=6666ffff ESP=00006f00\n"
        "EIP=00007c57 EFL=00000206 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\n")
    cpus = cpu_flags.cpus_from_registers(dump)
    first, more = cpus[0]
    assert first[:8] == (0x1ad40).to_bytes(8, "little")      # RAX, then RCX
    assert first[24:32] == (0).to_bytes(8, "little")          # RBX
    assert first[32:40] == (0xffffffff82a03e98).to_bytes(8, "little")  # RSP
    assert more[128] == 0xffffffff81a592eb and more[64] == 0xffffffffffdf6199
    first, more = cpus[1]
    assert first[8:16] == (0x2222bbbb).to_bytes(8, "little") and more == {128: 0x7c57}


def test_words_that_are_not_qemu_7_2s_flags_are_not_trusted():
    # As read at the stall of 2026-12-06 23:12: the stuck CPU and the other.
    assert cpu_flags.plausible(0x18d0c2b0, 0x00000000)
    assert cpu_flags.plausible(0x18d0c2b0, 0x00000001)
    assert not cpu_flags.plausible(0x18d0c2b3, 0x00000000)   # CPL 3: not the kernel
    assert not cpu_flags.plausible(0x18d0c2b0, 0x0000ffff)   # undefined hflags2 bits


SUSPECT_DUMP = """\
CPU#0
RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000000 RDX=4000000000000000
RSI=0000000000000000 RDI=000000000006c87c RBP=ffffffff82a1aa40 RSP=ffffffff82a03e98
R8 =ffffffffffdf6199 R9 =000000003457a502 R10=00000000fffffffb R11=0000000000000000
R12=0000000000000000 R13=0000000000000000 R14=ffffffff82a1a110 R15=0000000000000000
RIP=ffffffff81a592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1
CS =0010 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]
CPU#1
RIP=ffffffff81a592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1
CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]
CPU#2
RIP=ffffffffc033d72b RFL=00000297 [--S-APC] CPL=0 II=0 A20=1 SMM=0 HLT=0
CS =0010 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]
"""


def test_suspects_are_halted_cpus_no_interrupt_has_touched():
    # From the mended stall of 2026-12-06 23:22: CPU 0 halted with CS as a
    # SYSCALL or #VMEXIT left it; CPU 1 halted after an interrupt (CS from
    # the GDT); CPU 2 running.
    assert cpu_flags.halted_cpus(SUSPECT_DUMP) == {0, 1}
    assert cpu_flags.halted_cpus(SUSPECT_DUMP, untouched_only=True) == {0}


def test_without_suspects_no_memory_is_read():
    # PID 0 has no /proc entry: a read fails loudly, so silence means none.
    def suspects(dump):
        return subprocess.run([sys.executable, str(HERE / "cpu_flags.py"), "--suspects", "0"],
                              input=dump, capture_output=True, text=True, timeout=30)
    r = suspects(SUSPECT_DUMP.replace("00a09b00", "00af9b00"))
    assert r.returncode == 1 and r.stdout == "" and r.stderr == ""
    r = suspects(SUSPECT_DUMP)
    assert r.returncode != 0 and "/proc/0/" in r.stderr
