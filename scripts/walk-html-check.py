#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Structural checks of an svxrun --html page against the JSON walk traces
of the same run (svxrun --json, one object per line, in the same order).

  walk-html-check.py struct PAGE.html WALK.json MODE
      every walk of the page: the guest levels (root to leaf, none
      missing), GPA, memslot, HVA, pfn, the shadow / EPT entries and, in
      EPT mode, every guest table's EPT walk carry the numbers of the JSON
      trace, as data-* attributes and as visible text; the numbered memory
      references are 1..N in order, N equals the kernel's "refs", N <= 24.
      Prints "ok WALKS REFS" (REFS: the last walk's) or "FAIL why".
  walk-html-check.py size PAGE.html
      "W H": a window that holds the whole page (for the screenshot).
  walk-html-check.py png FILE.png W H BASELINE.png
      the PNG is W x H, and at least 3 times the bytes of BASELINE (the
      same page without its walks, rendered at the same size): prints
      "ok BYTES BASELINE-BYTES" or "FAIL why".
"""
import json
import re
import struct
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.walks = []       # [{'attrs':, 'elems': [(tag, attrs, textlist)]}]
        self.stack = []       # open <g> elements (their text lists)
        self.svgs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'section' and 'walk' in a.get('class', '').split():
            self.walks.append({'attrs': a, 'elems': []})
        elif tag == 'svg':
            self.svgs.append((int(a.get('width', 0)), int(a.get('height', 0))))
        if tag in ('g', 'text') and self.walks:
            text = []
            self.walks[-1]['elems'].append((tag, a, text))
            if tag == 'g':
                self.stack.append(text)
            else:
                self.stack.append(text)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ('g', 'text') and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in ('g', 'text') and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for t in self.stack:
            t.append(data)


def num(s):
    return int(s, 0)


def classes(a):
    return a.get('class', '').split()


class Fail(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Fail(why)


def find(w, cls, **kv):
    out = []
    for tag, a, text in w['elems']:
        if tag != 'g' or cls not in classes(a):
            continue
        if all(a.get('data-' + k.replace('_', '-')) == v for k, v in kv.items()):
            out.append((a, ' '.join(''.join(text).split())))
    return out


def level_set(w, cls, extra=None):
    s = set()
    for tag, a, text in w['elems']:
        if tag == 'g' and cls in classes(a):
            if extra and any(a.get(k) != v for k, v in extra.items()):
                continue
            s.add((num(a['data-level']), num(a['data-table']),
                   num(a['data-index']), num(a['data-entry'])))
    return s


def jset(levels):
    return {(l['level'], num(l['table']), l['index'], num(l['entry']))
            for l in levels}


def check_walk(i, w, j, mode):
    a = w['attrs']
    tag = 'walk %d' % (i + 1)
    need(a.get('data-paging') == mode == j['paging'],
         '%s: paging %s / %s, want %s' % (tag, a.get('data-paging'), j['paging'], mode))
    need(num(a['data-gva']) == num(j['gva']), '%s: GVA differs' % tag)
    hidden = bool(j['flags'] & (1 << 8))
    # the guest's levels, root to leaf, each with its numbers
    gl = [l['level'] for l in j['guest']]
    need(gl == list(range(gl[0], gl[0] - len(gl), -1)) if gl else True,
         '%s: JSON guest levels not contiguous: %s' % (tag, gl))
    if j['guest_mode'] == 3 and j['flags'] & 1:
        need(gl and gl[0] == 4, '%s: 4-level guest without its PML4 level' % tag)
    for l in j['guest']:
        g = find(w, 'glevel', level=str(l['level']))
        need(len(g) == 1, '%s: guest level %d drawn %d times' % (tag, l['level'], len(g)))
        ga, text = g[0]
        for k in ('table', 'entry', 'entry_addr'):
            need(num(ga['data-' + k.replace('_', '-')]) == num(l[k]),
                 '%s: guest level %d %s differs' % (tag, l['level'], k))
        need(num(ga['data-index']) == l['index'],
             '%s: guest level %d index differs' % (tag, l['level']))
        for s in ('0x%x' % num(l['table']), '[%d]' % l['index'],
                  '0x%016x' % num(l['entry']), '0x%x' % num(l['entry_addr'])):
            need(s in text, '%s: guest level %d: "%s" not shown' % (tag, l['level'], s))
    need(len(find(w, 'glevel')) == len(j['guest']), '%s: extra guest levels' % tag)
    need(len(find(w, 'cr3', cr3='0x%x' % num(j['cr3']))) == 1, '%s: CR3' % tag)
    # GPA, memslot, HVA, pfn
    if 'gpa' in j:
        g = find(w, 'gpa', gpa='0x%x' % num(j['gpa']))
        need(len(g) == 1 and '0x%x' % num(j['gpa']) in g[0][1], '%s: GPA' % tag)
    if 'memslot' in j:
        ms = j['memslot']
        g = find(w, 'memslot', id=str(ms['id']), base='0x%x' % num(ms['base_gpa']),
                 size='0x%x' % num(ms['size']))
        need(len(g) == 1, '%s: memslot' % tag)
        g = find(w, 'hva', hva='0x%x' % num(j['hva']))
        need(len(g) == 1 and '0x%x' % num(j['hva']) in g[0][1], '%s: HVA' % tag)
    if 'pfn' in j:
        g = find(w, 'pfn', pfn='0x%x' % num(j['pfn']))
        need(len(g) == 1, '%s: pfn' % tag)
        need(hidden or '0x%x' % num(j['pfn']) in g[0][1], '%s: pfn not shown' % tag)
    elif 'gpa' in j:
        need(len(find(w, 'pfn', pfn='none')) == 1, '%s: unmapped pfn' % tag)
    # the host side
    if mode == 'shadow' or 'gpa' in j:
        need(level_set(w, 'hlevel') == jset(j['host']),
             '%s: %s entries differ from the JSON' % (tag, mode))
    for tagn, a2, text in w['elems']:
        if tagn == 'g' and 'hlevel' in classes(a2) and not hidden:
            need('0x%x' % num(a2['data-table']) in ''.join(text),
                 '%s: host table HPA not shown' % tag)
    refs_max = 24
    if mode == 'ept':
        need('table_ept' in j, '%s: no 2D walk in the JSON (SVX_WALK_TRACE2)' % tag)
        walked = {t['guest_level'] for t in j['table_ept']}
        for t in j['table_ept']:
            got = level_set(w, 'tcell', {'data-glevel': str(t['guest_level'])})
            need(got == jset(t['ept']),
                 '%s: EPT walk of guest level %d differs' % (tag, t['guest_level']))
            need(len(find(w, 'grow', glevel=str(t['guest_level']),
                          gpa='0x%x' % num(t['gpa']))) == 1,
                 '%s: no row for guest level %d' % (tag, t['guest_level']))
        need(walked == {l['level'] for l in j['guest']} or j['guest_mode'] == 2,
             '%s: guest levels without their EPT walk' % tag)
    else:
        refs_max = 5
    # the references: 1..N in order, N = the kernel's count, drawn badges
    ns = sorted(num(a2['data-n']) for tagn, a2, text in w['elems']
                if tagn == 'g' and 'ref' in classes(a2))
    n = len(ns)
    need(ns == list(range(1, n + 1)), '%s: references not numbered 1..%d' % (tag, n))
    need(n == j.get('refs', -1), '%s: %d references drawn, the kernel counts %s'
         % (tag, n, j.get('refs')))
    need(num(a['data-refs']) == n and num(a['data-kernel-refs']) == n,
         '%s: data-refs' % tag)
    need(0 < n <= refs_max, '%s: %d references (max %d)' % (tag, n, refs_max))
    rc = [(a2, ''.join(text)) for tagn, a2, text in w['elems']
          if tagn == 'text' and 'refcount' in classes(a2)]
    need(len(rc) == 1 and rc[0][1].startswith('%d memory reference' % n),
         '%s: the count is not shown' % tag)
    badges = [t for tagn, a2, t in w['elems'] if tagn == 'text' and 'badgen' in classes(a2)]
    need(sorted(int(''.join(t)) for t in badges) == ns, '%s: badges differ' % tag)
    return n


def cmd_struct(page, js, mode):
    p = Page()
    with open(page, encoding='utf-8') as f:
        html = f.read()
    need('<script' not in html.lower(), 'the page has a script')
    need(not re.search(r'(src|href)\s*=\s*"(https?:)?//', html), 'the page loads from the network')
    p.feed(html)
    with open(js, encoding='utf-8') as f:
        traces = [json.loads(l) for l in f if l.strip()]
    need(p.walks, 'no walks in the page')
    need(len(p.walks) == len(traces), '%d walks drawn, %d JSON traces'
         % (len(p.walks), len(traces)))
    n = 0
    for i, (w, j) in enumerate(zip(p.walks, traces)):
        n = check_walk(i, w, j, mode)
    print('ok %d %d' % (len(p.walks), n))


def cmd_size(page):
    p = Page()
    with open(page, encoding='utf-8') as f:
        p.feed(f.read())
    w = max([s[0] for s in p.svgs] + [800]) + 60
    h = sum(s[1] + 110 for s in p.svgs) + 140
    print(w, h)


def cmd_png(png, w, h, base):
    with open(png, 'rb') as f:
        d = f.read()
    need(d[:8] == b'\x89PNG\r\n\x1a\n' and d[12:16] == b'IHDR', 'not a PNG')
    pw, ph = struct.unpack('>II', d[16:24])
    need((pw, ph) == (int(w), int(h)), 'PNG is %dx%d, want %sx%s' % (pw, ph, w, h))
    with open(base, 'rb') as f:
        b = len(f.read())
    need(len(d) >= 3 * b, 'PNG of %d bytes, not 3x the empty page (%d)' % (len(d), b))
    print('ok %d %d' % (len(d), b))


def main():
    try:
        if sys.argv[1] == 'struct':
            cmd_struct(*sys.argv[2:5])
        elif sys.argv[1] == 'size':
            cmd_size(sys.argv[2])
        elif sys.argv[1] == 'png':
            cmd_png(*sys.argv[2:6])
        else:
            raise Fail('usage: struct|size|png')
    except (Fail, OSError, ValueError, KeyError, IndexError) as e:
        print('FAIL %s' % e)
        sys.exit(1)


if __name__ == '__main__':
    main()
