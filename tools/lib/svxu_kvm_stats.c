// SPDX-License-Identifier: GPL-2.0
/*
 * libsvxu, KVM binary stats (Documentation/virt/kvm/api.rst,
 * KVM_GET_STATS_FD): a header, descriptors of name_size-long names, then
 * u64 data.  /dev/kvm's counters for the runner's --stats and scenario
 * probe and for the selftests that compare against KVM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svxu.h"
#include "svxu_int.h"

void svxu_kvm_stats_close(struct svxu_kvm_stats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->descs);
	s->descs = NULL;
	s->fd = -1;
}

int svxu_kvm_stats_open(struct svxu_kvm_stats *s, int fd)
{
	size_t len;

	memset(s, 0, sizeof(*s));
	s->fd = OP_IOCTL(fd, KVM_GET_STATS_FD, 0);
	if (s->fd < 0) {
		int r = s->fd;

		s->fd = -1;
		return r;
	}
	svxu_set_last_op("read the stats header");
	if (pread(s->fd, &s->hdr, sizeof(s->hdr), 0) != sizeof(s->hdr))
		goto bad;
	s->desc_size = sizeof(struct kvm_stats_desc) + s->hdr.name_size;
	len = s->desc_size * s->hdr.num_desc;
	s->descs = calloc(s->hdr.num_desc, s->desc_size);
	if (!s->descs)
		goto bad;
	if (pread(s->fd, s->descs, len, s->hdr.desc_offset) != (ssize_t)len)
		goto bad;
	for (unsigned int i = 0; i < s->hdr.num_desc; i++)
		svxu_kvm_stats_desc(s, i)->name[s->hdr.name_size - 1] = '\0';
	return 0;
bad:
	svxu_kvm_stats_close(s);
	return -EIO;
}

struct kvm_stats_desc *svxu_kvm_stats_desc(const struct svxu_kvm_stats *s,
					   unsigned int i)
{
	return (struct kvm_stats_desc *)(s->descs + i * s->desc_size);
}

int64_t svxu_kvm_stats_find(const struct svxu_kvm_stats *s, const char *name)
{
	for (unsigned int i = 0; s->fd >= 0 && i < s->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = svxu_kvm_stats_desc(s, i);

		if (d->size == 1 && !strcmp(d->name, name))
			return (int64_t)s->hdr.data_offset + d->offset;
	}
	return -1;
}

int svxu_kvm_stats_read(const struct svxu_kvm_stats *s, int64_t off,
			uint64_t *val)
{
	ssize_t n;

	if (s->fd < 0 || off < 0)
		return -EINVAL;
	n = pread(s->fd, val, sizeof(*val), off);
	return n == sizeof(*val) ? 0 : n < 0 ? -errno : -EIO;
}

long long svxu_vcpu_exits(int vcpu_fd)
{
	struct svxu_kvm_stats ks;
	struct svx_stats st;
	uint64_t v = 0;
	int64_t off;

	if (!svxu_kvm_stats_open(&ks, vcpu_fd)) {
		off = svxu_kvm_stats_find(&ks, "exits");
		if (off < 0 || svxu_kvm_stats_read(&ks, off, &v))
			off = -1;
		svxu_kvm_stats_close(&ks);
		if (off >= 0)
			return v;
	}
	if (svxu_get_stats(vcpu_fd, SVX_GET_VCPU_STATS, &st))
		return -1;
	return st.misc[SVX_STAT_EXITS];
}
