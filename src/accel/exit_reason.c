#include "accel.h"

const char *accel_exit_reason_name(enum accel_exit_reason reason)
{
    switch (reason) {
    case ACCEL_EXIT_NONE: return "none";
    case ACCEL_EXIT_MEMORY_ACCESS: return "memory access";
    case ACCEL_EXIT_IO_PORT_ACCESS: return "port access";
    case ACCEL_EXIT_UNRECOVERABLE_EXCEPTION: return "unrecoverable exception";
    case ACCEL_EXIT_INVALID_VP_REGISTER_VALUE: return "invalid register value";
    case ACCEL_EXIT_UNSUPPORTED_FEATURE: return "unsupported feature";
    case ACCEL_EXIT_INTERRUPT_WINDOW: return "interrupt window";
    case ACCEL_EXIT_HALT: return "halt";
    case ACCEL_EXIT_APIC_EOI: return "apic eoi";
    case ACCEL_EXIT_MSR_ACCESS: return "msr access";
    case ACCEL_EXIT_CPUID: return "cpuid";
    case ACCEL_EXIT_EXCEPTION: return "exception";
    case ACCEL_EXIT_RDTSC: return "rdtsc";
    case ACCEL_EXIT_HYPERCALL: return "hypercall";
    case ACCEL_EXIT_CANCELED: return "canceled";
    }
    return "unknown";
}
