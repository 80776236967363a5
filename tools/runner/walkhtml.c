// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun --html FILE: every walk trace of the run (--walk, the scenario
 * probe's walks) drawn into one self-contained HTML page: inline SVG and
 * CSS, no script, no network.  Each walk is one <section class="walk">:
 *
 *   left:  guest CR3 -> each guest table (level, table GPA, index, entry)
 *          -> GPA -> memslot -> HVA -> host pfn
 *   right: shadow paging: the shadow entries the CPU walks for the GVA,
 *          from GUEST_CR3 down;
 *          EPT: the 2D walk (SVX_WALK_TRACE2): one row per guest level,
 *          the EPT entries for the guest entry's GPA and then the guest
 *          entry itself, and a last row for the final GPA.
 *
 * Every memory reference of the hardware walk is a numbered badge (class
 * "ref", data-n 1..N in the CPU's order, counted here from the level data
 * with the rule of uapi/linux/shadowvmx.h and shown with the kernel's own
 * .refs).  The numbers are repeated as data-* attributes so that a test can
 * compare the page with the --json trace (scripts/walk-html-check.py).
 * The file is rewritten after each walk (at most WH_MAX walks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>
#include <linux/shadowvmx.h>

#include "core.h"
#include "runner.h"

#define WH_MAX		16
#define LINE_H		15	/* px per text line */
#define COL_X		20	/* guest column */
#define COL_W		440
#define RIGHT_X		500	/* shadow column / 2D grid */
#define LABEL_W		150
#define CELL_W		175
#define CELL_H		(4 * LINE_H + 8)
#define CELL_GAP	12
#define GAP		20	/* between boxes, room for an arrow */

static const char *html_path;
static struct svx_walk_trace2 walks[WH_MAX];
static bool walks_v2[WH_MAX];
static unsigned int nr_walks;
static bool html_full_warned;

void svxr_walk_html_open(const char *path)
{
	html_path = path;
}

static const char *const mode_names[] = {
	"nonpaging", "32-bit paging", "PAE paging", "4-level paging",
	"5-level paging",
};

static const char *const ept_names[] = { "", "PT", "PD", "PDPT", "PML4", "PML5" };

/* ---- SVG primitives ---------------------------------------------------- */

struct box {
	int x, y, w, h;
};

static void rect(FILE *f, const struct box *b, const char *cls)
{
	fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\"/>\n",
		cls, b->x, b->y, b->w, b->h);
}

/* One text line of a box (line 0 at the top); printf-style, no markup. */
static void __attribute__((format(printf, 5, 6)))
line(FILE *f, const struct box *b, int n, const char *cls, const char *fmt, ...)
{
	char buf[256], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(f, "<text class=\"%s\" x=\"%d\" y=\"%d\">", cls, b->x + 7,
		b->y + 15 + n * LINE_H);
	for (p = buf; *p; p++) {
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else
			fputc(*p, f);
	}
	fputs("</text>\n", f);
}

static unsigned int cur_walk;	/* the walk being drawn: its marker's id */

static void arrow(FILE *f, int x1, int y1, int x2, int y2)
{
	fprintf(f, "<line class=\"arrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" marker-end=\"url(#arr%u)\"/>\n",
		x1, y1, x2, y2, cur_walk);
}

/* A numbered badge: one memory reference of the hardware walk. */
static void badge(FILE *f, const struct box *b, unsigned int n)
{
	int cx = b->x + b->w - 14, cy = b->y + 13;

	fprintf(f, "<circle class=\"badge\" cx=\"%d\" cy=\"%d\" r=\"10\"/>\n", cx, cy);
	fprintf(f, "<text class=\"badgen\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%u</text>\n",
		cx, cy + 4, n);
}

static const char *hpa(char *buf, size_t n, const struct svx_walk_trace *t,
		       uint64_t v)
{
	if (t->flags & SVX_WT_HOST_HIDDEN)
		snprintf(buf, n, "hidden");
	else
		snprintf(buf, n, "0x%llx", (unsigned long long)v);
	return buf;
}

/*
 * A host entry (shadow or EPT) as a box; @n > 0: the reference number,
 * 0: read by the tracer but not reached by the CPU's walk.
 */
static void host_cell(FILE *f, const struct box *b, const char *cls,
		      const char *data, const struct svx_walk_trace *t,
		      const char *kind, int level, const struct svx_wt_level *l,
		      unsigned int n)
{
	char a[32], fl[64];

	fprintf(f, "<g class=\"%s%s\" %s data-level=\"%d\" data-table=\"0x%llx\" data-index=\"%u\" data-entry=\"0x%llx\"",
		cls, n ? " ref" : " unreached", data, level,
		(unsigned long long)l->table, l->index,
		(unsigned long long)l->entry);
	if (n)
		fprintf(f, " data-n=\"%u\" data-kind=\"%s\"", n, kind);
	fputs(">\n", f);
	rect(f, b, !n ? "unreached" : !(l->flags & SVX_WT_H_PRESENT) ? "fault" :
		   strcmp(kind, "shadow") ? "ept" : "shadow");
	if (strcmp(kind, "shadow"))
		line(f, b, 0, "t", "EPT L%d %s [%u]", level, ept_names[level],
		     l->index);
	else
		line(f, b, 0, "t", "SPTE L%d [%u]", level, l->index);
	line(f, b, 1, "t", "table HPA %s", hpa(a, sizeof(a), t, l->table));
	line(f, b, 2, "t", "= 0x%016llx", (unsigned long long)l->entry);
	svxr_host_flags(fl, sizeof(fl), l, true);
	line(f, b, 3, "s", "%s%s", fl, n ? "" : "  (not reached)");
	if (n)
		badge(f, b, n);
	fputs("</g>\n", f);
}

/* Does this EPT walk end in a readable leaf (the CPU goes on)? */
static bool ew_readable(const struct svx_wt_level *ept)
{
	int level;

	for (level = 4; level >= 1; level--) {
		const struct svx_wt_level *l = &ept[level - 1];

		if ((l->flags & SVX_WT_L_VALID) && (l->flags & SVX_WT_L_LEAF))
			return (l->flags & SVX_WT_H_READ) &&
			       !(l->flags & SVX_WT_H_MMIO);
	}
	return false;
}

/* ---- one walk ------------------------------------------------------------ */

/* The guest column; returns its bottom. */
static int guest_column(FILE *f, const struct svx_walk_trace *t, int y)
{
	struct box b = { COL_X, y, COL_W, 0 };
	int level, prev_bottom;

	fprintf(f, "<text class=\"h\" x=\"%d\" y=\"%d\">the guest's walk (its own tables, GPAs)</text>\n",
		COL_X, y - 8);
	b.h = 2 * LINE_H + 8;
	fprintf(f, "<g class=\"cr3\" data-cr3=\"0x%llx\">\n", (unsigned long long)t->cr3);
	rect(f, &b, "guest");
	line(f, &b, 0, "t", "guest CR3 = 0x%llx", (unsigned long long)t->cr3);
	line(f, &b, 1, "s", "CR0 0x%llx CR4 0x%llx EFER 0x%llx, %s",
	     (unsigned long long)t->cr0, (unsigned long long)t->cr4,
	     (unsigned long long)t->efer,
	     t->guest_mode < 5 ? mode_names[t->guest_mode] : "?");
	fputs("</g>\n", f);
	prev_bottom = b.y + b.h;
	for (level = t->guest_root_level; level >= 1; level--) {
		const struct svx_wt_level *l = &t->guest[level - 1];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		b.y = prev_bottom + GAP;
		b.h = 3 * LINE_H + 8;
		arrow(f, COL_X + 40, prev_bottom, COL_X + 40, b.y);
		fprintf(f, "<g class=\"glevel\" data-level=\"%d\" data-table=\"0x%llx\" data-index=\"%u\" data-entry-addr=\"0x%llx\" data-entry=\"0x%llx\">\n",
			level, (unsigned long long)l->table, l->index,
			(unsigned long long)l->entry_addr,
			(unsigned long long)l->entry);
		rect(f, &b, "guest");
		line(f, &b, 0, "t", "guest %s (level %d)  table GPA 0x%llx",
		     svxr_guest_level_name(t->guest_mode, level), level,
		     (unsigned long long)l->table);
		line(f, &b, 1, "t", "[%u] @ GPA 0x%llx = 0x%016llx", l->index,
		     (unsigned long long)l->entry_addr,
		     (unsigned long long)l->entry);
		line(f, &b, 2, "s", "%s %s %s %s %s%s  access so far %c%c%c%s",
		     (l->entry & 1) ? "P" : "-", (l->entry & 2) ? "W" : "-",
		     (l->entry & 4) ? "U" : "-", (l->entry & 0x20) ? "A" : "-",
		     (l->entry & 0x40) ? "D" : "-",
		     (l->entry >> 63) ? " XD" : "",
		     (l->access & SVX_WT_ACC_WRITE) ? 'w' : '-',
		     (l->access & SVX_WT_ACC_USER) ? 'u' : 's',
		     (l->access & SVX_WT_ACC_FETCH) ? 'x' : '-',
		     (l->flags & SVX_WT_L_LARGE) ? "  large page" :
		     !(l->entry & 1) ? "  not present" : "");
		fputs("</g>\n", f);
		prev_bottom = b.y + b.h;
	}
	b.y = prev_bottom + GAP;
	b.h = LINE_H + 8;
	arrow(f, COL_X + 40, prev_bottom, COL_X + 40, b.y);
	if (t->flags & SVX_WT_TRANSLATED) {
		fprintf(f, "<g class=\"gpa\" data-gpa=\"0x%llx\">\n",
			(unsigned long long)t->gpa);
		rect(f, &b, "gpa");
		line(f, &b, 0, "t", "GPA 0x%llx", (unsigned long long)t->gpa);
	} else {
		fputs("<g class=\"gpa\" data-gpa=\"none\">\n", f);
		rect(f, &b, "fault");
		if (t->flags & SVX_WT_NONCANONICAL)
			line(f, &b, 0, "t", "non-canonical GVA: #GP");
		else if (t->flags & SVX_WT_GUEST_FAULT)
			line(f, &b, 0, "t", "guest #PF, error code 0x%x, CR2 0x%llx",
			     t->error_code, (unsigned long long)t->fault_addr);
		else
			line(f, &b, 0, "t", "a guest table lies outside guest RAM");
	}
	fputs("</g>\n", f);
	prev_bottom = b.y + b.h;
	if (!(t->flags & SVX_WT_TRANSLATED))
		return prev_bottom;

	b.y = prev_bottom + GAP;
	b.h = LINE_H + 8;
	arrow(f, COL_X + 40, prev_bottom, COL_X + 40, b.y);
	if (t->flags & SVX_WT_SLOT) {
		fprintf(f, "<g class=\"memslot\" data-id=\"%u\" data-base=\"0x%llx\" data-size=\"0x%llx\">\n",
			t->slot_id, (unsigned long long)t->slot_base_gpa,
			(unsigned long long)t->slot_size);
		rect(f, &b, "mem");
		line(f, &b, 0, "t", "memslot %u: GPA [0x%llx, 0x%llx) flags 0x%x",
		     t->slot_id, (unsigned long long)t->slot_base_gpa,
		     (unsigned long long)(t->slot_base_gpa + t->slot_size),
		     t->slot_flags);
		fputs("</g>\n", f);
		prev_bottom = b.y + b.h;
		b.y = prev_bottom + GAP;
		arrow(f, COL_X + 40, prev_bottom, COL_X + 40, b.y);
		fprintf(f, "<g class=\"hva\" data-hva=\"0x%llx\">\n",
			(unsigned long long)t->hva);
		rect(f, &b, "mem");
		line(f, &b, 0, "t", "HVA 0x%llx (the VMM's mapping)",
		     (unsigned long long)t->hva);
		fputs("</g>\n", f);
	} else {
		fputs("<g class=\"memslot\" data-id=\"none\">\n", f);
		rect(f, &b, "fault");
		line(f, &b, 0, "t", "no memslot: MMIO, handled by the VMM");
		fputs("</g>\n", f);
	}
	prev_bottom = b.y + b.h;
	b.y = prev_bottom + GAP;
	arrow(f, COL_X + 40, prev_bottom, COL_X + 40, b.y);
	if (t->flags & SVX_WT_PFN) {
		fprintf(f, "<g class=\"pfn\" data-pfn=\"0x%llx\">\n",
			(unsigned long long)t->pfn);
		rect(f, &b, "mem");
		if (t->flags & SVX_WT_HOST_HIDDEN)
			line(f, &b, 0, "t", "host pfn: hidden (needs CAP_SYS_ADMIN)");
		else
			line(f, &b, 0, "t", "host pfn 0x%llx (HPA 0x%llx)",
			     (unsigned long long)t->pfn,
			     (unsigned long long)(t->pfn << 12 | (t->gpa & 0xfff)));
	} else {
		fputs("<g class=\"pfn\" data-pfn=\"none\">\n", f);
		rect(f, &b, "unreached");
		line(f, &b, 0, "t", "host pfn: not mapped yet (never faulted in)");
	}
	fputs("</g>\n", f);
	return b.y + b.h;
}

/* Shadow paging: the shadow entries the CPU walks.  Returns the bottom. */
static int shadow_column(FILE *f, const struct svx_walk_trace *t, int y,
			 unsigned int *refs)
{
	struct box b = { RIGHT_X, y, COL_W, CELL_H };
	char a[32];
	int level, prev_bottom = -1;

	fprintf(f, "<text class=\"h\" x=\"%d\" y=\"%d\">shadow tables the CPU walks (GUEST_CR3 %s)</text>\n",
		RIGHT_X, y - 8, hpa(a, sizeof(a), t, t->host_root_hpa));
	if (t->flags & SVX_WT_NO_ROOT) {
		b.h = LINE_H + 8;
		rect(f, &b, "unreached");
		line(f, &b, 0, "t", "no shadow root loaded yet");
		return b.y + b.h;
	}
	for (level = t->host_root_level; level >= 1; level--) {
		const struct svx_wt_level *l = &t->host[level - 1];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		if (prev_bottom >= 0) {
			b.y = prev_bottom + GAP;
			arrow(f, RIGHT_X + 40, prev_bottom, RIGHT_X + 40, b.y);
		}
		host_cell(f, &b, "hlevel", "", t, "shadow", level, l, ++*refs);
		prev_bottom = b.y + b.h;
	}
	return prev_bottom >= 0 ? prev_bottom : y;
}

/* EPT mode: the 2D walk.  Returns the bottom. */
static int ept_grid(FILE *f, const struct svx_walk_trace2 *t2, bool v2, int y,
		    unsigned int *refs)
{
	const struct svx_walk_trace *t = &t2->wt;
	int cx = RIGHT_X + LABEL_W + 10, row = y + 22, level, c;
	bool stopped = false;
	char a[32];
	struct box b;

	fprintf(f, "<text class=\"h\" x=\"%d\" y=\"%d\">the 2D walk: each guest table access goes through EPT (EPT PML4 at HPA %s)</text>\n",
		RIGHT_X, y - 8, hpa(a, sizeof(a), t, t->host_root_hpa));
	for (c = 0; c < 4; c++)
		fprintf(f, "<text class=\"s\" x=\"%d\" y=\"%d\">EPT level %d (%s)</text>\n",
			cx + c * (CELL_W + 10) + 4, y + 12, 4 - c, ept_names[4 - c]);
	fprintf(f, "<text class=\"s\" x=\"%d\" y=\"%d\">the guest entry</text>\n",
		cx + 4 * (CELL_W + 10) + 4, y + 12);
	if (!v2) {
		b = (struct box){ RIGHT_X, row, LABEL_W + 10 + 5 * (CELL_W + 10), LINE_H + 8 };
		rect(f, &b, "unreached");
		line(f, &b, 0, "t", "the EPT walks of the guest's tables need SVX_WALK_TRACE2 (an older module)");
		row += b.h + CELL_GAP;
	}
	for (level = t->guest_root_level; v2 && level >= 1; level--) {
		const struct svx_wt_level *gl = &t->guest[level - 1];
		const struct svx_wt_ept_walk *ew = &t2->table_ept[level - 1];
		int el;

		if (!(gl->flags & SVX_WT_L_VALID))
			continue;
		b = (struct box){ RIGHT_X, row, LABEL_W, CELL_H };
		fprintf(f, "<g class=\"grow\" data-glevel=\"%d\" data-gpa=\"0x%llx\">\n",
			level, (unsigned long long)ew->gpa);
		rect(f, &b, "guest");
		line(f, &b, 0, "t", "guest %s entry", svxr_guest_level_name(t->guest_mode, level));
		line(f, &b, 1, "t", "@ GPA 0x%llx", (unsigned long long)gl->entry_addr);
		if (!(ew->flags & SVX_WT_EW_VALID)) {
			line(f, &b, 2, "s", "PDPTE register:");
			line(f, &b, 3, "s", "no memory reference");
			fputs("</g>\n", f);
			row += CELL_H + CELL_GAP;
			continue;
		}
		line(f, &b, 2, "s", "%u EPT entries read", ew->levels);
		fputs("</g>\n", f);
		for (el = 4; el >= 1; el--) {
			const struct svx_wt_level *l = &ew->ept[el - 1];
			char data[48];

			if (!(l->flags & SVX_WT_L_VALID))
				continue;
			b = (struct box){ cx + (4 - el) * (CELL_W + 10), row, CELL_W, CELL_H };
			snprintf(data, sizeof(data), "data-glevel=\"%d\"", level);
			host_cell(f, &b, "tcell", data, t, "ept", el, l,
				  stopped ? 0 : ++*refs);
		}
		if (!stopped && !ew_readable(ew->ept))
			stopped = true;
		b = (struct box){ cx + 4 * (CELL_W + 10), row, CELL_W, CELL_H };
		fprintf(f, "<g class=\"gentry%s\" data-glevel=\"%d\" data-entry=\"0x%llx\"",
			stopped ? " unreached" : " ref", level,
			(unsigned long long)gl->entry);
		if (!stopped)
			fprintf(f, " data-n=\"%u\" data-kind=\"guest\"", ++*refs);
		fputs(">\n", f);
		rect(f, &b, stopped ? "unreached" :
			    (gl->entry & 1) ? "guest" : "fault");
		line(f, &b, 0, "t", "guest %s[%u]", svxr_guest_level_name(t->guest_mode, level),
		     gl->index);
		line(f, &b, 1, "t", "@ GPA 0x%llx", (unsigned long long)gl->entry_addr);
		line(f, &b, 2, "t", "= 0x%016llx", (unsigned long long)gl->entry);
		line(f, &b, 3, "s", "%s", stopped ? "(not reached: EPT exit)" :
		     (gl->entry & 1) ? "present" : "not present: guest #PF");
		if (!stopped)
			badge(f, &b, *refs);
		fputs("</g>\n", f);
		row += CELL_H + CELL_GAP;
	}
	/* the final GPA through EPT: host[] */
	b = (struct box){ RIGHT_X, row, LABEL_W, CELL_H };
	fputs("<g class=\"frow\">\n", f);
	rect(f, &b, "gpa");
	if (t->flags & SVX_WT_TRANSLATED) {
		line(f, &b, 0, "t", "the data's GPA");
		line(f, &b, 1, "t", "0x%llx", (unsigned long long)t->gpa);
		line(f, &b, 2, "s", "%u EPT entries read", t->host_levels);
	} else {
		line(f, &b, 0, "t", "no GPA:");
		line(f, &b, 1, "t", "the guest walk faults");
	}
	fputs("</g>\n", f);
	if (t->flags & SVX_WT_NO_ROOT) {
		b = (struct box){ cx, row, CELL_W, CELL_H };
		rect(f, &b, "unreached");
		line(f, &b, 0, "t", "no EPT tables yet");
	}
	for (level = 4; (t->flags & SVX_WT_TRANSLATED) && level >= 1; level--) {
		const struct svx_wt_level *l = &t->host[level - 1];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		b = (struct box){ cx + (4 - level) * (CELL_W + 10), row, CELL_W, CELL_H };
		host_cell(f, &b, "hlevel", "", t, "ept", level, l,
			  stopped ? 0 : ++*refs);
	}
	return row + CELL_H;
}

static const char *const exit_names[] = {
	[SVX_WT_EXIT_NONE] = "no exit: the CPU completes the access",
	[SVX_WT_EXIT_GUEST_PF] = "#PF exit: the guest's own tables fault, the #PF is injected",
	[SVX_WT_EXIT_GUEST_PF_DIRECT] = "no VM exit: the guest takes its own #PF",
	[SVX_WT_EXIT_NOT_PRESENT] = "#PF exit: shadow entry not present; the hypervisor installs it",
	[SVX_WT_EXIT_WRITE_PROTECT] = "#PF exit: a shadowed guest page table, write-protected; emulated",
	[SVX_WT_EXIT_DIRTY] = "#PF exit: SPTE read-only until the guest's dirty bit is set",
	[SVX_WT_EXIT_PERM] = "#PF exit: the SPTE lacks a permission the guest grants; rebuilt",
	[SVX_WT_EXIT_MMIO] = "#PF exit: GPA outside every memslot, MMIO exit to the VMM",
	[SVX_WT_EXIT_RO_SLOT] = "write to a read-only memslot: MMIO exit",
	[SVX_WT_EXIT_EPT_VIOLATION] = "EPT violation exit (reason 48)",
	[SVX_WT_EXIT_EPT_MISCONFIG] = "EPT misconfiguration exit (reason 49): MMIO fast path",
	[SVX_WT_EXIT_NO_ROOT] = "no shadow root: rebuilt at the next entry",
	[SVX_WT_EXIT_GP] = "non-canonical: the guest takes #GP, no VM exit",
	[SVX_WT_EXIT_ERROR] = "a guest table lies outside guest RAM: emulation-error exit",
};

static void one_walk(FILE *f, unsigned int id)
{
	const struct svx_walk_trace2 *t2 = &walks[id];
	const struct svx_walk_trace *t = &t2->wt;
	bool ept = t->paging == SVX_PAGING_EPT, v2 = walks_v2[id];
	const char *what = (t->access & SVX_WT_ACC_FETCH) ? "fetch" :
			   (t->access & SVX_WT_ACC_WRITE) ? "write" : "read";
	unsigned int refs = 0;
	int top = 36, h1, h2, width, height;
	char *body = NULL;
	size_t len = 0;
	FILE *g;

	/* Draw into memory first: the <svg> element needs the height. */
	cur_walk = id + 1;
	g = open_memstream(&body, &len);
	if (!g)
		svxr_die("--html: out of memory");
	h1 = guest_column(g, t, top);
	if (ept)
		h2 = ept_grid(g, t2, v2, top, &refs);
	else
		h2 = shadow_column(g, t, top, &refs);
	fclose(g);
	height = (h1 > h2 ? h1 : h2) + 50;
	width = ept ? RIGHT_X + LABEL_W + 10 + 5 * (CELL_W + 10) + 10 :
		      RIGHT_X + COL_W + 20;

	fprintf(f, "<section class=\"walk\" id=\"walk%u\" data-n=\"%u\" data-gva=\"0x%llx\" data-access=\"%u\" data-paging=\"%s\" data-refs=\"%u\" data-kernel-refs=\"%s",
		id + 1, id + 1, (unsigned long long)t->gva, t->access,
		ept ? "ept" : "shadow", refs, v2 ? "" : "none");
	if (v2)
		fprintf(f, "%u", t2->refs);
	fprintf(f, "\" data-exit=\"%u\">\n", t->exit);
	fprintf(f, "<h2>walk %u: GVA 0x%llx, %s %s &#8212; %s, %s</h2>\n", id + 1,
		(unsigned long long)t->gva,
		(t->access & SVX_WT_ACC_USER) ? "user" : "supervisor", what,
		t->guest_mode < 5 ? mode_names[t->guest_mode] : "?",
		ept ? "EPT" : "shadow paging");
	fprintf(f, "<p class=\"verdict\">verdict: %s",
		t->exit < sizeof(exit_names) / sizeof(exit_names[0]) &&
		exit_names[t->exit] ? exit_names[t->exit] : "?");
	if (ept && t->exit_gpa)
		fprintf(f, " at GPA 0x%llx%s", (unsigned long long)t->exit_gpa,
			t->exit_gpa != t->gpa ? " (a guest table: 2D walk)" : "");
	fputs("</p>\n", f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		width, height, width, height);
	fprintf(f, "<defs><marker id=\"arr%u\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n",
		cur_walk);
	fwrite(body, 1, len, f);
	fprintf(f, "<text class=\"refcount\" data-refs=\"%u\" x=\"%d\" y=\"%d\">%u memory reference%s by the CPU's walk%s",
		refs, COL_X, height - 16, refs, refs == 1 ? "" : "s",
		ept ? " (2D: guest tables through EPT, then the data's GPA)" :
		      " (the shadow tables only)");
	if (v2)
		fprintf(f, "; the kernel counts %u", t2->refs);
	fputs("</text>\n</svg>\n</section>\n", f);
	free(body);
}

static const char style[] =
"body{font-family:sans-serif;margin:16px;color:#1a1a1a;background:#fff}"
"h1{font-size:20px}h2{font-size:16px;margin:18px 0 4px}"
"p{margin:4px 0;font-size:13px}"
"svg{display:block;border:1px solid #ccc;margin:6px 0 18px}"
"svg text{font-family:monospace;font-size:12px;fill:#111}"
"svg text.s{font-size:11px;fill:#444}svg text.h{font-size:13px;font-weight:bold}"
"svg text.badgen{font-size:11px;fill:#fff;font-weight:bold}"
"svg text.refcount{font-size:14px;font-weight:bold}"
"rect{stroke:#555;stroke-width:1}rect.guest{fill:#dbeafe}rect.gpa{fill:#c7d2fe}"
"rect.mem{fill:#e9d5ff}rect.shadow{fill:#fde68a}rect.ept{fill:#bbf7d0}"
"rect.fault{fill:#fecaca}rect.unreached{fill:#f3f4f6;stroke-dasharray:4 3}"
"circle.badge{fill:#b91c1c}line.arrow{stroke:#555;stroke-width:1.5}";

static void write_page(void)
{
	char *tmp;
	unsigned int i;
	FILE *f;

	if (asprintf(&tmp, "%s.tmp", html_path) < 0)
		svxr_die("--html: out of memory");
	f = fopen(tmp, "w");
	if (!f) {
		svxr_msg("--html %s: %s", tmp, strerror(errno));
		free(tmp);
		return;
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>shadowvmx walk trace</title>\n<style>%s</style>\n</head>\n<body>\n",
		style);
	fputs("<h1>shadowvmx: how the CPU translates a guest-virtual address</h1>\n"
	      "<p>Written by <code>svxrun --html</code> from SVX_WALK_TRACE2 "
	      "(uapi/linux/shadowvmx.h). Blue: the guest's tables (guest-physical); "
	      "yellow: shadow page-table entries; green: EPT entries; grey, dashed: "
	      "read by the tracer but not reached by the CPU (its walk exits "
	      "earlier). Red badges number the memory references of the "
	      "hardware walk, with empty TLBs and paging-structure caches.</p>\n",
	      f);
	for (i = 0; i < nr_walks; i++)
		one_walk(f, i);
	fputs("</body>\n</html>\n", f);
	if (fclose(f) || rename(tmp, html_path))
		svxr_msg("--html %s: %s", html_path, strerror(errno));
	free(tmp);
}

void svxr_walk_html_add(const struct svx_walk_trace2 *t2, bool v2)
{
	if (!html_path)
		return;
	if (nr_walks == WH_MAX) {
		if (!html_full_warned)
			svxr_msg("--html: only the first %d walks are drawn", WH_MAX);
		html_full_warned = true;
		return;
	}
	walks[nr_walks] = *t2;
	walks_v2[nr_walks] = v2;
	nr_walks++;
	write_page();
}
