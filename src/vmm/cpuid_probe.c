#include "cpuid_probe.h"

#include <string.h>

#include "cpuid_policy.h"

struct probe_leaf {
    uint32_t leaf, subleaf;
};

/* The leaves holding the features wisp can name (cpuid_policy.c). */
static const struct probe_leaf probe_leaves[] = {
    { 1, 0 }, { 7, 0 }, { 7, 1 }, { 0xD, 1 }, { 0x80000001, 0 },
};
#define PROBE_COUNT (sizeof probe_leaves / sizeof probe_leaves[0])
#define PROBE_CODE_MAX 0x800

static size_t put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
    return 4;
}

size_t cpuid_probe_encode(uint8_t *code, size_t max, uint64_t results)
{
    /* Per leaf 40 bytes, plus out + hlt. */
    if (max < PROBE_COUNT * 40 + 3 || results + PROBE_COUNT * 16 > 0xFFFFFFFFull)
        return 0;
    /* mov r/m32, r32 with a [disp32] operand: 89 /r, ModRM mod=00 rm=100,
     * SIB base=101 index=100 (none): 0x25. Registers eax, ebx, ecx, edx. */
    static const uint8_t modrm[4] = { 0x04, 0x1C, 0x0C, 0x14 };
    size_t n = 0;
    for (size_t i = 0; i < PROBE_COUNT; i++) {
        code[n++] = 0xB8; /* mov eax, imm32 */
        n += put_u32(code + n, probe_leaves[i].leaf);
        code[n++] = 0xB9; /* mov ecx, imm32 */
        n += put_u32(code + n, probe_leaves[i].subleaf);
        code[n++] = 0x0F; /* cpuid */
        code[n++] = 0xA2;
        for (unsigned r = 0; r < 4; r++) {
            code[n++] = 0x89;
            code[n++] = modrm[r];
            code[n++] = 0x25;
            n += put_u32(code + n, (uint32_t)(results + i * 16 + r * 4));
        }
    }
    code[n++] = 0xE6; /* out imm8, al */
    code[n++] = CPUID_PROBE_PORT;
    code[n++] = 0xF4; /* hlt: never reached, wisp moves RIP to the kernel */
    return n;
}

uint64_t cpuid_probe_install(struct guest_memory *gm)
{
    uint8_t code[PROBE_CODE_MAX];
    size_t n = cpuid_probe_encode(code, sizeof code, CPUID_PROBE_RESULT_ADDR);
    guest_memory_write(gm, CPUID_PROBE_CODE_ADDR, code, n);
    guest_memory_fill(gm, CPUID_PROBE_RESULT_ADDR, 0, PROBE_COUNT * 16);
    return CPUID_PROBE_CODE_ADDR;
}

void cpuid_probe_report(struct guest_memory *gm, const struct accel_cpuid *policy, FILE *out)
{
    uint32_t seen[PROBE_COUNT][4];
    if (!guest_memory_read(gm, CPUID_PROBE_RESULT_ADDR, seen, sizeof seen))
        return;
    struct accel_cpuid observed = { .count = PROBE_COUNT };
    for (size_t i = 0; i < PROBE_COUNT; i++)
        observed.entries[i] = (struct accel_cpuid_entry){
            .function = probe_leaves[i].leaf, .index = probe_leaves[i].subleaf,
            .flags = ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX,
            .eax = seen[i][0], .ebx = seen[i][1], .ecx = seen[i][2], .edx = seen[i][3],
        };
    char shown[512] = "", hidden[512] = "";
    for (size_t i = 0; i < cpuid_feature_count(); i++) {
        const struct cpuid_feature *f = cpuid_feature_at(i);
        bool want = cpuid_policy_has(policy, f);
        bool got = cpuid_policy_has(&observed, f);
        char *list = got ? shown : hidden;
        if (want == got || strlen(list) + strlen(f->name) + 3 > sizeof shown)
            continue;
        if (*list)
            strcat(list, ",");
        strcat(list, f->name);
    }
    if (!*shown && !*hidden)
        fprintf(out, "wisp: the guest sees the CPUID policy wisp set\n");
    if (*shown)
        fprintf(out, "wisp: the guest sees CPU features the policy hides: %s "
                     "(this KVM ignores KVM_SET_CPUID2 for them)\n", shown);
    if (*hidden)
        fprintf(out, "wisp: the guest lacks CPU features the policy offers: %s\n", hidden);
    guest_memory_fill(gm, CPUID_PROBE_CODE_ADDR, 0, PROBE_CODE_MAX);
    guest_memory_fill(gm, CPUID_PROBE_RESULT_ADDR, 0, sizeof seen);
}
