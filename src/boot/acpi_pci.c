/* The PCI host bridge in AML, and the MCFG (acpi_pci.h). */
#include "acpi_pci.h"

#include <stdbool.h>
#include <string.h>

#include <wisp/guest.h>

#include "acpi_tables.h"

#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_EXT_OP_PREFIX 0x5B
#define AML_DEVICE_OP 0x82 /* after the prefix */

/* A byte buffer that notes, instead of overflowing, when it is full. */
struct aml {
    uint8_t *p;
    size_t len, cap;
    bool full;
};

static void put(struct aml *a, const void *bytes, size_t n)
{
    if (a->full || n > a->cap - a->len) {
        a->full = true;
        return;
    }
    memcpy(a->p + a->len, bytes, n);
    a->len += n;
}

static void put8(struct aml *a, uint8_t v)
{
    put(a, &v, 1);
}

static void put16(struct aml *a, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    put(a, b, 2);
}

static void put32(struct aml *a, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(a, b, 4);
}

/* The shortest integer encoding (as iasl writes it). */
static void integer(struct aml *a, uint64_t v)
{
    if (v == 0) {
        put8(a, AML_ZERO_OP);
    } else if (v == 1) {
        put8(a, AML_ONE_OP);
    } else if (v <= 0xFF) {
        put8(a, AML_BYTE_PREFIX);
        put8(a, (uint8_t)v);
    } else if (v <= 0xFFFF) {
        put8(a, AML_WORD_PREFIX);
        put16(a, (uint16_t)v);
    } else if (v <= 0xFFFFFFFF) {
        put8(a, AML_DWORD_PREFIX);
        put32(a, (uint32_t)v);
    } else {
        put8(a, AML_QWORD_PREFIX);
        put32(a, (uint32_t)v);
        put32(a, (uint32_t)(v >> 32));
    }
}

/* PkgLength for content bytes that follow (the encoding counts itself). */
static void pkg_length(struct aml *a, size_t content)
{
    if (content + 1 <= 0x3F) {
        put8(a, (uint8_t)(content + 1));
        return;
    }
    for (unsigned n = 2; n <= 4; n++) {
        size_t total = content + n;
        if (total < (size_t)1 << (4 + 8 * (n - 1))) {
            put8(a, (uint8_t)((n - 1) << 6 | (total & 0x0F)));
            for (unsigned i = 1; i < n; i++)
                put8(a, (uint8_t)(total >> (4 + 8 * (i - 1))));
            return;
        }
    }
    a->full = true;
}

/* opcode(s), PkgLength, then body. */
static void package_of(struct aml *a, const uint8_t *op, size_t op_len, const struct aml *body)
{
    if (body->full) {
        a->full = true;
        return;
    }
    put(a, op, op_len);
    pkg_length(a, body->len);
    put(a, body->p, body->len);
}

static void name_seg(struct aml *a, const char seg[4])
{
    put(a, seg, 4);
}

uint32_t acpi_eisa_id(const char id[7])
{
    /* Three letters of five bits (A = 1), then four hex digits, stored
     * big-endian. */
    uint32_t v = (uint32_t)(id[0] - 0x40) << 26 | (uint32_t)(id[1] - 0x40) << 21 |
                 (uint32_t)(id[2] - 0x40) << 16;
    for (int i = 3; i < 7; i++) {
        char c = id[i];
        uint32_t d = (uint32_t)(c >= 'A' ? c - 'A' + 10 : c - '0');
        v |= d << (4 * (6 - i));
    }
    return (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
}

static void name_integer(struct aml *a, const char seg[4], uint64_t v)
{
    put8(a, AML_NAME_OP);
    name_seg(a, seg);
    integer(a, v);
}

/* ---- resource descriptors (ACPI 6.3, 6.4) ---- */

#define RES_IO 0x47               /* small: I/O port descriptor, 7 bytes */
#define RES_END_TAG 0x79
#define RES_MEMORY32_FIXED 0x86
#define RES_DWORD_ADDRESS 0x87
#define RES_WORD_ADDRESS 0x88
#define RES_TYPE_MEMORY 0
#define RES_TYPE_IO 1
#define RES_TYPE_BUS 2
#define RES_PRODUCER_MIN_MAX_FIXED 0x0C /* producer, positive decode, min and max fixed */
#define RES_IO_ENTIRE_RANGE 0x03
#define RES_MEMORY_READ_WRITE 0x01      /* non-cacheable, read-write */

static void word_address(struct aml *a, uint8_t type, uint8_t type_flags, uint16_t min,
                         uint16_t max)
{
    put8(a, RES_WORD_ADDRESS);
    put16(a, 13);
    put8(a, type);
    put8(a, RES_PRODUCER_MIN_MAX_FIXED);
    put8(a, type_flags);
    put16(a, 0);                          /* granularity */
    put16(a, min);
    put16(a, max);
    put16(a, 0);                          /* translation */
    put16(a, (uint16_t)(max - min + 1));  /* length */
}

static void dword_memory(struct aml *a, uint32_t min, uint32_t max)
{
    put8(a, RES_DWORD_ADDRESS);
    put16(a, 23);
    put8(a, RES_TYPE_MEMORY);
    put8(a, RES_PRODUCER_MIN_MAX_FIXED);
    put8(a, RES_MEMORY_READ_WRITE);
    put32(a, 0);
    put32(a, min);
    put32(a, max);
    put32(a, 0);
    put32(a, max - min + 1);
}

static void end_tag(struct aml *a)
{
    put8(a, RES_END_TAG);
    put8(a, 0); /* checksum 0: "the checksum is correct" */
}

/* Name (seg, ResourceTemplate () { template }) */
static void name_resources(struct aml *a, const char seg[4], const struct aml *tmpl)
{
    uint8_t inner_buf[256];
    struct aml inner = { inner_buf, 0, sizeof inner_buf, false };
    integer(&inner, tmpl->len);
    put(&inner, tmpl->p, tmpl->len);
    put8(a, AML_NAME_OP);
    name_seg(a, seg);
    const uint8_t op = AML_BUFFER_OP;
    package_of(a, &op, 1, &inner);
}

/* ---- the devices ---- */

#define PRT_SLOTS 32
#define PRT_PINS 4

static void host_bridge(struct aml *a)
{
    uint8_t body_buf[2560];
    struct aml body = { body_buf, 0, sizeof body_buf, false };
    put8(&body, AML_NAME_OP);
    name_seg(&body, "_HID");
    put8(&body, AML_DWORD_PREFIX);
    put32(&body, acpi_eisa_id("PNP0A03"));
    name_integer(&body, "_UID", 0);
    name_integer(&body, "_BBN", 0);

    uint8_t crs_buf[128];
    struct aml crs = { crs_buf, 0, sizeof crs_buf, false };
    word_address(&crs, RES_TYPE_BUS, 0, 0, 0);
    put8(&crs, RES_IO);
    put8(&crs, 1); /* 16-bit decode */
    put16(&crs, WISP_PCI_CONFIG_ADDRESS);
    put16(&crs, WISP_PCI_CONFIG_ADDRESS);
    put8(&crs, 1);
    put8(&crs, 8);
    word_address(&crs, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0000, WISP_PCI_CONFIG_ADDRESS - 1);
    word_address(&crs, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0D00, 0xFFFF);
    dword_memory(&crs, (uint32_t)WISP_PCI_MMIO_BASE,
                 (uint32_t)(WISP_PCI_MMIO_BASE + WISP_PCI_MMIO_SIZE - 1));
    end_tag(&crs);
    name_resources(&body, "_CRS", &crs);

    /* _PRT: one entry per slot and pin, straight to an I/O APIC input. */
    uint8_t prt_buf[2048];
    struct aml prt = { prt_buf, 0, sizeof prt_buf, false };
    put8(&prt, PRT_SLOTS * PRT_PINS - PRT_PINS); /* NumElements: slots 1-31 */
    for (unsigned slot = 1; slot < PRT_SLOTS; slot++) {
        for (unsigned pin = 0; pin < PRT_PINS; pin++) {
            uint8_t e_buf[24];
            struct aml e = { e_buf, 0, sizeof e_buf, false };
            put8(&e, 4);
            integer(&e, (uint64_t)slot << 16 | 0xFFFF);
            integer(&e, pin);
            integer(&e, 0); /* no link device: the source index is a GSI */
            integer(&e, WISP_PCI_INTX_GSI(slot, pin));
            const uint8_t op = AML_PACKAGE_OP;
            package_of(&prt, &op, 1, &e);
        }
    }
    put8(&body, AML_NAME_OP);
    name_seg(&body, "_PRT");
    const uint8_t pkg = AML_PACKAGE_OP;
    package_of(&body, &pkg, 1, &prt);

    const uint8_t device[2] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };
    uint8_t named_buf[2600];
    struct aml named = { named_buf, 0, sizeof named_buf, false };
    name_seg(&named, "PCI0");
    put(&named, body.p, body.len);
    named.full |= body.full;
    package_of(a, device, 2, &named);
}

static void motherboard_resources(struct aml *a)
{
    uint8_t body_buf[64];
    struct aml body = { body_buf, 0, sizeof body_buf, false };
    name_seg(&body, "MRES");
    put8(&body, AML_NAME_OP);
    name_seg(&body, "_HID");
    put8(&body, AML_DWORD_PREFIX);
    put32(&body, acpi_eisa_id("PNP0C02"));
    uint8_t crs_buf[16];
    struct aml crs = { crs_buf, 0, sizeof crs_buf, false };
    put8(&crs, RES_MEMORY32_FIXED);
    put16(&crs, 9);
    put8(&crs, 1); /* read-write */
    put32(&crs, (uint32_t)WISP_PCI_ECAM_BASE);
    put32(&crs, (uint32_t)WISP_PCI_ECAM_SIZE);
    end_tag(&crs);
    name_resources(&body, "_CRS", &crs);
    const uint8_t device[2] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };
    package_of(a, device, 2, &body);
}

size_t acpi_pci_dsdt_aml(uint8_t *out, size_t cap)
{
    uint8_t scope_buf[2800];
    struct aml scope = { scope_buf, 0, sizeof scope_buf, false };
    /* At the DSDT's top level _SB_ is \_SB_ (iasl writes it without the
     * root prefix too). */
    name_seg(&scope, "_SB_");
    host_bridge(&scope);
    motherboard_resources(&scope);
    struct aml a = { out, 0, cap, false };
    const uint8_t op = AML_SCOPE_OP;
    package_of(&a, &op, 1, &scope);
    return a.full ? 0 : a.len;
}

void acpi_pci_mcfg_body(uint8_t *out)
{
    memset(out, 0, ACPI_MCFG_BODY_SIZE);
    struct acpi_mcfg_allocation alloc = {
        .address = WISP_PCI_ECAM_BASE, .segment = 0, .start_bus = 0,
        .end_bus = (uint8_t)(WISP_PCI_ECAM_SIZE / (1u << 20) - 1),
    };
    memcpy(out + 8, &alloc, sizeof alloc);
}
