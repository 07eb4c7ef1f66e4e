#!/usr/bin/env python3
"""The named data of a program whose pages took a fault: fault-data.py PROGRAM < perf-script-output

Reads `perf script -F pid,addr --show-mmap-events` of a `perf record -e page-faults -d` run and
prints, one a line, the name of every object symbol (a static, a table) of PROGRAM in its
read-only data (`.rodata`) that a faulting address lies in. scripts/startup-order.sh adds them
to the order file, so that scripts/link-ordered.py places the desk's read-only data together
as it places its code. A fault maps the 64 KB around it, which hides the data next to the datum
that faulted: each pass, relinked, finds more.
"""

import bisect
import os
import re
import subprocess
import sys

MMAP = re.compile(
    r"PERF_RECORD_MMAP2? (\d+)/\d+: \[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ (0x[0-9a-f]+|\d+)[^\]]*\]: \S+ (.+)$"
)
SAMPLE = re.compile(r"^\s*(\d+)\s+([0-9a-f]+)\s*$")
# `readelf --segments --wide`: a loadable segment's file offset, address and file size.
LOAD = re.compile(r"^\s*LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)")
# `readelf --sections --wide`: a section's name, address and size.
SECTION = re.compile(r"^\s*\[\s*\d+\] (\S+)\s+\S+\s+([0-9a-f]+) [0-9a-f]+ ([0-9a-f]+)")
# `readelf --syms --wide`: an object symbol defined in the program, with its address and size.
OBJECT = re.compile(r"^\s*\d+: ([0-9a-f]+)\s+(\d+) OBJECT\s+\S+\s+\S+\s+\d+ (\S+)$")


def readelf(program, *what):
    return subprocess.run(["readelf", "--wide", *what, program], capture_output=True, text=True, check=True).stdout


def layout(program):
    """The program's loadable segments (offset, address, size) and its `.rodata` (start, end)."""
    loads = [(int(m[1], 16), int(m[2], 16), int(m[3], 16)) for m in map(LOAD.match, readelf(program, "--segments").splitlines()) if m]
    rodata = next(
        ((int(m[2], 16), int(m[2], 16) + int(m[3], 16)) for m in map(SECTION.match, readelf(program, "--sections").splitlines()) if m and m[1] == ".rodata"),
        (0, 0),
    )
    return loads, rodata


def objects(program, rodata):
    """The object symbols in `.rodata`, sorted by address: (address, size, name)."""
    found = set()
    for line in readelf(program, "--syms").splitlines():
        m = OBJECT.match(line)
        if m and int(m[2]) > 0 and rodata[0] <= int(m[1], 16) < rodata[1]:
            found.add((int(m[1], 16), int(m[2]), m[3]))
    return sorted(found)


def faulted(lines, program):
    """The program's file offsets at which a page fault was taken."""
    real = os.path.realpath(program)
    maps = {}  # pid -> [(start, end, file offset)] of the program's mappings
    offsets = []
    for line in lines:
        m = MMAP.search(line)
        if m:
            if os.path.realpath(m[5].strip()) == real:
                start, size = int(m[2], 16), int(m[3], 16)
                maps.setdefault(int(m[1]), []).append((start, start + size, int(m[4], 0)))
            continue
        m = SAMPLE.match(line)
        if m:
            pid, addr = int(m[1]), int(m[2], 16)
            for start, end, pgoff in maps.get(pid, []):
                if start <= addr < end:
                    offsets.append(addr - start + pgoff)
                    break
    return offsets


def names(offsets, loads, table):
    starts = [t[0] for t in table]
    out = set()
    for offset in offsets:
        for off, vaddr, size in loads:
            if off <= offset < off + size:
                address = offset - off + vaddr
                i = bisect.bisect_right(starts, address) - 1
                if i >= 0 and address < table[i][0] + table[i][1]:
                    out.add(table[i][2])
                break
    return sorted(out)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        sys.exit(2)
    program = sys.argv[1]
    loads, rodata = layout(program)
    for name in names(faulted(sys.stdin, program), loads, objects(program, rodata)):
        print(name)


if __name__ == "__main__":
    main()
