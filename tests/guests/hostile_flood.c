/*
 * hostile_flood: writes a known byte stream as fast as it can, first
 * through the print hypercall (PRINT_BYTES, 4 KiB a call), then through
 * COM1's transmit register (SERIAL_BYTES, one exit a byte), then one line
 * "hostile_flood: sent N bytes, sum S". The test reads it from a slow pipe
 * and checks every byte arrived, in order, while wisp's memory stays
 * bounded (a slow reader must slow the guest down, not grow a buffer).
 *
 * The stream: lines of 64 bytes, "F" + 10-digit offset + filler letters
 * + '\n', so a lost or repeated byte shows where it happened.
 */
#include "wisp_lib.h"

#define PRINT_BYTES  (16u << 20)
#define SERIAL_BYTES (64u << 10)
#define LINE 64

static char page[WISP_HC_PRINT_MAX];
static uint64_t offset, sum;

static void make_line(char *l, uint64_t at)
{
    l[0] = 'F';
    uint64_t v = at;
    for (int i = 10; i >= 1; i--) {
        l[i] = (char)('0' + v % 10);
        v /= 10;
    }
    for (int i = 11; i < LINE - 1; i++)
        l[i] = (char)('a' + (at / LINE + (uint64_t)i) % 26);
    l[LINE - 1] = '\n';
}

static void fill(char *buf, size_t len)
{
    for (size_t i = 0; i < len; i += LINE) {
        make_line(buf + i, offset + i);
        for (size_t k = 0; k < LINE; k++)
            sum += (uint8_t)buf[i + k];
    }
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    while (offset < PRINT_BYTES) {
        fill(page, sizeof page);
        if (wisp_hc_print(page, sizeof page) != sizeof page) {
            wisp_puts("\nFAIL: hostile_flood: print refused\n");
            return 1;
        }
        offset += sizeof page;
    }
    wisp_serial_init();
    char line[LINE];
    while (offset < PRINT_BYTES + SERIAL_BYTES) {
        fill(line, LINE);
        for (int i = 0; i < LINE; i++)
            outb(WISP_COM1, (uint8_t)line[i]); /* no LSR polling: as fast as it goes */
        offset += LINE;
    }
    wisp_printf("hostile_flood: sent %lu bytes, sum %lu\n", offset, sum);
    wisp_puts("PASS: hostile_flood\n");
    return 0;
}
