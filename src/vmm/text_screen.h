/*
 * The VGA text screen's share of a VM (--vga-text): the VGA registers on
 * the port bus, the text buffer at 0xB8000 as a BIOS leaves it, and what
 * the host sees of it: the screenshot and --ascii when the guest used it,
 * and frames mirrored to a terminal or file as they change.
 *
 * "The" screen: the text screen counts as used once any of its 16384
 * cells differs from the blank cell it started as; the framebuffer once
 * any pixel is not black. When only one was used, screenshots and --ascii
 * show that one (a guest that used neither gets the framebuffer, as
 * before); when both were, the screenshot shows them side by side (the
 * text screen on the left) and --ascii prints the text screen, then the
 * framebuffer's preview. wisp has both displays at once, unlike a real
 * VGA, so nothing a guest drew is hidden.
 *
 * Locking (SMP): the VGA registers belong to the device lock like every
 * device; vm_text_screen_poll() reads them and must be called with it held.
 * The text buffer is guest RAM and may change while it is read: a frame
 * may then mix two moments, never anything outside the buffer.
 */
#ifndef WISP_VMM_TEXT_SCREEN_H
#define WISP_VMM_TEXT_SCREEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "dev/vga_render.h"

/* --vga-text stdio|FILE: where frames go and what has been shown. */
struct text_screen_mirror {
    FILE *out;                    /* NULL: no mirroring */
    bool colour;                  /* out is a terminal: SGR colours, cursor */
    bool utf8;                    /* CP437 as UTF-8, else ASCII stand-ins */
    uint64_t next_poll_ns;
    uint64_t changed_ns;          /* when the screen last changed */
    uint64_t pending_since_ns;    /* first change not yet printed */
    bool pending;                 /* a change not yet printed */
    bool printed_any;
    unsigned frames;
    struct vga_text_frame seen;   /* the last frame looked at */
};

struct vm;

/* True when this VM gets the text screen: --vga-text on/stdio/FILE, or by
 * default for native, Multiboot and Limine boots (not Linux). */
bool vm_text_screen_wanted(const struct vm *vm);

/* The VGA registers on the port bus, the BIOS data area and a cleared text
 * buffer (after the kernel is loaded). Does nothing when not wanted. */
int vm_text_screen_setup(struct vm *vm, struct wisp_error *err);

/* From the run loop's housekeeping: notices changes and mirrors settled
 * frames (--vga-text stdio|FILE). Cheap when nothing is due. */
void vm_text_screen_poll(struct vm *vm);

/* When the run ends: the last frame, if it was not printed yet. */
void vm_text_screen_finish(struct vm *vm);

/* The guest wrote to the text buffer (some cell is no longer blank). */
bool vm_text_screen_used(struct vm *vm);

/* Screenshot of the text screen (beside the framebuffer if that was used
 * too); only when vm_text_screen_used(). */
int vm_text_screen_save(struct vm *vm, const char *path, struct wisp_error *err);

/* --ascii: the 25 rows as text (then the framebuffer preview if it was
 * used too). */
void vm_text_screen_print(struct vm *vm, FILE *out);

/* The locale (LC_ALL, LC_CTYPE, LANG, the first set) names UTF-8. */
bool text_screen_locale_utf8(void);

#endif
