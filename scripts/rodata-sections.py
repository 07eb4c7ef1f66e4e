#!/usr/bin/env python3
"""The read-only data sections the desk reads: rodata-sections.py PROGRAM MAP LOG TRACES [LIST]

PROGRAM is the release app that ran bench/desktop.sh's workload under scripts/rodata-trace.c,
MAP its link map (`-Map`, written by scripts/link-ordered.py beside the linked program), LOG the
workload's output (which names each setup's app process), TRACES the directory of the tracer's
`trace.PID` files, and LIST the current src-tauri/startup-rodata.txt, if any. Prints the new list:
the input sections of `.rodata` (and `.rodata.hot`) that a desk's app read (its setups with the
configuration file), in the order first read; then, after the line `# training mode only`,
those only training mode read. Sections the list had and this run did not see are kept (a run
may miss what another reads), after the new ones. Names as scripts/link-ordered.py matches them
(`section_key`); the sections its linker script places whole (`placed_whole`: merged strings and
constants, plain `.rodata`) are left out. Called by scripts/startup-order.sh.
"""

import bisect
import importlib.util
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("link_ordered", os.path.join(HERE, "link-ordered.py"))
link_ordered = importlib.util.module_from_spec(spec)
spec.loader.exec_module(link_ordered)

# The link map (LLD): an output section (`VMA LMA Size Align Name`), and an input section of it,
# indented further (`VMA LMA Size Align    object:(section)`).
OUTPUT = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (\.\S+)$")
INPUT = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ {9}(\S.*):\((\.rodata\.[^)]*)\)$")
# bench/desktop.sh's memory table: a setup's label, then its app process (`vmcheck-desktop (PID)`).
SETUP = re.compile(r"^(\S.*?)\s+total\s+[\d.]+\s+vmcheck-desktop \((\d+)\)")
HEADER = """# The read-only data sections the desktop app reads from launch to a desk lookup, in the order
# first read: scripts/link-ordered.py places them first (in `.rodata.hot`), so that the kernel,
# which maps read-only data in 64 KB runs around each page read, keeps few pages of it resident.
# Written by scripts/startup-order.sh (scripts/rodata-trace.c, scripts/rodata-sections.py).
"""


def sections(map_lines):
    """The input sections of `.rodata.hot` and `.rodata`: (address, size, name), and the
    outputs' (address, size) by name."""
    found, outputs, current = [], {}, None
    for line in map_lines:
        m = OUTPUT.match(line)
        if m:
            current = m[3]
            outputs[current] = (int(m[1], 16), int(m[2], 16))
            continue
        m = INPUT.match(line)
        if m and current in (".rodata", ".rodata.hot") and int(m[2], 16) > 0:
            found.append((int(m[1], 16), int(m[2], 16), m[4]))
    found.sort()
    return found, outputs


def program_rodata(program):
    listing = subprocess.run(["readelf", "--sections", "--wide", program], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        m = re.match(r"^\s*\[\s*\d+\] \.rodata\s+PROGBITS\s+([0-9a-f]+) [0-9a-f]+ ([0-9a-f]+)", line)
        if m:
            return int(m[1], 16), int(m[2], 16)
    return None


def setups(log_lines):
    """The app's process id of each setup: (pid, training?)."""
    return [(int(m[2]), m[1].startswith("training")) for m in map(SETUP.match, log_lines) if m]


def read_trace(path):
    """A trace's granule offsets, in the order first read."""
    with open(path, encoding="utf-8") as f:
        return [int(parts[1], 16) for parts in (line.split() for line in f) if len(parts) == 2 and parts[0] == "g"]


def hit(offsets, table):
    """The names of the sections the offsets fall in, in the offsets' order, once each."""
    starts = [t[0] for t in table]
    out, seen = [], set()
    for offset in offsets:
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and offset < table[i][0] + table[i][1]:
            key = link_ordered.section_key(table[i][2])
            if key not in seen and not link_ordered.placed_whole(table[i][2]):
                seen.add(key)
                out.append(key)
    return out


def merge(desk, training, old_desk, old_training):
    """The new list: this run's desk sections, the earlier desk sections it did not see, then the
    training sections (this run's and earlier) that no desk read."""
    new = set(desk)
    desk_all = desk + [k for k in old_desk if k not in new]
    in_desk = set(desk_all)
    training_all = []
    for k in training + old_training:
        if k not in in_desk and k not in training_all:
            training_all.append(k)
    return desk_all, training_all


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        sys.exit(2)
    program, map_path, log_path, traces = sys.argv[1:5]
    with open(map_path, encoding="utf-8", errors="replace") as f:
        table, outputs = sections(f)
    if outputs.get(".rodata") != program_rodata(program):
        sys.exit(f"rodata-sections: {map_path} is not the link map of {program} (their .rodata differ)")
    with open(log_path, encoding="utf-8", errors="replace") as f:
        runs = setups(f)
    if not runs:
        sys.exit(f"rodata-sections: no setup's app process in {log_path}")
    desk, training = [], []
    for pid, is_training in runs:
        path = os.path.join(traces, f"trace.{pid}")
        if not os.path.isfile(path):
            sys.exit(f"rodata-sections: no trace of the app process {pid} in {traces}")
        keys = hit(read_trace(path), table)
        into = training if is_training else desk
        known = set(into)
        into.extend(k for k in keys if k not in known)
    old_desk, old_training = link_ordered.rodata_lists(sys.argv[5]) if len(sys.argv) == 6 and os.path.isfile(sys.argv[5]) else ([], [])
    desk, training = merge(desk, training, old_desk, old_training)
    sys.stdout.write(HEADER + "".join(k + "\n" for k in desk) + link_ordered.TRAINING + "\n" + "".join(k + "\n" for k in training))


if __name__ == "__main__":
    main()
