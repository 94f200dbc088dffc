/*
 * The 8254 programmable interval timer: channels 0-2 at ports 0x40-0x42,
 * the control word at 0x43, and the PC's port 0x61 bits that belong to it
 * (channel 2 gate in, channel 2 output out). Device only: time comes from
 * a clock callback (monotonic ns) and, for the run loop, from the now_ns
 * passed to pit8254_update(); channel 0's output goes to an IRQ 0
 * callback. It knows nothing about the bus, the PIC or the accelerator.
 *
 * Model:
 * - Input clock PIT8254_HZ (1193182 Hz). Counts are derived from time, not
 *   stepped: a channel remembers when it started counting, so reads,
 *   latches and the output are exact at any moment. A count takes effect
 *   at once when written (the real part waits for the next clock edge, and
 *   in modes 2 and 3 for the end of the current period; like most
 *   emulations we restart immediately).
 * - Modes 0 (interrupt on terminal count), 2 (rate generator) and 3
 *   (square wave) are exact. Modes 1 and 5 start on a rising gate edge
 *   (only channel 2's gate can move, so on channels 0 and 1 they never
 *   start); mode 4 gives one edge at terminal count. Modes 6 and 7 are
 *   modes 2 and 3. BCD counting is supported.
 * - Access modes lobyte, hibyte and lobyte/hibyte; a count of 0 means
 *   65536 (10000 in BCD). Counter latch and read-back (count and status)
 *   hold their value until read; reads without a latch see the live count.
 * - Gate: channels 0 and 1 are always enabled; channel 2's gate is port
 *   0x61 bit 0. A low gate pauses modes 0 and 4, stops modes 2 and 3
 *   (output high; they restart when the gate rises) and triggers modes 1
 *   and 5 on its rising edge.
 * - IRQ 0: in mode 0 the output rises at terminal count and stays high
 *   until the channel is reprogrammed, so irq0(true) then, irq0(false) on
 *   the next control word or count. In modes 2 and 3 (and 4) only the
 *   rising edge matters to the edge-triggered PIC input, so each period
 *   is delivered as a pulse: irq0(true), irq0(false). When several periods
 *   went by unseen (the host descheduled us) only one pulse is delivered,
 *   as the PIC's IRR would have coalesced them anyway. Periods shorter
 *   than PIT8254_MIN_PERIOD_NS deliver one edge per PIT8254_MIN_PERIOD_NS
 *   (the count itself, as the guest reads it, stays exact).
 * - Port 0x61: bits 0-3 read back as written (timer 2 gate, speaker
 *   enable, parity/channel-check enables); bit 4 is the refresh toggle
 *   (flips every 15.085 us); bit 5 is channel 2's output; bits 6-7 read 0.
 * - There is no BIOS: the channels start unprogrammed (not counting, IRQ 0
 *   low) until the guest writes a control word and a count.
 *
 * Time never goes backwards in a correct caller; a now_ns earlier than a
 * channel's start counts as no time elapsed.
 *
 * Not thread-safe: serialize all calls with one lock. irq0 runs inside
 * pit8254_update() and pit8254_io() (which first advances to the clock's
 * now). After an access, the next deadline may have moved: the run loop
 * calls pit8254_update() again before it decides how long to sleep.
 */
#ifndef WISP_DEV_PIT8254_H
#define WISP_DEV_PIT8254_H

#include <stdbool.h>
#include <stdint.h>

#define PIT8254_PORT 0x40
#define PIT8254_NR_PORTS 4
#define PIT8254_PORT61 0x61
#define PIT8254_HZ 1193182u
/* Shortest interval between two periodic IRQ 0 edges (modes 2 and 3): a
 * guest asking for more than 5000 interrupts a second would keep the host
 * busy for nothing (KVM's in-kernel PIT has the same 200 us floor). */
#define PIT8254_MIN_PERIOD_NS 200000u

/* Control word fields (port 0x43). */
#define PIT_SEL(ch) ((unsigned)(ch) << 6)
#define PIT_READ_BACK 0xC0
#define PIT_LATCH 0x00
#define PIT_ACCESS_LO 0x10
#define PIT_ACCESS_HI 0x20
#define PIT_ACCESS_LOHI 0x30
#define PIT_MODE(m) ((unsigned)(m) << 1)
#define PIT_BCD 0x01
/* Read-back command: bits 5 and 4 are active low. */
#define PIT_RB_NO_COUNT 0x20
#define PIT_RB_NO_STATUS 0x10
#define PIT_RB_CH(ch) (2u << (ch))
/* Status byte. */
#define PIT_STATUS_OUT 0x80
#define PIT_STATUS_NULL 0x40

#define PIT_PORT61_GATE2 0x01
#define PIT_PORT61_SPEAKER 0x02
#define PIT_PORT61_REFRESH 0x10
#define PIT_PORT61_OUT2 0x20

struct pit8254_channel {
    uint32_t reload;     /* the count in effect, in clocks: 1..65536 */
    uint64_t start_ns;   /* when counting down from reload began */
    uint64_t paused_ticks; /* clocks counted when the gate paused it */
    uint16_t latched;    /* latched count, as the guest reads it */
    uint8_t status;      /* latched status byte */
    uint8_t mode;        /* 0..5 */
    uint8_t access;      /* 1 lo, 2 hi, 3 lo/hi */
    uint8_t write_lsb;   /* first byte of a lo/hi count */
    bool bcd;
    bool loaded;         /* a count was written since the control word */
    bool counting;       /* the counting element runs (or is paused) */
    bool paused;         /* gate low: elapsed time frozen at paused_ticks */
    bool null_count;     /* count written but not yet in effect */
    bool count_latched;
    bool status_latched;
    bool write_msb_next; /* lo/hi: next write is the high byte */
    bool read_msb_next;  /* lo/hi: next read is the high byte */
    bool gate;
};

struct pit8254 {
    struct pit8254_channel ch[3];
    void (*irq0)(void *opaque, bool level);
    void *irq0_opaque;
    uint64_t (*clock)(void *opaque);
    void *clock_opaque;
    uint64_t irq0_next_ns; /* next rising edge of channel 0, or UINT64_MAX */
    bool irq0_level;       /* last level given to irq0 */
    uint8_t port61;        /* bits 0-3 as written */
};

/* Reset state; reads the clock once. irq0 may be NULL; clock may not. */
void pit8254_init(struct pit8254 *pit, void (*irq0)(void *opaque, bool level),
                  void *irq0_opaque, uint64_t (*clock)(void *opaque), void *clock_opaque);

/* Ports 0x40-0x43 (offsets 0..3); bus_access_fn, opaque = struct pit8254. */
void pit8254_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* Port 0x61 (offset 0); bus_access_fn, opaque = struct pit8254. */
void pit8254_port61_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                       bool is_write);

/* Advances to now_ns: delivers channel 0's IRQ 0 edge if one fell due (at
 * most one), and returns the absolute time of the next one (UINT64_MAX if
 * none is coming). */
uint64_t pit8254_update(struct pit8254 *pit, uint64_t now_ns);

/* Channel ch's output pin at now_ns (the speaker/calibration view). */
bool pit8254_output(const struct pit8254 *pit, unsigned ch, uint64_t now_ns);

#endif
