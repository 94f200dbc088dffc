# gdb script: serve wisp's hypercalls for a guest running under QEMU.
#
# The hypercall is `out %al, $0xE4` (bytes E6 E4). QEMU ignores that port,
# so we put a breakpoint on every such instruction in the guest ELF, and on
# each hit do what wisp would: read RAX/RDI/RSI, act, set RAX, step over
# the two-byte instruction.
#
# get_time must follow the guest's clocks (LAPIC, PIT), which stop while gdb
# holds the VM, so host time won't do. We count the ACPI PM timer instead
# (3.579545 MHz on QEMU's virtual clock, port 0x608 on the pc machine after
# SeaBIOS), read through QMP's human-monitor-command.
#
# Environment: GUEST (ELF), GDBPORT, QMPSOCK, RESULT (file for the exit
# status), SCREENSHOT (PNG path, optional), TIMEOUT (seconds). What the guest
# prints goes to file descriptor 3 (gdb's own chatter stays on stdout).
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

import gdb

GUEST = os.environ['GUEST']
RESULT = os.environ['RESULT']
SCREENSHOT = os.environ.get('SCREENSHOT', '')
TIMEOUT = float(os.environ.get('TIMEOUT', '60'))
BOOT_INFO = 0x80000
ERROR_UNKNOWN = 2**64 - 1
ERROR_FAULT = 2**64 - 2
PRINT_MAX = 4096


guest_out = os.fdopen(3, 'w', encoding='latin-1')


def log(msg):
    sys.stderr.write('qemu-harness: %s\n' % msg)
    sys.stderr.flush()


def finish(status):
    timer.cancel()
    guest_out.flush()
    with open(RESULT, 'w') as f:
        f.write('%d\n' % status)
    try:
        gdb.execute('kill')
    except gdb.error:
        pass
    gdb.execute('quit %d' % status)


# --- QMP: the PM timer as the guest's clock --------------------------------
qmp = socket.socket(socket.AF_UNIX)
qmp.connect(os.environ['QMPSOCK'])
qmp_file = qmp.makefile('rw')
qmp_file.readline()


def qmp_cmd(cmd, **args):
    qmp_file.write(json.dumps({'execute': cmd, 'arguments': args}) + '\n')
    qmp_file.flush()
    while True:
        reply = json.loads(qmp_file.readline())
        if 'return' in reply or 'error' in reply:
            return reply


qmp_cmd('qmp_capabilities')
pm_last = None
pm_ns = 0
wall_at_start = time.time_ns()


def guest_time_ns():
    global pm_last, pm_ns
    reply = qmp_cmd('human-monitor-command', **{'command-line': 'i /w 0x608'})
    value = int(reply['return'].split('=')[1], 16) & 0xFFFFFF  # 24-bit counter
    if pm_last is not None:
        pm_ns += ((value - pm_last) & 0xFFFFFF) * 1000000000 // 3579545
    pm_last = value
    return wall_at_start + pm_ns


# --- the guest ---------------------------------------------------------------
sites = set()
disassembly = subprocess.run(['objdump', '-d', GUEST], capture_output=True, text=True).stdout
for line in disassembly.splitlines():
    if 'out    %al,$0xe4' in line:
        sites.add(int(line.split(':')[0], 16))
with open(GUEST, 'rb') as f:
    entry = struct.unpack_from('<Q', f.read(64), 24)[0]

gdb.execute('set pagination off')
gdb.execute('set confirm off')
gdb.execute('set breakpoint always-inserted on')
gdb.execute('set architecture i386:x86-64', to_string=True)
gdb.execute('target remote :%s' % os.environ['GDBPORT'], to_string=True)
for addr in sorted(sites) + [entry]:
    gdb.execute('break *%#x' % addr, to_string=True)
inferior = gdb.selected_inferior()


def reg(name):
    return int(gdb.parse_and_eval('$' + name)) & (2**64 - 1)


def set_reg(name, value):
    gdb.execute('set $%s = %d' % (name, value - 2**64 if value >= 2**63 else value))


def screenshot():
    if not SCREENSHOT:
        return
    bi = bytes(inferior.read_memory(BOOT_INFO, 48))
    base, _, width, height, stride = struct.unpack_from('<QQIII', bi, 16)
    rows = []
    for y in range(height):
        row = bytes(inferior.read_memory(base + y * stride, width * 4))
        rgb = bytearray(width * 3)
        rgb[0::3], rgb[1::3], rgb[2::3] = row[2::4], row[1::4], row[0::4]
        rows.append(b'\x00' + bytes(rgb))

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF))
    png = (b'\x89PNG\r\n\x1a\n' +
           chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)) +
           chunk(b'IDAT', zlib.compress(b''.join(rows), 6)) + chunk(b'IEND', b''))
    with open(SCREENSHOT, 'wb') as f:
        f.write(png)
    log('screenshot %dx%d written to %s' % (width, height, SCREENSHOT))


# A timer interrupts `continue` (like ^C) when the time is up.
deadline = time.monotonic() + TIMEOUT
timer = threading.Timer(TIMEOUT, lambda: os.kill(os.getpid(), signal.SIGINT))
timer.daemon = True
timer.start()

while True:
    try:
        gdb.execute('continue', to_string=True)
    except gdb.error as e:
        log('QEMU went away: %s' % e)
        finish(125)  # run.sh looks at QEMU's log for a triple fault
    if time.monotonic() >= deadline:
        log('timed out after %g s at rip %#x' % (TIMEOUT, reg('pc')))
        screenshot()
        finish(124)
    pc = reg('pc')
    if pc == entry:
        gdb.execute('set *(unsigned long long *)%#x = %d' % (BOOT_INFO + 208, guest_time_ns()))
        continue
    if pc not in sites:
        log('unexpected stop at %#x' % pc)
        finish(125)
    guest_time_ns()  # keep the 24-bit counter from wrapping unseen
    nr, arg0, arg1 = reg('rax'), reg('rdi'), reg('rsi')
    if nr == 0:  # print
        length = min(arg1, PRINT_MAX)
        try:
            data = bytes(inferior.read_memory(arg0, length)) if length else b''
            guest_out.write(data.decode('latin-1'))
            guest_out.flush()
            result = length
        except gdb.MemoryError:
            result = ERROR_FAULT
    elif nr == 1:  # exit
        log('exit hypercall, code %d' % arg0)
        screenshot()
        finish(arg0 & 0xFF)
    elif nr == 2:  # get_time
        result = guest_time_ns()
    else:
        result = ERROR_UNKNOWN
    set_reg('rax', result)
    set_reg('pc', pc + 2)
