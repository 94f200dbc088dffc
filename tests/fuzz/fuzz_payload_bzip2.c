/* libFuzzer target: the bzip2 decoder of the bzImage payload unpacker
 * (fuzz_payload.h); the input follows the format's magic bytes. */
#include "fuzz_payload.h"

FUZZ_PAYLOAD_TARGET("bzip2", 'B', 'Z', 'h')
