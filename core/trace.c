// SPDX-License-Identifier: GPL-2.0
/* Instantiates the shadowvmx tracepoints of include/svx_trace.h. */
#include <linux/types.h>

#define CREATE_TRACE_POINTS
#include "svx_trace.h"
