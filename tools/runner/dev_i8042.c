// SPDX-License-Identifier: GPL-2.0
/*
 * i8042 keyboard controller, without a keyboard or mouse behind it: enough
 * for Linux's i8042 driver to find a controller (flush, self-test, read and
 * write the command byte) and for the PC ways of resetting the machine.
 *
 *   0x64 read   status: OBF (bit 0) while a reply is queued, IBF (bit 1)
 *               never, SYS (bit 2) set, CMD (bit 3) last write was a
 *               command, keyboard not inhibited (bit 4)
 *   0x60 read   next queued reply byte (0 if none)
 *   0x64 write  0x20 read command byte, 0x60 write command byte, 0xa7/0xa8
 *               disable/enable aux, 0xa9 aux test (0), 0xaa self-test
 *               (0x55), 0xab keyboard test (0), 0xad/0xae disable/enable
 *               keyboard, 0xd0 read output port (0x03), 0xd1 write output
 *               port (bit 0 clear = reset), 0xd2 write keyboard output
 *               buffer (echoed), 0xd3/0xd4 aux (swallowed), 0xf0-0xff
 *               pulse output lines: bit 0 clear pulses RESET (0xfe)
 *   0x60 write  data for the pending command; bytes for the keyboard
 *               itself are dropped (no device answers)
 *
 * A reset sets k->reset; the board ends the run (svxrun status 16).
 */
#include <string.h>

#include "devices.h"

#define ST_OBF		0x01
#define ST_SYS		0x04
#define ST_CMD		0x08
#define ST_UNLOCKED	0x10

void svxr_i8042_init(struct svxr_i8042 *k)
{
	memset(k, 0, sizeof(*k));
	k->ctr = 0x45;		/* kbd interrupt, SYS, translate (as a BIOS) */
}

static void push(struct svxr_i8042 *k, uint8_t v)
{
	if (k->out_len < sizeof(k->outbuf))
		k->outbuf[k->out_len++] = v;
}

uint8_t svxr_i8042_read(struct svxr_i8042 *k, unsigned int reg)
{
	uint8_t v;

	if (reg == 4)
		return (k->out_len ? ST_OBF : 0) | ST_SYS | ST_UNLOCKED |
		       (k->last_was_cmd ? ST_CMD : 0);
	if (!k->out_len)
		return 0;
	v = k->outbuf[0];
	memmove(k->outbuf, k->outbuf + 1, --k->out_len);
	return v;
}

void svxr_i8042_write(struct svxr_i8042 *k, unsigned int reg, uint8_t val)
{
	k->last_was_cmd = reg == 4;
	if (reg != 4) {
		switch (k->pending_cmd) {
		case 0x60:
			k->ctr = val;
			break;
		case 0xd1:
			if (!(val & 1))
				k->reset = true;
			break;
		case 0xd2:
			push(k, val);
			break;
		default:	/* to the keyboard (absent), 0xd3, 0xd4 */
			break;
		}
		k->pending_cmd = 0;
		return;
	}

	k->pending_cmd = 0;
	switch (val) {
	case 0x20:
		push(k, k->ctr);
		break;
	case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
		k->pending_cmd = val;
		break;
	case 0xa7:
		k->ctr |= 0x20;
		break;
	case 0xa8:
		k->ctr &= ~0x20;
		break;
	case 0xa9: case 0xab:
		push(k, 0x00);
		break;
	case 0xaa:
		push(k, 0x55);
		break;
	case 0xad:
		k->ctr |= 0x10;
		break;
	case 0xae:
		k->ctr &= ~0x10;
		break;
	case 0xd0:
		push(k, 0x03);	/* reset line inactive, A20 on */
		break;
	default:
		if (val >= 0xf0 && !(val & 1))
			k->reset = true;
		break;
	}
}
