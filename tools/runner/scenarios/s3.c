// SPDX-License-Identifier: GPL-2.0
/*
 * S3: a character device, the 8250 UART at 0x3f8.  Each OUT of a byte to
 * the transmit register is one VM exit (reason 30, I/O instruction) and one
 * KVM_EXIT_IO to the runner, whose UART model writes the byte to stdout.
 * The guest checks that exactly one PIO exit happened per byte; run.sh
 * checks that the runner's stdout shows the text.
 */
#include "scen.h"

static const char text[] = "S3: hello through the UART, one exit per byte\n";

int main(void)
{
	u32 n = sizeof(text) - 1;

	touch_range((u64)_start, (u64)_end);
	printf("S3: writing %u bytes to port 0x3f8 (THR), one OUT each:\n", n);
	mark(1);
	for (u32 i = 0; i < n; i++)
		outb(0x3f8, text[i]);
	mark(2);
	check_ctr("the text", P_IO, '=', n);
	if (paging_known())
		check_ctr("the text", P_EXITS, '=', n);
	/* the line status register says the transmitter is empty: one more exit */
	mark(3);
	{
		u8 lsr = inb(0x3fd);

		mark(4);
		check("LSR reads THRE|TEMT (0x60)", (lsr & 0x60) == 0x60, lsr);
	}
	check_ctr("one LSR read", P_IO, '=', 1);
	finish("S3");
}
