# wisp build. `make` builds build/wisp and the guests; `make check` runs
# every test. scripts/test.sh installs missing Debian packages first.

BUILD    ?= build
CC       ?= gcc
SANITIZE ?=
WERROR   ?= -Werror
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla $(WERROR)
CPPFLAGS += -Isrc -Iinclude -D_GNU_SOURCE
# Built like a security tool (tests/check-hardening.sh checks the binary):
# stack canaries, checked libc calls (_FORTIFY_SOURCE needs -O1 or more), a
# position-independent executable with read-only relocations bound at
# start, and CET's IBT/shadow-stack marking where the compiler has it.
cc-option = $(shell $(CC) $(1) -Werror -E -x c /dev/null >/dev/null 2>&1 && echo $(1))
HARDEN_CFLAGS  ?= -fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -fPIE \
                  $(call cc-option,-fcf-protection)
HARDEN_LDFLAGS ?= -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) $(HARDEN_CFLAGS) $(SANITIZE) -pthread -MMD -MP
LDLIBS_WISP := -lpng -lz -lutil -llzma -lzstd -llz4 -lbz2 -lseccomp -lslirp -ljson-c -pthread
# Debian's interpreter, where python3-pytest lives (not a pyenv shim).
PYTHON   ?= /usr/bin/python3

# Everything under src/ except the command line and the Windows backend.
LIB_SOURCES  := $(filter-out src/main.c src/accel/whp%.c %_windows.c,$(shell find src -name '*.c' | sort))
LIB_OBJECTS  := $(LIB_SOURCES:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/vga_font.o
UNIT_SOURCES := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS   := $(UNIT_SOURCES:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all wisp wisp-test guests demo unit check integration integration-sanitized check-stock-kernels check-nested-stress header-matrix sanitize tsan fuzz fuzz-smoke fuzz-long clean install
all: wisp wisp-test guests demo

wisp: $(BUILD)/wisp
$(BUILD)/wisp: $(BUILD)/obj/src/main.o $(BUILD)/libwisp.a
	$(CC) $(SANITIZE) $(HARDEN_LDFLAGS) -o $@ $^ $(LDLIBS_WISP)

# The same wisp with the debug hooks of tests/hooks/ (only tests use it).
wisp-test: $(BUILD)/wisp-test
$(BUILD)/wisp-test: $(BUILD)/obj/test-hooks/main.o $(BUILD)/obj/tests/hooks/test_hooks.o $(BUILD)/libwisp.a
	$(CC) $(SANITIZE) $(HARDEN_LDFLAGS) -o $@ $^ $(LDLIBS_WISP)
$(BUILD)/obj/test-hooks/main.o: src/main.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DWISP_TEST_HOOKS -Itests/hooks $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libwisp.a: $(LIB_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# A test may add link flags of its own: LDFLAGS_<test name>.
LDFLAGS_test_kvm_kick := -Wl,--wrap=ioctl,--wrap=mmap,--wrap=munmap

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
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(HARDEN_LDFLAGS) -o $@ $< $(BUILD)/libwisp.a -lcmocka $(LDLIBS_WISP) $(LDFLAGS_$*)

# Snapshot restore time against guest memory size (bench/snapshot_restore.c).
.PHONY: bench-snapshot
bench-snapshot: $(BUILD)/bench/snapshot_restore
	$(BUILD)/bench/snapshot_restore
$(BUILD)/bench/snapshot_restore: bench/snapshot_restore.c $(BUILD)/libwisp.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(HARDEN_LDFLAGS) -o $@ $< $(BUILD)/libwisp.a $(LDLIBS_WISP)

# Live migration on loopback, idle and dirtying guests, wisp beside QEMU
# (bench/migrate.py); without /dev/kvm:
# make bench-migrate KVM_RUNNER="scripts/nested-kvm.sh --"
.PHONY: bench-migrate
bench-migrate: $(BUILD)/wisp guests
	$(MAKE) -s -C bench build/dirtier
	scripts/build-initramfs.sh $(BUILD)/initramfs.cpio.gz
	small=$$(scripts/build-small-linux.sh) && \
	$(KVM_RUNNER) $(PYTHON) bench/migrate.py $(BUILD) $(BENCH_RUNS) --small "$$small" \
	    --initrd $(BUILD)/initramfs.cpio.gz --dirtier bench/build/dirtier

# Guests are freestanding: their own Makefiles, their own flags.
guests:
	$(MAKE) -C tests/guests OUT=$(abspath $(BUILD))/guests
demo:
	$(MAKE) -C demo OUT=$(abspath $(BUILD))/demo

SHELL_SCRIPTS = $(shell find bench scripts tests -name '*.sh' -not -path '*/build/*')
PYTHON_SOURCES = $(shell find bench scripts tests -name '*.py' -not -path '*/build/*')
unit: $(UNIT_TESTS) $(if $(SANITIZE),,$(BUILD)/wisp)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; WISP_SOURCE_DIR=$(CURDIR) $$t; done
	@$(if $(SANITIZE),echo "(hardening flags are checked on the release build)",tests/check-hardening.sh $(BUILD)/wisp)
	@# The test tooling's own tests (Python, no guest): once, with the release build.
	@$(if $(SANITIZE),,$(PYTHON) -m pytest -q -p no:cacheprovider tests/tools)
	@# The shell scripts (warnings and errors, not style notes) and the Python
	@# (unused names, undefined names, f-strings with nothing to fill in).
	@$(if $(SANITIZE),,shellcheck -S warning $(SHELL_SCRIPTS) && echo "shellcheck: $(words $(SHELL_SCRIPTS)) scripts clean")
	@$(if $(SANITIZE),,$(PYTHON) -m pyflakes $(PYTHON_SOURCES) && echo "pyflakes: $(words $(PYTHON_SOURCES)) files clean")

# KVM_RUNNER runs the guest-booting tests somewhere /dev/kvm works; on a host
# without it scripts/test.sh sets it to scripts/nested-kvm.sh (a TCG VM with
# emulated AMD SVM and the kvm_amd module).
KVM_RUNNER ?=
# No test may take longer than this (pytest-timeout); scripts/test.sh gives
# the nested VM's watchdog more, so a hung test fails as itself.
TEST_TIMEOUT ?= 120
# In the nested test VM a guest that never crashes on hardware KVM now and
# then triple-faults (QEMU's emulated SVM under load; README, "Hosts without
# usable KVM"). scripts/test.sh sets NESTED_CRASH_RERUNS there: a test that
# failed with wisp's triple-fault report, or with a CPU left running at the
# nested VM's own KVM RIP (tests/integration/rips_from_the_host.py), or
# while nested-kvm.sh mended one of the VM's CPUs (tests/integration/
# vm_mends.py), runs again, at most that often, and
# pytest lists every rerun (RERUN lines, "N rerun" in its summary, and the
# crash line that allowed each: tests/integration/rerun_reasons.py, which
# tries the patterns in this order, the most telling first). Any other
# failure, and a crash that comes back every time, still fails.
NESTED_CRASH_RERUNS ?= 0
ifneq ($(NESTED_CRASH_RERUNS),0)
PYTEST_RERUN = --reruns $(NESTED_CRASH_RERUNS) --only-rerun "guest crashed: triple fault" \
	--only-rerun "after KVM's reset" --only-rerun "rebooted \(by a triple fault" \
	--only-rerun "state of the level above leaked into the guest" \
	--only-rerun "nested-kvm mended the VM during this test"
endif
# Each test command records its tests' outcomes in a file as they end
# (tests/integration/resume_after_stall.py), so when the nested VM stalls,
# the retry in a fresh VM runs only the tests that had not ended; the file
# is emptied before the command starts. Beside it, nested-kvm.sh logs each
# mend of the VM (NESTED_KVM_MEND_LOG, read by tests/integration/vm_mends.py).
TEST_PROGRESS = $(abspath $(BUILD))/test-progress
resume_file = rm -f $(TEST_PROGRESS).$(1) $(TEST_PROGRESS).$(1).mends && \
	WISP_TEST_PROGRESS=$(TEST_PROGRESS).$(1) NESTED_KVM_MEND_LOG=$(TEST_PROGRESS).$(1).mends
PYTEST = WISP_BUILD=$(abspath $(BUILD)) PYTHONUNBUFFERED=1 $(KVM_RUNNER) $(PYTHON) -m pytest \
	    -q -raR --timeout=$(TEST_TIMEOUT) $(PYTEST_RERUN)
integration: all
	$(call resume_file,integration) $(PYTEST) -m "not stock_kernel" tests/integration

# Debian's stock kernels (scripts/fetch-debian-kernels.sh): bigger and slower
# to boot than the small test Linux, so a target of their own.
check-stock-kernels: all
	$(call resume_file,stock-kernels) $(PYTEST) -m stock_kernel tests/integration

# How often the nested test VM stalls (scripts/nested-stress.sh): boots the
# test guests STRESS_RUNS times in a row, a fresh VM after each stall.
STRESS_RUNS ?= 110
check-nested-stress: all
	scripts/nested-stress.sh --runs $(STRESS_RUNS)

header-matrix:
	bash tests/hyperv/compile-matrix.sh

check: unit header-matrix fuzz-smoke integration check-stock-kernels

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer:
# every unit test, and every integration test but the plain Linux boot
# paths (test_linux*.py: the same wisp code the native guests and the
# virtio tests run, at many minutes per pass in the nested VM).
SANITIZE_SKIP ?= --ignore=tests/integration/test_linux.py --ignore=tests/integration/test_linux_smp.py
sanitize:
	$(MAKE) BUILD=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" KVM_RUNNER="$(KVM_RUNNER)" unit integration-sanitized

integration-sanitized: all
	$(call resume_file,sanitized) $(PYTEST) -m "not stock_kernel" $(SANITIZE_SKIP) tests/integration

# ThreadSanitizer over what runs on several threads: the stop-the-world and
# the multi-CPU interrupt controller unit tests, then a handful of the
# multi-CPU integration tests (both irqchips) on a TSan build of wisp. Any
# report fails the run (halt_on_error: wisp exits 66).
TSAN_BUILD := build-tsan
# -Wno-tsan: the virtqueue's fences order wisp's accesses to guest memory
# against the guest's own CPUs, which TSan cannot see anyway.
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan
TSAN_OPTIONS_RUN := TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
TSAN_TESTS ?= $(addprefix tests/integration/test_smp.py::test_, \
	every_cpu_reports_its_apic_id_and_the_locked_count_is_exact \
	ipis_ping_pong_broadcast_nmi_and_logical_destinations \
	exit_on_one_cpu_ends_the_vm_while_the_others_spin \
	triple_fault_on_an_ap_is_a_crash_with_every_cpus_registers \
	signals_and_the_screenshot_signal_reach_a_multi_cpu_vm)
tsan:
	$(MAKE) BUILD=$(TSAN_BUILD) SANITIZE="$(TSAN_FLAGS)" CFLAGS="-O1 -g" wisp guests \
	    $(TSAN_BUILD)/tests/test_vcpu_pause $(TSAN_BUILD)/tests/test_irqchip_smp
	$(TSAN_OPTIONS_RUN) $(TSAN_BUILD)/tests/test_vcpu_pause
	$(TSAN_OPTIONS_RUN) $(TSAN_BUILD)/tests/test_irqchip_smp
	$(call resume_file,tsan) $(TSAN_OPTIONS_RUN) WISP_BUILD=$(abspath $(TSAN_BUILD)) $(KVM_RUNNER) $(PYTHON) -m pytest -q -raR $(PYTEST_RERUN) \
	    $(TSAN_TESTS)

# ---- libFuzzer targets (tests/fuzz/README.md) ----
# A target is tests/fuzz/fuzz_NAME.c with its seeds in tests/fuzz/corpus/NAME/:
# adding one needs no line here. Each links against wisp's library built
# again with clang, the fuzzer's coverage and ASan/UBSan.
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wno-gnu-variable-sized-type-not-at-end \
                -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_TARGETS := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(BUILD)/fuzz/obj/gen/vga_font.o: $(BUILD)/gen/vga_font.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(BUILD)/fuzz/libwisp-fuzz.a: $(LIB_SOURCES:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/gen/vga_font.o
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libwisp-fuzz.a
	$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
	    $(BUILD)/fuzz/libwisp-fuzz.a $(LDLIBS_WISP)

fuzz: $(FUZZ_BINS)

# make check: every target a few seconds from its committed seeds (new
# inputs go to a scratch directory). make fuzz-long: FUZZ_SECONDS each (or
# only FUZZ_TARGET), new inputs that add coverage merged into the corpus.
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SECONDS ?= 600
FUZZ_TARGET  ?=
fuzz-smoke: $(FUZZ_BINS)
	@tests/fuzz/run.sh smoke $(FUZZ_SMOKE_SECONDS) $(BUILD)/fuzz $(FUZZ_TARGETS)
fuzz-long: $(FUZZ_BINS)
	@tests/fuzz/run.sh long $(FUZZ_SECONDS) $(BUILD)/fuzz $(or $(FUZZ_TARGET),$(FUZZ_TARGETS))

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
	rm -rf build build-asan build-tsan

-include $(shell find $(BUILD)/obj $(BUILD)/fuzz -name '*.d' 2>/dev/null)
