/* libFuzzer target: the xz decoder of the bzImage payload unpacker
 * (fuzz_payload.h); the input follows the format's magic bytes. */
#include "fuzz_payload.h"

FUZZ_PAYLOAD_TARGET("xz", 0xFD, '7', 'z', 'X', 'Z', 0x00)
