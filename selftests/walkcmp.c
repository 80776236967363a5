// SPDX-License-Identifier: GPL-2.0
/*
 * walkcmp: our walk trace and KVM_TRANSLATE against KVM_TRANSLATE on
 * /dev/kvm, for the same guest and the same GVAs (issue 6).
 *
 *   SVX_DEV=DEV [SVX_PAGING=shadow|ept] walkcmp dump MODE [N [SEED]] > FILE
 *   walkcmp compare LABEL REF-FILE TEST-FILE [PLANT]
 *
 * dump: builds the guest of walktables.h in MODE (pg32, pae, long64) from
 * SEED (random tables in guest memory, CR3, CR0.WP, EFER.NXE when the
 * guest's CPUID has NX), runs it to its HLT, then for N GVAs picked from
 * SEED (half random, half down present entries) prints one line
 *
 *   <gva> <tr_valid> <tr_gpa> <trace>
 *
 * tr_*: the device's KVM_TRANSLATE; trace: "T:<gpa>" (translated) or
 * "F:<error code>" (guest #PF) from SVX_WALK_TRACE of a supervisor read,
 * or "-" where the device has no walk trace (/dev/kvm).  A header line
 * "# walkcmp <mode> n=<N> seed=<SEED> mem=<hash> cr3=<cr3> nxe=<0|1>"
 * names the guest: the hash of guest memory before it ran.
 *
 * compare: REF is /dev/kvm's dump, TEST ours (same MODE, N, SEED; the
 * headers must agree, so the guests were byte-identical).  Per GVA:
 *   - KVM_TRANSLATE: valid equal, and the GPA when valid;
 *   - walk trace: translated <=> KVM's valid, and the GPA when valid.
 * KVM_TRANSLATE answers a supervisor read only (kvm_mmu_gva_to_gpa_system,
 * access 0); its writeable/usermode fields are constants (1 and 0) in KVM
 * 6.1 and in shadowvmx, so they are not compared.  The trace's fault
 * outcome for writes, user accesses and fetches has no /dev/kvm
 * counterpart here; walktrace_test checks it against the reference walk.
 * Prints
 *
 *   walktrace-vs-kvm[<mode>][<label>]: N gvas, M mismatches (...): ok|FAIL
 *
 * FAIL (exit status 1) on any mismatch, on different guests, on fewer than 1000
 * GVAs, or when KVM's answers are all valid or all invalid (> 10 % of
 * each are needed, so the check cannot pass vacuously).  PLANT = K
 * changes the GPA of K valid entries of TEST before comparing (the check
 * must then report exactly K mismatches: scripts/check.sh runs it so, to
 * show the comparison can fail).
 */
#define SVX_LIB_INTERNAL
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "svx.h"
#include "walktables.h"

#define MAX_GVAS	100000

struct rec {
	uint64_t gva, tr_gpa, tr_val;
	int tr_valid;
	char kind;		/* 'T', 'F' or '-' */
};

static int mode_of(const char *s)
{
	int m;

	for (m = WM_32; m <= WM_64; m++)
		if (!strcmp(s, wmode_name[m]))
			return m;
	return -1;
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static int dump(int mode, int n, uint64_t seed)
{
	struct svxu_guest g;
	struct wctx c = { .mode = mode, .rng = seed };
	struct kvm_sregs sr;
	struct svx_walk_trace t;
	bool trace;
	uint64_t hash;
	int r, i;

	r = svxu_guest_init(&g, SVX_GUEST(hlt), mode == WM_64 ?
			   SVXU_MODE_LONG64 : SVXU_MODE_PM32);
	if (r) {
		fprintf(stderr, "walkcmp: guest init on %s: %s\n", svxu_dev(),
			strerror(-r));
		return 1;
	}
	c.mem = g.vm.mem;
	if (svxu_ioctl(g.vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr))
		return 1;
	c.nxe = mode != WM_32;
	if (mode != WM_32)
		sr.efer |= 0x800;		/* NXE */
	if (mode != WM_64) {
		sr.cr4 = mode == WM_PAE ? 0x20 : 0x10;	/* PAE / PSE */
		sr.cr0 |= 0x80010000;		/* PG | WP */
	}
	c.cr3 = build_tables(&c, SVX_CODE);
	sr.cr3 = c.cr3;
	r = svxu_ioctl(g.vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr);
	if (r && mode != WM_32) {
		/* No NX in the guest's CPUID: tables without XD. */
		c.nxe = false;
		c.rng = seed;
		sr.efer &= ~0x800ULL;
		c.cr3 = build_tables(&c, SVX_CODE);
		r = svxu_ioctl(g.vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr);
	}
	if (r) {
		fprintf(stderr, "walkcmp: KVM_SET_SREGS: %s\n", strerror(-r));
		return 1;
	}
	hash = fnv(c.mem, SVX_MEM_SIZE);
	r = svxu_run(&g.vcpu);
	if (r || g.run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "walkcmp: guest did not halt: %s\n",
			r ? strerror(-r) : svxu_exit_str(g.run));
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.version = SVX_WALK_TRACE_VERSION;
	t.size = sizeof(t);
	t.gva = SVX_CODE;
	r = svxu_ioctl(g.vcpu.fd, SVX_WALK_TRACE, (unsigned long)&t);
	trace = r != -EINVAL && r != -ENOTTY;
	if (trace && r) {
		fprintf(stderr, "walkcmp: SVX_WALK_TRACE: %s\n", strerror(-r));
		return 1;
	}

	printf("# walkcmp %s n=%d seed=%#" PRIx64 " mem=%016" PRIx64
	       " cr3=%#" PRIx64 " nxe=%d\n", wmode_name[mode], n, seed, hash,
	       c.cr3, c.nxe);
	for (i = 0; i < n; i++) {
		struct kvm_translation tr = { 0 };
		uint64_t gva = pick_gva(&c);

		tr.linear_address = gva;
		r = svxu_ioctl(g.vcpu.fd, KVM_TRANSLATE, (unsigned long)&tr);
		if (r) {
			fprintf(stderr, "walkcmp: KVM_TRANSLATE %#" PRIx64 ": %s\n",
				gva, strerror(-r));
			return 1;
		}
		printf("%#" PRIx64 " %d %#" PRIx64, gva, tr.valid,
		       (uint64_t)tr.physical_address);
		if (!trace) {
			printf(" -\n");
			continue;
		}
		memset(&t, 0, sizeof(t));
		t.version = SVX_WALK_TRACE_VERSION;
		t.size = sizeof(t);
		t.gva = gva;
		t.access = 0;			/* supervisor read */
		r = svxu_ioctl(g.vcpu.fd, SVX_WALK_TRACE, (unsigned long)&t);
		if (r) {
			fprintf(stderr, "walkcmp: SVX_WALK_TRACE %#" PRIx64 ": %s\n",
				gva, strerror(-r));
			return 1;
		}
		if (t.flags & SVX_WT_TRANSLATED)
			printf(" T:%#" PRIx64 "\n", (uint64_t)t.gpa);
		else if (t.flags & SVX_WT_GUEST_FAULT)
			printf(" F:%#x\n", t.error_code);
		else
			printf(" ?:%#x\n", t.flags);
	}
	fflush(stdout);
	svxu_guest_fini(&g);
	return 0;
}

/* load FILE: the header into @hdr, the records; the count or -1. */
static int load(const char *file, char *hdr, size_t hlen, struct rec *r)
{
	FILE *f = fopen(file, "r");
	char line[256], k[64];
	int n = 0;

	if (!f) {
		perror(file);
		return -1;
	}
	hdr[0] = 0;
	while (fgets(line, sizeof(line), f) && n < MAX_GVAS) {
		if (!strncmp(line, "# walkcmp ", 10)) {
			snprintf(hdr, hlen, "%s", line + 10);
			hdr[strcspn(hdr, "\n")] = 0;
			continue;
		}
		if (sscanf(line, "%" SCNx64 " %d %" SCNx64 " %63s", &r[n].gva,
			   &r[n].tr_valid, &r[n].tr_gpa, k) != 4)
			continue;
		r[n].kind = k[0];
		r[n].tr_val = k[0] == '-' ? 0 : strtoull(k + 2, NULL, 0);
		n++;
	}
	fclose(f);
	return n;
}

static int compare(const char *label, const char *reff, const char *testf,
		   int plant)
{
	static struct rec a[MAX_GVAS], b[MAX_GVAS];
	char ha[256], hb[256], mode[16] = "?";
	int na, nb, i, bad = 0, bad_tr = 0, bad_wt = 0, notrace = 0;
	int valid = 0, planted = 0, fail;

	na = load(reff, ha, sizeof(ha), a);
	nb = load(testf, hb, sizeof(hb), b);
	sscanf(ha, "%15s", mode);
	if (na < 0 || nb < 0 || !ha[0] || strcmp(ha, hb) || na != nb) {
		printf("walktrace-vs-kvm[%s][%s]: %d gvas, %d mismatches (not the same guest: kvm '%s', ours '%s'): FAIL\n",
		       mode, label, na, na, ha, hb);
		return 1;
	}
	for (i = 0; i < nb && planted < plant; i++) {
		if (b[i].kind == 'T' && b[i].tr_valid) {
			b[i].tr_val ^= 0x1000;
			b[i].tr_gpa ^= 0x1000;
			planted++;
		}
	}
	for (i = 0; i < na; i++) {
		bool m_tr, m_wt;

		valid += a[i].tr_valid;
		m_tr = a[i].gva != b[i].gva || a[i].tr_valid != b[i].tr_valid ||
		       (a[i].tr_valid && a[i].tr_gpa != b[i].tr_gpa);
		m_wt = b[i].kind != (a[i].tr_valid ? 'T' : 'F') ||
		       (a[i].tr_valid && b[i].tr_val != a[i].tr_gpa);
		notrace += b[i].kind == '-';
		bad_tr += m_tr;
		bad_wt += m_wt;
		if ((m_tr || m_wt) && bad < 5)
			fprintf(stderr, "# walkcmp %s %s: gva %#" PRIx64 ": kvm valid=%d gpa=%#" PRIx64 "; ours valid=%d gpa=%#" PRIx64 " trace %c:%#" PRIx64 "\n",
				mode, label, a[i].gva, a[i].tr_valid,
				a[i].tr_gpa, b[i].tr_valid, b[i].tr_gpa,
				b[i].kind, b[i].tr_val);
		bad += m_tr || m_wt;
	}
	if (plant)
		fail = !(planted == plant && bad == plant);
	else
		fail = bad || notrace || na < 1000 || valid <= na / 10 ||
		       na - valid <= na / 10;
	printf("walktrace-vs-kvm[%s][%s]: %d gvas, %d mismatches (walk trace %d, KVM_TRANSLATE %d; kvm valid %d, invalid %d",
	       mode, label, na, bad, bad_wt, bad_tr, valid, na - valid);
	if (plant)
		printf("; %d planted, must all be caught", planted);
	if (notrace)
		printf("; %d without a walk trace", notrace);
	printf("): %s\n", fail ? "FAIL" : "ok");
	return fail;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "dump") && mode_of(argv[2]) >= 0) {
		int n = argc > 3 ? atoi(argv[3]) : 1500;
		uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 0) :
				0x5eed0fa11c0ffeeULL;

		if (n < 1 || n > MAX_GVAS || !seed)
			return 2;
		return dump(mode_of(argv[2]), n, seed);
	}
	if (argc >= 5 && !strcmp(argv[1], "compare"))
		return compare(argv[2], argv[3], argv[4],
			       argc > 5 ? atoi(argv[5]) : 0);
	fprintf(stderr, "usage: SVX_DEV=DEV [SVX_PAGING=shadow|ept] walkcmp dump pg32|pae|long64 [N [SEED]]\n"
			"       walkcmp compare LABEL KVM-DUMP OUR-DUMP [PLANT]\n");
	return 2;
}
