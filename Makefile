# wisp build. `make` builds build/wisp and the guests; `make check` runs
# every test. scripts/test.sh installs missing Debian packages first.

BUILD    ?= build
CC       ?= gcc
SANITIZE ?=
WERROR   ?= -Werror
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla $(WERROR)
CPPFLAGS += -Isrc -Iinclude -D_GNU_SOURCE
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) $(SANITIZE) -pthread -MMD -MP
LDLIBS_WISP := -lpng -lz -lutil -llzma -lzstd -llz4 -lbz2 -pthread
# Debian's interpreter, where python3-pytest lives (not a pyenv shim).
PYTHON   ?= /usr/bin/python3

# Everything under src/ except the command line and the Windows backend.
LIB_SOURCES  := $(filter-out src/main.c src/accel/whp%.c %_windows.c,$(shell find src -name '*.c' | sort))
LIB_OBJECTS  := $(LIB_SOURCES:%.c=$(BUILD)/obj/%.o)
UNIT_SOURCES := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS   := $(UNIT_SOURCES:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all wisp guests demo unit check integration check-stock-kernels header-matrix sanitize tsan fuzz fuzz-smoke clean install
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
integration: all
	WISP_BUILD=$(abspath $(BUILD)) $(KVM_RUNNER) $(PYTHON) -m pytest -q -ra \
	    -m "not stock_kernel" tests/integration

# Debian's stock kernels (scripts/fetch-debian-kernels.sh): bigger and slower
# to boot than the small test Linux, so a target of their own.
check-stock-kernels: all
	WISP_BUILD=$(abspath $(BUILD)) $(KVM_RUNNER) $(PYTHON) -m pytest -q -ra \
	    -m stock_kernel tests/integration

header-matrix:
	bash tests/hyperv/compile-matrix.sh

check: unit header-matrix fuzz-smoke integration check-stock-kernels

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize:
	$(MAKE) BUILD=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" KVM_RUNNER="$(KVM_RUNNER)" unit integration

# ThreadSanitizer over what runs on several threads: the stop-the-world and
# the multi-CPU interrupt controller unit tests, then a handful of the
# multi-CPU integration tests (both irqchips) on a TSan build of wisp. Any
# report fails the run (halt_on_error: wisp exits 66).
TSAN_BUILD := build-tsan
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
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
	$(TSAN_OPTIONS_RUN) WISP_BUILD=$(abspath $(TSAN_BUILD)) $(KVM_RUNNER) $(PYTHON) -m pytest -q -ra \
	    $(TSAN_TESTS)

fuzz: $(BUILD)/fuzz/fuzz_elf_loader $(BUILD)/fuzz/fuzz_irqchip_smp
IRQCHIP_SOURCES := src/dev/irqchip_user.c src/dev/lapic.c src/dev/ioapic.c src/dev/pic8259.c \
	src/dev/pit8254.c src/core/bus.c src/core/error.c
$(BUILD)/fuzz/fuzz_irqchip_smp: tests/fuzz/fuzz_irqchip_smp.c $(IRQCHIP_SOURCES)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ \
	    tests/fuzz/fuzz_irqchip_smp.c $(IRQCHIP_SOURCES)
$(BUILD)/fuzz/fuzz_elf_loader: tests/fuzz/fuzz_elf_loader.c src/boot/elf_loader.c src/core/guest_memory.c src/core/error.c src/core/os_posix.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ \
	    tests/fuzz/fuzz_elf_loader.c src/boot/elf_loader.c src/core/guest_memory.c src/core/error.c src/core/os_posix.c

# A short fuzzing run from the committed seeds (new inputs go to a scratch
# directory): keeps the target building and the seeds passing.
FUZZ_SECONDS ?= 30
FUZZ_SMP_SECONDS ?= 15
fuzz-smoke: $(BUILD)/fuzz/fuzz_elf_loader $(BUILD)/fuzz/fuzz_irqchip_smp
	@set -e; for target in elf_loader:$(FUZZ_SECONDS) irqchip_smp:$(FUZZ_SMP_SECONDS); do \
	    name=$${target%%:*}; seconds=$${target##*:}; scratch=$$(mktemp -d); \
	    if $(BUILD)/fuzz/fuzz_$$name -max_total_time=$$seconds -print_final_stats=1 \
	            -artifact_prefix=$$scratch/ $$scratch tests/fuzz/corpus/$$name > $$scratch/log 2>&1; then \
	        echo "fuzz-smoke $$name: $$(grep -o 'number_of_executed_units: *[0-9]*' $$scratch/log) in $$seconds s, no findings"; \
	        rm -rf $$scratch; \
	    else tail -40 $$scratch/log; echo "fuzz-smoke $$name: finding kept in $$scratch"; exit 1; fi; \
	done

PREFIX ?= /usr/local
install: $(BUILD)/wisp
	install -D -m 755 $(BUILD)/wisp $(DESTDIR)$(PREFIX)/bin/wisp
	mkdir -p $(DESTDIR)$(PREFIX)/include
	cp -r include/hyperv include/wisp $(DESTDIR)$(PREFIX)/include/
	install -D -m 644 data/hyperv/hypercalls.csv $(DESTDIR)$(PREFIX)/share/wisp/hypercalls.csv
	mkdir -p $(DESTDIR)$(PREFIX)/share/pkgconfig
	sed 's|@PREFIX@|$(PREFIX)|g' data/hyperv/hyperv-headers.pc.in > $(DESTDIR)$(PREFIX)/share/pkgconfig/hyperv-headers.pc

clean:
	rm -rf build build-asan build-tsan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
