#!/bin/bash
cd /work/main
export WISP_BUILD=$PWD/build
/usr/bin/python3 -m pytest -q -raR --timeout=120 tests/integration/test_linux.py tests/integration/test_linux_smp.py tests/integration/test_stock_kernels.py tests/integration/test_virtio.py 2>&1 | tail -25
K=$(ls -td ~/.cache/wisp/small-linux-*/ | head -1)
echo "poweroff -f" | build/wisp run -m 256M --initrd build/initramfs.cpio.gz --cmdline "console=ttyS0 reboot=k panic=-1 wisp.poweroff" --timeout 60 $K/bzImage 2>&1 | grep -i "i8042\|serio\|input:\|psmouse\|atkbd\|mouse\|keyboard"
bench/run.sh --boot-profile -n 3 --baseline /tmp/before2/build/wisp 2>&1
C="console=ttyS0 reboot=k panic=-1 wisp.poweroff printk.time=1"
for i in 1 2; do
for b in /tmp/before/build/wisp /tmp/before2/build/wisp build/wisp; do
  n=$(echo $b | tr '/' '_')
  $b run -m 256M --initrd build/initramfs.cpio.gz --cmdline "$C" --timeout 100 $K/bzImage > /work/main/gaplog-$i$n.log 2>&1
done
done
echo logs done
