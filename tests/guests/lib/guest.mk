# Build rules shared by tests/guests/Makefile and demo/Makefile.
#
# The including Makefile sets:
#   OUT          output directory (absolute, or relative to its own directory)
#   GUEST_LIB    path to tests/guests/lib
#   WISP_INCLUDE path to the repository's include/ (for <wisp/guest.h>)
# and gets:
#   GUEST_LIB_OBJS        the library objects, built under $(OUT)/obj/lib/
#   $(OUT)/obj/%.o        from %.c or %.S in its own directory
#   $(call guest_link,elf,objects)  link a guest and check it
#
# Guests are freestanding: no libc, no red zone (interrupts push onto the
# same stack), general-purpose registers only (the interrupt stubs don't
# save SSE state), no instructions the ring-0 emulator on our hosts lacks
# (INT3, CLAC/STAC, POPCNT, CMPXCHG16B, XSAVE*): we target baseline x86-64
# and check every linked ELF with check-elf.sh.

GUEST_CC ?= gcc

GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror \
	-ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-march=x86-64 -mtune=generic -mno-red-zone -mgeneral-regs-only \
	-mno-popcnt -mno-cx16 -mno-xsave -mno-xsaveopt -mno-xsavec -mno-xsaves \
	-mno-sse -mno-mmx -mno-80387 \
	-I$(GUEST_LIB) -I$(WISP_INCLUDE) -MMD -MP

GUEST_ASFLAGS := -I$(GUEST_LIB) -I$(WISP_INCLUDE) -MMD -MP

GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000 -Wl,-T,$(GUEST_LIB)/guest.ld

GUEST_LIB_OBJS := $(OUT)/obj/lib/start.o $(OUT)/obj/lib/isr.o $(OUT)/obj/lib/wisp_lib.o \
	$(OUT)/obj/lib/wisp_smp.o $(OUT)/obj/lib/smp_trampoline.o

# start.o must come first only by convention; guest.ld puts .text.start at
# the load address whatever the order.
define guest_link
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $(1).tmp $(2)
	$(GUEST_LIB)/check-elf.sh $(1).tmp
	mv -f $(1).tmp $(1)
endef

$(OUT)/obj/lib/%.o: $(GUEST_LIB)/%.c $(GUEST_LIB)/guest.mk | $(OUT)/obj/lib
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(OUT)/obj/lib/%.o: $(GUEST_LIB)/%.S $(GUEST_LIB)/guest.mk | $(OUT)/obj/lib
	$(GUEST_CC) $(GUEST_ASFLAGS) -c -o $@ $<

$(OUT)/obj/%.o: %.c $(GUEST_LIB)/guest.mk | $(OUT)/obj/lib
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(OUT)/obj/lib:
	mkdir -p $@

-include $(wildcard $(OUT)/obj/*.d $(OUT)/obj/lib/*.d)
