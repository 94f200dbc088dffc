#include "hypercall.h"

#include "host/clock.h"


#include <wisp/guest.h>

#define GUEST_PAGE 0x1000ull

/* 48-bit virtual addresses: bits 63..47 all equal. KVM_TRANSLATE walks the
 * tables with the low bits alone, so wisp rejects the rest itself. */
static bool is_canonical(uint64_t gva)
{
    uint64_t top = gva >> 47;
    return top == 0 || top == 0x1FFFF;
}

int hypercall_copy_from_guest(gva_translate_fn translate, void *opaque,
                              const struct guest_memory *memory, uint64_t gva,
                              uint8_t *dst, uint64_t len)
{
    /* The last byte, not the end, must not wrap: a buffer may end exactly
     * at 2^64 (the top page is canonical kernel space). */
    if (len > 0 && gva + (len - 1) < gva)
        return -1;
    while (len > 0) {
        uint64_t in_page = GUEST_PAGE - (gva & (GUEST_PAGE - 1));
        uint64_t chunk = len < in_page ? len : in_page;
        uint64_t gpa;
        if (!is_canonical(gva) || translate(opaque, gva, &gpa) < 0 ||
            !guest_memory_read(memory, gpa, dst, chunk))
            return -1;
        gva += chunk;
        dst += chunk;
        len -= chunk;
    }
    return 0;
}

static int translate_with_vcpu(void *opaque, uint64_t gva, uint64_t *gpa)
{
    return accel_vcpu_translate(opaque, gva, gpa);
}

static uint64_t do_print(const struct hypercall_context *ctx, uint64_t gva, uint64_t len)
{
    uint8_t buffer[WISP_HC_PRINT_MAX];
    if (len > sizeof buffer)
        len = sizeof buffer;
    if (hypercall_copy_from_guest(translate_with_vcpu, ctx->vcpu, ctx->memory, gva, buffer, len) < 0)
        return WISP_HC_ERROR_FAULT;
    ctx->print(ctx->print_opaque, buffer, (size_t)len);
    return len;
}

int hypercall_dispatch(const struct hypercall_context *ctx, struct hypercall_outcome *out)
{
    struct accel_regs regs;
    if (accel_vcpu_get_regs(ctx->vcpu, &regs) < 0)
        return -1;
    *out = (struct hypercall_outcome){ 0 };
    switch (regs.rax) {
    case WISP_HC_PRINT:
        regs.rax = do_print(ctx, regs.rdi, regs.rsi);
        break;
    case WISP_HC_EXIT:
        out->exit_requested = true;
        out->exit_code = regs.rdi;
        return 0;
    case WISP_HC_GET_TIME:
        regs.rax = clock_wall_ns();
        break;
    default:
        regs.rax = WISP_HC_ERROR_UNKNOWN;
        break;
    }
    return accel_vcpu_set_regs(ctx->vcpu, &regs);
}
