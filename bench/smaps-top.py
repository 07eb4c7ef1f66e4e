#!/usr/bin/env python3
"""Where a process's memory goes, mapping by mapping: bench/smaps-top.py FILE.smaps [N]

Reads a /proc/PID/smaps kept by `BENCH_SMAPS_DIR=dir bench/desktop.sh` and prints the N (20)
largest contributors to PSS, grouped by what is mapped (a file's name, [heap], [stack], or
anonymous memory by region size: a glibc malloc arena reserves 64 MB, a thread stack 8 MB or
2 MB), with their anonymous memory (resident, not proportional). Figures in MB.
"""

import collections
import re
import sys

HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$")


def groups(path):
    totals = collections.defaultdict(lambda: [0, 0, 0])  # pss, anon, count
    name = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = HEADER.match(line)
            if m:
                start, end, mapped = int(m[1], 16), int(m[2], 16), m[3].strip()
                if not mapped:
                    size_mb = (end - start) / 1048576
                    mapped = f"[anon {size_mb:.0f} MB region]" if size_mb >= 1 else "[anon small]"
                name = mapped
                totals[name][2] += 1
                continue
            if name is None:
                continue
            if line.startswith("Pss:"):
                totals[name][0] += int(line.split()[1])
            elif line.startswith("Anonymous:"):
                totals[name][1] += int(line.split()[1])
    return totals


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        sys.exit(2)
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    totals = groups(sys.argv[1])
    overall = sum(v[0] for v in totals.values())
    print(f"{sys.argv[1]}: PSS {overall / 1024:.1f} MB in {sum(v[2] for v in totals.values())} mappings")
    print(f"{'PSS':>7} {'anon':>7} {'maps':>5}  mapped")
    for name, (pss, anon, count) in sorted(totals.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"{pss / 1024:7.1f} {anon / 1024:7.1f} {count:5d}  {name}")


if __name__ == "__main__":
    main()
