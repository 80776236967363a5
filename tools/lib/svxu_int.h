/* SPDX-License-Identifier: GPL-2.0 */
/* libsvxu internals shared by its files (not for its users). */
#ifndef SVXU_INT_H
#define SVXU_INT_H

void svxu_set_last_op(const char *op);	/* see svxu_last_op() */
/* an ioctl that svxu_last_op() names (op) if it fails; r or -errno */
int svxu_op_ioctl(const char *op, int fd, unsigned long req,
		  unsigned long arg);
#define OP_IOCTL(fd, req, arg)	svxu_op_ioctl(#req, fd, req, arg)

#endif
