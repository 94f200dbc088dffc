#include "pvh.h"

#include <string.h>

#include "elf64.h"
#include "linux_entry.h"

typedef unsigned long long ull;

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)
#define PAGE_SIZE 0x1000ull

int pvh_find_entry(const char *path, const uint8_t *file, size_t size, uint32_t *entry,
                   struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    const uint8_t *desc;
    uint32_t desc_size;
    int found = elf_find_note(p, file, size, PVH_NOTE_OWNER, XEN_ELFNOTE_PHYS32_ENTRY, &desc,
                              &desc_size, err);
    if (found <= 0)
        return found;
    if (desc_size == 4) {
        uint32_t v;
        memcpy(&v, desc, 4);
        *entry = v;
        return 1;
    }
    if (desc_size == 8) {
        /* Some kernels emit the address as a 64-bit word. */
        uint64_t v;
        memcpy(&v, desc, 8);
        if (v > UINT32_MAX)
            return BAD("%s: PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) gives 0x%llx, above "
                       "the 4 GiB a 32-bit entry can reach", p, (ull)v);
        *entry = (uint32_t)v;
        return 1;
    }
    return BAD("%s: malformed PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): a %u-byte "
               "descriptor, expected a 4-byte physical address", p, desc_size);
}

void pvh_load_rules(struct elf_load_rules *rules)
{
    *rules = (struct elf_load_rules){
        .min_phys = LINUX_HIGH_MEMORY,
        .ignore_vaddr = true,
    };
}

/* The file name without its directories: the initrd module's command line. */
static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *c = path; *c; c++)
        if (*c == '/' || *c == '\\')
            b = c + 1;
    return b;
}

int pvh_load(struct guest_memory *gm, const char *path, const uint8_t *file, size_t size,
             const struct linux_boot_params *params, struct pvh_boot_result *out,
             struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    const char *ip = params->initrd_path ? params->initrd_path : "initrd";
    struct pvh_boot_result r;
    struct elf_load_rules rules;
    char sz[32];

    memset(&r, 0, sizeof r);
    int found = pvh_find_entry(p, file, size, &r.entry, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return BAD("%s: no PVH entry note (ELF note \"Xen\" type %d, "
                   "XEN_ELFNOTE_PHYS32_ENTRY); build the kernel with CONFIG_PVH=y",
                   p, XEN_ELFNOTE_PHYS32_ENTRY);

    pvh_load_rules(&rules);
    if (elf_check_kernel(gm, p, file, size, &rules, &r.kernel, err) < 0)
        return -1;

    bool entry_ok = false;
    for (unsigned i = 0; i < r.kernel.segment_count; i++) {
        const struct elf_loaded_segment *s = &r.kernel.segments[i];
        if (r.entry >= s->paddr && r.entry - s->paddr < s->memsz && (s->flags & PF_X))
            entry_ok = true;
    }
    if (!entry_ok)
        return BAD("%s: PVH entry 0x%x is not inside an executable loadable segment", p,
                   r.entry);

    const char *cmdline = params->cmdline ? params->cmdline : "";
    size_t len = strlen(cmdline);
    if (len >= LINUX_CMDLINE_MAX)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%s: command line of %llu bytes is longer than wisp's limit of %llu "
                         "bytes", p, (ull)len, (ull)(LINUX_CMDLINE_MAX - 1));
    r.cmdline_addr = LINUX_CMDLINE_ADDR;
    r.cmdline_len = len;

    struct boot_e820_entry map[LINUX_E820_MAX];
    unsigned entries = linux_memory_map(gm, map, LINUX_E820_MAX);
    uint64_t ram_end = 0;
    for (unsigned i = 0; i < entries; i++)
        if (map[i].type == E820_TYPE_RAM && map[i].addr + map[i].size > ram_end)
            ram_end = map[i].addr + map[i].size;

    uint64_t kernel_end = (r.kernel.phys_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (params->initrd_size > 0) {
        uint64_t addr;
        if (linux_place_high(map, entries, params->initrd_size, kernel_end,
                             LINUX_IDENTITY_LIMIT - 1, &addr) < 0)
            return wisp_fail(err, WISP_EXIT_USAGE,
                             "%s: initrd of %s does not fit in guest RAM between the kernel's "
                             "end (0x%llx) and 4 GiB (RAM ends at 0x%llx); try a larger -m",
                             ip, linux_format_size(sz, params->initrd_size),
                             (ull)kernel_end, (ull)ram_end);
        r.initrd_addr = addr;
        r.initrd_size = params->initrd_size;
    }

    struct hvm_start_info info = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = PVH_START_INFO_VERSION,
        .flags = 0,
        .nr_modules = r.initrd_size ? 1 : 0,
        .modlist_paddr = r.initrd_size ? LINUX_PVH_MODLIST_ADDR : 0,
        .cmdline_paddr = r.cmdline_addr,
        .rsdp_paddr = params->acpi_rsdp,
        .memmap_paddr = LINUX_PVH_MEMMAP_ADDR,
        .memmap_entries = entries,
    };
    struct hvm_modlist_entry module = {
        .paddr = r.initrd_addr, .size = r.initrd_size, .cmdline_paddr = LINUX_PVH_MODCMD_ADDR,
    };
    char modcmd[LINUX_PVH_MODCMD_MAX];
    memset(modcmd, 0, sizeof modcmd);
    strncpy(modcmd, base_name(ip), sizeof modcmd - 1);
    struct hvm_memmap_table_entry memmap[LINUX_E820_MAX];
    for (unsigned i = 0; i < entries; i++)
        memmap[i] = (struct hvm_memmap_table_entry){ map[i].addr, map[i].size, map[i].type, 0 };
    r.start_info = LINUX_PVH_INFO_ADDR;
    r.memmap_entries = entries;

    /* Checked: now write. */
    if (elf_load_kernel(gm, p, file, size, &rules, &r.kernel, err) < 0)
        return -1;
    if (!guest_memory_write(gm, r.cmdline_addr, cmdline, len + 1) ||
        (r.initrd_size && (!guest_memory_write(gm, r.initrd_addr, params->initrd, r.initrd_size) ||
                           !guest_memory_write(gm, LINUX_PVH_MODLIST_ADDR, &module, sizeof module) ||
                           !guest_memory_write(gm, LINUX_PVH_MODCMD_ADDR, modcmd, sizeof modcmd))) ||
        !guest_memory_write(gm, LINUX_PVH_MEMMAP_ADDR, memmap, entries * sizeof memmap[0]) ||
        !guest_memory_write(gm, LINUX_PVH_INFO_ADDR, &info, sizeof info))
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%s: guest RAM does not hold the PVH boot area (0x%llx-0x%llx)", p,
                         (ull)LINUX_PVH_INFO_ADDR, (ull)LINUX_CMDLINE_ADDR + len);
    *out = r;
    return 0;
}

int pvh_entry_prepare(struct guest_memory *gm, const struct pvh_boot_result *boot,
                      struct accel_regs *regs, struct accel_sregs *sregs,
                      struct wisp_error *err)
{
    if (linux_write_gdt(gm, false, err) < 0)
        return -1;
    linux_protected_mode_state(boot->entry, regs, sregs);
    regs->rbx = boot->start_info;
    return 0;
}
