/*
 * hv_status.h - hypercall status codes (TLFS v6.0b 1.7, 3.12, Appendix B).
 *
 * Every hypercall returns a 16-bit HV_STATUS in bits 15:0 of the hypercall
 * result value (see hv_hypercall.h).  Codes 0x0001, 0x000F and 0x0010 are
 * reserved.
 *
 * Two notes on Appendix B of v6.0b:
 *  - it prints 0x0033 for HV_STATUS_INSUFFICIENT_BUFFERS as well as for
 *    HV_STATUS_INSUFFICIENT_BUFFER.  The row stands between 0x0012 and
 *    0x0014 in a table sorted by code, and 0x0013 is otherwise missing, so
 *    HV_STATUS_INSUFFICIENT_BUFFERS is defined here as 0x0013;
 *  - HV_STATUS_INVALID_VTL_STATE and HV_STATUS_HYPERCALL_INTERCEPT are
 *    returned by the VSM hypercalls (chapter 15) but Appendix B gives them
 *    no value, so they are not defined here.
 */
#ifndef HYPERV_HV_STATUS_H
#define HYPERV_HV_STATUS_H

#include "hv_compiler.h"

typedef uint16_t HV_STATUS;

#define HV_STATUS_SUCCESS 0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003
#define HV_STATUS_INVALID_ALIGNMENT 0x0004
#define HV_STATUS_INVALID_PARAMETER 0x0005
#define HV_STATUS_ACCESS_DENIED 0x0006
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007
#define HV_STATUS_OPERATION_DENIED 0x0008
#define HV_STATUS_UNKNOWN_PROPERTY 0x0009
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE 0x000A
#define HV_STATUS_INSUFFICIENT_MEMORY 0x000B
#define HV_STATUS_PARTITION_TOO_DEEP 0x000C
#define HV_STATUS_INVALID_PARTITION_ID 0x000D
#define HV_STATUS_INVALID_VP_INDEX 0x000E
#define HV_STATUS_INVALID_PORT_ID 0x0011
#define HV_STATUS_INVALID_CONNECTION_ID 0x0012
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x0013 /* printed as 0x0033, see above */
#define HV_STATUS_NOT_ACKNOWLEDGED 0x0014
#define HV_STATUS_INVALID_VP_STATE 0x0015
#define HV_STATUS_ACKNOWLEDGED 0x0016
#define HV_STATUS_INVALID_SAVE_RESTORE_STATE 0x0017
#define HV_STATUS_INVALID_SYNIC_STATE 0x0018
#define HV_STATUS_OBJECT_IN_USE 0x0019
#define HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO 0x001A
#define HV_STATUS_NO_DATA 0x001B
#define HV_STATUS_INACTIVE 0x001C
#define HV_STATUS_NO_RESOURCES 0x001D
#define HV_STATUS_FEATURE_UNAVAILABLE 0x001E
#define HV_STATUS_PARTIAL_PACKET 0x001F
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED 0x0020
#define HV_STATUS_PROCESSOR_CACHE_LINE_FLUSH_SIZE_INCOMPATIBLE 0x0030
#define HV_STATUS_INSUFFICIENT_BUFFER 0x0033
#define HV_STATUS_INCOMPATIBLE_PROCESSOR 0x0037
#define HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS 0x0038
#define HV_STATUS_CPUID_FEATURE_VALIDATION_ERROR 0x003C
#define HV_STATUS_CPUID_XSAVE_FEATURE_VALIDATION_ERROR 0x003D
#define HV_STATUS_PROCESSOR_STARTUP_TIMEOUT 0x003E
#define HV_STATUS_SMX_ENABLED 0x003F
#define HV_STATUS_INVALID_LP_INDEX 0x0041
#define HV_STATUS_INVALID_REGISTER_VALUE 0x0050
#define HV_STATUS_NX_NOT_DETECTED 0x0055
#define HV_STATUS_INVALID_DEVICE_ID 0x0057
#define HV_STATUS_INVALID_DEVICE_STATE 0x0058
#define HV_STATUS_PENDING_PAGE_REQUESTS 0x0059
#define HV_STATUS_PAGE_REQUEST_INVALID 0x0060
#define HV_STATUS_OPERATION_FAILED 0x0071
#define HV_STATUS_NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE 0x0072

/*
 * HV_STATUS_LIST(X): every status code above, in code order, as
 * X(name).  Use it to build name tables, e.g.
 *   #define ROW(n) { n, #n },
 *   static const struct { HV_STATUS code; const char *name; } t[] = {
 *       HV_STATUS_LIST(ROW) };
 */
#define HV_STATUS_LIST(X)                                                     \
    X(HV_STATUS_SUCCESS)                                                      \
    X(HV_STATUS_INVALID_HYPERCALL_CODE)                                       \
    X(HV_STATUS_INVALID_HYPERCALL_INPUT)                                      \
    X(HV_STATUS_INVALID_ALIGNMENT)                                            \
    X(HV_STATUS_INVALID_PARAMETER)                                            \
    X(HV_STATUS_ACCESS_DENIED)                                                \
    X(HV_STATUS_INVALID_PARTITION_STATE)                                      \
    X(HV_STATUS_OPERATION_DENIED)                                             \
    X(HV_STATUS_UNKNOWN_PROPERTY)                                             \
    X(HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE)                                  \
    X(HV_STATUS_INSUFFICIENT_MEMORY)                                          \
    X(HV_STATUS_PARTITION_TOO_DEEP)                                           \
    X(HV_STATUS_INVALID_PARTITION_ID)                                         \
    X(HV_STATUS_INVALID_VP_INDEX)                                             \
    X(HV_STATUS_INVALID_PORT_ID)                                              \
    X(HV_STATUS_INVALID_CONNECTION_ID)                                        \
    X(HV_STATUS_INSUFFICIENT_BUFFERS)                                         \
    X(HV_STATUS_NOT_ACKNOWLEDGED)                                             \
    X(HV_STATUS_INVALID_VP_STATE)                                             \
    X(HV_STATUS_ACKNOWLEDGED)                                                 \
    X(HV_STATUS_INVALID_SAVE_RESTORE_STATE)                                   \
    X(HV_STATUS_INVALID_SYNIC_STATE)                                          \
    X(HV_STATUS_OBJECT_IN_USE)                                                \
    X(HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO)                                \
    X(HV_STATUS_NO_DATA)                                                      \
    X(HV_STATUS_INACTIVE)                                                     \
    X(HV_STATUS_NO_RESOURCES)                                                 \
    X(HV_STATUS_FEATURE_UNAVAILABLE)                                          \
    X(HV_STATUS_PARTIAL_PACKET)                                               \
    X(HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED)                              \
    X(HV_STATUS_PROCESSOR_CACHE_LINE_FLUSH_SIZE_INCOMPATIBLE)                 \
    X(HV_STATUS_INSUFFICIENT_BUFFER)                                          \
    X(HV_STATUS_INCOMPATIBLE_PROCESSOR)                                       \
    X(HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS)                                  \
    X(HV_STATUS_CPUID_FEATURE_VALIDATION_ERROR)                               \
    X(HV_STATUS_CPUID_XSAVE_FEATURE_VALIDATION_ERROR)                         \
    X(HV_STATUS_PROCESSOR_STARTUP_TIMEOUT)                                    \
    X(HV_STATUS_SMX_ENABLED)                                                  \
    X(HV_STATUS_INVALID_LP_INDEX)                                             \
    X(HV_STATUS_INVALID_REGISTER_VALUE)                                       \
    X(HV_STATUS_NX_NOT_DETECTED)                                              \
    X(HV_STATUS_INVALID_DEVICE_ID)                                            \
    X(HV_STATUS_INVALID_DEVICE_STATE)                                         \
    X(HV_STATUS_PENDING_PAGE_REQUESTS)                                        \
    X(HV_STATUS_PAGE_REQUEST_INVALID)                                         \
    X(HV_STATUS_OPERATION_FAILED)                                             \
    X(HV_STATUS_NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE)

/* Name of a status code ("HV_STATUS_SUCCESS"), or NULL if unknown. */
static HV_INLINE const char *hv_status_name(HV_STATUS status)
{
    switch (status) {
#define HV_STATUS_NAME_CASE_(name)                                            \
    case name:                                                                \
        return #name;
        HV_STATUS_LIST(HV_STATUS_NAME_CASE_)
#undef HV_STATUS_NAME_CASE_
    default:
        return HV_NULL;
    }
}

#endif /* HYPERV_HV_STATUS_H */
