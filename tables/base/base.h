/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file base.h
 * The common ground every pop process links: one error space with one
 * strerror, the version string, and the log sink.
 *
 * Functions that can fail return 0 or a negative code: a negated errno value
 * where one fits, otherwise one of enum pop_err. pop_strerror() names both.
 */
#ifndef POP_BASE_H
#define POP_BASE_H

#include <stdarg.h>
#include <stdint.h>

/** The product version, printed by every binary and by `popctl status`. */
#define POP_VERSION "0.1.0"

/** pop's own error codes, beyond errno's range. Returned negated. */
enum pop_err {
	POP_ERR_BASE = 10000,
	POP_EFORMAT,   /**< input does not follow its format */
	POP_EVERSION,  /**< unsupported format version */
	POP_ECHECKSUM, /**< checksum mismatch */
	POP_ECONFIG,   /**< configuration rejected */
	POP_EPROTO,    /**< control protocol violation */
	POP_EDENIED,   /**< peer not allowed */
	POP_ELIMIT,    /**< a configured bound was reached */
	POP_EEAL,      /**< DPDK environment failed */
	POP_ERR_END
};

/**
 * Name an error code.
 * @param err 0, a negative errno value or a negative enum pop_err.
 * @return a static string; never NULL. Any thread.
 */
const char *pop_strerror(int err);

/** Log levels, syslog-ordered. */
enum pop_log_level {
	POP_LOG_ERR = 3,
	POP_LOG_WARNING = 4,
	POP_LOG_NOTICE = 5,
	POP_LOG_INFO = 6,
	POP_LOG_DEBUG = 7,
};

/**
 * Write one log line to stderr (journald picks it up): level, module, text.
 * Lines above the threshold set by pop_log_set_level() are skipped.
 * Any thread; it makes a syscall, so never per packet (count instead).
 */
void pop_log(enum pop_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Set the most verbose level that is written (default POP_LOG_INFO). */
void pop_log_set_level(enum pop_log_level level);

/** Parse "err", "warning", "notice", "info", "debug"; -EINVAL otherwise. */
int pop_log_level_parse(const char *name);

#define POP_LOG(module, level, ...) pop_log(POP_LOG_##level, module, __VA_ARGS__)

/** Monotonic clock in nanoseconds (a syscall-free vDSO read). */
uint64_t pop_now_ns(void);

#endif /* POP_BASE_H */
