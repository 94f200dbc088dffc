/* Where --gdb listens: "tcp::PORT" (127.0.0.1), "tcp:HOST:PORT",
 * ":PORT" or "PORT". QEMU's -gdb spelling; unlike QEMU an empty host is
 * the loopback address, not every interface: a GDB stub hands over the
 * whole machine. */
#ifndef WISP_DEBUG_GDB_ADDRESS_H
#define WISP_DEBUG_GDB_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

/* False for anything else (no port, a port outside 1..65535, a host
 * longer than host_cap - 1). */
_Bool gdb_parse_address(const char *text, char *host, size_t host_cap, uint16_t *port);

#endif
