/* libFuzzer target: the gzip decoder of the bzImage payload unpacker
 * (fuzz_payload.h); the input follows the format's magic bytes. */
#include "fuzz_payload.h"

FUZZ_PAYLOAD_TARGET("gzip", 0x1F, 0x8B)
