/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the dns module's own .c files only. */
#ifndef POP_DNSTEXT_PVT_H
#define POP_DNSTEXT_PVT_H

#include <stddef.h>
#include <stdint.h>

/** Format a message into err and return rc. */
int dnstext_fail(char *err, size_t err_len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** Decode the escape just past a backslash at text[*i]; advances *i. */
int dnstext_unescape(const char *text, size_t len, size_t *i, unsigned flags, uint8_t *byte);

#endif
