#include "crash_report.h"

#include <inttypes.h>

static void segment_line(FILE *out, const char *name, const struct accel_segment *s)
{
    fprintf(out, "  %-3s sel=%04x base=%016" PRIx64 " limit=%08x attr=%04x\n", name,
            s->selector, s->base, s->limit, s->attributes);
}

void crash_report_registers(FILE *out, struct accel_vcpu *vcpu)
{
    struct accel_regs r;
    struct accel_sregs s;
    if (accel_vcpu_get_regs(vcpu, &r) < 0 || accel_vcpu_get_sregs(vcpu, &s) < 0) {
        fprintf(out, "  (registers unavailable)\n");
        return;
    }
    fprintf(out,
            "  rax=%016" PRIx64 " rbx=%016" PRIx64 " rcx=%016" PRIx64 " rdx=%016" PRIx64 "\n"
            "  rsi=%016" PRIx64 " rdi=%016" PRIx64 " rsp=%016" PRIx64 " rbp=%016" PRIx64 "\n"
            "  r8 =%016" PRIx64 " r9 =%016" PRIx64 " r10=%016" PRIx64 " r11=%016" PRIx64 "\n"
            "  r12=%016" PRIx64 " r13=%016" PRIx64 " r14=%016" PRIx64 " r15=%016" PRIx64 "\n"
            "  rip=%016" PRIx64 " rflags=%08" PRIx64 "\n",
            r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp, r.r8, r.r9, r.r10, r.r11,
            r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags);
    fprintf(out,
            "  cr0=%016" PRIx64 " cr2=%016" PRIx64 " cr3=%016" PRIx64 " cr4=%016" PRIx64 "\n"
            "  efer=%016" PRIx64 " apic_base=%016" PRIx64 "\n",
            s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.apic_base);
    segment_line(out, "cs", &s.cs);
    segment_line(out, "ss", &s.ss);
    segment_line(out, "ds", &s.ds);
    segment_line(out, "tr", &s.tr);
    fprintf(out, "  gdt=%016" PRIx64 "/%04x idt=%016" PRIx64 "/%04x\n", s.gdt.base, s.gdt.limit,
            s.idt.base, s.idt.limit);
}

unsigned crash_report_code_bytes(struct accel_vcpu *vcpu, const struct guest_memory *memory,
                                 uint64_t rip, uint8_t *bytes, unsigned max)
{
    unsigned n = 0;
    /* RIP is an offset in CS, whose base counts outside 64-bit code (real
     * mode: the selector times 16). */
    uint64_t linear = rip;
    struct accel_sregs s;
    if (accel_vcpu_get_sregs(vcpu, &s) == 0 && !(s.cs.attributes & ACCEL_SEG_LONG))
        linear = (uint32_t)(s.cs.base + rip);
    /* Byte by byte: the instruction may straddle a page boundary. */
    while (n < max) {
        uint64_t gpa;
        if (accel_vcpu_translate(vcpu, linear + n, &gpa) < 0 ||
            !guest_memory_read(memory, gpa, &bytes[n], 1))
            break;
        n++;
    }
    return n;
}

void crash_report_format_bytes(const uint8_t *bytes, unsigned n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && used + 4 < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? " %02x" : "%02x", bytes[i]);
    if (n == 0)
        snprintf(buf, size, "unreadable");
}
