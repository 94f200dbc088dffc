#include "pit8254.h"

#include <string.h>

#define NS_PER_S 1000000000ull
#define REFRESH_PERIOD_NS 15085 /* DRAM refresh request: port 0x61 bit 4 */
#define CONTROL_PORT 3

/* Whole input clocks in d ns (exact: no 64-bit overflow for any d). */
static uint64_t ns_to_ticks(uint64_t d)
{
    return (d / NS_PER_S) * PIT8254_HZ + (d % NS_PER_S) * PIT8254_HZ / NS_PER_S;
}

/* The shortest time in ns holding t whole clocks: ns_to_ticks of the
 * result is exactly t, and one ns less gives t - 1. */
static uint64_t ticks_to_ns(uint64_t t)
{
    return (t / PIT8254_HZ) * NS_PER_S +
           ((t % PIT8254_HZ) * NS_PER_S + PIT8254_HZ - 1) / PIT8254_HZ;
}

static uint32_t modulus(const struct pit8254_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* Clocks counted since the channel started. */
static uint64_t elapsed(const struct pit8254_channel *c, uint64_t now)
{
    if (c->paused)
        return c->paused_ticks;
    return now > c->start_ns ? ns_to_ticks(now - c->start_ns) : 0;
}

/* The counting element, 1..modulus (modulus reads as 0). */
static uint32_t counter_value(const struct pit8254_channel *c, uint64_t now)
{
    if (!c->counting)
        return c->reload;
    uint64_t e = elapsed(c, now);
    uint64_t n = c->reload;
    uint64_t m = modulus(c);
    switch (c->mode) {
    case 2:
        return (uint32_t)(n - e % n);
    case 3: {
        /* Decrements by two; the output toggles at each expiry. An odd
         * count spends one clock more in the high half. */
        uint64_t p = e % n, high = (n + 1) / 2;
        uint64_t q = p < high ? p : p - high;
        if (q == 0)
            return (uint32_t)n;
        if (n % 2 == 0)
            return (uint32_t)(n - 2 * q);
        return (uint32_t)(p < high ? n + 1 - 2 * q : n - 1 - 2 * q);
    }
    default: /* 0, 1, 4, 5: count down and wrap */
        return (uint32_t)((n + m - e % m) % m);
    }
}

/* What the guest reads for a counter value: 16 bits, BCD when selected. */
static uint16_t visible(const struct pit8254_channel *c, uint32_t v)
{
    v %= modulus(c);
    if (!c->bcd)
        return (uint16_t)v;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static bool channel_output(const struct pit8254_channel *c, uint64_t now)
{
    if (!c->counting)
        return c->mode != 0;
    uint64_t e = elapsed(c, now);
    uint64_t n = c->reload;
    switch (c->mode) {
    case 0:
    case 1:
        return e >= n;
    case 2:
        return !c->gate || e % n != n - 1;
    case 3:
        return !c->gate || e % n < (n + 1) / 2;
    default: /* 4, 5: low for one clock at terminal count */
        return e != n;
    }
}

static uint8_t status_byte(const struct pit8254_channel *c, uint64_t now)
{
    return (uint8_t)((channel_output(c, now) ? PIT_STATUS_OUT : 0) |
                     (c->null_count ? PIT_STATUS_NULL : 0) | c->access << 4 | c->mode << 1 |
                     (c->bcd ? PIT_BCD : 0));
}

/* Absolute time of the first rising output edge strictly after now, or
 * UINT64_MAX. */
static uint64_t next_edge_after(const struct pit8254_channel *c, uint64_t now)
{
    if (!c->counting || c->paused)
        return UINT64_MAX;
    uint64_t e = elapsed(c, now);
    uint64_t n = c->reload, target;
    switch (c->mode) {
    case 0:
    case 1:
        target = n;
        break;
    case 2:
    case 3:
        target = (e / n + 1) * n;
        break;
    default: /* 4, 5: back high one clock after terminal count */
        target = n + 1;
        break;
    }
    if (target <= e)
        return UINT64_MAX;
    return c->start_ns + ticks_to_ns(target);
}

static void set_irq0(struct pit8254 *pit, bool level)
{
    pit->irq0_level = level;
    if (pit->irq0)
        pit->irq0(pit->irq0_opaque, level);
}

/* Channel 0 was reprogrammed: its output restarts low. */
static void channel0_changed(struct pit8254 *pit, uint64_t now)
{
    if (pit->irq0_level)
        set_irq0(pit, false);
    pit->irq0_next_ns = next_edge_after(&pit->ch[0], now);
}

static void start_counting(struct pit8254_channel *c, uint64_t now)
{
    c->counting = true;
    c->start_ns = now;
    c->paused = false;
    c->paused_ticks = 0;
}

static void load_count(struct pit8254 *pit, unsigned ch, uint16_t raw, uint64_t now)
{
    struct pit8254_channel *c = &pit->ch[ch];
    uint32_t v = raw;
    if (c->bcd)
        v = (raw >> 12 & 0xF) * 1000u + (raw >> 8 & 0xF) * 100u + (raw >> 4 & 0xF) * 10u +
            (raw & 0xF);
    c->reload = v ? v : modulus(c);
    c->loaded = true;
    c->null_count = false;
    switch (c->mode) {
    case 1:
    case 5:
        break; /* waits for a rising gate edge */
    default:
        start_counting(c, now);
        if (!c->gate) { /* 0, 4 hold; 2, 3 wait for the gate */
            c->paused = true;
            c->paused_ticks = 0;
        }
        break;
    }
    if (ch == 0)
        channel0_changed(pit, now);
}

static void write_control(struct pit8254 *pit, uint8_t v, uint64_t now)
{
    unsigned sel = v >> 6;
    if (sel == 3) { /* read-back */
        for (unsigned ch = 0; ch < 3; ch++) {
            struct pit8254_channel *c = &pit->ch[ch];
            if (!(v & PIT_RB_CH(ch)))
                continue;
            if (!(v & PIT_RB_NO_COUNT) && !c->count_latched) {
                c->latched = visible(c, counter_value(c, now));
                c->count_latched = true;
            }
            if (!(v & PIT_RB_NO_STATUS) && !c->status_latched) {
                c->status = status_byte(c, now);
                c->status_latched = true;
            }
        }
        return;
    }
    struct pit8254_channel *c = &pit->ch[sel];
    unsigned access = (v >> 4) & 3;
    if (access == 0) { /* counter latch */
        if (!c->count_latched) {
            c->latched = visible(c, counter_value(c, now));
            c->count_latched = true;
        }
        return;
    }
    unsigned mode = (v >> 1) & 7;
    c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);
    c->access = (uint8_t)access;
    c->bcd = v & PIT_BCD;
    c->loaded = false;
    c->counting = false;
    c->paused = false;
    c->null_count = true;
    c->count_latched = false;
    c->status_latched = false;
    c->write_msb_next = false;
    c->read_msb_next = false;
    if (sel == 0)
        channel0_changed(pit, now);
}

static void write_counter(struct pit8254 *pit, unsigned ch, uint8_t v, uint64_t now)
{
    struct pit8254_channel *c = &pit->ch[ch];
    switch (c->access) {
    case 1:
        load_count(pit, ch, v, now);
        break;
    case 2:
        load_count(pit, ch, (uint16_t)(v << 8), now);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = v;
            c->write_msb_next = true;
            c->null_count = true;
            if (c->mode == 0 && c->counting) { /* the first byte stops mode 0 */
                c->counting = false;
                if (ch == 0)
                    channel0_changed(pit, now);
            }
        } else {
            c->write_msb_next = false;
            load_count(pit, ch, (uint16_t)(c->write_lsb | v << 8), now);
        }
        break;
    }
}

static uint8_t read_counter(struct pit8254_channel *c, uint64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v = c->count_latched ? c->latched : visible(c, counter_value(c, now));
    uint8_t byte;
    switch (c->access) {
    case 1:
        byte = (uint8_t)v;
        c->count_latched = false;
        break;
    case 2:
        byte = (uint8_t)(v >> 8);
        c->count_latched = false;
        break;
    default:
        if (!c->read_msb_next) {
            byte = (uint8_t)v;
            c->read_msb_next = true;
        } else {
            byte = (uint8_t)(v >> 8);
            c->read_msb_next = false;
            c->count_latched = false;
        }
        break;
    }
    return byte;
}

static void set_gate(struct pit8254_channel *c, bool gate, uint64_t now)
{
    if (gate == c->gate)
        return;
    c->gate = gate;
    if (gate) {
        switch (c->mode) {
        case 0:
        case 4:
            if (c->counting && c->paused) { /* resume where it stopped */
                uint64_t back = ticks_to_ns(c->paused_ticks);
                c->start_ns = now >= back ? now - back : 0;
                c->paused = false;
            }
            break;
        default: /* 1, 5 trigger; 2, 3 restart */
            if (c->loaded)
                start_counting(c, now);
            break;
        }
    } else if (c->counting && !c->paused && c->mode != 1 && c->mode != 5) {
        c->paused_ticks = elapsed(c, now);
        c->paused = true;
    }
}

void pit8254_init(struct pit8254 *pit, void (*irq0)(void *opaque, bool level),
                  void *irq0_opaque, uint64_t (*clock)(void *opaque), void *clock_opaque)
{
    memset(pit, 0, sizeof *pit);
    pit->irq0 = irq0;
    pit->irq0_opaque = irq0_opaque;
    pit->clock = clock;
    pit->clock_opaque = clock_opaque;
    pit->irq0_next_ns = UINT64_MAX;
    uint64_t now = clock(clock_opaque);
    for (unsigned ch = 0; ch < 3; ch++) {
        struct pit8254_channel *c = &pit->ch[ch];
        c->reload = 65536;
        c->access = 3;
        c->start_ns = now;
        c->gate = ch != 2; /* channel 2's gate is port 0x61 bit 0, reset low */
    }
}

uint64_t pit8254_update(struct pit8254 *pit, uint64_t now_ns)
{
    if (pit->irq0_next_ns != UINT64_MAX && now_ns >= pit->irq0_next_ns) {
        const struct pit8254_channel *c = &pit->ch[0];
        if (c->mode == 0 || c->mode == 1) {
            set_irq0(pit, true); /* stays high until reprogrammed */
        } else {
            set_irq0(pit, true);
            set_irq0(pit, false);
        }
        pit->irq0_next_ns = next_edge_after(c, now_ns);
        /* Periodic rates above the limit are delivered at the limit. */
        if ((c->mode == 2 || c->mode == 3) && pit->irq0_next_ns != UINT64_MAX &&
            ticks_to_ns(c->reload) < PIT8254_MIN_PERIOD_NS)
            pit->irq0_next_ns = now_ns + PIT8254_MIN_PERIOD_NS;
    }
    return pit->irq0_next_ns;
}

bool pit8254_output(const struct pit8254 *pit, unsigned ch, uint64_t now_ns)
{
    return ch < 3 && channel_output(&pit->ch[ch], now_ns);
}

void pit8254_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct pit8254 *pit = opaque;
    uint64_t now = pit->clock(pit->clock_opaque);
    pit8254_update(pit, now); /* what fell due before this access happened first */
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        if (at < offset || at >= PIT8254_NR_PORTS) {
            if (!is_write)
                data[i] = 0xFF;
            continue;
        }
        if (at == CONTROL_PORT) {
            if (is_write)
                write_control(pit, data[i], now);
            else
                data[i] = 0xFF; /* the control word is write-only */
        } else if (is_write) {
            write_counter(pit, (unsigned)at, data[i], now);
        } else {
            data[i] = read_counter(&pit->ch[at], now);
        }
    }
}

void pit8254_port61_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                       bool is_write)
{
    struct pit8254 *pit = opaque;
    uint64_t now = pit->clock(pit->clock_opaque);
    for (unsigned i = 0; i < size; i++) {
        if (offset + i != 0) {
            if (!is_write)
                data[i] = 0xFF;
            continue;
        }
        if (is_write) {
            pit->port61 = data[i] & 0x0F;
            set_gate(&pit->ch[2], data[i] & PIT_PORT61_GATE2, now);
        } else {
            uint8_t v = pit->port61;
            if ((now / REFRESH_PERIOD_NS) & 1)
                v |= PIT_PORT61_REFRESH;
            if (channel_output(&pit->ch[2], now))
                v |= PIT_PORT61_OUT2;
            data[i] = v;
        }
    }
}
