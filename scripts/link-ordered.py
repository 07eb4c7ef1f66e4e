#!/usr/bin/env python3
"""The linker for release builds of the desktop app: lays the code the desk runs out together.

Used as `CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER` by scripts/package.sh,
bench/desktop.sh and scripts/startup-order.sh (scripts/release-env.sh). rustc calls it as it calls `cc`; for any output but a release
`vmcheck-desktop` it is `cc` itself. For the desktop app it reads the symbols every input object
defines (`readelf`), finds those that src-tauri/startup-order.txt names, and asks rustc's LLD to place
them first, in that order (`--symbol-ordering-file`). It places the read-only data sections that
src-tauri/startup-rodata.txt lists in an output section of their own, `.rodata.hot`, before
`.rodata` (a generated linker script: `SECTIONS { .rodata.hot : { … } } INSERT BEFORE .rodata;`),
and writes the link map beside the program (`PROGRAM.map`, for scripts/rodata-sections.py).

Why: the kernel maps a program's code in 64 KB runs around each page used. The functions the desk
runs from launch to a lookup are a few thousand among 40,000, and scattered they keep most of the
20 MB of code resident; together they keep what runs. The same holds for the 3 MB of read-only
data: the desk reads something in about half of its 64 KB runs. Most of what it reads is strings
and unnamed constants, which have no symbol to order by but a section each (`.rodata..Lanon.H.N`:
the unit's hash and a number, stable while the unit's code is); the list names those sections.
What the linker merges (C strings, constants of a size) it places whole, first.

startup-order.txt names functions without what changes from build to build: the suffixes LLVM
adds to local functions (`.llvm.N`, `.cold`…), in a symbol of Rust's legacy mangling its hash
(`17h…E`), and in one of Rust's v0 mangling (release builds use it: scripts/release-env.sh) the
crates' disambiguators and the back-references whose offsets they move. A v0 name carries a
generic function's type arguments and the crate that instantiated it, so one name is one
instance; its crates' disambiguators hash each crate's build settings, which change whenever a
dependency's version or features do (dropping one feature of one dependency once renamed two
thirds of the file's functions). Without them the file survives edits to the code and to the
dependencies; each name stands for every symbol that shares it. A name no input defines is
skipped, and a stale file costs memory, never correctness: the linker only orders what exists.
scripts/startup-order.sh writes the file.

The desktop app's relative relocations are packed too (`-z pack-relative-relocs`, DT_RELR): a
position-independent program's 42,000 pointers into itself (vtables, panic locations, string
tables) are each a 24-byte relocation that the dynamic loader reads at every start, 1 MB that
then stays resident; packed, they take 12 KB (an address, then a word for each run of up to 63
pointers). The loader must know DT_RELR: glibc 2.36 or newer (the packages declare it).
"""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = os.environ.get(
    "VMCHECK_STARTUP_ORDER", os.path.join(HERE, "..", "src-tauri", "startup-order.txt")
)
RODATA = os.environ.get(
    "VMCHECK_STARTUP_RODATA", os.path.join(HERE, "..", "src-tauri", "startup-rodata.txt")
)
# In startup-rodata.txt, the line after which come the sections only training mode reads.
TRAINING = "# training mode only"
HASH = re.compile(r"17h[0-9a-f]{16}E")
# A function or a named datum (a static, a table) defined in its object (a section number, not
# UND/ABS/COM): `readelf --syms --wide`.
SYMBOL = re.compile(r"^\s*\d+: [0-9a-f]+\s+\d+ (?:FUNC|OBJECT)\s+\S+\s+\S+\s+\d+ (\S+)$")
SUFFIX = re.compile(r"(\.(llvm|cold|specialized|part|constprop|isra)\.?\d*)+$")
# In a v0 name: a crate with its disambiguator (`Cs7l38zx23y3v_19brotli_decompressor`), and a
# back-reference to an earlier part of the name (`B4_`), an offset that a disambiguator's length moves.
CRATE = re.compile(r"Cs[0-9A-Za-z]*_")
BACKREF = re.compile(r"B[0-9A-Za-z]*_")
# A read-only data section of an input object (`readelf --section-headers --wide`).
RODATA_SECTION = re.compile(r"^\s*\[\s*\d+\] (\.rodata\.\S+)\s+PROGBITS\s")
# A function's jump table's section: `.rodata.` and this before the function's name.
SWITCH = ".Lswitch.table."
# Placed whole: what the linker merges (strings, constants of a size), which cannot be ordered,
# and the few objects' sections named plain `.rodata` (the cryptography's assembly: 5 KB). The
# linker script's patterns, and the same as a test of a section's name (`placed_whole`).
WHOLE = "*(.rodata .rodata.str* .rodata.*.str*.* .rodata.cst*)"
WHOLE_NAME = re.compile(r"^\.rodata$|^\.rodata\.(str|cst)|^\.rodata\..*\.str[^.]*\.")


def key(symbol):
    """A symbol's name without what differs between builds of the same code."""
    name = HASH.sub("E", SUFFIX.sub("", symbol))
    if name.startswith("_R"):
        name = BACKREF.sub("B_", CRATE.sub("C", name))
    return name


def section_key(name):
    """A read-only data section's name without what differs between builds of the same code:
    `.rodata.` and the symbol's name as `key` gives it; an unnamed constant's section
    (`.rodata..Lanon.H.N`, `.rodata.anon.H.N.llvm.M`) keeps its unit's hash H and number N, which
    stay while the unit's code does."""
    rest = name[len(".rodata."):]
    if rest.startswith(SWITCH):
        return ".rodata." + SWITCH + key(rest[len(SWITCH):])
    return ".rodata." + key(rest)


def placed_whole(section):
    """Whether the linker script places this section whole (`WHOLE`), so a list need not name it."""
    return WHOLE_NAME.search(section) is not None


def rodata_lists_of(lines):
    """startup-rodata.txt's section names: the desk's, then those only training mode reads."""
    desk, training = [], []
    into = desk
    for line in lines:
        name = line.strip()
        if name == TRAINING:
            into = training
        elif name and not name.startswith("#"):
            into.append(name)
    return desk, training


def rodata_lists(path):
    with open(path, encoding="utf-8") as f:
        return rodata_lists_of(f)


def rodata_script(lists, sections, work):
    """A linker script that places the read-only data sections the desk reads, then those only
    training mode reads, in `.rodata.hot` before `.rodata`: each of `lists` (names as
    `section_key` gives them) matched against `sections`, the input objects' section names."""
    by_key = {}
    for name in sorted(sections):
        by_key.setdefault(section_key(name), []).append(name)
    lines = ["SECTIONS", "{", "  .rodata.hot : {", f"    {WHOLE}"]
    placed = set()
    count = 0
    for keys in lists:
        names = [n for k in keys for n in by_key.get(k, []) if n not in placed]
        placed.update(names)
        count += len(names)
        if names:
            lines.append("    *(" + " ".join(names) + ")")
    lines += ["  }", "}", "INSERT BEFORE .rodata;", ""]
    path = os.path.join(work, "rodata-hot.ld")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path, count


def expand(args):
    """rustc passes a long command line in a response file (`@file`, one escaped argument a line)."""
    out = []
    for a in args:
        if a.startswith("@") and os.path.isfile(a[1:]):
            with open(a[1:], encoding="utf-8") as f:
                out.extend(line.rstrip("\n").replace("\\\\", "\x00").replace("\\", "").replace("\x00", "\\") for line in f)
        else:
            out.append(a)
    return out


def output(args):
    for i, a in enumerate(args):
        if a == "-o" and i + 1 < len(args):
            return args[i + 1]
    return ""


def is_release_desktop(out):
    name = os.path.basename(out)
    parent = os.path.basename(os.path.dirname(os.path.dirname(out)))
    return name.startswith("vmcheck_desktop-") and "." not in name and parent == "release"


def ordering(args, order_path, work):
    inputs = [a for a in args if not a.startswith("-") and a.endswith((".o", ".rlib", ".a")) and os.path.isfile(a)]
    wanted = {}
    with open(order_path, encoding="utf-8") as f:
        for rank, line in enumerate(f):
            name = line.strip()
            if name and not name.startswith("#"):
                wanted.setdefault(name, rank)
    found = []
    sections = set()
    # readelf, not nm: the standard library's objects carry LLVM bitcode beside their code, and
    # binutils' nm hands them to its LLVM plugin (another LLVM version), which lists nothing.
    for start in range(0, len(inputs), 200):
        listing = subprocess.run(
            ["readelf", "--syms", "--section-headers", "--wide", *inputs[start : start + 200]],
            capture_output=True, text=True, check=False,
        )
        for line in listing.stdout.splitlines():
            m = RODATA_SECTION.match(line)
            if m:
                sections.add(m[1])
                continue
            m = SYMBOL.match(line)
            if m:
                rank = wanted.get(key(m[1]))
                if rank is not None:
                    found.append((rank, m[1]))
    found.sort()
    path = os.path.join(work, "symbol-order.txt")
    seen = set()
    with open(path, "w", encoding="utf-8") as f:
        for _rank, symbol in found:
            if symbol not in seen:
                seen.add(symbol)
                f.write(symbol + "\n")
    return path, len(seen), sections


def main():
    args = sys.argv[1:]
    cc = os.environ.get("VMCHECK_LINK_CC", "cc")
    full = expand(args)
    out = output(full)
    if not is_release_desktop(out):
        os.execvp(cc, [cc, *args])
    args = args + ["-Wl,-z,pack-relative-relocs"]
    if not os.path.isfile(ORDER) or os.environ.get("VMCHECK_NO_STARTUP_ORDER"):
        os.execvp(cc, [cc, *args])
    with tempfile.TemporaryDirectory(prefix="vmcheck-link-") as work:
        path, count, sections = ordering(full, ORDER, work)
        print(f"link-ordered: {count} functions and data of {os.path.basename(ORDER)} placed first", file=sys.stderr)
        args = args + [f"-Wl,--symbol-ordering-file={path}", "-Wl,--no-warn-symbol-ordering"]
        if os.path.isfile(RODATA):
            script, placed = rodata_script(rodata_lists(RODATA), sections, work)
            print(f"link-ordered: {placed} read-only data sections of {os.path.basename(RODATA)} placed first", file=sys.stderr)
            args = args + [f"-Wl,-T,{script}"]
        # The link map: which input section lies where, for scripts/rodata-sections.py.
        args = args + [f"-Wl,-Map={out}.map"]
        sys.exit(subprocess.call([cc, *args]))


if __name__ == "__main__":
    main()
