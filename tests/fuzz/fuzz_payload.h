/*
 * The payload unpacker fuzzers, one target per format (fuzz_payload_*.c):
 * the input follows the format's magic bytes, so every execution reaches
 * that format's decoder; the input's last 4 bytes are the size trailer.
 * Checks what linux_payload_unpack promises: on success exactly the
 * trailer's size and the format's name, on failure a NULL buffer, a zero
 * size and one line naming the file.
 */
#ifndef WISP_FUZZ_PAYLOAD_H
#define WISP_FUZZ_PAYLOAD_H

#include <stdlib.h>
#include <string.h>

#include "boot/payload_unpack.h"
#include "fuzz_input.h"

/* Small enough that a lying trailer costs little, large enough for seeds. */
#define FUZZ_PAYLOAD_MAX (1u << 20)

static int fuzz_payload(const uint8_t *magic, size_t magic_len, const char *name,
                        const uint8_t *data, size_t size)
{
    uint8_t *payload = malloc(magic_len + size + 1);
    if (!payload)
        return 0;
    memcpy(payload, magic, magic_len);
    memcpy(payload + magic_len, data, size);
    uint8_t *out = (uint8_t *)1;
    size_t out_size = 1;
    const char *method = NULL;
    struct wisp_error err = { 0 };
    int rc = linux_payload_unpack("fuzz.bzImage", payload, magic_len + size, FUZZ_PAYLOAD_MAX,
                                  &out, &out_size, &method, &err);
    if (rc == 0) {
        uint32_t trailer = (uint32_t)payload[magic_len + size - 4] |
                           (uint32_t)payload[magic_len + size - 3] << 8 |
                           (uint32_t)payload[magic_len + size - 2] << 16 |
                           (uint32_t)payload[magic_len + size - 1] << 24;
        fuzz_check(out != NULL && out_size == trailer, "exactly the trailer's size");
        fuzz_check(method && strcmp(method, name) == 0, "the format's name");
        /* Touch every byte: ASan sees a buffer shorter than promised. */
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < out_size; i++)
            sum ^= out[i];
        free(out);
    } else {
        fuzz_check(rc == -1 && out == NULL && out_size == 0, "nothing on failure");
        fuzz_check(err.status == WISP_EXIT_BAD_KERNEL || err.status == WISP_EXIT_HOST_ERROR,
                   "a kernel error");
        fuzz_check(strncmp(err.message, "fuzz.bzImage: ", 14) == 0, "names the file");
        fuzz_check(strchr(err.message, '\n') == NULL, "one line");
    }
    free(payload);
    return 0;
}

#define FUZZ_PAYLOAD_TARGET(name, ...)                                                \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                      \
    {                                                                                 \
        static const uint8_t magic[] = { __VA_ARGS__ };                               \
        return fuzz_payload(magic, sizeof magic, name, data, size);                   \
    }

#endif
