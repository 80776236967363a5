/* SPDX-License-Identifier: GPL-2.0 */
/* libsvxu internals shared by its files (not for its users). */
#ifndef SVXU_INT_H
#define SVXU_INT_H

void svxu_set_last_op(const char *op);	/* see svxu_last_op() */

#endif
