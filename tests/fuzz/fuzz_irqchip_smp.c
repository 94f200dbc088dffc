/*
 * libFuzzer target: what several hostile CPUs can do to wisp's own
 * interrupt controllers. The input is a program of 8-byte operations on a
 * 4-CPU irqchip_user (the guest's only ways in: LAPIC page accesses from
 * any CPU, I/O APIC and PIC/PIT accesses, plus device lines, MSIs, time
 * passing and the vCPU side taking interrupts, NMIs, INIT and start-ups).
 *
 * Besides "no crash, no sanitizer report" it checks what the vCPU loop
 * relies on: a kick only for a CPU that exists; an acknowledged vector is
 * -1 or 0..255, and one only when has_interrupt said so; has_event agrees
 * with what take_nmi and take_start then hand out; the next deadline is
 * never in the past after an update.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "dev/irqchip_user.h"

#define CPUS 4

static struct irqchip_user chip;
static struct bus ports, mmio;
static uint64_t now;

static uint64_t fake_clock(void *opaque)
{
    (void)opaque;
    return now;
}

static void on_kick(void *opaque, unsigned cpu)
{
    (void)opaque;
    if (cpu >= CPUS)
        abort();
}

static const uint16_t port_list[] = { 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1,
                                      0x40, 0x41, 0x42, 0x43, 0x61 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&ports, 0, sizeof ports);
    memset(&mmio, 0, sizeof mmio);
    ports.name = "port";
    mmio.name = "mmio";
    now = 0;
    struct wisp_error err = { 0 };
    if (irqchip_user_init(&chip, &ports, &mmio, CPUS, fake_clock, NULL, &err) < 0)
        abort();
    irqchip_user_set_kick(&chip, on_kick, NULL);

    for (size_t at = 0; at + 8 <= size; at += 8) {
        const uint8_t *op = data + at;
        unsigned cpu = op[1] % CPUS;
        uint32_t value;
        memcpy(&value, op + 4, 4);
        uint8_t bytes[4];
        memcpy(bytes, &value, 4);
        switch (op[0] % 10) {
        case 0: /* LAPIC register access, 16-byte aligned offsets (and some not) */
        case 1: {
            uint64_t offset = ((uint64_t)op[2] << 4 | (op[3] & 0x0F)) & 0xFFF;
            if (op[3] & 0x80)
                offset &= ~0xFull;
            irqchip_user_lapic_access(&chip, cpu, 0xFEE00000ull + offset, bytes, 4,
                                      op[0] & 0x10);
            break;
        }
        case 2: /* I/O APIC window */
            bus_dispatch(&mmio, 0xFEC00000ull + (op[2] & 0x1F), bytes, 1 + (op[3] & 3),
                         op[3] & 0x80);
            break;
        case 3: /* PIC, ELCR, PIT ports */
            bus_dispatch(&ports, port_list[op[2] % (sizeof port_list / sizeof port_list[0])],
                         bytes, 1, op[3] & 0x80);
            break;
        case 4: /* a device line */
            irqchip_user_set_irq(&chip, op[2] % 24, op[3] & 1);
            break;
        case 5: /* an MSI, inside or outside the window */
            irqchip_user_send_msi(&chip, 0xFEE00000ull + ((uint64_t)op[2] << 12) +
                                             (op[3] & 0xC) - (op[3] & 0x40 ? 0x1000000 : 0),
                                  value);
            break;
        case 6: { /* time passes for one CPU */
            now += value & 0xFFFFF;
            uint64_t next = irqchip_user_update(&chip, cpu, now);
            if (next != UINT64_MAX && next < now)
                abort();
            break;
        }
        case 7: { /* the CPU takes an interrupt */
            bool has = irqchip_user_has_interrupt(&chip, cpu);
            int vector = irqchip_user_acknowledge(&chip, cpu);
            if (vector > 255 || vector < -1 || (!has && vector >= 0))
                abort();
            break;
        }
        case 8: { /* NMI, INIT, start-up */
            bool event = irqchip_user_has_event(&chip, cpu);
            bool interrupt = irqchip_user_has_interrupt(&chip, cpu);
            bool nmi = irqchip_user_take_nmi(&chip, cpu);
            bool init;
            int sipi;
            irqchip_user_take_start(&chip, cpu, &init, &sipi);
            if ((nmi || init || sipi >= 0) && !event)
                abort();
            if (event && !nmi && !init && sipi < 0 && !interrupt)
                abort();
            if (sipi > 255)
                abort();
            break;
        }
        default: /* an IPI straight from CPU cpu's ICR */
            irqchip_user_lapic_access(&chip, cpu, 0xFEE00310, (uint8_t[]){ 0, 0, 0, op[2] }, 4,
                                      true);
            irqchip_user_lapic_access(&chip, cpu, 0xFEE00300, bytes, 4, true);
            break;
        }
    }
    return 0;
}
