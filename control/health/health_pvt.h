/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between health's own .c files only. */
#ifndef POP_HEALTH_PVT_H
#define POP_HEALTH_PVT_H

#include "base.h"
#include "health.h"

#define HEALTH_LOG(level, ...) POP_LOG("health", level, __VA_ARGS__)

#endif
