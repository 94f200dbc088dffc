#include "lapic.h"

#include <string.h>

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* Bits a write can set in each LVT entry (delivery status and remote IRR
 * are read-only; timer bit 18, TSC-deadline mode, is not offered). */
static const uint32_t lvt_writable[LAPIC_LVT_COUNT] = {
    [LVT_TIMER] = 0x000300FF,
    [LVT_THERMAL] = 0x000107FF,
    [LVT_PERF] = 0x000107FF,
    [LVT_LINT0] = 0x0001A7FF,
    [LVT_LINT1] = 0x0001A7FF,
    [LVT_ERROR] = 0x000100FF,
};

#define SVR_WRITABLE 0x3FFu      /* vector, enable, focus checking */
#define ICR_LOW_WRITABLE 0xCCFFFu /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_SHORTHAND 0xC0000u
#define DIVIDE_WRITABLE 0xBu
#define DFR_FLAT 0xF0000000u

/* ---- 256-bit vector sets (IRR, ISR, TMR) ---- */

static void set_bit256(uint32_t *r, unsigned v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static void clear_bit256(uint32_t *r, unsigned v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

static bool test_bit256(const uint32_t *r, unsigned v)
{
    return r[v >> 5] >> (v & 31) & 1;
}

static int highest_bit256(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

/* ---- state queries ---- */

static bool sw_enabled(const struct lapic *a)
{
    return a->svr & LAPIC_SVR_ENABLE;
}

static bool hw_enabled(const struct lapic *a)
{
    return a->base_msr & LAPIC_BASE_MSR_ENABLE;
}

static bool lvt_masked(const struct lapic *a, int lvt)
{
    return a->lvt[lvt] & LAPIC_LVT_MASKED;
}

static unsigned lvt_delivery(const struct lapic *a, int lvt)
{
    return (a->lvt[lvt] >> LAPIC_LVT_DELIVERY_SHIFT) & 7;
}

static uint32_t ppr(const struct lapic *a)
{
    int isrv = highest_bit256(a->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
    if ((a->tpr & 0xF0) >= isr_class)
        return a->tpr & 0xFF;
    return isr_class;
}

/* The highest IRR vector the CPU may take now, or -1. */
static int deliverable(const struct lapic *a)
{
    int v = highest_bit256(a->irr);
    if (v < 0 || ((uint32_t)v & 0xF0) <= (ppr(a) & 0xF0))
        return -1;
    return v;
}

static bool extint_pending(const struct lapic *a)
{
    if (!a->lint0)
        return false;
    if (!hw_enabled(a))
        return true; /* LINT0 is the CPU's INTR pin */
    return !lvt_masked(a, LVT_LINT0) && lvt_delivery(a, LVT_LINT0) == LAPIC_DM_EXTINT;
}

bool lapic_timer_armed(const struct lapic *a)
{
    return hw_enabled(a) && sw_enabled(a) && !lvt_masked(a, LVT_TIMER) &&
           a->timer_next_ns != UINT64_MAX;
}

bool lapic_accepts_extint(const struct lapic *a)
{
    return !hw_enabled(a) ||
           (!lvt_masked(a, LVT_LINT0) && lvt_delivery(a, LVT_LINT0) == LAPIC_DM_EXTINT);
}

/* ---- interrupt acceptance ---- */

static void signal_error(struct lapic *a, uint32_t bits)
{
    a->esr_pending |= bits;
    uint32_t vector = a->lvt[LVT_ERROR] & 0xFF;
    /* An illegal error vector would only report itself again: drop it. */
    if (!lvt_masked(a, LVT_ERROR) && vector >= 16 && sw_enabled(a) && hw_enabled(a)) {
        set_bit256(a->irr, vector);
        clear_bit256(a->tmr, vector);
    }
}

void lapic_accept_irq(struct lapic *apic, uint8_t vector)
{
    if (!sw_enabled(apic) || !hw_enabled(apic))
        return;
    if (vector < 16) {
        signal_error(apic, LAPIC_ESR_RECV_ILLEGAL);
        return;
    }
    set_bit256(apic->irr, vector);
    clear_bit256(apic->tmr, vector); /* edge-triggered */
}

void lapic_accept_level_irq(struct lapic *apic, uint8_t vector)
{
    lapic_accept_irq(apic, vector);
    if (test_bit256(apic->irr, vector))
        set_bit256(apic->tmr, vector);
}

/* A fixed-mode LVT source fires. */
static void lvt_fire(struct lapic *a, int lvt)
{
    if (lvt_masked(a, lvt))
        return;
    unsigned mode = lvt_delivery(a, lvt);
    if (mode == LAPIC_DM_FIXED) /* always so for the timer */
        lapic_accept_irq(a, (uint8_t)(a->lvt[lvt] & 0xFF));
    else if (mode == LAPIC_DM_NMI)
        a->nmi_pending = true;
    /* SMI, INIT and ExtINT edges are not delivered through IRR. */
}

bool lapic_is_destination(const struct lapic *a, uint8_t dest, bool logical)
{
    if (dest == APIC_BROADCAST_ID)
        return true; /* broadcast, both modes */
    if (!logical)
        return dest == a->id >> 24;
    uint32_t ldr = a->ldr >> 24;
    if ((a->dfr & DFR_FLAT) == DFR_FLAT)
        return (ldr & dest) != 0;
    /* Cluster model: high nibble cluster, low nibble members. */
    return (ldr >> 4) == ((uint32_t)dest >> 4) && (ldr & dest & 0xF) != 0;
}

static void send_ipi(struct lapic *a)
{
    uint32_t icr = a->icr_low;
    struct apic_message msg = {
        .vector = (uint8_t)(icr & 0xFF),
        .delivery_mode = (uint8_t)((icr >> 8) & 7),
        .logical = (icr & LAPIC_ICR_LOGICAL) != 0,
        .level_triggered = (icr & LAPIC_ICR_LEVEL_TRIGGER) != 0,
        .assert = (icr & LAPIC_ICR_LEVEL_ASSERT) != 0,
        .shorthand = (uint8_t)((icr & ICR_SHORTHAND) >> 18),
        .dest = (uint8_t)(a->icr_high >> 24),
        .source = a->cpu,
    };
    bool fixed = msg.delivery_mode == LAPIC_DM_FIXED || msg.delivery_mode == LAPIC_DM_LOWEST;
    if (fixed && msg.vector < 16) {
        signal_error(a, LAPIC_ESR_SEND_ILLEGAL);
        return;
    }
    /* IPIs are edge-triggered fixed interrupts at the receiver. */
    msg.level_triggered = msg.delivery_mode == LAPIC_DM_INIT && msg.level_triggered;
    if (a->send) {
        a->send(a->send_opaque, &msg);
        return;
    }
    /* A lone APIC: only what comes back to itself. */
    bool self;
    switch (msg.shorthand) {
    case APIC_SHORTHAND_SELF:
    case APIC_SHORTHAND_ALL_INCLUDING_SELF:
        self = true;
        break;
    case APIC_SHORTHAND_ALL_EXCLUDING_SELF:
        self = false;
        break;
    default:
        self = lapic_is_destination(a, msg.dest, msg.logical);
        break;
    }
    if (self && fixed)
        lapic_accept_irq(a, msg.vector);
}

/* ---- timer ---- */

static uint64_t tick_ns(const struct lapic *a)
{
    uint32_t v = ((a->divide >> 1) & 4) | (a->divide & 3);
    uint64_t divisor = v == 7 ? 1 : 2u << v;
    return divisor * LAPIC_NS_PER_BUS_TICK;
}

static bool periodic(const struct lapic *a)
{
    return a->lvt[LVT_TIMER] & LAPIC_LVT_TIMER_PERIODIC;
}

static uint32_t current_count(const struct lapic *a, uint64_t now)
{
    if (a->base_count == 0)
        return 0; /* stopped, or a one-shot that has expired */
    uint64_t ticks = now > a->base_ns ? (now - a->base_ns) / tick_ns(a) : 0;
    if (ticks < a->base_count)
        return (uint32_t)(a->base_count - ticks);
    if (!periodic(a) || a->initial_count == 0)
        return 0;
    return (uint32_t)(a->initial_count - (ticks - a->base_count) % a->initial_count);
}

/* The first expiry strictly after now, or UINT64_MAX. */
static uint64_t next_expiry_after(const struct lapic *a, uint64_t now)
{
    if (a->base_count == 0)
        return UINT64_MAX;
    uint64_t first = a->base_ns + a->base_count * tick_ns(a);
    if (first > now)
        return first;
    if (!periodic(a) || a->initial_count == 0)
        return UINT64_MAX;
    uint64_t period = (uint64_t)a->initial_count * tick_ns(a);
    return first + ((now - first) / period + 1) * period;
}

/* Count down from count, starting at now (an initial-count write, or the
 * count reached so far after a change of rate or mode; expiries up to now
 * have been delivered by then). */
static void timer_restart_from(struct lapic *a, uint32_t count, uint64_t now)
{
    a->base_count = count;
    a->base_ns = now;
    a->timer_next_ns = next_expiry_after(a, now);
}

uint64_t lapic_update(struct lapic *apic, uint64_t now_ns)
{
    if (apic->timer_next_ns != UINT64_MAX && now_ns >= apic->timer_next_ns) {
        lvt_fire(apic, LVT_TIMER);
        if (!periodic(apic))
            apic->base_count = 0; /* the one-shot is over: reads 0 from now on */
        apic->timer_next_ns = next_expiry_after(apic, now_ns);
        /* Periodic rates above the limit are delivered at the limit. */
        if (periodic(apic) && apic->timer_next_ns != UINT64_MAX &&
            (uint64_t)apic->initial_count * tick_ns(apic) < LAPIC_MIN_PERIOD_NS)
            apic->timer_next_ns = now_ns + LAPIC_MIN_PERIOD_NS;
    }
    /* A masked timer keeps counting but has nothing to deliver. */
    return lvt_masked(apic, LVT_TIMER) ? UINT64_MAX : apic->timer_next_ns;
}

/* ---- registers ---- */

static uint32_t read_reg(struct lapic *a, unsigned off, uint64_t now)
{
    if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80)
        return a->isr[(off - LAPIC_ISR) >> 4];
    if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80)
        return a->tmr[(off - LAPIC_TMR) >> 4];
    if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80)
        return a->irr[(off - LAPIC_IRR) >> 4];
    if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR)
        return a->lvt[(off - LAPIC_LVT_TIMER) >> 4];
    switch (off) {
    case LAPIC_ID:
        return a->id;
    case LAPIC_VERSION:
        return LAPIC_VERSION_VALUE;
    case LAPIC_TPR:
        return a->tpr;
    case LAPIC_PPR:
        return ppr(a);
    case LAPIC_LDR:
        return a->ldr;
    case LAPIC_DFR:
        return a->dfr;
    case LAPIC_SVR:
        return a->svr;
    case LAPIC_ESR:
        return a->esr;
    case LAPIC_ICR_LOW:
        return a->icr_low; /* delivery status: always idle */
    case LAPIC_ICR_HIGH:
        return a->icr_high;
    case LAPIC_TIMER_INITIAL:
        return a->initial_count;
    case LAPIC_TIMER_CURRENT:
        return current_count(a, now);
    case LAPIC_TIMER_DIVIDE:
        return a->divide;
    default: /* APR, EOI, RRD, reserved */
        return 0;
    }
}

static void write_lvt(struct lapic *a, int lvt, uint32_t v, uint64_t now)
{
    v &= lvt_writable[lvt];
    if (!sw_enabled(a))
        v |= LAPIC_LVT_MASKED;
    bool mode_change = lvt == LVT_TIMER && ((v ^ a->lvt[lvt]) & LAPIC_LVT_TIMER_PERIODIC);
    uint32_t count = mode_change ? current_count(a, now) : 0;
    a->lvt[lvt] = v;
    if (mode_change) /* the running count continues under the new mode */
        timer_restart_from(a, count, now);
}

static void write_svr(struct lapic *a, uint32_t v)
{
    a->svr = v & SVR_WRITABLE;
    if (!sw_enabled(a))
        for (int i = 0; i < LAPIC_LVT_COUNT; i++)
            a->lvt[i] |= LAPIC_LVT_MASKED;
}

static void write_eoi(struct lapic *a)
{
    int v = highest_bit256(a->isr);
    if (v < 0)
        return;
    clear_bit256(a->isr, (unsigned)v);
    bool level = test_bit256(a->tmr, (unsigned)v);
    clear_bit256(a->tmr, (unsigned)v);
    if (level && a->level_eoi)
        a->level_eoi(a->level_eoi_opaque, (uint8_t)v);
}

static void write_reg(struct lapic *a, unsigned off, uint32_t v, uint64_t now)
{
    if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR) {
        write_lvt(a, (int)((off - LAPIC_LVT_TIMER) >> 4), v, now);
        return;
    }
    switch (off) {
    case LAPIC_ID:
        a->id = v & 0xFF000000u;
        break;
    case LAPIC_TPR:
        a->tpr = v & 0xFF;
        break;
    case LAPIC_EOI:
        write_eoi(a);
        break;
    case LAPIC_LDR:
        a->ldr = v & 0xFF000000u;
        break;
    case LAPIC_DFR:
        a->dfr = v | 0x0FFFFFFFu;
        break;
    case LAPIC_SVR:
        write_svr(a, v);
        break;
    case LAPIC_ESR: /* latch the errors seen since the last write */
        a->esr = a->esr_pending;
        a->esr_pending = 0;
        break;
    case LAPIC_ICR_LOW:
        a->icr_low = v & ICR_LOW_WRITABLE;
        send_ipi(a);
        break;
    case LAPIC_ICR_HIGH:
        a->icr_high = v & 0xFF000000u;
        break;
    case LAPIC_TIMER_INITIAL:
        a->initial_count = v;
        timer_restart_from(a, v, now);
        break;
    case LAPIC_TIMER_DIVIDE: {
        /* Keep the count reached so far; continue at the new rate. */
        uint32_t count = current_count(a, now);
        a->divide = v & DIVIDE_WRITABLE;
        timer_restart_from(a, count, now);
        break;
    }
    default: /* read-only or reserved */
        break;
    }
}

/* ---- public interface ---- */

/* The architectural reset, or an INIT (which keeps ID, base MSR, pins and
 * the wiring to the rest of the machine). */
static void reset_registers(struct lapic *apic)
{
    apic->tpr = apic->ldr = 0;
    apic->dfr = 0xFFFFFFFFu;
    apic->svr = 0xFF;
    memset(apic->irr, 0, sizeof apic->irr);
    memset(apic->isr, 0, sizeof apic->isr);
    memset(apic->tmr, 0, sizeof apic->tmr);
    apic->esr = apic->esr_pending = 0;
    apic->icr_low = apic->icr_high = 0;
    for (int i = 0; i < LAPIC_LVT_COUNT; i++)
        apic->lvt[i] = LAPIC_LVT_MASKED;
    if (apic->bsp) {
        /* What PC firmware leaves behind: virtual-wire mode (see lapic.h). */
        apic->lvt[LVT_LINT0] = LAPIC_DM_EXTINT << LAPIC_LVT_DELIVERY_SHIFT;
        apic->lvt[LVT_LINT1] = LAPIC_DM_NMI << LAPIC_LVT_DELIVERY_SHIFT;
    }
    apic->divide = 0;
    apic->initial_count = 0;
    apic->base_count = 0;
    apic->base_ns = apic->clock(apic->opaque);
    apic->timer_next_ns = UINT64_MAX;
    apic->nmi_pending = false;
}

void lapic_init_cpu(struct lapic *apic, int cpu, uint8_t apic_id, bool bsp,
                    uint64_t (*clock)(void *opaque), void *opaque)
{
    memset(apic, 0, sizeof *apic);
    apic->clock = clock;
    apic->opaque = opaque;
    apic->cpu = cpu;
    apic->bsp = bsp;
    apic->id = (uint32_t)apic_id << 24;
    apic->base_msr = LAPIC_BASE | LAPIC_BASE_MSR_ENABLE | (bsp ? LAPIC_BASE_MSR_BSP : 0);
    apic->sipi_vector = -1;
    reset_registers(apic);
}

void lapic_init(struct lapic *apic, uint64_t (*clock)(void *opaque), void *opaque)
{
    lapic_init_cpu(apic, 0, 0, true, clock, opaque);
}

uint32_t lapic_arbitration_priority(const struct lapic *apic)
{
    return ppr(apic);
}

void lapic_receive(struct lapic *apic, const struct apic_message *msg)
{
    switch (msg->delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (msg->level_triggered)
            lapic_accept_level_irq(apic, msg->vector);
        else
            lapic_accept_irq(apic, msg->vector);
        return;
    case APIC_DM_NMI:
        if (hw_enabled(apic))
            apic->nmi_pending = true;
        return;
    case APIC_DM_INIT:
        /* A de-assert only synchronised arbitration IDs on old parts. */
        if ((msg->level_triggered && !msg->assert) || apic->bsp)
            return;
        reset_registers(apic);
        apic->init_pending = true;
        apic->sipi_vector = -1;
        return;
    case APIC_DM_STARTUP:
        apic->sipi_vector = msg->vector;
        return;
    default: /* SMI, ExtINT (the 8259 reaches LINT0 directly), reserved */
        return;
    }
}

bool lapic_has_event(const struct lapic *apic)
{
    return apic->nmi_pending || apic->init_pending || apic->sipi_vector >= 0 ||
           lapic_has_interrupt(apic);
}

bool lapic_take_nmi(struct lapic *apic)
{
    bool nmi = apic->nmi_pending;
    apic->nmi_pending = false;
    return nmi;
}

void lapic_take_start(struct lapic *apic, bool *init, int *sipi_vector)
{
    *init = apic->init_pending;
    *sipi_vector = apic->sipi_vector;
    apic->init_pending = false;
    apic->sipi_vector = -1;
}

void lapic_mmio(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct lapic *a = opaque;
    if (size != 4 || (offset & 0xF) != 0 || offset >= LAPIC_SIZE) {
        if (!is_write)
            memset(data, 0, size);
        return;
    }
    uint64_t now = a->clock(a->opaque);
    lapic_update(a, now); /* a timer that fell due comes before this access */
    if (is_write) {
        uint32_t v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
        write_reg(a, (unsigned)offset, v, now);
    } else {
        uint32_t v = read_reg(a, (unsigned)offset, now);
        for (unsigned i = 0; i < 4; i++)
            data[i] = (uint8_t)(v >> (8 * i));
    }
}

uint32_t lapic_read_reg(struct lapic *apic, unsigned offset)
{
    return read_reg(apic, offset, apic->clock(apic->opaque));
}

int lapic_highest_pending(const struct lapic *apic)
{
    return highest_bit256(apic->irr);
}

int lapic_highest_in_service(const struct lapic *apic)
{
    return highest_bit256(apic->isr);
}

bool lapic_has_interrupt(const struct lapic *apic)
{
    if (extint_pending(apic))
        return true;
    return hw_enabled(apic) && deliverable(apic) >= 0;
}

int lapic_acknowledge(struct lapic *apic)
{
    if (extint_pending(apic))
        return LAPIC_EXTINT;
    if (!hw_enabled(apic))
        return LAPIC_NONE;
    int v = deliverable(apic);
    if (v < 0)
        return LAPIC_NONE;
    clear_bit256(apic->irr, (unsigned)v);
    set_bit256(apic->isr, (unsigned)v);
    return v;
}

void lapic_set_lint0(struct lapic *apic, bool level)
{
    bool rising = level && !apic->lint0;
    apic->lint0 = level;
    if (rising && hw_enabled(apic))
        lvt_fire(apic, LVT_LINT0);
}

void lapic_set_lint1(struct lapic *apic, bool level)
{
    bool rising = level && !apic->lint1;
    apic->lint1 = level;
    if (rising && hw_enabled(apic))
        lvt_fire(apic, LVT_LINT1);
}

uint64_t lapic_get_base_msr(const struct lapic *apic)
{
    return apic->base_msr;
}

void lapic_set_base_msr(struct lapic *apic, uint64_t value)
{
    /* Bits 12-51: the base; bit 11: global enable; bit 8 (BSP) is fixed. */
    apic->base_msr = (value & 0x000FFFFFFFFFF000ull) | (value & LAPIC_BASE_MSR_ENABLE) |
                     (apic->base_msr & LAPIC_BASE_MSR_BSP);
}
