"""The VGA text screen (--vga-text): what a bare-bones Multiboot kernel
writes to 0xB8000 and the CRT controller shows up in --ascii line by line,
in the screenshot drawn with the build's console font (cell colours, the
glyphs themselves, the cursor), and mirrored to stdout or a file. A native
kernel uses the text screen beside the framebuffer (side by side in the
screenshot). Bad register writes, a start address wrapping the buffer and
attribute bytes with every bit set still give a sensible picture. GRUB
Invaders, a kernel no one here wrote, draws on it."""
import re

import pytest

from conftest import (EXIT_TIMEOUT, EXIT_USAGE, GUESTS, BUILD, guest, kvm_usable,
                      read_image, run_wisp)
from test_kernel_boots import kboot_kernel

needs_kvm = pytest.mark.skipif(not kvm_usable(), reason="no usable /dev/kvm on this host")

PASS_STATUS = 33
KERNEL = GUESTS / "kboot" / "vga_text.elf"
UTF8 = {"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}
PLAIN = {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}

# The VGA's default palette, 0xRRGGBB by colour index.
PALETTE = [0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
           0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF]

BOX_UTF8 = "Box \u2554\u2550\u2557 \u2591\u2592\u2593\u2588 \u263a"
BOX_ASCII = "Box +=+ .:## o"


def expected_screen(box):
    return [f"line {n:02d}" for n in range(5, 25)] + [
        "Hello, kernel World!", "Red on grey", "Blink: yellow on red", "All bits set", box]


def text_screen_lines(stderr, first):
    """The 25 rows --ascii printed, starting at the one that begins with first."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(first)]
    assert starts, stderr[-3000:]
    return lines[starts[-1]:starts[-1] + 25]


def rgb(pixel):
    return pixel[0] << 16 | pixel[1] << 8 | pixel[2]


def cell_colours(img, row, col, width=9):
    return {rgb(img.getpixel((col * width + x, row * 16 + y)))
            for x in range(width) for y in range(16)}


def font_glyph(ch):
    """The glyph of CP437 code ch from the build's generated font table."""
    text = (BUILD / "gen" / "vga_font.c").read_text()
    m = re.search(r"\{([0-9a-fx,]+)\}, /\* 0x%02x " % ch, text)
    assert m, f"glyph 0x{ch:02x} not in the generated font"
    return [int(v, 16) for v in m.group(1).split(",")]


@needs_kvm
def test_bare_bones_kernel_text_in_ascii(tmp_path):
    """--ascii prints the 25 rows exactly: scrolled lines, the greeting,
    the coloured rows, CP437 box drawing as UTF-8."""
    r = run_wisp("run", "-m", "64M", "--isa-debug-exit", "--debugcon", "stdio", "--ascii",
                 KERNEL, env=UTF8)
    assert r.returncode == PASS_STATUS, r.stdout + r.stderr
    assert "framebuffer: 0xb8000 80x25 pitch 160 bpp 16 type 2" in r.stdout
    assert "PASS: vga_text" in r.stdout
    assert text_screen_lines(r.stderr, "line 05") == expected_screen(BOX_UTF8)


@needs_kvm
def test_bare_bones_kernel_ascii_without_utf8():
    """Without a UTF-8 locale the CP437 characters become ASCII stand-ins."""
    r = run_wisp("run", "-m", "64M", "--isa-debug-exit", "--ascii", KERNEL, env=PLAIN)
    assert r.returncode == PASS_STATUS, r.stderr
    assert text_screen_lines(r.stderr, "line 05") == expected_screen(BOX_ASCII)


@needs_kvm
def test_bare_bones_kernel_screenshot(tmp_path):
    """The screenshot is mode 3's 720x400 in the 16 colours: each sampled
    cell has exactly its attribute's foreground and background, blink shows
    as the character over the dark background, the glyphs are the build's
    font pixel for pixel, and the cursor is a full block at row 12, col 40."""
    shot = tmp_path / "text.png"
    r = run_wisp("run", "-m", "64M", "--isa-debug-exit", "--screenshot", shot, KERNEL)
    assert r.returncode == PASS_STATUS, r.stderr
    img = read_image(shot)
    assert img.size == (720, 400)
    # (row, column): (foreground, background)
    cells = {
        (0, 0): (PALETTE[6], PALETTE[0]),      # "line 05": colour 5 % 15 + 1 = brown
        (9, 0): (PALETTE[15], PALETTE[0]),     # "line 14": white
        (20, 0): (PALETTE[10], PALETTE[0]),    # "Hello": light green on black
        (21, 0): (PALETTE[12], PALETTE[7]),    # light red on light grey
        (22, 0): (PALETTE[14], PALETTE[4]),    # 0xCE: yellow on red, the blink bit ignored
        (23, 0): (PALETTE[15], PALETTE[7]),    # 0xFF: white on light grey
        (24, 0): (PALETTE[15], PALETTE[1]),    # white on blue
    }
    for (row, col), (fg, bg) in cells.items():
        assert cell_colours(img, row, col) == {fg, bg}, (row, col)
    # 'H' of "Hello" at row 20: the font's glyph, the ninth column blank.
    glyph = font_glyph(ord("H"))
    for y in range(16):
        for x in range(9):
            on = x < 8 and glyph[y] >> (7 - x) & 1
            assert rgb(img.getpixel((x, 20 * 16 + y))) == (PALETTE[10] if on else 0), (x, y)
    # Line drawing (0xCD at row 24, col 5) fills the ninth column too.
    assert rgb(img.getpixel((5 * 9 + 8, 24 * 16 + font_glyph(0xCD).index(0xFF)))) == PALETTE[15]
    # The cursor: lines 0-15 at row 12, col 40, in the cell's foreground.
    assert cell_colours(img, 12, 40) == {PALETTE[7]}
    assert cell_colours(img, 12, 41) == {PALETTE[0]}


@needs_kvm
def test_vga_text_stdio_mirrors_the_screen():
    """--vga-text stdio prints the text screen's frames on stdout as they
    settle; the last one is the final screen."""
    r = run_wisp("run", "-m", "64M", "--isa-debug-exit", "--vga-text", "stdio", KERNEL,
                 env=UTF8)
    assert r.returncode == PASS_STATUS, r.stderr
    frames = r.stdout.split("--- VGA text screen ---\n")
    assert len(frames) >= 2, r.stdout
    assert frames[-1].splitlines() == expected_screen(BOX_UTF8)
    assert "\x1b" not in r.stdout  # a pipe gets no colours


@needs_kvm
def test_vga_text_file_gets_frames(tmp_path):
    out = tmp_path / "screen.txt"
    r = run_wisp("run", "-m", "64M", "--isa-debug-exit", "--vga-text", out, KERNEL, env=PLAIN)
    assert r.returncode == PASS_STATUS, r.stderr
    frames = out.read_text().split("--- VGA text screen ---\n")
    assert frames[-1].splitlines() == expected_screen(BOX_ASCII)
    assert "Hello, kernel World!" in frames[-1]


@needs_kvm
def test_hostile_registers_give_a_sensible_picture(tmp_path):
    """Writes to registers that do not exist change nothing; the start
    address 40 cells before the buffer's end shows the end, then the start;
    cursor location 0xFFFF is cell 16383, the first row's 40th cell; with
    blink off, attribute bit 7 makes the background bright."""
    shot = tmp_path / "hostile.png"
    r = run_wisp("run", "-m", "64M", "--isa-debug-exit", "--cmdline", "hostile=1", "--ascii",
                 "--screenshot", shot, KERNEL, env=PLAIN)
    assert r.returncode == PASS_STATUS, r.stderr
    rows = text_screen_lines(r.stderr, "[end of the text buffer]")
    assert rows[0] == "[end of the text buffer]".ljust(40) + "[start of the text buffer]"
    assert rows[1:4] == ["row one", "ALL BITS", "bright background"]
    assert rows[4:] == [""] * 21
    img = read_image(shot)
    assert img.size == (720, 400)  # the sequencer still has 9-dot cells
    assert cell_colours(img, 0, 0) == {PALETTE[14], PALETTE[0]}
    assert cell_colours(img, 0, 40) == {PALETTE[11], PALETTE[0]}
    # The cursor (lines 13-14, the BIOS shape) on a blank cell.
    cursor = {rgb(img.getpixel((39 * 9 + x, 13))) for x in range(9)}
    assert cursor == {PALETTE[7]}
    assert cell_colours(img, 0, 38) == {PALETTE[0]}
    assert cell_colours(img, 2, 0) == {PALETTE[15]}                # 0xFF: white on bright white
    assert cell_colours(img, 3, 0) == {PALETTE[14], PALETTE[12]}   # 0xCE: yellow on light red


@needs_kvm
def test_vga_text_off_gives_the_linear_framebuffer():
    """--vga-text off: no text screen; the kernel asking for EGA text gets
    the linear framebuffer (its check fails: status 3) and --ascii shows
    the framebuffer's preview, not text."""
    r = run_wisp("run", "-m", "64M", "--isa-debug-exit", "--debugcon", "stdio", "--ascii",
                 "--vga-text", "off", KERNEL)
    assert r.returncode == 3, r.stderr
    assert "type 1" in r.stdout
    assert "Hello, kernel World!" not in r.stderr


@needs_kvm
def test_native_kernel_text_beside_framebuffer(tmp_path):
    """A native kernel that writes text and draws on the framebuffer gets
    both in the screenshot, side by side (the text screen on the left, a
    16-pixel gap, the framebuffer), and both in --ascii."""
    shot = tmp_path / "both.png"
    r = run_wisp("run", "--ascii", "--screenshot", shot, guest("vga_text"), env=PLAIN)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: vga_text" in r.stdout
    rows = text_screen_lines(r.stderr, "wisp native kernel")
    assert rows[:4] == ["wisp native kernel, VGA text mode",
                        "64-bit long mode, boot info at 0x80000", "green", "magenta"]
    preview = r.stderr.split("magenta\n", 1)[1]
    assert "@" in preview or "#" in preview or ":" in preview, preview  # the red square
    img = read_image(shot)
    assert img.size == (720 + 16 + 1024, 768)
    assert cell_colours(img, 0, 79) == {PALETTE[1]}     # the blue banner row
    assert cell_colours(img, 3, 0) == {PALETTE[13], PALETTE[0]}
    assert cell_colours(img, 3, 7) == {PALETTE[7], PALETTE[0]}  # the cursor (lines 13-14)
    assert rgb(img.getpixel((736 + 10, 10))) == 0xFF0000       # the framebuffer's red square
    assert rgb(img.getpixel((736 + 100, 100))) == 0x000000
    assert rgb(img.getpixel((10, 500))) == 0x303030             # below the text screen


@needs_kvm
def test_framebuffer_kernel_screenshot_unchanged(tmp_path):
    """A kernel that never writes to the text screen gets the framebuffer
    alone, as before the text screen existed."""
    shot = tmp_path / "fb.png"
    r = run_wisp("run", "--screenshot", shot, guest("framebuffer"))
    assert r.returncode == 0, r.stderr
    assert read_image(shot).size == (1024, 768)


@needs_kvm
def test_grub_invaders_draws_on_the_text_screen(tmp_path):
    """GRUB Invaders (Debian's grub-invaders) plays on the text screen:
    its aliens ("-*-") and the player's ship show in --ascii and the
    screenshot."""
    shot = tmp_path / "invaders.png"
    r = run_wisp("run", "--timeout", "5", "--ascii", "--screenshot", shot,
                 kboot_kernel("invaders.exec"), env=PLAIN, timeout=60)
    assert r.returncode == EXIT_TIMEOUT, r.stderr[-2000:]
    rows = r.stderr.split("stopping the guest\n", 1)[1].splitlines()[:25]
    assert sum(row.count("-*-") for row in rows) >= 10, "\n".join(rows)
    assert any("/ \\" in row for row in rows[20:]), "\n".join(rows)
    img = read_image(shot)
    assert img.size == (720, 400)
    assert len({rgb(p) for p in img.getdata()}) >= 3  # black and two colours at least


def test_vga_text_bad_arguments(tmp_path):
    r = run_wisp("run", "--vga-text", "", guest("hello"))
    assert r.returncode == EXIT_USAGE
    assert "--vga-text" in r.stderr
    r = run_wisp("run", "--vga-text", tmp_path / "no" / "such" / "dir", guest("hello"))
    assert r.returncode == EXIT_USAGE
    assert r.stderr.startswith("wisp: --vga-text ") and "No such file" in r.stderr
