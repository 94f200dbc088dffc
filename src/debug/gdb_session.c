/* GDB remote protocol commands (gdb_session.h). Everything in a packet is
 * checked before it is used: lengths, hex, thread numbers, addresses. */
#include "gdb_session.h"

#include <stdio.h>
#include <string.h>

#include "gdb_packet.h"

#define INT3 0xCC
/* The most bytes one 'm' reply carries (two hex digits each). */
#define MAX_MEMORY_READ ((GDB_REPLY_MAX - 1) / 2)

void gdb_session_init(struct gdb_session *s, const struct gdb_target_ops *ops, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->ops = ops;
    s->ctx = ctx;
    s->c_cpu = -1;
    snprintf(s->stop_reply, sizeof s->stop_reply, "T05thread:1;");
}

static bool starts_with(const char *p, const char *prefix)
{
    return strncmp(p, prefix, strlen(prefix)) == 0;
}

static void reply_str(char *reply, const char *text)
{
    snprintf(reply, GDB_REPLY_MAX, "%s", text);
}

/* "E" and two hex digits, GDB's error reply. */
static enum gdb_command_result error(char *reply, unsigned code)
{
    snprintf(reply, GDB_REPLY_MAX, "E%02x", code & 0xFF);
    return GDB_CMD_REPLY;
}

static enum gdb_command_result ok(char *reply)
{
    reply_str(reply, "OK");
    return GDB_CMD_REPLY;
}

/* A thread id: hex number, "-1" (all) or "0" (any). *cpu = -1 for all/any. */
static bool parse_thread(struct gdb_session *s, const char **p, int *cpu)
{
    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        *cpu = -1;
        return true;
    }
    uint64_t id;
    if (!gdb_parse_hex(p, &id))
        return false;
    if (id == 0) {
        *cpu = -1;
        return true;
    }
    if (id > s->ops->cpu_count(s->ctx))
        return false;
    *cpu = (int)(id - 1);
    return true;
}

/* ---- memory, with this session's INT3s hidden ---- */

static size_t read_memory(struct gdb_session *s, uint64_t addr, uint8_t *buf, size_t len)
{
    size_t n = s->ops->read_memory(s->ctx, s->g_cpu, addr, buf, len);
    for (unsigned i = 0; i < GDB_MAX_SW_BREAKPOINTS; i++) {
        const struct gdb_sw_breakpoint *b = &s->sw[i];
        if (b->used && b->addr - addr < n)
            buf[b->addr - addr] = b->saved;
    }
    return n;
}

static size_t write_memory(struct gdb_session *s, uint64_t addr, const uint8_t *buf, size_t len)
{
    size_t n = s->ops->write_memory(s->ctx, s->g_cpu, addr, buf, len);
    /* A write over one of our INT3s changes what it hides. */
    for (unsigned i = 0; i < GDB_MAX_SW_BREAKPOINTS; i++) {
        struct gdb_sw_breakpoint *b = &s->sw[i];
        if (b->used && b->addr - addr < n) {
            uint8_t int3 = INT3;
            b->saved = buf[b->addr - addr];
            s->ops->write_memory(s->ctx, s->g_cpu, b->addr, &int3, 1);
        }
    }
    return n;
}

/* "addr,length" */
static bool parse_range(const char **p, uint64_t *addr, uint64_t *len)
{
    if (!gdb_parse_hex(p, addr) || **p != ',')
        return false;
    (*p)++;
    return gdb_parse_hex(p, len);
}

static enum gdb_command_result cmd_read_memory(struct gdb_session *s, const char *p, char *reply)
{
    uint64_t addr, len;
    if (!parse_range(&p, &addr, &len) || *p)
        return error(reply, 0x16);
    if (len > MAX_MEMORY_READ)
        len = MAX_MEMORY_READ; /* GDB asks again for the rest */
    uint8_t buf[MAX_MEMORY_READ];
    size_t n = read_memory(s, addr, buf, (size_t)len);
    if (n == 0 && len > 0)
        return error(reply, 0x0e);
    gdb_hex_encode(buf, n, reply);
    return GDB_CMD_REPLY;
}

static enum gdb_command_result cmd_write_memory(struct gdb_session *s, const char *p,
                                                const char *end, char *reply)
{
    uint64_t addr, len;
    if (!parse_range(&p, &addr, &len) || *p != ':')
        return error(reply, 0x16);
    p++;
    if (len > GDB_PACKET_MAX / 2 || (size_t)(end - p) != 2 * len)
        return error(reply, 0x16);
    uint8_t buf[GDB_PACKET_MAX / 2];
    if (!gdb_hex_decode(p, (size_t)(end - p), buf, (size_t)len))
        return error(reply, 0x16);
    if (write_memory(s, addr, buf, (size_t)len) != len)
        return error(reply, 0x0e);
    return ok(reply);
}

/* ---- registers ---- */

static enum gdb_command_result cmd_read_registers(struct gdb_session *s, char *reply)
{
    struct gdb_x86_regs r;
    if (s->ops->get_regs(s->ctx, s->g_cpu, &r) < 0)
        return error(reply, 0x05);
    size_t at = 0;
    for (unsigned i = 0; i < GDB_X86_REG_COUNT; i++) {
        size_t size = gdb_x86_reg_size(i);
        gdb_hex_encode(gdb_x86_reg_ptr(&r, i), size, reply + at);
        at += 2 * size;
    }
    return GDB_CMD_REPLY;
}

static enum gdb_command_result cmd_write_registers(struct gdb_session *s, const char *p,
                                                   const char *end, char *reply)
{
    struct gdb_x86_regs r;
    if (s->ops->get_regs(s->ctx, s->g_cpu, &r) < 0)
        return error(reply, 0x05);
    /* GDB may send fewer registers than there are: the rest stay. */
    for (unsigned i = 0; i < GDB_X86_REG_COUNT && p < end; i++) {
        size_t size = gdb_x86_reg_size(i);
        if ((size_t)(end - p) < 2 * size ||
            !gdb_hex_decode(p, 2 * size, gdb_x86_reg_ptr(&r, i), size))
            return error(reply, 0x16);
        p += 2 * size;
    }
    if (p != end)
        return error(reply, 0x16);
    if (s->ops->set_regs(s->ctx, s->g_cpu, &r) < 0)
        return error(reply, 0x05);
    return ok(reply);
}

static enum gdb_command_result cmd_read_register(struct gdb_session *s, const char *p,
                                                 char *reply)
{
    uint64_t n;
    if (!gdb_parse_hex(&p, &n) || *p)
        return error(reply, 0x16);
    if (n >= GDB_X86_REG_COUNT)
        return error(reply, 0x16);
    struct gdb_x86_regs r;
    if (s->ops->get_regs(s->ctx, s->g_cpu, &r) < 0)
        return error(reply, 0x05);
    gdb_hex_encode(gdb_x86_reg_ptr(&r, (unsigned)n), gdb_x86_reg_size((unsigned)n), reply);
    return GDB_CMD_REPLY;
}

static enum gdb_command_result cmd_write_register(struct gdb_session *s, const char *p,
                                                  const char *end, char *reply)
{
    uint64_t n;
    if (!gdb_parse_hex(&p, &n) || *p != '=' || n >= GDB_X86_REG_COUNT)
        return error(reply, 0x16);
    p++;
    struct gdb_x86_regs r;
    if (s->ops->get_regs(s->ctx, s->g_cpu, &r) < 0)
        return error(reply, 0x05);
    size_t size = gdb_x86_reg_size((unsigned)n);
    if (!gdb_hex_decode(p, (size_t)(end - p), gdb_x86_reg_ptr(&r, (unsigned)n), size))
        return error(reply, 0x16);
    if (s->ops->set_regs(s->ctx, s->g_cpu, &r) < 0)
        return error(reply, 0x05);
    return ok(reply);
}

/* ---- breakpoints ---- */

static int find_sw(const struct gdb_session *s, uint64_t addr)
{
    for (int i = 0; i < GDB_MAX_SW_BREAKPOINTS; i++)
        if (s->sw[i].used && s->sw[i].addr == addr)
            return i;
    return -1;
}

bool gdb_session_owns_breakpoint(const struct gdb_session *s, uint64_t addr)
{
    return find_sw(s, addr) >= 0;
}

static enum gdb_command_result insert_sw(struct gdb_session *s, uint64_t addr, char *reply)
{
    if (find_sw(s, addr) >= 0)
        return ok(reply);
    for (int i = 0; i < GDB_MAX_SW_BREAKPOINTS; i++) {
        struct gdb_sw_breakpoint *b = &s->sw[i];
        if (b->used)
            continue;
        uint8_t int3 = INT3;
        if (s->ops->read_memory(s->ctx, s->g_cpu, addr, &b->saved, 1) != 1 ||
            s->ops->write_memory(s->ctx, s->g_cpu, addr, &int3, 1) != 1)
            return error(reply, 0x0e);
        b->used = true;
        b->addr = addr;
        return ok(reply);
    }
    return error(reply, 0x1c); /* no room: GDB says it cannot insert */
}

static enum gdb_command_result remove_sw(struct gdb_session *s, uint64_t addr, char *reply)
{
    int i = find_sw(s, addr);
    if (i < 0)
        return ok(reply);
    s->sw[i].used = false;
    if (s->ops->write_memory(s->ctx, s->g_cpu, addr, &s->sw[i].saved, 1) != 1)
        return error(reply, 0x0e);
    return ok(reply);
}

static enum gdb_command_result change_hw(struct gdb_session *s, bool insert,
                                         enum gdb_hw_kind kind, uint64_t addr, uint64_t len,
                                         char *reply)
{
    if (kind == GDB_HW_EXEC)
        len = 1;
    /* The debug registers watch 1, 2, 4 or 8 aligned bytes. */
    if ((len != 1 && len != 2 && len != 4 && len != 8) || (addr & (len - 1)))
        return error(reply, 0x16);
    for (unsigned i = 0; i < 4; i++) {
        struct gdb_hw_breakpoint *h = &s->hw[i];
        if (h->used && h->kind == kind && h->addr == addr && h->len == len) {
            if (!insert)
                h->used = false;
            return ok(reply);
        }
    }
    if (!insert)
        return ok(reply);
    for (unsigned i = 0; i < 4; i++) {
        struct gdb_hw_breakpoint *h = &s->hw[i];
        if (!h->used) {
            *h = (struct gdb_hw_breakpoint){ true, kind, addr, (unsigned)len };
            return ok(reply);
        }
    }
    return error(reply, 0x1c); /* all four debug registers in use */
}

/* "Ztype,addr,kind" */
static enum gdb_command_result cmd_breakpoint(struct gdb_session *s, bool insert, const char *p,
                                              char *reply)
{
    uint64_t type, addr, kind;
    if (!gdb_parse_hex(&p, &type) || *p++ != ',' || !parse_range(&p, &addr, &kind))
        return error(reply, 0x16);
    /* Conditions and commands for target-side evaluation are not offered
     * (qSupported), so nothing may follow. */
    if (*p)
        return error(reply, 0x16);
    switch (type) {
    case 0:
        return insert ? insert_sw(s, addr, reply) : remove_sw(s, addr, reply);
    case 1:
    case 2:
    case 3:
    case 4:
        return change_hw(s, insert, (enum gdb_hw_kind)type, addr, kind, reply);
    default:
        reply[0] = '\0'; /* not supported */
        return GDB_CMD_REPLY;
    }
}

bool gdb_session_debug_registers(const struct gdb_session *s, uint64_t dr[4], uint64_t *dr7)
{
    bool any = false;
    *dr7 = 0;
    for (unsigned i = 0; i < 4; i++) {
        const struct gdb_hw_breakpoint *h = &s->hw[i];
        dr[i] = 0;
        if (!h->used)
            continue;
        any = true;
        dr[i] = h->addr;
        /* R/W: 00 execute, 01 write, 11 read or write (x86 has no read-only) */
        uint64_t rw = h->kind == GDB_HW_EXEC ? 0 : h->kind == GDB_HW_WRITE ? 1 : 3;
        /* LEN: 00 one byte, 01 two, 11 four, 10 eight */
        uint64_t ln = h->len == 1 ? 0 : h->len == 2 ? 1 : h->len == 4 ? 3 : 2;
        *dr7 |= 2ull << (2 * i); /* G(i): global enable */
        *dr7 |= (rw | ln << 2) << (16 + 4 * i);
    }
    return any;
}

void gdb_session_remove_all(struct gdb_session *s)
{
    for (unsigned i = 0; i < GDB_MAX_SW_BREAKPOINTS; i++) {
        struct gdb_sw_breakpoint *b = &s->sw[i];
        if (b->used) {
            s->ops->write_memory(s->ctx, s->g_cpu, b->addr, &b->saved, 1);
            b->used = false;
        }
    }
    memset(s->hw, 0, sizeof s->hw);
}

/* ---- stop replies ---- */

const char *gdb_session_stopped(struct gdb_session *s, unsigned cpu, enum gdb_stop_kind kind,
                                unsigned vector, uint64_t dr6)
{
    unsigned sig = kind == GDB_STOP_INTERRUPT ? 2 : 5;
    char why[48] = "";
    if (kind == GDB_STOP_DEBUG && vector == 3 && s->swbreak_ok) {
        snprintf(why, sizeof why, "swbreak:;");
    } else if (kind == GDB_STOP_DEBUG && vector == 1) {
        for (unsigned i = 0; i < 4; i++) {
            const struct gdb_hw_breakpoint *h = &s->hw[i];
            if (!(dr6 & (1ull << i)) || !h->used)
                continue;
            if (h->kind == GDB_HW_EXEC) {
                if (s->swbreak_ok)
                    snprintf(why, sizeof why, "hwbreak:;");
            } else {
                snprintf(why, sizeof why, "%s:%llx;",
                         h->kind == GDB_HW_WRITE ? "watch" : h->kind == GDB_HW_READ ? "rwatch"
                                                                                     : "awatch",
                         (unsigned long long)h->addr);
            }
            break;
        }
    }
    s->stop_cpu = cpu;
    s->g_cpu = cpu;
    snprintf(s->stop_reply, sizeof s->stop_reply, "T%02xthread:%x;%s", sig, cpu + 1, why);
    return s->stop_reply;
}

/* ---- resuming ---- */

static unsigned default_step_cpu(const struct gdb_session *s)
{
    return s->c_cpu >= 0 ? (unsigned)s->c_cpu : s->stop_cpu;
}

/* "vCont;action[:thread];..." with actions c, C sig, s, S sig. The
 * first action naming a thread (or none) wins for it, as GDB specifies;
 * wisp resumes every vCPU, so only which one steps matters. */
static enum gdb_command_result cmd_vcont(struct gdb_session *s, const char *p, char *reply,
                                         struct gdb_resume *resume)
{
    resume->step_cpu = -1;
    bool stepped_default = false;
    bool any = false;
    while (*p == ';') {
        p++;
        char action = *p++;
        uint64_t sig;
        if (action == 'C' || action == 'S') {
            if (!gdb_parse_hex(&p, &sig))
                return error(reply, 0x16);
        } else if (action != 'c' && action != 's') {
            return error(reply, 0x16);
        }
        int cpu = -1;
        if (*p == ':') {
            p++;
            if (!parse_thread(s, &p, &cpu))
                return error(reply, 0x16);
        }
        any = true;
        bool step = action == 's' || action == 'S';
        if (step && resume->step_cpu < 0) {
            if (cpu >= 0)
                resume->step_cpu = cpu;
            else
                stepped_default = true;
        }
    }
    if (*p || !any)
        return error(reply, 0x16);
    if (resume->step_cpu < 0 && stepped_default)
        resume->step_cpu = (int)default_step_cpu(s);
    return GDB_CMD_RESUME;
}

/* 'c'/'s' [addr] and 'C'/'S' sig[;addr]: a new address sets RIP first. */
static enum gdb_command_result cmd_resume(struct gdb_session *s, char cmd, const char *p,
                                          char *reply, struct gdb_resume *resume)
{
    uint64_t value;
    bool signal = cmd == 'C' || cmd == 'S';
    bool step = cmd == 's' || cmd == 'S';
    unsigned cpu = default_step_cpu(s);
    if (signal) {
        if (!gdb_parse_hex(&p, &value))
            return error(reply, 0x16);
        if (*p == ';')
            p++;
        else if (*p)
            return error(reply, 0x16);
    }
    if (*p) {
        if (!gdb_parse_hex(&p, &value) || *p)
            return error(reply, 0x16);
        struct gdb_x86_regs r;
        if (s->ops->get_regs(s->ctx, cpu, &r) < 0)
            return error(reply, 0x05);
        r.rip = value;
        if (s->ops->set_regs(s->ctx, cpu, &r) < 0)
            return error(reply, 0x05);
    }
    resume->step_cpu = step ? (int)cpu : -1;
    return GDB_CMD_RESUME;
}

/* ---- queries ---- */

static enum gdb_command_result cmd_xfer_features(const char *p, char *reply)
{
    /* "target.xml:offset,length" */
    static const char annex[] = "target.xml:";
    if (!starts_with(p, annex)) {
        reply_str(reply, "E00");
        return GDB_CMD_REPLY;
    }
    p += sizeof annex - 1;
    uint64_t off, len;
    if (!parse_range(&p, &off, &len) || *p)
        return error(reply, 0x16);
    const char *xml = gdb_x86_target_xml();
    size_t total = strlen(xml);
    if (off > total)
        return error(reply, 0x16);
    /* Room for the escapes the framing adds: at most half the reply. */
    if (len > GDB_REPLY_MAX / 2 - 2)
        len = GDB_REPLY_MAX / 2 - 2;
    size_t n = total - (size_t)off < len ? total - (size_t)off : (size_t)len;
    reply[0] = off + n >= total ? 'l' : 'm';
    memcpy(reply + 1, xml + off, n);
    reply[1 + n] = '\0';
    return GDB_CMD_REPLY;
}

static enum gdb_command_result cmd_query(struct gdb_session *s, const char *p, char *reply)
{
    if (starts_with(p, "qSupported")) {
        s->swbreak_ok = strstr(p, "swbreak+") != NULL;
        snprintf(reply, GDB_REPLY_MAX,
                 "PacketSize=%x;qXfer:features:read+;vContSupported+%s", GDB_PACKET_MAX,
                 s->swbreak_ok ? ";swbreak+;hwbreak+" : "");
        return GDB_CMD_REPLY;
    }
    if (starts_with(p, "qXfer:features:read:"))
        return cmd_xfer_features(p + strlen("qXfer:features:read:"), reply);
    if (strcmp(p, "qAttached") == 0) {
        reply_str(reply, "1");
        return GDB_CMD_REPLY;
    }
    if (strcmp(p, "qC") == 0) {
        snprintf(reply, GDB_REPLY_MAX, "QC%x", s->g_cpu + 1);
        return GDB_CMD_REPLY;
    }
    if (strcmp(p, "qfThreadInfo") == 0) {
        unsigned n = s->ops->cpu_count(s->ctx);
        size_t at = 0;
        reply[at++] = 'm';
        for (unsigned i = 0; i < n && at + 12 < GDB_REPLY_MAX; i++)
            at += (size_t)snprintf(reply + at, GDB_REPLY_MAX - at, "%s%x", i ? "," : "", i + 1);
        reply[at] = '\0';
        return GDB_CMD_REPLY;
    }
    if (strcmp(p, "qsThreadInfo") == 0) {
        reply_str(reply, "l");
        return GDB_CMD_REPLY;
    }
    if (starts_with(p, "qThreadExtraInfo,")) {
        const char *q = p + strlen("qThreadExtraInfo,");
        int cpu;
        if (!parse_thread(s, &q, &cpu) || *q || cpu < 0)
            return error(reply, 0x16);
        char text[32];
        int n = snprintf(text, sizeof text, "vCPU %d", cpu);
        gdb_hex_encode((const uint8_t *)text, (size_t)n, reply);
        return GDB_CMD_REPLY;
    }
    if (starts_with(p, "qSymbol")) {
        reply_str(reply, "OK");
        return GDB_CMD_REPLY;
    }
    reply[0] = '\0'; /* unknown queries: an empty reply says "not supported" */
    return GDB_CMD_REPLY;
}

static enum gdb_command_result cmd_set_thread(struct gdb_session *s, const char *p, char *reply)
{
    char which = *p++;
    int cpu;
    if ((which != 'g' && which != 'c') || !parse_thread(s, &p, &cpu) || *p)
        return error(reply, 0x16);
    if (which == 'g')
        s->g_cpu = cpu < 0 ? s->stop_cpu : (unsigned)cpu;
    else
        s->c_cpu = cpu;
    return ok(reply);
}

enum gdb_command_result gdb_session_handle(struct gdb_session *s, const char *packet,
                                           size_t len, char *reply, struct gdb_resume *resume)
{
    const char *end = packet + len;
    reply[0] = '\0';
    resume->step_cpu = -1;
    if (len == 0 || strlen(packet) != len)
        return error(reply, 0x16); /* empty, or a NUL inside */
    switch (packet[0]) {
    case '?':
        reply_str(reply, s->stop_reply);
        return GDB_CMD_REPLY;
    case 'g':
        return len == 1 ? cmd_read_registers(s, reply) : error(reply, 0x16);
    case 'G':
        return cmd_write_registers(s, packet + 1, end, reply);
    case 'p':
        return cmd_read_register(s, packet + 1, reply);
    case 'P':
        return cmd_write_register(s, packet + 1, end, reply);
    case 'm':
        return cmd_read_memory(s, packet + 1, reply);
    case 'M':
        return cmd_write_memory(s, packet + 1, end, reply);
    case 'Z':
    case 'z':
        return cmd_breakpoint(s, packet[0] == 'Z', packet + 1, reply);
    case 'c':
    case 's':
    case 'C':
    case 'S':
        return cmd_resume(s, packet[0], packet + 1, reply, resume);
    case 'H':
        return cmd_set_thread(s, packet + 1, reply);
    case 'T': {
        const char *p = packet + 1;
        int cpu;
        if (!parse_thread(s, &p, &cpu) || *p || cpu < 0)
            return error(reply, 0x16);
        return ok(reply);
    }
    case 'D':
        reply_str(reply, "OK");
        return GDB_CMD_DETACH;
    case 'k':
        return GDB_CMD_KILL;
    case 'q':
        return cmd_query(s, packet, reply);
    case 'v':
        if (strcmp(packet, "vCont?") == 0) {
            reply_str(reply, "vCont;c;C;s;S");
            return GDB_CMD_REPLY;
        }
        if (starts_with(packet, "vCont;"))
            return cmd_vcont(s, packet + 5, reply, resume);
        if (starts_with(packet, "vKill")) {
            reply_str(reply, "OK");
            return GDB_CMD_KILL;
        }
        return GDB_CMD_REPLY; /* vMustReplyEmpty and the rest: not supported */
    default:
        return GDB_CMD_REPLY; /* X and others: empty, GDB falls back */
    }
}
