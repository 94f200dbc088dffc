/*
 * Does the CPU keep the flags right across a fault in SETcc?
 *
 *   flags_after_fault     exit 0 and "right", or exit 1 and "wrong: ..."
 *
 * Runs `sub $2,%eax; cmp $1,%eax; seta (%rdi); ja` with eax = 1, so
 * "above" is true (0xffffffff > 1, unsigned), where
 *   - the SETcc starts a page, so QEMU's TCG starts a translation block
 *     there and no longer knows which operation set the flags, and
 *   - its store goes to a page not yet present, so it faults and is
 *     executed again after the kernel maps the page.
 * A real CPU (and QEMU with scripts/nested-kvm/build-qemu.sh's fix) says
 * "above" both times; QEMU 7.2 and 10.0 store 0 and do not take the jump,
 * having faulted with EFLAGS in cc_src but cc_op still naming the cmp.
 * The same code with the page present is the control.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

enum { PAGE = 4096 };

/* Returns what `ja` decided (1 taken); *flag holds what `seta` stored. */
static int run_once(const uint8_t *code, uint8_t *flag)
{
    int taken;
    __asm__ volatile("mov $1, %%eax\n\tcall *%2"
                     : "=a"(taken)
                     : "D"(flag), "r"(code)
                     : "memory", "cc", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11");
    return taken;
}

static int try(const uint8_t *code, int present, uint8_t *stored)
{
    uint8_t *data = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED)
        return -1;
    if (present)
        data[1] = 0; /* the page is there before the SETcc writes data[0] */
    int taken = run_once(code, data);
    *stored = data[0];
    munmap(data, PAGE);
    return taken;
}

int main(void)
{
    static const uint8_t before[] = {
        0x83, 0xe8, 0x02, /* sub $2,%eax */
        0x83, 0xf8, 0x01, /* cmp $1,%eax */
    };
    static const uint8_t after[] = {
        0x0f, 0x97, 0x07,                   /* seta (%rdi): first on its page */
        0x0f, 0x87, 0x06, 0x00, 0x00, 0x00, /* ja +6 */
        0xb8, 0x00, 0x00, 0x00, 0x00, 0xc3, /* mov $0,%eax; ret */
        0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3, /* mov $1,%eax; ret */
    };
    uint8_t *code = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("flags_after_fault: mmap");
        return 2;
    }
    memset(code, 0xcc, 2 * PAGE);
    memcpy(code + PAGE - sizeof before, before, sizeof before);
    memcpy(code + PAGE, after, sizeof after);
    if (mprotect(code, 2 * PAGE, PROT_READ | PROT_EXEC) < 0) {
        perror("flags_after_fault: mprotect");
        return 2;
    }
    const uint8_t *entry = code + PAGE - sizeof before;
    uint8_t stored_present, stored_fault;
    int taken_present = try(entry, 1, &stored_present);
    int taken_fault = try(entry, 0, &stored_fault);
    if (taken_present < 0 || taken_fault < 0) {
        perror("flags_after_fault: mmap");
        return 2;
    }
    if (taken_present == 1 && stored_present == 1 && taken_fault == 1 && stored_fault == 1) {
        puts("flags after a fault in SETcc: right");
        return 0;
    }
    printf("flags after a fault in SETcc: wrong: 1-2 compared with 1 is \"above\"; with the "
           "page present seta stored %u and ja went %s, with a fault seta stored %u and ja "
           "went %s\n", stored_present, taken_present ? "above" : "not above", stored_fault,
           taken_fault ? "above" : "not above");
    return 1;
}
