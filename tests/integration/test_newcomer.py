"""Issue 15, a newcomer's first hour: no false passes in CI, errors before
the run, messages that point the right way."""
import re
import subprocess

import pytest

from conftest import (EXIT_GUEST_HALTED, EXIT_USAGE, ROOT, WISP, guest, needs_kvm, read_image,
                      run_wisp)

EXIT_HOST_ERROR = 126

both_irqchips = pytest.mark.parametrize("irqchip", ["kernel", "user"])


@needs_kvm
@both_irqchips
def test_waiting_for_timer_ticks_is_not_idle(irqchip):
    # 150 LAPIC ticks, then 150 PIT ticks, in a HLT loop: longer each than
    # the default idle rule. A timer is armed, so wisp lets it finish.
    r = run_wisp("run", "--irqchip", irqchip, "--timeout", "60", guest("timer_wait"),
                 timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: timer_wait" in r.stdout, r.stdout + r.stderr
    assert "idle at RIP" not in r.stderr
    print(r.stdout)  # the rates, for the side-by-side comparison


@needs_kvm
@both_irqchips
def test_a_real_idle_loop_still_stops(irqchip):
    # idle stops its timer, then `sti; hlt` with nothing armed.
    r = run_wisp("run", "--irqchip", irqchip, "--timeout", "60", guest("idle"), timeout=90)
    assert r.returncode == 0, r.stderr
    assert "idle at RIP" in r.stderr


@needs_kvm
def test_cli_hlt_of_a_native_kernel_is_not_a_pass():
    r = run_wisp("run", "--timeout", "60", guest("halt_cli"), timeout=90)
    assert r.returncode == EXIT_GUEST_HALTED, r.stderr
    assert re.search(r"interrupts disabled at RIP 0x[0-9a-f]+.*status 119", r.stderr), r.stderr


# ---- 3. errors at the start, not after the run ----

@pytest.mark.parametrize("name, words", [("x.jpg", "unsupported screenshot format"),
                                         ("missing-dir/x.png", "cannot use the directory")])
def test_screenshot_path_is_checked_before_the_guest_runs(tmp_path, name, words):
    r = run_wisp("run", "--timeout", "30", "--screenshot", tmp_path / name, guest("exitcode"))
    assert r.returncode == EXIT_USAGE, r.stderr
    assert words in r.stderr
    assert r.stdout == ""  # the guest never ran


@needs_kvm
def test_a_screenshot_that_cannot_be_written_at_the_end_is_status_126(tmp_path):
    # The directory is there at the start and gone when the guest stops.
    out = tmp_path / "shots"
    out.mkdir()
    p = subprocess.Popen([str(WISP), "run", "--timeout", "60", "--screenshot",
                          str(out / "x.png"), str(guest("timer_wait"))],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        first = p.stdout.readline()
        assert "timer_wait" in first, first
        out.rmdir()
        stdout, stderr = p.communicate(timeout=90)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "PASS: timer_wait" in stdout, stdout + stderr
    assert p.returncode == EXIT_HOST_ERROR, stderr
    assert "exit status 126 (the screenshot was not written) instead of 0" in stderr


# ---- the README's "Your first kernel", exactly as written ----

def first_kernel_blocks():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Your first kernel", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    kinds = [kind for kind, _ in blocks]
    assert kinds[:3] == ["c", "ld", "sh"], kinds
    return blocks[0][1], blocks[1][1], blocks[2][1]


def build_first_kernel(tmp_path):
    kernel_c, kernel_ld, commands = first_kernel_blocks()
    (tmp_path / "kernel.c").write_text(kernel_c)
    (tmp_path / "kernel.ld").write_text(kernel_ld)
    build = commands.replace("\\\n", " ").splitlines()[0].replace("WISP", str(ROOT))
    r = subprocess.run(build, shell=True, cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return tmp_path / "kernel.elf", commands


def test_first_kernel_builds_as_the_readme_says(tmp_path):
    elf, _ = build_first_kernel(tmp_path)
    assert elf.read_bytes()[:4] == b"\x7fELF"


@needs_kvm
def test_first_kernel_runs_to_a_screenshot(tmp_path):
    elf, commands = build_first_kernel(tmp_path)
    run = commands.replace("\\\n", " ").splitlines()[1]
    run = run.replace("WISP/build/wisp", str(WISP)).replace("; echo \"status $?\"", "")
    r = subprocess.run(run, shell=True, cwd=tmp_path, capture_output=True, text=True,
                       timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "hello from my first kernel" in r.stdout and "done" in r.stdout
    img = read_image(tmp_path / "shot.png")
    assert img.getpixel((10, 10)) == (0xFF, 0x80, 0x00)
    assert img.getpixel((img.size[0] - 10, 10)) == (0x00, 0x80, 0xFF)


# ---- 4. messages that point the right way, on real links ----

def test_default_pie_link_says_static_no_pie(tmp_path):
    kernel_c, kernel_ld, _ = first_kernel_blocks()
    (tmp_path / "kernel.c").write_text(kernel_c)
    (tmp_path / "kernel.ld").write_text(kernel_ld)
    subprocess.run(["gcc", "-O2", "-ffreestanding", "-nostdlib", "-I", str(ROOT / "include"),
                    "-T", "kernel.ld", "-o", "pie.elf", "kernel.c"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=60)
    r = run_wisp("run", "--timeout", "30", tmp_path / "pie.elf")
    assert r.returncode == 121, r.stderr
    assert "link the kernel with -static -no-pie" in r.stderr
    assert "overlaps the boot area" not in r.stderr


def test_physmap_link_without_at_says_p_paddr_must_be_physical(tmp_path):
    kernel_c, kernel_ld, _ = first_kernel_blocks()
    (tmp_path / "kernel.c").write_text(kernel_c)
    (tmp_path / "kernel.ld").write_text(kernel_ld.replace("0x100000;", "0xFFFF800000100000;"))
    subprocess.run(["gcc", "-O2", "-ffreestanding", "-fno-pic", "-fno-pie", "-mcmodel=large",
                    "-mno-red-zone", "-mgeneral-regs-only", "-static", "-no-pie", "-nostdlib",
                    "-I", str(ROOT / "include"), "-T", "kernel.ld", "-o", "high.elf",
                    "kernel.c"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    r = run_wisp("run", "--timeout", "30", tmp_path / "high.elf")
    assert r.returncode == 121, r.stderr
    assert "p_paddr must be the physical load address" in r.stderr
    assert "try -m" not in r.stderr


# ---- 6. nested-kvm.sh names paths it would throw away ----

def test_nested_kvm_warns_about_paths_outside_the_shared_directory(tmp_path):
    # --qemu /bin/false: the VM fails at once; the warning comes before it.
    r = subprocess.run(["bash", str(ROOT / "scripts/nested-kvm.sh"), "--retries", "0",
                        "--qemu", "/bin/false", "--", "true", "--screenshot",
                        "/tmp/newcomer-shot.png", "--serial=../x.log", "inside.png",
                        "/usr/bin/python3"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "warning: /tmp/newcomer-shot.png is outside the shared directory" in r.stderr
    assert "warning: ../x.log is outside" in r.stderr
    assert "inside.png" not in r.stderr and "/usr/bin/python3" not in r.stderr


# ---- 4. unclaimed ports and unbacked memory are said once, with RIP ----

@needs_kvm
def test_unclaimed_port_and_unbacked_page_are_reported_once(tmp_path):
    kernel_c, kernel_ld, _ = first_kernel_blocks()
    poke = ('    for (int i = 0; i < 3; i++) {\n'
            '        __asm__ volatile("outb %%al, %%dx" : : "a"(0), "d"(0x1234));\n'
            '        (void)*(volatile uint32_t *)0xF0000000;\n'
            '    }\n'
            '    print("done\\n");')
    (tmp_path / "kernel.c").write_text(kernel_c.replace('    print("done\\n");', poke))
    (tmp_path / "kernel.ld").write_text(kernel_ld)
    subprocess.run(["gcc", "-O2", "-ffreestanding", "-fno-pic", "-fno-pie", "-mno-red-zone",
                    "-mgeneral-regs-only", "-static", "-no-pie", "-nostdlib", "-I",
                    str(ROOT / "include"), "-T", "kernel.ld", "-o", "poke.elf", "kernel.c"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=60)
    r = run_wisp("run", "--timeout", "30", tmp_path / "poke.elf")
    assert r.returncode == 0, r.stderr
    assert len(re.findall(r"write of port 0x1234 at RIP 0x10[0-9a-f]{4}: no device there",
                          r.stderr)) == 1, r.stderr
    assert len(re.findall(r"read of 0xf0000000 at RIP 0x10[0-9a-f]{4}: neither RAM nor a device",
                          r.stderr)) == 1, r.stderr
    assert "unclaimed accesses: 3 to 1 port, 3 to 1 unbacked page" in r.stderr


# ---- 2. a crash that says where ----

@needs_kvm
@both_irqchips
def test_triple_fault_says_where_the_guest_was(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, "--timeout", "30", guest("triplefault"),
                 timeout=90)
    assert r.returncode == 123, r.stderr
    line = next(l for l in r.stderr.splitlines() if "triple fault" in l)
    if "faulting RIP is lost" in line:  # AMD: KVM resets the vCPU on shutdown
        assert re.search(r"last seen by wisp at RIP 0x10[0-9a-f]{4} \(its last exit, [a-z ]+, "
                         r"CR3 0x[0-9a-f]+, CR2 0x[0-9a-f]+\)", line), line
        assert "stay inside KVM" in line
    else:
        assert re.search(r"at RIP 0x10[0-9a-f]{4}", line), line


def guest_symbols(name):
    out = subprocess.run(["nm", guest(name)], capture_output=True, text=True, check=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines()) if len(f) == 3}


@needs_kvm
@both_irqchips
def test_step_history_shows_the_crashing_instruction_and_the_page_fault_before(irqchip):
    """--step-history single-steps the guest: a triple fault then lists the
    instructions that led to it, the last one being the division that
    faulted, and the read that took a #PF (skipped by its handler) shows
    as a CR2 change on the step after it."""
    sym = guest_symbols("pagefault_crash")
    r = run_wisp("run", "--irqchip", irqchip, "--timeout", "60", "--step-history", "64",
                 guest("pagefault_crash"), timeout=120)
    assert r.returncode == 123, r.stderr
    lines = r.stderr.splitlines()
    at = next(i for i, l in enumerate(lines) if "instructions (--step-history), the last 64 of" in l)
    steps = lines[at + 1:at + 65]
    assert re.fullmatch(r"  last 0x0*%x" % sym["crash_div"], steps[-1]), steps[-3:]
    read = next(i for i, l in enumerate(steps) if re.fullmatch(r"\s+0x0*%x" % sym["pf_read"], l))
    assert re.search(r"<- CR2 became 0x100000000000: a page fault at the instruction before",
                     steps[read + 1]), steps[read:read + 2]
    crash = next(l for l in lines if "triple fault" in l)
    if "faulting RIP is lost" in crash:  # AMD: KVM resets the vCPU, the history still knows
        assert "the last instruction it started is at RIP 0x%x" % sym["crash_div"] in crash, crash


def test_step_history_refuses_bad_counts_and_gdb():
    for args in (["--step-history", "0"], ["--step-history", "4097"],
                 ["--step-history", "8", "--gdb", "tcp::1234"]):
        r = run_wisp("run", *args, guest("hello"), timeout=30)
        assert r.returncode == EXIT_USAGE, (args, r.stderr)
        assert "--step-history" in r.stderr, r.stderr


# ---- 5. the two interrupt controllers behave the same ----

@needs_kvm
@both_irqchips
def test_unprogrammed_pic_delivers_the_same_vector_on_both_irqchips(irqchip):
    r = run_wisp("run", "--irqchip", irqchip, "--timeout", "30", guest("pic_parity"),
                 timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: pic_parity" in r.stdout
