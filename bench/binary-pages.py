#!/usr/bin/env python3
"""Which parts of an executable a process has mapped: bench/binary-pages.py BINARY FILE.pages [N]

Reads the resident page offsets that `BENCH_SMAPS_DIR=dir bench/desktop.sh` keeps beside each
process's smaps (DIR/LABEL-COMM.pages) and prints, for the executable they came from, the
resident pages per section, then per crate within `.text` (from the symbol table, names
demangled by `nm -C`), and the N (25) largest runs of resident `.text` pages (where the start-up
code is not laid out together). Figures in pages of 4 KiB and MB.
"""

import bisect
import collections
import re
import subprocess
import sys

PAGE = 4096


def sections(binary):
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True)
    found = []
    pat = re.compile(r"\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)")
    for line in out.stdout.splitlines():
        m = pat.search(line)
        if m and m[2] not in ("NULL", "NOBITS") and int(m[3], 16) != 0:
            found.append((m[1], int(m[3], 16), int(m[4], 16), int(m[5], 16)))
    return found  # name, address, file offset, size


def symbols(binary):
    out = subprocess.run(
        ["nm", "-C", "-S", "--defined-only", binary], capture_output=True, text=True, check=True
    )
    syms = []
    for line in out.stdout.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in "tTwW":
            syms.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    syms.sort()
    return syms


def crate_of(name):
    name = re.sub(r"^<", "", name)
    name = re.sub(r"^(impl |dyn )", "", name)
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::", name)
    return m[1] if m else "(other)"


def main():
    binary, pages_file = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    with open(pages_file, encoding="ascii") as f:
        offsets = sorted(int(l, 16) for l in f if l.strip())
    secs = sections(binary)
    print(f"{pages_file}: {len(offsets)} pages ({len(offsets) * PAGE / 1048576:.1f} MB) resident")
    per_section = collections.Counter()
    text = None
    for name, addr, off, size in secs:
        if name == ".text":
            text = (addr, off, size)
    for o in offsets:
        for name, _addr, off, size in secs:
            if off // PAGE * PAGE <= o < off + size:
                per_section[name] += 1
    print("  pages     MB  section (a page shared by two sections counts for both)")
    for name, n in per_section.most_common():
        size = next(s for s in secs if s[0] == name)[3]
        print(f"  {n:5d} {n * PAGE / 1048576:6.2f}  {name} (of {size / 1048576:.2f} MB)")
    if text is None:
        return
    addr, off, size = text
    delta = addr - off
    syms = symbols(binary)
    starts = [s[0] for s in syms]
    crates = collections.Counter()
    text_pages = [o for o in offsets if off <= o + PAGE and o < off + size]
    for o in text_pages:
        # The crates whose code lies in this page, each counted by the bytes it holds there.
        lo, hi = o + delta, o + delta + PAGE
        i = max(bisect.bisect_right(starts, lo) - 1, 0)
        held = collections.Counter()
        while i < len(syms) and syms[i][0] < hi:
            s, n, name = syms[i]
            overlap = min(s + n, hi) - max(s, lo)
            if overlap > 0:
                held[crate_of(name)] += overlap
            i += 1
        total = sum(held.values()) or 1
        for c, b in held.items():
            crates[c] += b / total
    print("  pages     MB  crate (.text pages, split by the bytes each crate holds in a page)")
    for c, n in crates.most_common(top):
        print(f"  {n:7.1f} {n * PAGE / 1048576:6.2f}  {c}")
    runs = []
    for o in text_pages:
        if runs and o == runs[-1][1] + PAGE:
            runs[-1][1] = o
        else:
            runs.append([o, o])
    print(f"  {len(runs)} runs of resident .text pages; the largest:")
    for a, b in sorted(runs, key=lambda r: r[0] - r[1])[:top]:
        i = max(bisect.bisect_right(starts, a + delta) - 1, 0)
        print(f"  {(b - a) // PAGE + 1:5d} pages at {a:#x}  first: {syms[i][2][:100]}")


if __name__ == "__main__":
    main()
