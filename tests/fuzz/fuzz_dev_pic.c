/*
 * libFuzzer target: the 8259A pair (master, slave, ELCR) behind the port
 * bus, with IRQ lines and INTA cycles: initialisation sequences in any
 * order, OCW2/OCW3 commands, polls, level and edge inputs. Checks that the
 * output the PIC reported is the output it has, and that an acknowledge
 * returns a vector of a base it was given or a spurious one.
 */
#include "dev/pic8259.h"
#include "fuzz_bus.h"

static struct bus ports;
static struct pic8259 pic;
static uint64_t now;
static bool output;

static void set_output(void *opaque, bool level)
{
    (void)opaque;
    output = level;
}

static void irq(void *opaque, unsigned line, bool level)
{
    (void)opaque;
    pic8259_set_irq(&pic, line % 18, level); /* 16 and 17: out of range, ignored */
}

static void ack(void *opaque)
{
    (void)opaque;
    int vector = pic8259_acknowledge(&pic);
    fuzz_check(vector >= -1 && vector <= 0xFF, "vector in range");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&ports, 0, sizeof ports);
    output = false;
    pic8259_init(&pic, set_output, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&ports, PIC8259_MASTER_PORT, PIC8259_NR_PORTS, "master",
                            pic8259_master_io, &pic, &err) == 0 &&
               bus_register(&ports, PIC8259_SLAVE_PORT, PIC8259_NR_PORTS, "slave",
                            pic8259_slave_io, &pic, &err) == 0 &&
               bus_register(&ports, PIC8259_ELCR_PORT, PIC8259_NR_PORTS, "ELCR",
                            pic8259_elcr_io, &pic, &err) == 0, "register");
    struct fuzz_bus_hooks h = {
        .ports = &ports,
        .port = { { PIC8259_MASTER_PORT, PIC8259_NR_PORTS }, { PIC8259_SLAVE_PORT, PIC8259_NR_PORTS },
                  { PIC8259_ELCR_PORT, PIC8259_NR_PORTS } }, .now = &now,
        .irq = irq, .ack = ack,
    };
    fuzz_bus_run(&h, data, size);
    fuzz_check(output == pic8259_output(&pic), "output line and model agree");
    return 0;
}
