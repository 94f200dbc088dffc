/*
 * wisp_lib: see wisp_lib.h for the overview.
 *
 * Guest ring-0 code may run slowly (on some hosts it is emulated), so this
 * library avoids long loops and does bulk stores with `rep stos`.
 */
#include "wisp_lib.h"

/* ------------------------------------------------------------------------ */
/* hypercalls                                                               */

void wisp_exit(uint64_t code)
{
    wisp_hypercall(WISP_HC_EXIT, code, 0, 0, 0);
    /* exit does not return; if it ever did, stop here for good. */
    wisp_halt_forever();
}

void wisp_halt_forever(void)
{
    for (;;)
        __asm__ __volatile__("cli; hlt" : : : "memory");
}

int wisp_write(const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        size_t chunk = len < WISP_HC_PRINT_MAX ? len : WISP_HC_PRINT_MAX;
        uint64_t r = wisp_hc_print(p, chunk);

        if (r == WISP_HC_ERROR_UNKNOWN || r == WISP_HC_ERROR_FAULT || r == 0 || r > chunk)
            return -1;
        p += r;
        len -= r;
    }
    return 0;
}

int wisp_puts(const char *s)
{
    return wisp_write(s, strlen(s));
}

/* ------------------------------------------------------------------------ */
/* string helpers                                                           */

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;

    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;

    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n > 0) { /* overlapping, copy backwards */
        n--;
        d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* ------------------------------------------------------------------------ */
/* formatter                                                                */

struct out {
    char *buf;
    size_t size;
    size_t len; /* what the output would be without truncation */
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;

    if (!left)
        while (fill-- > 0)
            out_char(o, pad);
    while (n-- > 0)
        out_char(o, *s++);
    if (left)
        while (fill-- > 0)
            out_char(o, ' ');
}

int wisp_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_char(&o, *fmt);
            continue;
        }
        fmt++;

        int left = 0, width = 0, lng = 0;
        char pad = ' ';

        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }

        char tmp[24];
        const char *s = tmp;
        size_t n = 0;
        unsigned base = 10;
        int is_signed = 0, upper = 0;
        uint64_t v = 0;

        switch (*fmt) {
        case '\0':
            fmt--; /* a lone '%' at the end: stop cleanly */
            continue;
        case '%':
            out_char(&o, '%');
            continue;
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            out_padded(&o, tmp, 1, width, left, ' ');
            continue;
        case 's':
            s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            out_padded(&o, s, strlen(s), width, left, ' ');
            continue;
        case 'p':
            v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            base = 16;
            out_char(&o, '0');
            out_char(&o, 'x');
            break;
        case 'd':
        case 'i':
            is_signed = 1;
            /* fall through */
        case 'u':
        case 'x':
        case 'X':
            if (*fmt == 'x' || *fmt == 'X')
                base = 16;
            upper = *fmt == 'X';
            if (lng)
                v = va_arg(ap, uint64_t); /* long, long long, size_t: all 64-bit */
            else if (is_signed)
                v = (uint64_t)(int64_t)va_arg(ap, int);
            else
                v = va_arg(ap, unsigned int);
            break;
        default: /* unknown conversion: print it as is */
            out_char(&o, '%');
            out_char(&o, *fmt);
            continue;
        }

        int negative = is_signed && (int64_t)v < 0;
        char digits[24];
        size_t nd = 0;

        if (negative)
            v = -v;
        do {
            unsigned d = (unsigned)(v % base);
            digits[nd++] = (char)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
            v /= base;
        } while (v);
        if (negative)
            tmp[n++] = '-';
        if (negative && pad == '0' && !left) { /* "-0042": sign before zeros */
            out_char(&o, '-');
            n = 0;
            width--;
        }
        while (nd > 0)
            tmp[n++] = digits[--nd];
        out_padded(&o, tmp, n, width, left, left ? ' ' : pad);
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int wisp_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = wisp_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

#define PRINTF_BUF 512

int wisp_printf(const char *fmt, ...)
{
    char buf[PRINTF_BUF];
    va_list ap;

    va_start(ap, fmt);
    int n = wisp_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    wisp_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return n;
}

int wisp_serial_printf(const char *fmt, ...)
{
    char buf[PRINTF_BUF];
    va_list ap;

    va_start(ap, fmt);
    int n = wisp_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    wisp_serial_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return n;
}

/* ------------------------------------------------------------------------ */
/* COM1: a 16550 UART                                                       */

#define UART_DATA 0 /* RBR (read) / THR (write); DLL when LCR.DLAB = 1 */
#define UART_IER  1 /* interrupt enable; DLM when LCR.DLAB = 1 */
#define UART_FCR  2 /* FIFO control (write) */
#define UART_LCR  3 /* line control */
#define UART_MCR  4 /* modem control */
#define UART_LSR  5 /* line status */
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THR_EMPTY  0x20

void wisp_serial_init(void)
{
    outb(WISP_COM1 + UART_IER, 0x00);  /* no interrupts */
    outb(WISP_COM1 + UART_LCR, 0x80);  /* DLAB: program the divisor */
    outb(WISP_COM1 + UART_DATA, 0x01); /* 115200 baud */
    outb(WISP_COM1 + UART_IER, 0x00);
    outb(WISP_COM1 + UART_LCR, 0x03);  /* 8 bits, no parity, 1 stop */
    outb(WISP_COM1 + UART_FCR, 0xC7);  /* enable and clear FIFOs */
    outb(WISP_COM1 + UART_MCR, 0x0B);  /* DTR, RTS, OUT2 (IRQ gate) */
}

void wisp_serial_putc(char c)
{
    /* Wait for room, but never forever: a UART that never reports an empty
     * transmitter should not hang the guest. */
    for (int i = 0; i < 1000; i++)
        if (inb(WISP_COM1 + UART_LSR) & UART_LSR_THR_EMPTY)
            break;
    outb(WISP_COM1 + UART_DATA, (uint8_t)c);
}

void wisp_serial_write(const void *buf, size_t len)
{
    const char *p = buf;

    while (len-- > 0)
        wisp_serial_putc(*p++);
}

void wisp_serial_puts(const char *s)
{
    wisp_serial_write(s, strlen(s));
}

int wisp_serial_getc_nonblock(void)
{
    if (!(inb(WISP_COM1 + UART_LSR) & UART_LSR_DATA_READY))
        return -1;
    return inb(WISP_COM1 + UART_DATA);
}

void wisp_serial_enable_rx_interrupt(void)
{
    outb(WISP_COM1 + UART_MCR, 0x0B); /* OUT2 gates the IRQ line on a PC */
    outb(WISP_COM1 + UART_IER, 0x01); /* "received data available" */
}

char wisp_serial_getc(void)
{
    int c;

    while ((c = wisp_serial_getc_nonblock()) < 0)
        ;
    return (char)c;
}

/* ------------------------------------------------------------------------ */
/* IDT and interrupt dispatch                                               */

struct __attribute__((packed)) idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr; /* 0x8E: present, DPL 0, 64-bit interrupt gate */
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

struct __attribute__((packed)) idt_pointer {
    uint16_t limit;
    uint64_t base;
};

#define KERNEL_CS 0x08 /* wisp's flat 64-bit code segment */

/* isr.S: 256 stubs, one per vector, WISP_ISR_STUB_SIZE bytes apart. */
extern const char wisp_isr_stubs[];
#define WISP_ISR_STUB_SIZE 16

static struct idt_gate idt[256] __attribute__((aligned(16)));
static wisp_interrupt_handler handlers[256];

void wisp_idt_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        uint64_t addr = (uint64_t)(uintptr_t)(wisp_isr_stubs + v * WISP_ISR_STUB_SIZE);

        idt[v].offset_low = (uint16_t)addr;
        idt[v].selector = KERNEL_CS;
        idt[v].ist = 0;
        idt[v].type_attr = 0x8E;
        idt[v].offset_mid = (uint16_t)(addr >> 16);
        idt[v].offset_high = (uint32_t)(addr >> 32);
        idt[v].reserved = 0;
    }
    wisp_idt_load();
}

void wisp_idt_load(void)
{
    struct idt_pointer p = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
    __asm__ __volatile__("lidt %0" : : "m"(p));
}

void wisp_set_interrupt_handler(uint8_t vector, wisp_interrupt_handler fn)
{
    handlers[vector] = fn;
}

static const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
    "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
    "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *wisp_exception_name(uint64_t vector)
{
    return vector < 32 ? exception_names[vector] : "IRQ";
}

void wisp_interrupt_dispatch(struct wisp_interrupt_frame *f)
{
    uint64_t v = f->vector;

    if (handlers[v]) {
        handlers[v](f);
        return;
    }
    if (v >= 32) {
        /* Spurious interrupts need no EOI and are harmless: the LAPIC's
         * spurious vector and the PIC's IRQ7/IRQ15 ghosts. */
        if (v == WISP_LAPIC_SPURIOUS_VECTOR || v == WISP_PIC_VECTOR_BASE + 7 ||
            v == WISP_PIC_VECTOR_BASE + 15)
            return;
        wisp_printf("UNEXPECTED INTERRUPT: vector %lu at rip 0x%lx\n", v, f->rip);
        wisp_exit(WISP_EXIT_UNEXPECTED);
    }
    wisp_printf("EXCEPTION: vector %lu (%s) error 0x%lx rip 0x%lx cs 0x%lx rflags 0x%lx "
                "rsp 0x%lx cr2 0x%lx\n",
                v, wisp_exception_name(v), f->error_code, f->rip, f->cs, f->rflags,
                f->rsp, read_cr2());
    wisp_exit(WISP_EXIT_EXCEPTION);
}

/* ------------------------------------------------------------------------ */
/* local APIC                                                               */

#define MSR_APIC_BASE        0x1B
#define MSR_APIC_BASE_ENABLE (1u << 11)
#define LVT_DELIVERY_EXTINT  (7u << 8)
#define LVT_DELIVERY_NMI     (4u << 8)
#define TIMER_DIVIDE_BY_16   0x3

static uint64_t lapic_ticks_per_sec;
static int pic_initialized;

void wisp_lapic_enable(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    if (!(base & MSR_APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | MSR_APIC_BASE_ENABLE);
    wisp_lapic_write(WISP_LAPIC_SVR, 0x100 | WISP_LAPIC_SPURIOUS_VECTOR); /* software enable */
    wisp_lapic_write(WISP_LAPIC_TPR, 0);
    wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_LVT_MASKED);

    /* LINT0 carries the PIC's output ("virtual wire" mode). Before opening
     * it, make sure the PIC is remapped away from the exception vectors and
     * masked: an unprogrammed 8259 would deliver IRQ n on vector n (or 8 + n
     * after a BIOS), which looks exactly like a CPU exception. */
    if (!pic_initialized)
        wisp_pic_init();
    wisp_lapic_write(WISP_LAPIC_LVT_LINT0, LVT_DELIVERY_EXTINT);
    wisp_lapic_write(WISP_LAPIC_LVT_LINT1, LVT_DELIVERY_NMI);
}

void wisp_lapic_enable_ap(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    if (!(base & MSR_APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | MSR_APIC_BASE_ENABLE);
    wisp_lapic_write(WISP_LAPIC_SVR, 0x100 | WISP_LAPIC_SPURIOUS_VECTOR);
    wisp_lapic_write(WISP_LAPIC_TPR, 0);
    wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_LVT_MASKED);
    wisp_lapic_write(WISP_LAPIC_LVT_LINT0, WISP_LAPIC_LVT_MASKED);
    wisp_lapic_write(WISP_LAPIC_LVT_LINT1, WISP_LAPIC_LVT_MASKED);
}

uint64_t wisp_lapic_timer_calibrate(uint32_t window_ms)
{
    /* Run the timer one-shot (masked) from its maximum count and see how far
     * it counts down while get_time advances by window_ms. Each get_time is
     * a VM exit, so the loop below runs only a few thousand times. */
    wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_LVT_MASKED);
    wisp_lapic_write(WISP_LAPIC_TIMER_DIV, TIMER_DIVIDE_BY_16);
    wisp_lapic_write(WISP_LAPIC_TIMER_INIT, 0xFFFFFFFFu);

    uint64_t ta = wisp_time_ns();
    uint32_t c0 = wisp_lapic_read(WISP_LAPIC_TIMER_CUR);
    uint64_t tb = wisp_time_ns();
    uint64_t t0 = ta + (tb - ta) / 2, t1, ns;
    uint32_t c1;

    do {
        ta = wisp_time_ns();
        c1 = wisp_lapic_read(WISP_LAPIC_TIMER_CUR);
        tb = wisp_time_ns();
        t1 = ta + (tb - ta) / 2;
        ns = t1 - t0;
    } while (t1 >= t0 && ns < (uint64_t)window_ms * 1000000u && c1 != 0);
    wisp_lapic_write(WISP_LAPIC_TIMER_INIT, 0);

    if (t1 <= t0 || c1 >= c0)
        return 0;
    /* (c0 - c1) < 2^32 and 1e9 < 2^30: the product fits in 64 bits. */
    lapic_ticks_per_sec = (uint64_t)(c0 - c1) * 1000000000u / ns;
    return lapic_ticks_per_sec;
}

uint32_t wisp_lapic_timer_periodic(uint8_t vector, uint32_t hz)
{
    if (!lapic_ticks_per_sec && !wisp_lapic_timer_calibrate(50))
        return 0;
    uint64_t count = lapic_ticks_per_sec / (hz ? hz : 1);

    if (count == 0)
        count = 1;
    if (count > 0xFFFFFFFFu)
        count = 0xFFFFFFFFu;
    wisp_lapic_write(WISP_LAPIC_TIMER_DIV, TIMER_DIVIDE_BY_16);
    wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_TIMER_PERIODIC | vector);
    wisp_lapic_write(WISP_LAPIC_TIMER_INIT, (uint32_t)count);
    return (uint32_t)count;
}

void wisp_lapic_timer_stop(void)
{
    wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_LVT_MASKED);
    wisp_lapic_write(WISP_LAPIC_TIMER_INIT, 0);
}

/* ------------------------------------------------------------------------ */
/* 8259A PIC pair, 8254 PIT                                                 */

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI   0x20

static uint16_t pic_mask = 0xFFFF; /* bit n set: IRQ n masked */

static void pic_write_mask(void)
{
    outb(PIC1_DATA, (uint8_t)pic_mask);
    outb(PIC2_DATA, (uint8_t)(pic_mask >> 8));
}

void wisp_pic_init(void)
{
    /* ICW1: edge triggered, cascade, ICW4 follows. No I/O delays are needed
     * for a virtual PIC. */
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, WISP_PIC_VECTOR_BASE);     /* ICW2: vector offsets */
    outb(PIC2_DATA, WISP_PIC_VECTOR_BASE + 8);
    outb(PIC1_DATA, 0x04);                     /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);                     /*       cascade identity */
    outb(PIC1_DATA, 0x01);                     /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    pic_mask = 0xFFFF & ~(1u << 2);            /* all masked but the cascade */
    pic_write_mask();
    pic_initialized = 1;
}

void wisp_pic_unmask(unsigned irq)
{
    pic_mask &= (uint16_t)~(1u << irq);
    pic_write_mask();
}

void wisp_pic_mask(unsigned irq)
{
    pic_mask |= (uint16_t)(1u << irq);
    pic_write_mask();
}

void wisp_pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

uint16_t wisp_pit_periodic(uint32_t hz)
{
    uint32_t div = WISP_PIT_HZ / (hz ? hz : 1);

    if (div < 1)
        div = 1;
    if (div > 0xFFFF)
        div = 0xFFFF;
    outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(0x40, (uint8_t)div);
    outb(0x40, (uint8_t)(div >> 8));
    return (uint16_t)div;
}

/* ------------------------------------------------------------------------ */
/* framebuffer                                                              */

int wisp_fb_usable(const struct wisp_boot_info *bi)
{
    return (bi->flags & WISP_BOOT_FLAG_FRAMEBUFFER) && bi->fb_format == WISP_FB_FORMAT_BGRA8 &&
           bi->framebuffer_base != 0 && bi->fb_width > 0 && bi->fb_height > 0 &&
           bi->fb_stride >= bi->fb_width * 4 &&
           (uint64_t)bi->fb_stride * bi->fb_height <= bi->framebuffer_size;
}

void wisp_fb_fill_rect(const struct wisp_boot_info *bi, int32_t x, int32_t y, int32_t w,
                       int32_t h, uint32_t color)
{
    int32_t x1 = x + w, y1 = y + h;

    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x1 > (int32_t)bi->fb_width)
        x1 = (int32_t)bi->fb_width;
    if (y1 > (int32_t)bi->fb_height)
        y1 = (int32_t)bi->fb_height;
    if (x >= x1 || y >= y1)
        return;

    uint8_t *row = (uint8_t *)(uintptr_t)bi->framebuffer_base + (uint64_t)y * bi->fb_stride;

    for (int32_t yy = y; yy < y1; yy++, row += bi->fb_stride)
        wisp_fill32((uint32_t *)row + x, color, (size_t)(x1 - x));
}
