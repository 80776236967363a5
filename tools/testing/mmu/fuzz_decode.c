// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for x86/emulate.c: any byte string, in 32- and 64-bit
 * mode, must decode (mov, read-modify-write, string store) without reading
 * past the bytes given, and an accepted instruction must be
 * self-consistent.
 */
#include <stdlib.h>
#include <string.h>

#include "emulate.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct svx_insn in;
	struct svx_rmw rmw;
	struct svx_string str;
	int mode;

	for (mode = 4; mode <= 8; mode += 4) {
		/* A private copy of exactly size bytes: ASan catches overreads. */
		u8 *buf = malloc(size ? size : 1);

		memcpy(buf, data, size);
		if (!svx_decode_mov(buf, size, mode, &in)) {
			if (in.len == 0 || in.len > size || in.len > 15)
				abort();
			if (in.size != 1 && in.size != 2 && in.size != 4 &&
			    in.size != 8)
				abort();
			if (in.reg > 15 || (in.high_byte && in.reg > 3))
				abort();
			if (in.is_write && in.sign_extend)
				abort();
		}
		if (!svx_decode_rmw(buf, size, mode, &rmw) &&
		    (rmw.len == 0 || rmw.len > size || rmw.len > 15 ||
		     rmw.reg > 15))
			abort();
		if (!svx_decode_string(buf, size, mode, &str) &&
		    (str.len == 0 || str.len > size || str.len > 15 ||
		     str.seg > 5))
			abort();
		free(buf);
	}
	return 0;
}
