"""Tells a guest run whose CPU the nested test VM's emulation left at the
VM's own RIP from a hang of wisp or of the guest.

In the nested VM, three Debian boots that ran out of time reported CPU 0
"running" at RIP 0xffffffffc035120c with nothing mapped there: that is
__svm_vcpu_run+0x9c in the VM's own kvm_amd (its kernel boots with
nokaslr), the code that runs the guest. A guest cannot run at a RIP it
does not map, so such a report is state of the level above that reached
the guest (README, "Guest triple faults that only the nested VM
produces"). The note this module adds to wisp's stderr is what the
Makefile's rerun rule matches."""
import re

STUCK_CPU = re.compile(r"^wisp: CPU (\d+) when (?:the time ran out|the signal came): "
                       r"running at RIP 0x([0-9a-f]+) "
                       r".*; code at RIP: unreadable$", re.M)
# A snapshot or migration wisp would not write because KVM gave a vCPU
# state it would refuse to load (src/accel/kvm_state.c): the same leak when
# that state's RIP is in the host's KVM.
UNLOADABLE_STATE = re.compile(r"KVM gave a vCPU state it would not take back, .*"
                              r"\(RIP 0x([0-9a-f]+)\)")
NOTE = "state of the level above leaked into the guest"


def kvm_modules(proc_modules_text):
    """(name, first address, end) of the KVM modules in /proc/modules text
    (it shows addresses to root only; 0 otherwise, and those are left out)."""
    found = []
    for line in proc_modules_text.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[0].startswith("kvm"):
            base = int(fields[5], 16)
            if base:
                found.append((fields[0], base, base + int(fields[1])))
    return found


def notes(stderr, modules):
    """One line per CPU of wisp's timeout report that ran at an unmapped RIP
    inside one of modules, and per unloadable saved state whose RIP is there."""
    found = [(f"CPU {cpu}", rip) for cpu, rip in STUCK_CPU.findall(stderr)]
    found += [("the vCPU state KVM gave", rip) for rip in UNLOADABLE_STATE.findall(stderr)]
    lines = ""
    for who, rip in found:
        for name, start, end in modules:
            if start <= int(rip, 16) < end:
                lines += f"wisp-test: {who}: RIP 0x{rip} is in this host's {name} module: {NOTE}\n"
    return lines


def notes_for_this_host(stderr):
    if "code at RIP: unreadable" not in stderr and not UNLOADABLE_STATE.search(stderr):
        return ""
    try:
        with open("/proc/modules") as f:
            return notes(stderr, kvm_modules(f.read()))
    except OSError:
        return ""
