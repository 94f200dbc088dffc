/* libFuzzer target: the lz4 decoder of the bzImage payload unpacker
 * (fuzz_payload.h); the input follows the format's magic bytes. */
#include "fuzz_payload.h"

FUZZ_PAYLOAD_TARGET("lz4", 0x02, 0x21, 0x4C, 0x18)
