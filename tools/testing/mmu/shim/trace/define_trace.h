/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: no tracepoint instances (see linux/tracepoint.h). */
