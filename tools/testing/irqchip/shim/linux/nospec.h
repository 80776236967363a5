/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: array_index_nospec() without the speculation barrier. */
#ifndef SVX_SHIM_LINUX_NOSPEC_H
#define SVX_SHIM_LINUX_NOSPEC_H

static inline unsigned long array_index_nospec(unsigned long index,
					       unsigned long size)
{
	return index < size ? index : 0;
}

#endif
