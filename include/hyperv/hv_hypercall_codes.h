/*
 * hv_hypercall_codes.h - hypercall call codes (TLFS v6.0b Appendix A, 3.14).
 *
 * Every hypercall that Appendix A names, plus the extended hypercalls of
 * section 3.14 (0x8001-0x8006).  Call-code constants are named
 * HvCall<Name> / HvExtCall<Name>, the TLFS's own convention for codes
 * (the Hv<Name> form is what the TLFS uses for the wrapper functions of
 * section 3.10); entries that Appendix A spells Hv<Name> say so in a
 * comment.  The one exception is 0x0059: Appendix A calls it HvConnectPort
 * and also lists 0x0096 as HvCallConnectPort, so 0x0059 keeps its TLFS
 * spelling.
 *
 * Appendix A of v6.0b also has these quirks, handled as noted:
 *  - 0x0009 is printed "0x00090";
 *  - the reserved range after 0x009A is printed "0x009A through 0x00AE"
 *    (it is 0x009B-0x00AE);
 *  - 0x000A and 0x0093 do not appear at all;
 *  - 0x0014 (HvCallFlushVirtualAddressListEx) has no "rep" mark in the
 *    appendix, but its own section (9.4.5) documents it as [rep].
 *
 * data/hyperv/hypercalls.csv in the wisp source tree holds the same table;
 * wisp's unit tests check that the two agree.
 */
#ifndef HYPERV_HV_HYPERCALL_CODES_H
#define HYPERV_HV_HYPERCALL_CODES_H

#include "hv_compiler.h"

typedef uint16_t HV_CALL_CODE;

enum HV_CALL_CODE_ENUM {
    HvCallSwitchVirtualAddressSpace       = 0x0001, /* listed as HvSwitchVirtualAddressSpace; layout in 9.4.1 */
    HvCallFlushVirtualAddressSpace        = 0x0002, /* listed as HvFlushVirtualAddressSpace; layout in 9.4.2 */
    HvCallFlushVirtualAddressList         = 0x0003, /* listed as HvFlushVirtualAddressList; layout in 9.4.4 */
    HvCallGetLogicalProcessorRunTime      = 0x0004, /* listed as HvGetLogicalProcessorRunTime */
    HvCallNotifyLongSpinWait              = 0x0008, /* layout in 14.5.1 */
    HvCallParkedVirtualProcessors         = 0x0009, /* printed "0x00090" */
    HvCallSendSyntheticClusterIpi         = 0x000B, /* layout in 10.5.2 */
    HvCallModifyVtlProtectionMask         = 0x000C, /* layout in 15.15.2 */
    HvCallEnablePartitionVtl              = 0x000D, /* layout in 15.15.3 */
    HvCallDisablePartitionVtl             = 0x000E,
    HvCallEnableVpVtl                     = 0x000F, /* layout in 15.15.4 */
    HvCallDisableVpVtl                    = 0x0010,
    HvCallVtlCall                         = 0x0011, /* see 15.15.5, 15.6.1 */
    HvCallVtlReturn                       = 0x0012, /* see 15.15.6, 15.7.1 */
    HvCallFlushVirtualAddressSpaceEx      = 0x0013, /* layout in 9.4.3 */
    HvCallFlushVirtualAddressListEx       = 0x0014, /* layout in 9.4.5 */
    HvCallSendSyntheticClusterIpiEx       = 0x0015, /* layout in 10.5.3 */
    HvCallCreatePartition                 = 0x0040, /* listed as HvCreatePartition */
    HvCallInitializePartition             = 0x0041, /* listed as HvInitializePartition */
    HvCallFinalizePartition               = 0x0042, /* listed as HvFinalizePartition */
    HvCallDeletePartition                 = 0x0043, /* listed as HvDeletePartition */
    HvCallGetPartitionProperty            = 0x0044, /* listed as HvGetPartitionProperty */
    HvCallSetPartitionProperty            = 0x0045, /* listed as HvSetPartitionProperty */
    HvCallGetPartitionId                  = 0x0046, /* listed as HvGetPartitionId */
    HvCallGetNextChildPartition           = 0x0047, /* listed as HvGetNextChildPartition */
    HvCallDepositMemory                   = 0x0048, /* listed as HvDepositMemory */
    HvCallWithdrawMemory                  = 0x0049, /* listed as HvWithdrawMemory */
    HvCallGetMemoryBalance                = 0x004A, /* listed as HvGetMemoryBalance */
    HvCallMapGpaPages                     = 0x004B, /* listed as HvMapGpaPages */
    HvCallUnmapGpaPages                   = 0x004C, /* listed as HvUnmapGpaPages */
    HvCallInstallIntercept                = 0x004D, /* listed as HvInstallIntercept */
    HvCallCreateVp                        = 0x004E, /* listed as HvCreateVp */
    HvCallDeleteVp                        = 0x004F, /* listed as HvDeleteVp */
    HvCallGetVpRegisters                  = 0x0050, /* listed as HvGetVpRegisters; layout in 7.10.2 */
    HvCallSetVpRegisters                  = 0x0051, /* listed as HvSetVpRegisters; layout in 7.10.1 */
    HvCallTranslateVirtualAddress         = 0x0052, /* listed as HvTranslateVirtualAddress; layout in 9.4.6 */
    HvCallReadGpa                         = 0x0053, /* listed as HvReadGpa */
    HvCallWriteGpa                        = 0x0054, /* listed as HvWriteGpa */
    HvCallClearVirtualInterrupt           = 0x0056, /* listed as HvClearVirtualInterrupt */
    HvCallDeletePort                      = 0x0058, /* listed as HvDeletePort */
    HvConnectPort                         = 0x0059, /* TLFS spelling kept, see above */
    HvCallGetPortProperty                 = 0x005A, /* listed as HvGetPortProperty */
    HvCallDisconnectPort                  = 0x005B, /* listed as HvDisconnectPort */
    HvCallPostMessage                     = 0x005C, /* listed as HvPostMessage; layout in 11.11.1 */
    HvCallSignalEvent                     = 0x005D, /* listed as HvSignalEvent; layout in 11.11.2 */
    HvCallSavePartitionState              = 0x005E, /* listed as HvSavePartitionState */
    HvCallRestorePartitionState           = 0x005F, /* listed as HvRestorePartitionState */
    HvCallInitializeEventLogBufferGroup   = 0x0060, /* listed as HvInitializeEventLogBufferGroup */
    HvCallFinalizeEventLogBufferGroup     = 0x0061, /* listed as HvFinalizeEventLogBufferGroup */
    HvCallCreateEventLogBuffer            = 0x0062, /* listed as HvCreateEventLogBuffer */
    HvCallDeleteEventLogBuffer            = 0x0063, /* listed as HvDeleteEventLogBuffer */
    HvCallMapEventLogBuffer               = 0x0064, /* listed as HvMapEventLogBuffer */
    HvCallUnmapEventLogBuffer             = 0x0065, /* listed as HvUnmapEventLogBuffer */
    HvCallSetEventLogGroupSources         = 0x0066, /* listed as HvSetEventLogGroupSources */
    HvCallReleaseEventLogBuffer           = 0x0067, /* listed as HvReleaseEventLogBuffer */
    HvCallFlushEventLogBuffer             = 0x0068, /* listed as HvFlushEventLogBuffer */
    HvCallPostDebugData                   = 0x0069, /* listed as HvPostDebugData */
    HvCallRetrieveDebugData               = 0x006A, /* listed as HvRetrieveDebugData */
    HvCallResetDebugSession               = 0x006B, /* listed as HvResetDebugSession */
    HvCallMapStatsPage                    = 0x006C, /* listed as HvMapStatsPage */
    HvCallUnmapStatsPage                  = 0x006D, /* listed as HvUnmapStatsPage */
    HvCallMapSparseGpaPages               = 0x006E,
    HvCallSetSystemProperty               = 0x006F,
    HvCallSetPortProperty                 = 0x0070,
    HvCallAddLogicalProcessor             = 0x0076,
    HvCallRemoveLogicalProcessor          = 0x0077,
    HvCallQueryNumaDistance               = 0x0078,
    HvCallSetLogicalProcessorProperty     = 0x0079,
    HvCallGetLogicalProcessorProperty     = 0x007A,
    HvCallGetSystemProperty               = 0x007B,
    HvCallMapDeviceInterrupt              = 0x007C,
    HvCallUnmapDeviceInterrupt            = 0x007D,
    HvCallRetargetDeviceInterrupt         = 0x007E, /* layout in 10.5.4 */
    HvCallMapDevicePages                  = 0x0080,
    HvCallUnmapDevicePages                = 0x0081,
    HvCallAttachDevice                    = 0x0082,
    HvCallDetachDevice                    = 0x0083,
    HvCallNotifyStandbyTransition         = 0x0084,
    HvCallPrepareForSleep                 = 0x0085,
    HvCallPrepareForHibernate             = 0x0086,
    HvCallNotifyPartitionEvent            = 0x0087,
    HvCallGetLogicalProcessorRegisters    = 0x0088,
    HvCallSetLogicalProcessorRegisters    = 0x0089,
    HvCallQueryAssociatedLpsforMca        = 0x008A,
    HvCallNotifyRingEmpty                 = 0x008B,
    HvCallInjectSyntheticMachineCheck     = 0x008C,
    HvCallScrubPartition                  = 0x008D,
    HvCallCollectLivedump                 = 0x008E,
    HvCallDisableHypervisor               = 0x008F,
    HvCallModifySparseGpaPages            = 0x0090,
    HvCallRegisterInterceptResult         = 0x0091,
    HvCallUnregisterInterceptResult       = 0x0092,
    HvCallAssertVirtualInterrupt          = 0x0094, /* layout in 10.5.1 */
    HvCallCreatePort                      = 0x0095,
    HvCallConnectPort                     = 0x0096,
    HvCallGetSpaPageList                  = 0x0097,
    HvCallStartVirtualProcessor           = 0x0099, /* layout in 7.10.3 */
    HvCallGetVpIndexFromApicId            = 0x009A, /* layout in 7.10.4 */
    HvCallFlushGuestPhysicalAddressSpace  = 0x00AF, /* layout in 16.13.1 */
    HvCallFlushGuestPhysicalAddressList   = 0x00B0, /* layout in 16.13.2 */
    HvExtCallQueryCapabilities            = 0x8001, /* layout in 3.14.1 */
    HvExtCallGetBootZeroedMemory          = 0x8002, /* layout in 9.4.7 */
    HvExtCallMemoryHeatHint               = 0x8003,
    HvExtCallEpfSetup                     = 0x8004,
    HvExtCallSchedulerAssistSetup         = 0x8005,
    HvExtCallMemoryHeatHintAsync          = 0x8006,
};

/*
 * HV_HYPERCALL_LIST(X): every named hypercall, in code order, as
 *   X(name, kind, fast, caller, privilege)
 * kind      SIMPLE or REP (the "Rep Call" column, and 9.4.5 for 0x0014);
 * fast      BOTH where Appendix A marks "Fast Call": such calls may use the
 *           register-based (fast) convention or the memory-based one (3.1
 *           calls the fast convention optional); NO otherwise;
 * caller    "any", "parent", "root", "parent/root" (the "Caller" column),
 *           or "" where the TLFS does not say;
 * privilege the "Partition Privilege Required" column ("" if none); for
 *           the extended hypercalls, the EnableExtendedHypercalls flag
 *           through which their availability is reported (3.14, 4.2.2).
 * The code is the enum constant "name" itself; #name gives its spelling.
 * Footnote 2 of Appendix A applies to HvCallMapStatsPage: only the root
 * partition may map global statistics pages.
 */
#define HV_HYPERCALL_KIND_SIMPLE 0
#define HV_HYPERCALL_KIND_REP 1
#define HV_HYPERCALL_FAST_NO 0
#define HV_HYPERCALL_FAST_BOTH 2

#define HV_HYPERCALL_LIST(X)                                                  \
    X(HvCallSwitchVirtualAddressSpace, SIMPLE, BOTH, "any", "UseHypercallForAddressSpaceSwitch")  \
    X(HvCallFlushVirtualAddressSpace, SIMPLE, NO, "any", "UseHypercallFor[Local][Remote]Flush")   \
    X(HvCallFlushVirtualAddressList, REP, NO, "any", "UseHypercallFor[Local][Remote]Flush")       \
    X(HvCallGetLogicalProcessorRunTime, SIMPLE, NO, "any", "CpuManagement")                       \
    X(HvCallNotifyLongSpinWait, SIMPLE, BOTH, "any", "UseHypercallForLongSpinWait")               \
    X(HvCallParkedVirtualProcessors, SIMPLE, NO, "any", "CpuManagement")                          \
    X(HvCallSendSyntheticClusterIpi, SIMPLE, NO, "any", "")                                       \
    X(HvCallModifyVtlProtectionMask, REP, NO, "any", "")                                          \
    X(HvCallEnablePartitionVtl, SIMPLE, NO, "any", "")                                            \
    X(HvCallDisablePartitionVtl, SIMPLE, NO, "any", "")                                           \
    X(HvCallEnableVpVtl, SIMPLE, NO, "any", "")                                                   \
    X(HvCallDisableVpVtl, SIMPLE, NO, "any", "")                                                  \
    X(HvCallVtlCall, SIMPLE, NO, "any", "")                                                       \
    X(HvCallVtlReturn, SIMPLE, NO, "any", "")                                                     \
    X(HvCallFlushVirtualAddressSpaceEx, SIMPLE, NO, "any", "")                                    \
    X(HvCallFlushVirtualAddressListEx, REP, NO, "any", "")                                        \
    X(HvCallSendSyntheticClusterIpiEx, SIMPLE, NO, "any", "")                                     \
    X(HvCallCreatePartition, SIMPLE, NO, "any", "CreatePartitions")                               \
    X(HvCallInitializePartition, SIMPLE, BOTH, "parent", "")                                      \
    X(HvCallFinalizePartition, SIMPLE, BOTH, "parent", "")                                        \
    X(HvCallDeletePartition, SIMPLE, BOTH, "parent", "")                                          \
    X(HvCallGetPartitionProperty, SIMPLE, NO, "parent/root", "")                                  \
    X(HvCallSetPartitionProperty, SIMPLE, NO, "parent/root", "")                                  \
    X(HvCallGetPartitionId, SIMPLE, NO, "any", "AccessPartitionId")                               \
    X(HvCallGetNextChildPartition, SIMPLE, NO, "parent", "")                                      \
    X(HvCallDepositMemory, REP, NO, "parent/root", "AccessMemoryPool")                            \
    X(HvCallWithdrawMemory, REP, NO, "parent/root", "AccessMemoryPool")                           \
    X(HvCallGetMemoryBalance, SIMPLE, NO, "parent/root", "AccessMemoryPool")                      \
    X(HvCallMapGpaPages, REP, NO, "parent/root", "")                                              \
    X(HvCallUnmapGpaPages, REP, NO, "parent", "")                                                 \
    X(HvCallInstallIntercept, SIMPLE, NO, "parent", "")                                           \
    X(HvCallCreateVp, SIMPLE, NO, "parent", "")                                                   \
    X(HvCallDeleteVp, SIMPLE, BOTH, "parent", "")                                                 \
    X(HvCallGetVpRegisters, REP, NO, "any", "")                                                   \
    X(HvCallSetVpRegisters, REP, NO, "any", "")                                                   \
    X(HvCallTranslateVirtualAddress, SIMPLE, NO, "any", "")                                       \
    X(HvCallReadGpa, SIMPLE, NO, "parent", "")                                                    \
    X(HvCallWriteGpa, SIMPLE, NO, "parent", "")                                                   \
    X(HvCallClearVirtualInterrupt, SIMPLE, BOTH, "parent", "")                                    \
    X(HvCallDeletePort, SIMPLE, BOTH, "parent/root", "")                                          \
    X(HvConnectPort, SIMPLE, NO, "parent/root", "ConnectPort")                                    \
    X(HvCallGetPortProperty, SIMPLE, NO, "parent/root", "")                                       \
    X(HvCallDisconnectPort, SIMPLE, BOTH, "parent/root", "")                                      \
    X(HvCallPostMessage, SIMPLE, NO, "any", "PostMessages")                                       \
    X(HvCallSignalEvent, SIMPLE, BOTH, "any", "SignalEvents")                                     \
    X(HvCallSavePartitionState, SIMPLE, NO, "parent", "")                                         \
    X(HvCallRestorePartitionState, SIMPLE, NO, "parent", "CreatePartitions")                      \
    X(HvCallInitializeEventLogBufferGroup, SIMPLE, NO, "root", "")                                \
    X(HvCallFinalizeEventLogBufferGroup, SIMPLE, BOTH, "root", "")                                \
    X(HvCallCreateEventLogBuffer, SIMPLE, BOTH, "root", "")                                       \
    X(HvCallDeleteEventLogBuffer, SIMPLE, BOTH, "root", "")                                       \
    X(HvCallMapEventLogBuffer, SIMPLE, NO, "root", "")                                            \
    X(HvCallUnmapEventLogBuffer, SIMPLE, BOTH, "root", "")                                        \
    X(HvCallSetEventLogGroupSources, SIMPLE, BOTH, "root", "")                                    \
    X(HvCallReleaseEventLogBuffer, SIMPLE, BOTH, "root", "")                                      \
    X(HvCallFlushEventLogBuffer, SIMPLE, BOTH, "root", "")                                        \
    X(HvCallPostDebugData, SIMPLE, NO, "any", "Debugging")                                        \
    X(HvCallRetrieveDebugData, SIMPLE, NO, "any", "Debugging")                                    \
    X(HvCallResetDebugSession, SIMPLE, BOTH, "any", "Debugging")                                  \
    X(HvCallMapStatsPage, SIMPLE, NO, "parent", "AccessStats")                                    \
    X(HvCallUnmapStatsPage, SIMPLE, NO, "parent", "AccessStats")                                  \
    X(HvCallMapSparseGpaPages, REP, NO, "parent/root", "")                                        \
    X(HvCallSetSystemProperty, SIMPLE, NO, "root", "ConfigureProfiler")                           \
    X(HvCallSetPortProperty, SIMPLE, NO, "parent/root", "CreatePort")                             \
    X(HvCallAddLogicalProcessor, SIMPLE, NO, "root", "CpuManagement")                             \
    X(HvCallRemoveLogicalProcessor, SIMPLE, NO, "root", "CpuManagement")                          \
    X(HvCallQueryNumaDistance, SIMPLE, NO, "root", "CpuManagement")                               \
    X(HvCallSetLogicalProcessorProperty, SIMPLE, NO, "root", "CpuManagement")                     \
    X(HvCallGetLogicalProcessorProperty, SIMPLE, NO, "root", "CpuManagement")                     \
    X(HvCallGetSystemProperty, SIMPLE, NO, "any", "CpuManagement")                                \
    X(HvCallMapDeviceInterrupt, SIMPLE, NO, "root", "CpuManagement")                              \
    X(HvCallUnmapDeviceInterrupt, SIMPLE, NO, "root", "CpuManagement")                            \
    X(HvCallRetargetDeviceInterrupt, SIMPLE, NO, "any", "CpuManagement")                          \
    X(HvCallMapDevicePages, SIMPLE, NO, "root", "CpuManagement")                                  \
    X(HvCallUnmapDevicePages, SIMPLE, NO, "root", "CpuManagement")                                \
    X(HvCallAttachDevice, SIMPLE, NO, "root", "CpuManagement")                                    \
    X(HvCallDetachDevice, SIMPLE, NO, "root", "CpuManagement")                                    \
    X(HvCallNotifyStandbyTransition, SIMPLE, NO, "root", "CpuManagement")                         \
    X(HvCallPrepareForSleep, SIMPLE, NO, "root", "CpuManagement")                                 \
    X(HvCallPrepareForHibernate, SIMPLE, NO, "root", "CpuManagement")                             \
    X(HvCallNotifyPartitionEvent, SIMPLE, NO, "root", "CpuManagement")                            \
    X(HvCallGetLogicalProcessorRegisters, SIMPLE, NO, "root", "CpuManagement")                    \
    X(HvCallSetLogicalProcessorRegisters, SIMPLE, NO, "root", "CpuManagement")                    \
    X(HvCallQueryAssociatedLpsforMca, SIMPLE, NO, "root", "CpuManagement")                        \
    X(HvCallNotifyRingEmpty, SIMPLE, NO, "root", "CpuManagement")                                 \
    X(HvCallInjectSyntheticMachineCheck, SIMPLE, NO, "root", "CpuManagement")                     \
    X(HvCallScrubPartition, SIMPLE, NO, "root", "")                                               \
    X(HvCallCollectLivedump, SIMPLE, NO, "root", "Debugging")                                     \
    X(HvCallDisableHypervisor, SIMPLE, NO, "root", "")                                            \
    X(HvCallModifySparseGpaPages, SIMPLE, NO, "root", "")                                         \
    X(HvCallRegisterInterceptResult, SIMPLE, NO, "root", "")                                      \
    X(HvCallUnregisterInterceptResult, SIMPLE, NO, "root", "")                                    \
    X(HvCallAssertVirtualInterrupt, SIMPLE, NO, "any", "")                                        \
    X(HvCallCreatePort, SIMPLE, NO, "root", "")                                                   \
    X(HvCallConnectPort, SIMPLE, NO, "root", "")                                                  \
    X(HvCallGetSpaPageList, SIMPLE, NO, "root", "")                                               \
    X(HvCallStartVirtualProcessor, SIMPLE, NO, "any", "")                                         \
    X(HvCallGetVpIndexFromApicId, REP, NO, "any", "")                                             \
    X(HvCallFlushGuestPhysicalAddressSpace, SIMPLE, NO, "any", "")                                \
    X(HvCallFlushGuestPhysicalAddressList, REP, NO, "any", "")                                    \
    X(HvExtCallQueryCapabilities, SIMPLE, NO, "", "EnableExtendedHypercalls")                     \
    X(HvExtCallGetBootZeroedMemory, SIMPLE, NO, "", "EnableExtendedHypercalls")                   \
    X(HvExtCallMemoryHeatHint, SIMPLE, NO, "", "EnableExtendedHypercalls")                        \
    X(HvExtCallEpfSetup, SIMPLE, NO, "", "EnableExtendedHypercalls")                              \
    X(HvExtCallSchedulerAssistSetup, SIMPLE, NO, "", "EnableExtendedHypercalls")                  \
    X(HvExtCallMemoryHeatHintAsync, SIMPLE, NO, "", "EnableExtendedHypercalls")

/*
 * HV_HYPERCALL_RESERVED_LIST(X): the Appendix A rows that name no hypercall,
 * as X(first_code, last_code, status, caller, privilege) with status
 * RESERVED or DEPRECATED.  Caller and privilege are given where the
 * appendix fills them in for such a row.
 */
#define HV_HYPERCALL_RESERVED_LIST(X)                                         \
    X(0x0005, 0x0007, RESERVED, "", "")                                       \
    X(0x0016, 0x003F, RESERVED, "", "")                                       \
    X(0x0055, 0x0055, DEPRECATED, "parent", "")                               \
    X(0x0057, 0x0057, DEPRECATED, "parent/root", "CreatePort")                \
    X(0x0071, 0x0075, RESERVED, "", "")                                       \
    X(0x007F, 0x007F, RESERVED, "root", "CpuManagement")                      \
    X(0x0098, 0x0098, RESERVED, "", "")                                       \
    X(0x009B, 0x00AE, RESERVED, "", "")

#endif /* HYPERV_HV_HYPERCALL_CODES_H */
