// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun --walk and --trace.
 *
 * --walk GVA[:ACC][,GVA[:ACC]...] issues SVX_WALK_TRACE (shadowvmx only)
 * for each GVA after the guest stops (or after exit N with --walk-at-exit)
 * and prints the translation as a diagram: guest tables level by level ->
 * GPA -> memslot -> HVA -> pfn, then the shadow or EPT entries, then
 * whether the access would exit and why.  ACC is r (default), w, x, with
 * a leading u for a CPL-3 access (ur, uw, ux).  --json prints one JSON
 * object per GVA instead (also for the scenario probe's walks), with the
 * 2D walk (SVX_WALK_TRACE2: "refs", "table_ept") when the module has it.
 * --html FILE also draws every walk into one page (walkhtml.c).
 *
 * --trace enables the module's tracepoints (tracefs events/shadowvmx/,
 * filtered on this process) and prints the events of each KVM_RUN, as
 * "  [k] ..." lines, before the runner handles the exit, so they come
 * interleaved with the guest's output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/shadowvmx.h>

#include "core.h"
#include "runner.h"

static const char *const mode_names[] = {
	"nonpaging (CR0.PG=0)", "32-bit paging", "PAE paging",
	"4-level paging", "5-level paging",
};

static const char *const exit_names[] = {
	[SVX_WT_EXIT_NONE] = "no exit: the CPU completes the access",
	[SVX_WT_EXIT_GUEST_PF] = "#PF exit (reason 0, vector 14): the guest's own tables fault, the #PF is injected into the guest",
	[SVX_WT_EXIT_GUEST_PF_DIRECT] = "no VM exit: the guest takes its own #PF (EPT)",
	[SVX_WT_EXIT_NOT_PRESENT] = "#PF exit (reason 0, vector 14): shadow entry not present; the hypervisor walks the guest tables and installs the SPTE",
	[SVX_WT_EXIT_WRITE_PROTECT] = "#PF exit (reason 0, vector 14): the page is a shadowed guest page table, write-protected; the write is emulated",
	[SVX_WT_EXIT_DIRTY] = "#PF exit (reason 0, vector 14): SPTE read-only until the guest's dirty bit is set",
	[SVX_WT_EXIT_PERM] = "#PF exit (reason 0, vector 14): the SPTE lacks a permission the guest's entries grant; the hypervisor rebuilds it",
	[SVX_WT_EXIT_MMIO] = "#PF exit (reason 0, vector 14): GPA outside every memslot -> MMIO exit to the VMM",
	[SVX_WT_EXIT_RO_SLOT] = "exit: write to a read-only memslot -> MMIO exit to the VMM",
	[SVX_WT_EXIT_EPT_VIOLATION] = "EPT violation exit (reason 48)",
	[SVX_WT_EXIT_EPT_MISCONFIG] = "EPT misconfiguration exit (reason 49): MMIO fast path",
	[SVX_WT_EXIT_NO_ROOT] = "no shadow root: rebuilt at the next entry, then a #PF exit fills it",
	[SVX_WT_EXIT_GP] = "non-canonical address: the guest takes #GP, no VM exit",
	[SVX_WT_EXIT_ERROR] = "a guest table lies outside guest RAM: emulation-error exit",
};

/*
 * Colour only on a terminal: not when stdout is a file or a pipe (the
 * demo's logs, make check), not with NO_COLOR set (no-color.org), not
 * with TERM=dumb.
 */
static bool use_colour(void)
{
	static int on = -1;

	if (on < 0) {
		const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

		on = isatty(STDOUT_FILENO) && !(nc && *nc) &&
		     term && strcmp(term, "dumb");
	}
	return on;
}

static const char *col(const char *sgr)
{
	return use_colour() ? sgr : "";
}

#define C_BOLD	"\033[1m"
#define C_GREEN	"\033[32m"
#define C_YEL	"\033[33m"
#define C_CYAN	"\033[36m"
#define C_OFF	"\033[0m"

void svxr_host_flags(char *buf, size_t n, const struct svx_wt_level *l,
		     bool large)
{
	snprintf(buf, n, "%s%s%s%s%s%s%s%s",
		 (l->flags & SVX_WT_H_PRESENT) ? "" : "not present ",
		 (l->flags & SVX_WT_H_READ) ? "R" : "",
		 (l->flags & SVX_WT_H_WRITE) ? "W" : "",
		 (l->flags & SVX_WT_H_EXEC) ? "X" : "",
		 (l->flags & SVX_WT_H_USER) ? "U" : "",
		 (l->flags & SVX_WT_H_MMIO) ? " MMIO" : "",
		 (l->flags & SVX_WT_L_LEAF) ? " leaf" : "",
		 large && (l->flags & SVX_WT_L_LARGE) ? " large" : "");
}

const char *svxr_guest_level_name(unsigned int mode, int level)
{
	static const char *const n64[] = { "", "PT", "PD", "PDPT", "PML4", "PML5" };

	if (mode == SVX_WT_MODE_32)
		return level == 2 ? "PD" : "PT";
	if (mode == SVX_WT_MODE_PAE && level == 3)
		return "PDPTE reg";
	return level >= 1 && level <= 5 ? n64[level] : "?";
}

static const char *acc_str(uint32_t acc)
{
	static char buf[4][8];
	static int k;
	char *b = buf[k++ & 3];

	snprintf(b, 8, "%c%c%c", (acc & SVX_WT_ACC_WRITE) ? 'w' : '-',
		 (acc & SVX_WT_ACC_USER) ? 'u' : 's',
		 (acc & SVX_WT_ACC_FETCH) ? 'x' : '-');
	return b;
}

static void print_diagram(const struct svx_walk_trace *t)
{
	bool ept = t->paging == SVX_PAGING_EPT;
	const char *what = (t->access & SVX_WT_ACC_FETCH) ? "fetch" :
			   (t->access & SVX_WT_ACC_WRITE) ? "write" : "read";
	int level;

	printf("%swalk GVA 0x%" PRIx64 " (%s %s)  -  %s, %s%s\n", col(C_BOLD),
	       (uint64_t)t->gva,
	       (t->access & SVX_WT_ACC_USER) ? "user" : "supervisor", what,
	       t->guest_mode < 5 ? mode_names[t->guest_mode] : "?",
	       ept ? "EPT" : "shadow paging", col(C_OFF));
	printf("  guest CR0 0x%llx  CR3 0x%llx  CR4 0x%llx  EFER 0x%llx\n",
	       (unsigned long long)t->cr0, (unsigned long long)t->cr3,
	       (unsigned long long)t->cr4, (unsigned long long)t->efer);
	for (level = t->guest_root_level; level >= 1; level--) {
		const struct svx_wt_level *l = &t->guest[level - 1];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		printf("  %*s guest %-9s table GPA 0x%-9llx [%4u] = 0x%016llx %s%s%s%s%s%s  acc %s%s\n",
		       (int)(t->guest_root_level - level) * 2, "|",
		       svxr_guest_level_name(t->guest_mode, level),
		       (unsigned long long)l->table, l->index,
		       (unsigned long long)l->entry,
		       (l->entry & 1) ? "P" : "-", (l->entry & 2) ? "W" : "-",
		       (l->entry & 4) ? "U" : "-", (l->entry & 0x20) ? "A" : "-",
		       (l->entry & 0x40) ? "D" : "-",
		       (l->entry >> 63) ? " XD" : "",
		       acc_str(l->access),
		       (l->flags & SVX_WT_L_LARGE) ? "  (large page)" :
		       !(l->entry & 1) ? "  (not present)" : "");
	}
	if (t->flags & SVX_WT_NONCANONICAL)
		printf("  => non-canonical: #GP\n");
	else if ((t->flags & SVX_WT_TABLE_OUTSIDE) &&
		 (t->flags & SVX_WT_GUEST_FAULT))
		printf("  => a guest table is outside guest RAM: guest #PF, error code 0x%x, CR2 0x%llx (not present, as KVM)\n",
		       t->error_code, (unsigned long long)t->fault_addr);
	else if (t->flags & SVX_WT_TABLE_OUTSIDE)
		printf("  => a guest table is outside guest RAM\n");
	else if (t->flags & SVX_WT_GUEST_FAULT)
		printf("  => guest #PF, error code 0x%x, CR2 0x%llx\n",
		       t->error_code, (unsigned long long)t->fault_addr);
	else
		printf("  => GPA 0x%llx (walk allows %s)\n",
		       (unsigned long long)t->gpa, acc_str(t->pte_access));
	if (t->flags & SVX_WT_TRANSLATED) {
		if (t->flags & SVX_WT_SLOT)
			printf("  => memslot %u [0x%llx, 0x%llx) flags 0x%x  ->  HVA 0x%llx\n",
			       t->slot_id, (unsigned long long)t->slot_base_gpa,
			       (unsigned long long)(t->slot_base_gpa + t->slot_size),
			       t->slot_flags, (unsigned long long)t->hva);
		else
			printf("  => no memslot: MMIO\n");
		if (t->flags & SVX_WT_PFN)
			printf("  => host pfn 0x%llx (HPA 0x%llx)\n",
			       (unsigned long long)t->pfn,
			       (unsigned long long)(t->pfn << 12 |
						    (t->gpa & 0xfff)));
		else if (t->flags & SVX_WT_SLOT)
			printf("  => host pfn: not mapped yet\n");
	}
	if (t->flags & SVX_WT_NO_ROOT)
		printf("  %s: no root loaded\n", ept ? "EPT" : "shadow");
	else if (t->host_levels)
		printf("  %s root HPA 0x%llx (%s)\n", ept ? "EPT" : "shadow",
		       (unsigned long long)t->host_root_hpa,
		       ept ? "EPTP, walked for the GPA" :
		       "GUEST_CR3, walked by the CPU for the GVA");
	for (level = t->host_root_level; level >= 1; level--) {
		const struct svx_wt_level *l = &t->host[level - 1];
		char hf[64];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		svxr_host_flags(hf, sizeof(hf), l, false);
		printf("  %*s %s L%d table HPA 0x%-9llx [%3u] = 0x%016llx %s\n",
		       (int)(t->host_root_level - level) * 2, "|",
		       ept ? "EPTE" : "SPTE", level,
		       (unsigned long long)l->table, l->index,
		       (unsigned long long)l->entry, hf);
	}
	printf("  verdict: %s%s",
	       col(t->exit == SVX_WT_EXIT_NONE ||
		   t->exit == SVX_WT_EXIT_GUEST_PF_DIRECT ||
		   t->exit == SVX_WT_EXIT_GP ? C_GREEN : C_YEL),
	       t->exit < sizeof(exit_names) / sizeof(exit_names[0]) &&
	       exit_names[t->exit] ? exit_names[t->exit] : "?");
	if (ept && t->exit_gpa)
		printf(" at GPA 0x%llx%s", (unsigned long long)t->exit_gpa,
		       t->exit_gpa != t->gpa ? " (a guest table: 2D walk)" : "");
	printf("%s\n", col(C_OFF));
}

static void json_levels(const char *name, const struct svx_wt_level *ls,
			int root)
{
	bool first = true;
	int level;

	printf(", \"%s\": [", name);
	for (level = root; level >= 1; level--) {
		const struct svx_wt_level *l = &ls[level - 1];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		printf("%s{\"level\": %d, \"table\": \"0x%llx\", \"index\": %u, \"entry_addr\": \"0x%llx\", \"entry\": \"0x%llx\", \"access\": %u, \"flags\": %u}",
		       first ? "" : ", ", level, (unsigned long long)l->table,
		       l->index, (unsigned long long)l->entry_addr,
		       (unsigned long long)l->entry, l->access, l->flags);
		first = false;
	}
	printf("]");
}

static void print_json(const struct svx_walk_trace2 *t2, bool v2)
{
	const struct svx_walk_trace *t = &t2->wt;
	bool first = true;
	int level;

	printf("{\"gva\": \"0x%llx\", \"access\": %u, \"paging\": \"%s\", \"guest_mode\": %u, \"cr0\": \"0x%llx\", \"cr3\": \"0x%llx\", \"cr4\": \"0x%llx\", \"efer\": \"0x%llx\", \"flags\": %u",
	       (unsigned long long)t->gva, t->access,
	       t->paging == SVX_PAGING_EPT ? "ept" : "shadow", t->guest_mode,
	       (unsigned long long)t->cr0, (unsigned long long)t->cr3,
	       (unsigned long long)t->cr4, (unsigned long long)t->efer,
	       t->flags);
	json_levels("guest", t->guest, t->guest_root_level);
	if (t->flags & SVX_WT_TRANSLATED)
		printf(", \"gpa\": \"0x%llx\"", (unsigned long long)t->gpa);
	if (t->flags & SVX_WT_GUEST_FAULT)
		printf(", \"fault\": {\"error_code\": %u, \"cr2\": \"0x%llx\"}",
		       t->error_code, (unsigned long long)t->fault_addr);
	if (t->flags & SVX_WT_SLOT)
		printf(", \"memslot\": {\"id\": %u, \"base_gpa\": \"0x%llx\", \"size\": \"0x%llx\", \"flags\": %u}, \"hva\": \"0x%llx\"",
		       t->slot_id, (unsigned long long)t->slot_base_gpa,
		       (unsigned long long)t->slot_size, t->slot_flags,
		       (unsigned long long)t->hva);
	if (t->flags & SVX_WT_PFN)
		printf(", \"pfn\": \"0x%llx\"", (unsigned long long)t->pfn);
	printf(", \"host_root\": \"0x%llx\"", (unsigned long long)t->host_root_hpa);
	json_levels("host", t->host, t->host_root_level);
	if (v2) {
		/* SVX_WALK_TRACE2: the 2D walk's EPT walks, root level first */
		printf(", \"refs\": %u, \"table_ept\": [", t2->refs);
		for (level = SVX_WT_MAX_LEVELS; level >= 1; level--) {
			const struct svx_wt_ept_walk *ew = &t2->table_ept[level - 1];

			if (!(ew->flags & SVX_WT_EW_VALID))
				continue;
			printf("%s{\"guest_level\": %d, \"gpa\": \"0x%llx\", \"levels\": %u, \"flags\": %u",
			       first ? "" : ", ", level,
			       (unsigned long long)ew->gpa, ew->levels, ew->flags);
			json_levels("ept", ew->ept, 4);
			printf("}");
			first = false;
		}
		printf("]");
	}
	printf(", \"exit\": %u, \"exit_reason\": %d, \"exit_gpa\": \"0x%llx\"}\n",
	       t->exit, (int)t->exit_reason, (unsigned long long)t->exit_gpa);
}

static uint32_t parse_acc(const char *s)
{
	uint32_t a = 0;

	if (*s == 'u') {
		a |= SVX_WT_ACC_USER;
		s++;
	}
	if (!strcmp(s, "w"))
		a |= SVX_WT_ACC_WRITE;
	else if (!strcmp(s, "x"))
		a |= SVX_WT_ACC_FETCH;
	else if (strcmp(s, "r") && *s)
		svxr_die("--walk: access '%s': r, w, x, ur, uw or ux", s);
	return a;
}

static bool walk_json;		/* --json: probe walks too */
static bool walk_v1_only;	/* the device has no SVX_WALK_TRACE2 */

void svxr_walk_setup(const char *html, bool json)
{
	walk_json = json;
	if (html)
		svxr_walk_html_open(html);
}

/*
 * SVX_WALK_TRACE2 (the 2D walk), or SVX_WALK_TRACE on a module without
 * it (-EINVAL for an unknown vCPU ioctl); *v2 says which.  -1: errno.
 */
static int walk_trace(struct svxr_vm *vm, struct svx_walk_trace2 *t2,
		      bool *v2)
{
	struct svx_walk_trace t;
	uint64_t gva = t2->wt.gva;
	uint32_t acc = t2->wt.access;

	*v2 = false;
	if (!walk_v1_only) {
		memset(t2, 0, sizeof(*t2));
		t2->wt.version = SVX_WALK_TRACE_VERSION2;
		t2->wt.size = sizeof(*t2);
		t2->wt.gva = gva;
		t2->wt.access = acc;
		if (!ioctl(vm->vcpu.fd, SVX_WALK_TRACE2, t2)) {
			*v2 = true;
			return 0;
		}
		if (errno != EINVAL && errno != ENOTTY)
			return -1;
		walk_v1_only = true;
	}
	memset(&t, 0, sizeof(t));
	t.version = SVX_WALK_TRACE_VERSION;
	t.size = sizeof(t);
	t.gva = gva;
	t.access = acc;
	if (ioctl(vm->vcpu.fd, SVX_WALK_TRACE, &t) < 0)
		return -1;
	memset(t2, 0, sizeof(*t2));
	t2->wt = t;
	return 0;
}

void svxr_walk_print(struct svxr_vm *vm, const char *spec, bool json)
{
	char *list = strdup(spec), *save = NULL, *tok;

	if (!list)
		svxr_die("out of memory");
	json |= walk_json;
	fflush(stdout);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		static struct svx_walk_trace2 t2;
		char *acc = strchr(tok, ':'), *end;
		bool v2;

		memset(&t2, 0, sizeof(t2));
		if (acc)
			*acc++ = 0;
		t2.wt.gva = strtoull(tok, &end, 0);
		if (*end || end == tok)
			svxr_die("--walk: bad GVA '%s'", tok);
		t2.wt.access = acc ? parse_acc(acc) : 0;
		if (walk_trace(vm, &t2, &v2) < 0) {
			svxr_msg("SVX_WALK_TRACE 0x%llx: %s%s",
				(unsigned long long)t2.wt.gva, strerror(errno),
				errno == EINVAL || errno == ENOTTY ?
				" (not shadowvmx?)" : "");
			break;
		}
		if (json)
			print_json(&t2, v2);
		else
			print_diagram(&t2.wt);
		svxr_walk_html_add(&t2, v2);
	}
	fflush(stdout);
	free(list);
}

/* ---------------------------------------------------------------------- */
/* --trace: the module's tracepoints                                        */

#define TRACEFS "/sys/kernel/tracing"

static int trace_pipe_fd = -1;

static int tfs_write(const char *file, const char *val)
{
	char path[256];
	int fd, r = 0;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

void svxr_ktrace_start(void)
{
	char filter[64];
	struct stat st;

	if (stat(TRACEFS "/events", &st) < 0)
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	if (stat(TRACEFS "/events/shadowvmx", &st) < 0) {
		svxr_msg("--trace: no " TRACEFS "/events/shadowvmx (tracefs not mounted, or not shadowvmx)");
		return;
	}
	snprintf(filter, sizeof(filter), "common_pid == %d", (int)getpid());
	tfs_write("events/shadowvmx/filter", filter);
	tfs_write("trace", "");
	if (tfs_write("events/shadowvmx/enable", "1")) {
		svxr_msg("--trace: cannot enable events/shadowvmx: %s",
			strerror(errno));
		return;
	}
	trace_pipe_fd = open(TRACEFS "/trace_pipe", O_RDONLY | O_NONBLOCK);
	if (trace_pipe_fd < 0)
		svxr_msg("--trace: trace_pipe: %s", strerror(errno));
}

/* Print what the last KVM_RUN traced: "  [k] <event>: <fields>". */
void svxr_ktrace_drain(void)
{
	static char buf[65536];
	static size_t have;
	ssize_t n;

	if (trace_pipe_fd < 0)
		return;
	while ((n = read(trace_pipe_fd, buf + have,
			 sizeof(buf) - 1 - have)) > 0) {
		char *line = buf, *nl, *ev;

		have += n;
		buf[have] = 0;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			/* skip "task-pid [cpu] flags timestamp: " */
			ev = strstr(line, ": svx_");
			printf("  %s[k] %s%s\n", col(C_CYAN), ev ? ev + 2 : line,
			       col(C_OFF));
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
	fflush(stdout);
}

void svxr_ktrace_stop(void)
{
	if (trace_pipe_fd < 0)
		return;
	svxr_ktrace_drain();
	tfs_write("events/shadowvmx/enable", "0");
	tfs_write("events/shadowvmx/filter", "0");
	close(trace_pipe_fd);
	trace_pipe_fd = -1;
}
