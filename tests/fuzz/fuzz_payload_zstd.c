/* libFuzzer target: the zstd decoder of the bzImage payload unpacker
 * (fuzz_payload.h); the input follows the format's magic bytes. */
#include "fuzz_payload.h"

FUZZ_PAYLOAD_TARGET("zstd", 0x28, 0xB5, 0x2F, 0xFD)
