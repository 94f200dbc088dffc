/* Visitors for wisp's device models (device_state.h). */
#include "device_state.h"

void state_uart16550(struct state_io *io, struct uart16550 *u)
{
    state_bytes(io, u->rx, sizeof u->rx);
    state_unsigned(io, &u->rx_head);
    state_unsigned(io, &u->rx_count);
    state_check(io, u->rx_head < UART16550_FIFO_SIZE && u->rx_count <= UART16550_FIFO_SIZE,
                "UART receive queue out of range");
    state_u8(io, &u->rbr_last);
    state_u8(io, &u->ier);
    state_u8(io, &u->fcr);
    state_u8(io, &u->lcr);
    state_u8(io, &u->mcr);
    state_u8(io, &u->lsr_errors);
    state_u8(io, &u->msr);
    state_u8(io, &u->scr);
    state_u8(io, &u->dll);
    state_u8(io, &u->dlm);
    state_bool(io, &u->thri_pending);
    state_bool(io, &u->irq_level);
    state_bool(io, &u->receiver_used);
}

void state_vga(struct state_io *io, struct vga *v)
{
    state_u8(io, &v->misc);
    state_u8(io, &v->seq_index);
    state_bytes(io, v->seq, sizeof v->seq);
    state_u8(io, &v->crtc_index);
    state_bytes(io, v->crtc, sizeof v->crtc);
    state_u8(io, &v->gc_index);
    state_bytes(io, v->gc, sizeof v->gc);
    state_u8(io, &v->ar_index);
    state_bool(io, &v->ar_flip_data);
    state_bytes(io, v->ar, sizeof v->ar);
    state_u8(io, &v->feature);
    state_u8(io, &v->vga_enable);
    state_u8(io, &v->dac_mask);
    state_u8(io, &v->dac_read_index);
    state_u8(io, &v->dac_write_index);
    state_u8(io, &v->dac_component);
    state_check(io, v->dac_component < 3, "VGA DAC component out of range");
    state_bool(io, &v->dac_reading);
    state_bytes(io, v->dac, sizeof v->dac);
    state_u32(io, &v->status_reads);
    state_u64(io, &v->writes);
}

static void pic_chip(struct state_io *io, struct pic8259_chip *c)
{
    state_u8(io, &c->irr);
    state_u8(io, &c->isr);
    state_u8(io, &c->imr);
    state_u8(io, &c->lines);
    state_u8(io, &c->elcr);
    state_u8(io, &c->elcr_mask);
    state_u8(io, &c->vector_base);
    state_u8(io, &c->icw3);
    state_u8(io, &c->init_step);
    state_check(io, c->init_step == 0 || (c->init_step >= 2 && c->init_step <= 4),
                "PIC initialization step out of range");
    state_u8(io, &c->priority_add);
    state_check(io, c->priority_add < 8, "PIC priority out of range");
    state_bool(io, &c->icw4_expected);
    state_bool(io, &c->single);
    state_bool(io, &c->ltim);
    state_bool(io, &c->auto_eoi);
    state_bool(io, &c->rotate_on_aeoi);
    state_bool(io, &c->sfnm);
    state_bool(io, &c->special_mask);
    state_bool(io, &c->read_isr);
    state_bool(io, &c->poll);
}

void state_pic8259(struct state_io *io, struct pic8259 *pic)
{
    pic_chip(io, &pic->chip[0]);
    pic_chip(io, &pic->chip[1]);
    state_bool(io, &pic->output);
}

static void pit_channel(struct state_io *io, struct pit8254_channel *c)
{
    state_u32(io, &c->reload);
    state_check(io, c->reload >= 1 && c->reload <= 65536, "PIT count out of range");
    state_time(io, &c->start_ns);
    state_u64(io, &c->paused_ticks);
    state_u16(io, &c->latched);
    state_u8(io, &c->status);
    state_u8(io, &c->mode);
    state_check(io, c->mode <= 5, "PIT mode out of range");
    state_u8(io, &c->access);
    state_check(io, c->access <= 3, "PIT access mode out of range");
    state_u8(io, &c->write_lsb);
    state_bool(io, &c->bcd);
    state_bool(io, &c->loaded);
    state_bool(io, &c->counting);
    state_bool(io, &c->paused);
    state_bool(io, &c->null_count);
    state_bool(io, &c->count_latched);
    state_bool(io, &c->status_latched);
    state_bool(io, &c->write_msb_next);
    state_bool(io, &c->read_msb_next);
    state_bool(io, &c->gate);
}

void state_pit8254(struct state_io *io, struct pit8254 *pit)
{
    for (int i = 0; i < 3; i++)
        pit_channel(io, &pit->ch[i]);
    state_time(io, &pit->irq0_next_ns);
    state_bool(io, &pit->irq0_level);
    state_u8(io, &pit->port61);
}

void state_ioapic(struct state_io *io, struct ioapic *ioapic)
{
    state_u32(io, &ioapic->id);
    state_u32(io, &ioapic->select);
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        state_u64(io, &ioapic->rte[i]);
    state_u32(io, &ioapic->asserted);
}

void state_lapic(struct state_io *io, struct lapic *l)
{
    state_u64(io, &l->base_msr);
    uint32_t id = l->id;
    state_u32(io, &id);
    state_check(io, id == l->id, "a LAPIC with another APIC ID");
    state_u32(io, &l->tpr);
    state_u32(io, &l->ldr);
    state_u32(io, &l->dfr);
    state_u32(io, &l->svr);
    for (int i = 0; i < 8; i++) {
        state_u32(io, &l->irr[i]);
        state_u32(io, &l->isr[i]);
        state_u32(io, &l->tmr[i]);
    }
    state_u32(io, &l->esr);
    state_u32(io, &l->esr_pending);
    state_u32(io, &l->icr_low);
    state_u32(io, &l->icr_high);
    for (int i = 0; i < LAPIC_LVT_COUNT; i++)
        state_u32(io, &l->lvt[i]);
    state_u32(io, &l->divide);
    state_u32(io, &l->initial_count);
    state_time(io, &l->base_ns);
    state_u64(io, &l->base_count);
    state_time(io, &l->timer_next_ns);
    bool bsp = l->bsp;
    state_bool(io, &bsp);
    state_check(io, bsp == l->bsp, "a LAPIC saved for another CPU");
    state_bool(io, &l->lint0);
    state_bool(io, &l->lint1);
    state_bool(io, &l->nmi_pending);
    state_bool(io, &l->init_pending);
    state_int(io, &l->sipi_vector);
    state_check(io, l->sipi_vector >= -1 && l->sipi_vector <= 255, "SIPI vector out of range");
}

void state_irqchip_user(struct state_io *io, struct irqchip_user *chip)
{
    unsigned ncpus = chip->ncpus;
    state_unsigned(io, &ncpus);
    state_check(io, ncpus == chip->ncpus, "wisp's irqchip saved for another CPU count");
    if (io->failed)
        return;
    state_pic8259(io, &chip->pic);
    state_pit8254(io, &chip->pit);
    state_ioapic(io, &chip->ioapic);
    for (unsigned i = 0; i < chip->ncpus; i++)
        state_lapic(io, &chip->lapics[i]);
    state_unsigned(io, &chip->lowest_priority_turn);
    state_check(io, chip->lowest_priority_turn < IRQCHIP_USER_MAX_CPUS,
                "irqchip tie-break out of range");
}
