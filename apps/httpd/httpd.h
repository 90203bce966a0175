/* SPDX-License-Identifier: MIT */
/*
 * The web server: serves the boot image's www/ modules over HTTP/1.1
 * (GET and HEAD, keep-alive, pipelining; docs/httpd.md). It only needs
 * the sockets of net/sock.h and bootfile(), so it links into the httpd
 * program (over the network service) as well as into the program that
 * runs the network stack itself (co-located mode).
 */
#ifndef HTTPD_HTTPD_H
#define HTTPD_HTTPD_H

#include <stdint.h>

#define HTTPD_PORT_DEFAULT 80
#define HTTPD_CONN_MAX 32 /* connections served at once; one more evicts */
#define HTTPD_IDLE_NS (10ull * 1000 * 1000 * 1000) /* silence: close */
#define HTTPD_REQUEST_NS (30ull * 1000 * 1000 * 1000) /* head and body */
#define HTTPD_SEND_NS (30ull * 1000 * 1000 * 1000) /* one answer's send */

/*
 * httpd_serve: listens on TCP port, prints "httpd: listening on port N"
 * and serves every connection in a user-level thread of its own, forever.
 * The sockets must be usable already (net_init or the co-located stack).
 * Blocks the calling thread; other threads of the process run meanwhile.
 * Returns only when listening fails or the network stack goes away: the
 * error (E_BUSY port taken, E_CLOSED, E_NOMEM, ...).
 */
int httpd_serve(uint16_t port);

#endif
