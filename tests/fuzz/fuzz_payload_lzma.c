/* libFuzzer target: the lzma decoder of the bzImage payload unpacker
 * (fuzz_payload.h); the input follows the format's magic bytes. */
#include "fuzz_payload.h"

FUZZ_PAYLOAD_TARGET("lzma", 0x5D, 0x00, 0x00)
