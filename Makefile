# wisp build. `make` builds build/wisp and the guests; `make check` runs
# every test. scripts/test.sh installs missing Debian packages first.

BUILD    ?= build
CC       ?= gcc
SANITIZE ?=
WERROR   ?= -Werror
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla $(WERROR)
CPPFLAGS += -Isrc -Iinclude -D_GNU_SOURCE
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) $(SANITIZE) -MMD -MP
LDLIBS_WISP := -lpng -lz -lutil -llzma -lzstd -llz4 -lbz2
# Debian's interpreter, where python3-pytest lives (not a pyenv shim).
PYTHON   ?= /usr/bin/python3

# Everything under src/ except the command line and the Windows backend.
LIB_SOURCES  := $(filter-out src/main.c src/accel/whp%.c %_windows.c,$(shell find src -name '*.c' | sort))
LIB_OBJECTS  := $(LIB_SOURCES:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/vga_font.o
UNIT_SOURCES := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS   := $(UNIT_SOURCES:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all wisp guests demo unit check integration check-stock-kernels check-nested-stress header-matrix sanitize fuzz fuzz-smoke clean install
all: wisp guests demo

wisp: $(BUILD)/wisp
$(BUILD)/wisp: $(BUILD)/obj/src/main.o $(BUILD)/libwisp.a
	$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_WISP)

$(BUILD)/libwisp.a: $(LIB_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The VGA text screen's font: a Debian console font (console-data's
# default8x16, code page 437 with a Unicode table) turned into a C table at
# build time by scripts/psf2c.c; no glyphs are kept in the sources.
VGA_FONT ?= /usr/share/consolefonts/default8x16.psf.gz
$(BUILD)/host/psf2c: scripts/psf2c.c src/dev/cp437.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=gnu11 $(WARNINGS) -O2 -o $@ $<
$(BUILD)/gen/vga_font.c: $(VGA_FONT) $(BUILD)/host/psf2c
	@mkdir -p $(dir $@)
	gzip -dcf $(VGA_FONT) | $(BUILD)/host/psf2c $(notdir $(VGA_FONT)) > $@.tmp
	mv $@.tmp $@
$(VGA_FONT):
	@echo "wisp: the console font $@ is missing: install Debian's console-data" \
	      "(scripts/install-deps.sh build), or name another 8x16 PSF font with VGA_FONT=" >&2; exit 1
$(BUILD)/obj/gen/vga_font.o: $(BUILD)/gen/vga_font.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libwisp.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libwisp.a -lcmocka $(LDLIBS_WISP)

# Guests are freestanding: their own Makefiles, their own flags.
guests:
	$(MAKE) -C tests/guests OUT=$(abspath $(BUILD))/guests
demo:
	$(MAKE) -C demo OUT=$(abspath $(BUILD))/demo

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; WISP_SOURCE_DIR=$(CURDIR) $$t; done

# KVM_RUNNER runs the guest-booting tests somewhere /dev/kvm works; on a host
# without it scripts/test.sh sets it to scripts/nested-kvm.sh (a TCG VM with
# emulated AMD SVM and the kvm_amd module).
KVM_RUNNER ?=
# No test may take longer than this (pytest-timeout); scripts/test.sh gives
# the nested VM's watchdog more, so a hung test fails as itself.
TEST_TIMEOUT ?= 120
PYTEST = WISP_BUILD=$(abspath $(BUILD)) PYTHONUNBUFFERED=1 $(KVM_RUNNER) $(PYTHON) -m pytest \
	    -q -ra --timeout=$(TEST_TIMEOUT)
integration: all
	$(PYTEST) -m "not stock_kernel" tests/integration

# Debian's stock kernels (scripts/fetch-debian-kernels.sh): bigger and slower
# to boot than the small test Linux, so a target of their own.
check-stock-kernels: all
	$(PYTEST) -m stock_kernel tests/integration

# How often the nested test VM stalls (scripts/nested-stress.sh): boots the
# test guests STRESS_RUNS times in a row, a fresh VM after each stall.
STRESS_RUNS ?= 110
check-nested-stress: all
	scripts/nested-stress.sh --runs $(STRESS_RUNS)

header-matrix:
	bash tests/hyperv/compile-matrix.sh

check: unit header-matrix fuzz-smoke integration check-stock-kernels

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize:
	$(MAKE) BUILD=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" KVM_RUNNER="$(KVM_RUNNER)" unit integration

fuzz: $(BUILD)/fuzz/fuzz_elf_loader
$(BUILD)/fuzz/fuzz_elf_loader: tests/fuzz/fuzz_elf_loader.c src/boot/elf_loader.c src/core/guest_memory.c src/core/error.c src/core/os_posix.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ \
	    tests/fuzz/fuzz_elf_loader.c src/boot/elf_loader.c src/core/guest_memory.c src/core/error.c src/core/os_posix.c

# The Multiboot 1/2 and Limine loaders: one target each, same sources.
KBOOT_FUZZERS := fuzz_multiboot fuzz_multiboot2 fuzz_limine
KBOOT_FUZZ_SOURCES := src/boot/multiboot.c src/boot/multiboot2.c src/boot/limine.c \
	src/boot/kernel_boot.c src/boot/kernel_image.c src/boot/linux_layout.c src/boot/linux_entry.c \
	src/boot/acpi_tables.c src/core/guest_memory.c src/core/error.c src/core/os_posix.c
fuzz: $(KBOOT_FUZZERS:%=$(BUILD)/fuzz/%)
$(KBOOT_FUZZERS:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/kboot_fuzz.h $(KBOOT_FUZZ_SOURCES)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ \
	    $< $(KBOOT_FUZZ_SOURCES)

# The VGA registers and the text screen renderer (with the generated font).
VGA_FUZZ_SOURCES := src/dev/vga.c src/dev/vga_render.c src/core/bus.c src/core/guest_memory.c \
	src/core/error.c src/core/os_posix.c $(BUILD)/gen/vga_font.c
fuzz: $(BUILD)/fuzz/fuzz_vga
$(BUILD)/fuzz/fuzz_vga: tests/fuzz/fuzz_vga.c $(VGA_FUZZ_SOURCES)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ \
	    $< $(VGA_FUZZ_SOURCES)

# A short fuzzing run from the committed seeds (new inputs go to a scratch
# directory): keeps the target building and the seeds passing.
FUZZ_SECONDS ?= 30
fuzz-smoke: $(BUILD)/fuzz/fuzz_elf_loader $(KBOOT_FUZZERS:%=$(BUILD)/fuzz/%) $(BUILD)/fuzz/fuzz_vga
	@set -e; for f in $(KBOOT_FUZZERS) fuzz_vga; do \
	    scratch=$$(mktemp -d); \
	    if $(BUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -rss_limit_mb=4096 \
	            -artifact_prefix=$$scratch/ $$scratch tests/fuzz/corpus/$$f > $$scratch/log 2>&1; then \
	        echo "fuzz-smoke $$f: $$(grep -o 'number_of_executed_units: *[0-9]*' $$scratch/log) in $(FUZZ_SECONDS) s, no findings"; \
	        rm -rf $$scratch; \
	    else tail -40 $$scratch/log; echo "fuzz-smoke $$f: finding kept in $$scratch"; exit 1; fi; \
	done
	@scratch=$$(mktemp -d); \
	if $(BUILD)/fuzz/fuzz_elf_loader -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$$scratch/ $$scratch tests/fuzz/corpus/elf_loader > $$scratch/log 2>&1; then \
	    echo "fuzz-smoke: $$(grep -o 'number_of_executed_units: *[0-9]*' $$scratch/log) in $(FUZZ_SECONDS) s, no findings"; \
	    rm -rf $$scratch; \
	else tail -40 $$scratch/log; echo "fuzz-smoke: finding kept in $$scratch"; exit 1; fi

PREFIX ?= /usr/local
install: $(BUILD)/wisp
	install -D -m 755 $(BUILD)/wisp $(DESTDIR)$(PREFIX)/bin/wisp
	mkdir -p $(DESTDIR)$(PREFIX)/include
	cp -r include/hyperv include/wisp $(DESTDIR)$(PREFIX)/include/
	install -D -m 644 data/hyperv/hypercalls.csv $(DESTDIR)$(PREFIX)/share/wisp/hypercalls.csv
	install -D -m 644 data/hyperv/vmbus.csv $(DESTDIR)$(PREFIX)/share/wisp/vmbus.csv
	mkdir -p $(DESTDIR)$(PREFIX)/share/pkgconfig
	sed 's|@PREFIX@|$(PREFIX)|g' data/hyperv/hyperv-headers.pc.in > $(DESTDIR)$(PREFIX)/share/pkgconfig/hyperv-headers.pc

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
