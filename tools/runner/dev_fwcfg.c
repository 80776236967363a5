// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU fw_cfg, traditional I/O interface: a 16-bit selector written to
 * 0x510 picks an item and resets the offset; each byte read from 0x511
 * returns the next byte of the item (little endian numbers), zeros past its
 * end and for unknown items.  No DMA interface (ID bit 1 clear), no file
 * directory (FW_CFG_FILE_DIR has 0 entries).
 *
 * Items, as kvm-unit-tests' lib/x86/fwcfg.c reads them (fwcfg_get_u with
 * outw(index, 0x510) and inb(0x511) per byte):
 *   0x00 signature "QEMU"       0x01 ID = 1 (traditional interface)
 *   0x03 RAM size (u64)         0x05 number of CPUs (u16)
 *   0x0f max CPUs (u16)         everything else: zeros
 */
#include <string.h>

#include "devices.h"

void svxr_fwcfg_init(struct svxr_fwcfg *f, uint64_t ram_size, unsigned int cpus)
{
	memset(f, 0, sizeof(*f));
	f->ram_size = ram_size;
	f->nb_cpus = cpus;
}

void svxr_fwcfg_select(struct svxr_fwcfg *f, uint16_t key)
{
	f->sel = key;
	f->off = 0;
}

uint8_t svxr_fwcfg_read(struct svxr_fwcfg *f)
{
	uint8_t item[8] = { 0 };
	unsigned int len = 0;
	uint32_t off = f->off;

	switch (f->sel) {
	case FW_CFG_SIGNATURE:
		memcpy(item, "QEMU", 4);
		len = 4;
		break;
	case FW_CFG_ID:
		item[0] = 1;
		len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		for (int i = 0; i < 8; i++)
			item[i] = f->ram_size >> (8 * i);
		len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		item[0] = f->nb_cpus;
		item[1] = f->nb_cpus >> 8;
		len = 2;
		break;
	}
	if (f->off < UINT32_MAX)
		f->off++;
	return off < len ? item[off] : 0;
}
