#!/bin/bash
# Whether this host's /dev/kvm is one wisp's tests, demo and benchmarks can
# use: a KVM device that opens, backed by hardware virtualization (VMX or
# SVM). Exits 0 if so; otherwise prints why and exits 1.
#
# Some VMs offer a /dev/kvm without hardware virtualization: PVM (the
# kvm_pvm module, a paravirtual KVM for guests inside VMs, as in some
# Firecracker sandboxes). wisp's small native guests run there, Linux
# guests do not (its emulator gives up: "kvm-pvm: INTERNAL_ERROR in batch
# emul" in the host's log), so scripts/test.sh and scripts/demo.sh then use
# scripts/nested-kvm.sh, as on a host without /dev/kvm.
#
#   scripts/kvm-usable.sh
set -u
if [ ! -c /dev/kvm ]; then
    echo "there is no /dev/kvm"
    exit 1
fi
if ! (exec 3<>/dev/kvm) 2>/dev/null; then
    echo "/dev/kvm cannot be opened for reading and writing"
    exit 1
fi
if [ -d /sys/module/kvm_pvm ]; then
    echo "/dev/kvm is PVM's (kvm_pvm: a paravirtual KVM without hardware virtualization)"
    exit 1
fi
if ! grep -qwE 'vmx|svm' /proc/cpuinfo 2>/dev/null; then
    echo "the CPU shows no hardware virtualization (no vmx or svm flag in /proc/cpuinfo)"
    exit 1
fi
exit 0
