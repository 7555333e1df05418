/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between notify's own .c files only. */
#ifndef POP_NOTIFY_PVT_H
#define POP_NOTIFY_PVT_H

#include "base.h"
#include "notify.h"

#define NOTIFY_LOG(level, ...) POP_LOG("notify", level, __VA_ARGS__)

#endif
