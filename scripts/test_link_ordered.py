#!/usr/bin/env python3
"""Tests of scripts/link-ordered.py, the release linker of the desktop app, of the order
scripts/startup-order.py writes for it, and of the read-only data tracer (scripts/rodata-trace.c)
and the list scripts/rodata-sections.py makes of its traces (run by scripts/test.sh).

Some link a real program with rustc's LLD, as rustc calls the linker, and read the order of
its functions and tables back with `nm`, its sections and relocations with `readelf`; one runs a
program under the tracer.
"""

import importlib.util
import os
import re
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "link-ordered.py")
spec = importlib.util.spec_from_file_location("link_ordered", SCRIPT)
link_ordered = importlib.util.module_from_spec(spec)
spec.loader.exec_module(link_ordered)

spec = importlib.util.spec_from_file_location("startup_order", os.path.join(HERE, "startup-order.py"))
startup_order = importlib.util.module_from_spec(spec)
spec.loader.exec_module(startup_order)

spec = importlib.util.spec_from_file_location("rodata_sections", os.path.join(HERE, "rodata-sections.py"))
rodata_sections = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rodata_sections)

C_SOURCE = """
int alpha(int x) { return x + 1; }
int beta(int x) { return x * 3; }
int gamma_(int x) { return x - 7; }
/* Pointers in a position-independent program: each is a relative relocation. */
int (*const table[])(int) = { alpha, beta, gamma_ };
/* Read-only tables, each in its own section (-fdata-sections), as rustc places its statics. */
const int red[1024] = { 1 };
const int green[1024] = { 2 };
const int blue[1024] = { 3 };
int main(int argc, char **argv) {
    (void)argv;
    return table[argc % 3](argc) + alpha(argc) + beta(argc) + gamma_(argc) + red[argc] + green[argc] + blue[argc];
}
"""


# `readelf --sections --wide`: a section's name, address and size.
SECTION = re.compile(r"^\s*\[\s*\d+\] (\S+)\s+\S+\s+([0-9a-f]+) [0-9a-f]+ ([0-9a-f]+)")


def lld_dir():
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(sysroot, "lib", "rustlib", "x86_64-unknown-linux-gnu", "bin", "gcc-ld")


class Order(unittest.TestCase):
    def test_training_modes_code_comes_after_the_desks_in_its_own_order(self):
        sandbox = "_RNvNtC15vmcheck_sandbox3pds6handle"
        engine = "_RNvNtC14vmcheck_engine6access6lookup"
        server = "_RNvMNtNtC5hyper6server4connNtB2_4Http5serve"
        client = "_RNvNtC10hyper_util6client7request"
        axum = "_RINvNtC4core3ptr13drop_in_placeNtC4axum6RouterEB4_"
        self.assertEqual(
            startup_order.desk_first([sandbox, engine, server, client, axum]),
            [engine, client, sandbox, server, axum],
        )


class Names(unittest.TestCase):
    def test_a_name_loses_what_changes_between_builds(self):
        self.assertEqual(
            link_ordered.key("_ZN5tokio4util3bit4Pack4pack17ha41e245b4991cf60E.llvm.11263304447502358261"),
            "_ZN5tokio4util3bit4Pack4packE",
        )
        self.assertEqual(link_ordered.key("_ZN3url6parser6Parser10parse_path17h5a5b7bca491063fbE.specialized.1"), "_ZN3url6parser6Parser10parse_pathE")
        # C names are kept as they are, but for LLVM's suffixes.
        self.assertEqual(link_ordered.key("sqlite3VdbeExec"), "sqlite3VdbeExec")
        # A v0 name loses its crates' disambiguators, which hash the crates' build settings.
        self.assertEqual(link_ordered.key("_RNvNtCsjrHSEGnQ3l9_3std3env4__var"), "_RNvNtC3std3env4__var")
        # Two instances of one generic function keep two names (their type arguments differ).
        string = link_ordered.key("_RINvNtCs1Ab_4core3ptr13drop_in_placeNtNtCs2Cd_5alloc6string6StringEB4_.llvm.99")
        vec = link_ordered.key("_RINvNtCs1Ab_4core3ptr13drop_in_placeINtNtCs2Cd_5alloc3vec3VechEEB4_")
        self.assertEqual(string, "_RINvNtC4core3ptr13drop_in_placeNtNtC5alloc6string6StringEB_")
        self.assertNotEqual(string, vec)
        # So do the instances of one function that two crates made for themselves.
        in_core = link_ordered.key("_RINvNtCs8JxkegPVgl5_4core5slice20copy_from_slice_implhECs7l38zx23y3v_19brotli_decompressor")
        in_engine = link_ordered.key("_RINvNtCs8JxkegPVgl5_4core5slice20copy_from_slice_implhECsaT3xq9_14vmcheck_engine")
        self.assertNotEqual(in_core, in_engine)

    def test_a_v0_name_survives_a_change_to_the_dependencies(self):
        # The same function after a dependency's features changed: other disambiguators, of
        # other lengths, so the back-references to earlier parts of the name move too.
        before = "_RNvMNtNtNtNtCs8JxkegPVgl5_5tokio7runtime9scheduler12multi_thread4idleNtB2_4Idle9is_parked"
        after = "_RNvMNtNtNtNtCs1x_5tokio7runtime9scheduler12multi_thread4idleNtBK_4Idle9is_parked"
        self.assertEqual(link_ordered.key(before), link_ordered.key(after))
        self.assertNotEqual(link_ordered.key(before), link_ordered.key(after.replace("9is_parked", "16worker_to_notify")))

    def test_a_read_only_data_section_loses_what_changes_between_builds(self):
        key = link_ordered.section_key
        # A static's section: its name as `key` gives it.
        self.assertEqual(
            key(".rodata._RNvNtCs1vfRpKXLKg4_4time7num_fmt17ZERO_PADDED_PAIRS"),
            key(".rodata._RNvNtCs9zz_4time7num_fmt17ZERO_PADDED_PAIRS"),
        )
        # An unnamed constant keeps its unit's hash and number, but not LLVM's suffix.
        self.assertEqual(key(".rodata.anon.2b03617a.159.llvm.3811011158272962487"), ".rodata.anon.2b03617a.159")
        self.assertEqual(key(".rodata..Lanon.a86953cb.420"), ".rodata..Lanon.a86953cb.420")
        self.assertNotEqual(key(".rodata..Lanon.a86953cb.420"), key(".rodata..Lanon.a86953cb.42"))
        # A function's jump table: the function's name as `key` gives it.
        self.assertEqual(
            key(".rodata..Lswitch.table._RNvMNtCsdmEYu6IZfgq_6rustls8versionsB2_4kind"),
            ".rodata..Lswitch.table._RNvMNtC6rustls8versionsB_4kind",
        )
        self.assertEqual(key(".rodata.sqlite3UpperToLower"), ".rodata.sqlite3UpperToLower")

    def test_what_the_linker_script_places_whole_is_left_out_of_the_list(self):
        for name in (".rodata", ".rodata.str1.1", ".rodata.cst16", ".rodata.sqlite3Atoi64.str1.1"):
            self.assertTrue(link_ordered.placed_whole(name), name)
        for name in (".rodata..Lanon.a86953cb.420", ".rodata.sqlite3UpperToLower", ".rodata.anon.2b03617a.159.llvm.1"):
            self.assertFalse(link_ordered.placed_whole(name), name)

    def test_only_the_release_desktop_app_is_ordered(self):
        self.assertTrue(link_ordered.is_release_desktop("/w/target/release/deps/vmcheck_desktop-0a1b2c"))
        self.assertFalse(link_ordered.is_release_desktop("/w/target/debug/deps/vmcheck_desktop-0a1b2c"))
        self.assertFalse(link_ordered.is_release_desktop("/w/target/release/deps/vmcheck-0a1b2c"))
        self.assertFalse(link_ordered.is_release_desktop("/w/target/release/deps/vmcheck_desktop-0a1b2c.d"))

    def test_a_response_file_is_read_as_rustc_writes_it(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "linker-arguments")
            with open(path, "w", encoding="utf-8") as f:
                f.write("-o\n/tmp/with\\ space/vmcheck_desktop-1\nback\\\\slash\n")
            self.assertEqual(link_ordered.expand(["-m64", "@" + path]), ["-m64", "-o", "/tmp/with space/vmcheck_desktop-1", "back\\slash"])


TRACED_SOURCE = r"""
#include <string.h>
#include <unistd.h>
/* Tables of 64 KB, so that each has whole pages of its own for the tracer to take away. */
const unsigned char read_table[65536] = { 1, 2, 3 };
const unsigned char unread_table[65536] = { 4, 5, 6 };
const char message[65536] = "filler";
int main(int argc, char **argv) {
    (void)argv;
    static unsigned char copy[8192];
    memcpy(copy, read_table + 40000, sizeof copy);   /* vector loads or a string instruction */
    static unsigned char moved[4096];
    void *to = moved;
    const void *from = read_table + 50000;
    unsigned long n = sizeof moved;
    __asm__ volatile("rep movsb" : "+D"(to), "+S"(from), "+c"(n) : : "memory");
    int sum = read_table[20000 + argc] + copy[3] + moved[5];
    /* A buffer in read-only data handed to the kernel as it is. */
    write(1, message + 30000, 6);
    return sum == 0 ? 0 : 1;
}
"""


class Tracer(unittest.TestCase):
    def test_every_read_of_the_read_only_data_is_recorded_and_the_program_runs_as_without(self):
        d = tempfile.mkdtemp()
        library = os.path.join(d, "librodata-trace.so")
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", library, os.path.join(HERE, "rodata-trace.c"), "-ldl"], check=True)
        src = os.path.join(d, "traced.c")
        with open(src, "w", encoding="utf-8") as f:
            f.write(TRACED_SOURCE.replace('"filler"', '{' + ", ".join(["0"] * 30000) + ', 0x72, 0x65, 0x61, 0x64, 0x21, 0x0a}'))
        program = os.path.join(d, "traced")
        subprocess.run(["cc", "-O2", "-fPIE", "-pie", "-fno-builtin-memcpy", "-o", program, src], check=True)
        env = dict(os.environ, LD_PRELOAD=library, VMCHECK_RODATA_TRACE_EXE=program, VMCHECK_RODATA_TRACE_DIR=d)
        run = subprocess.run([program], capture_output=True, env=env, timeout=60)
        self.assertEqual((run.returncode, run.stdout), (0, b"read!\n"))
        trace = os.path.join(d, f"trace.{self.pid_of(d)}")
        with open(trace, encoding="utf-8") as f:
            granules = {int(line.split()[1], 16) for line in f if line.startswith("g ")}
        nm = subprocess.run(["nm", program], capture_output=True, text=True, check=True).stdout
        address = {p[2]: int(p[0], 16) for p in (line.split() for line in nm.splitlines()) if len(p) == 3}

        def read(name, start, length):
            return {g for g in granules if address[name] + start <= g < address[name] + start + length}

        self.assertTrue(read("read_table", 20000, 8), "the byte read")
        # The copy: something in each 64 bytes of it, however memcpy reads them (a load records
        # where it starts, a string instruction its whole range).
        self.assertEqual([s for s in range(0, 8192, 64) if not read("read_table", 40000 + s, 64)], [])
        # A string instruction: every granule it copied, the pages taken away again after each
        # element.
        self.assertEqual(len(read("read_table", 50000, 4096)), 512)
        self.assertEqual(len(read("message", 30000, 8)), 1, "the buffer the kernel read")
        self.assertFalse(read("unread_table", 0, 65536))
        # A program not named is not traced.
        other = subprocess.run([program], capture_output=True, env=dict(env, VMCHECK_RODATA_TRACE_EXE="/elsewhere"), timeout=60)
        self.assertEqual((other.returncode, other.stdout), (0, b"read!\n"))

    @staticmethod
    def pid_of(d):
        traces = [n for n in os.listdir(d) if n.startswith("trace.")]
        assert len(traces) == 1, traces
        return traces[0].split(".")[1]


class ListMerge(unittest.TestCase):
    def test_what_a_run_did_not_see_is_kept_after_what_it_saw(self):
        self.assertEqual(
            rodata_sections.merge(["b", "c"], ["t2"], ["a", "b"], ["t1", "c"]),
            (["b", "c", "a"], ["t2", "t1"]),
        )


class Linking(unittest.TestCase):
    def link(self, release_name, order, rodata=None):
        """The C program linked by link-ordered.py as `release_name`, with `order` as the order
        file and `rodata` (lines) as the read-only data list, if given."""
        d = tempfile.mkdtemp()
        src = os.path.join(d, "p.c")
        obj = os.path.join(d, "p.o")
        with open(src, "w", encoding="utf-8") as f:
            f.write(C_SOURCE)
        subprocess.run(["cc", "-c", "-O0", "-ffunction-sections", "-fdata-sections", "-o", obj, src], check=True)
        out_dir = os.path.join(d, "release", "deps")
        os.makedirs(out_dir)
        out = os.path.join(out_dir, release_name)
        order_file = os.path.join(d, "order.txt")
        with open(order_file, "w", encoding="utf-8") as f:
            f.write("# test\n" + "\n".join(order) + "\n")
        rodata_file = os.path.join(d, "rodata.txt")
        if rodata is not None:
            with open(rodata_file, "w", encoding="utf-8") as f:
                f.write("# test\n" + "\n".join(rodata) + "\n")
        env = dict(os.environ, VMCHECK_STARTUP_ORDER=order_file, VMCHECK_STARTUP_RODATA=rodata_file)
        env.pop("VMCHECK_NO_STARTUP_ORDER", None)
        subprocess.run(
            [SCRIPT, "-B", lld_dir(), "-fuse-ld=lld", "-pie", "-Wl,--gc-sections", obj, "-o", out],
            check=True, env=env, capture_output=True,
        )
        return out

    @staticmethod
    def symbols(program, names=("alpha", "beta", "gamma_")):
        """The given symbols in the order of their addresses in the program."""
        nm = subprocess.run(["nm", "-n", program], capture_output=True, text=True, check=True).stdout
        return [line.split()[2] for line in nm.splitlines() if len(line.split()) == 3 and line.split()[2] in names]

    def functions(self, program):
        return self.symbols(program)

    @staticmethod
    def relocations(program):
        """readelf's listing of the program's dynamic relocations, section by section."""
        return subprocess.run(["readelf", "--relocs", "--wide", program], capture_output=True, text=True, check=True).stdout

    def test_the_desktop_app_has_the_named_functions_first_in_that_order(self):
        self.assertEqual(self.functions(self.link("vmcheck_desktop-1", ["gamma_", "alpha"])), ["gamma_", "alpha", "beta"])

    def test_the_desktop_app_has_the_named_read_only_data_first_in_that_order(self):
        tables = ("red", "green", "blue")
        self.assertEqual(self.symbols(self.link("vmcheck_desktop-1", ["blue", "red"]), tables), ["blue", "red", "green"])
        self.assertEqual(self.symbols(self.link("vmcheck-1", ["blue", "red"]), tables), ["red", "green", "blue"])

    @staticmethod
    def section_of(program, symbol):
        """The name of the program's section that holds `symbol`."""
        nm = subprocess.run(["nm", program], capture_output=True, text=True, check=True).stdout
        address = next(int(p[0], 16) for p in (line.split() for line in nm.splitlines()) if len(p) == 3 and p[2] == symbol)
        listing = subprocess.run(["readelf", "--sections", "--wide", program], capture_output=True, text=True, check=True).stdout
        for m in map(SECTION.match, listing.splitlines()):
            if m and int(m[2], 16) <= address < int(m[2], 16) + int(m[3], 16) and int(m[3], 16) > 0:
                return m[1]
        return None

    def test_the_desktop_app_has_the_listed_read_only_data_sections_first_desk_then_training(self):
        tables = ("red", "green", "blue")
        program = self.link("vmcheck_desktop-1", [], [".rodata.blue", "# training mode only", ".rodata.red"])
        # The listed sections in `.rodata.hot`, which comes before `.rodata`: the desk's, then
        # training's; the rest where they were.
        self.assertEqual(self.symbols(program, tables), ["blue", "red", "green"])
        self.assertEqual([self.section_of(program, t) for t in tables], [".rodata.hot", ".rodata", ".rodata.hot"])
        # Any other program, or without the list: as cc links it.
        self.assertEqual(self.section_of(self.link("vmcheck-1", [], [".rodata.blue"]), "blue"), ".rodata")
        self.assertEqual(self.section_of(self.link("vmcheck_desktop-1", []), "blue"), ".rodata")

    def test_the_sections_the_traced_app_read_are_listed_desk_first(self):
        # The tracer's granules, read back against the link map the linker wrote beside the
        # program: what the desk's process read, then what only training's read.
        program = self.link("vmcheck_desktop-1", [], [])
        nm = subprocess.run(["nm", program], capture_output=True, text=True, check=True).stdout
        address = {p[2]: int(p[0], 16) for p in (line.split() for line in nm.splitlines()) if len(p) == 3}
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "trace.100"), "w", encoding="utf-8") as f:
            f.write(f"g {address['green'] + 64:x}\ng {address['blue']:x}\n")
        with open(os.path.join(d, "trace.200"), "w", encoding="utf-8") as f:
            f.write(f"g {address['red'] + 8:x}\ng {address['green']:x}\n")
        log = os.path.join(d, "bench.log")
        with open(log, "w", encoding="utf-8") as f:
            f.write(
                "PC/SC card, config file, compositing off       total  208.6   vmcheck-desktop (100) 79.8, WebKitNetworkPr (101) 27.7\n"
                "training (no config file), compositing off     total  216.2   vmcheck-desktop (200) 80.3, WebKitNetworkPr (201) 27.8\n"
            )
        listed = subprocess.run(
            [os.path.join(HERE, "rodata-sections.py"), program, program + ".map", log, d],
            capture_output=True, text=True, check=True,
        ).stdout
        self.assertEqual(link_ordered.rodata_lists_of(listed.splitlines()), ([".rodata.green", ".rodata.blue"], [".rodata.red"]))
        # Another program's map is refused.
        other = self.link("vmcheck_desktop-1", [], [".rodata.blue"])
        refused = subprocess.run([os.path.join(HERE, "rodata-sections.py"), program, other + ".map", log, d], capture_output=True, text=True)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("not the link map", refused.stderr)

    def test_the_desktop_app_packs_its_relative_relocations(self):
        # One word a run of pointers to relocate (.relr.dyn) instead of 24 bytes each: the
        # relocations are read at every start and stay resident.
        app = self.relocations(self.link("vmcheck_desktop-1", []))
        self.assertIn(".relr.dyn", app)
        self.assertNotIn("R_X86_64_RELATIVE", app)
        other = self.relocations(self.link("vmcheck-1", []))
        self.assertNotIn(".relr.dyn", other)
        self.assertIn("R_X86_64_RELATIVE", other)

    def test_any_other_program_is_linked_as_cc_links_it(self):
        self.assertEqual(self.functions(self.link("vmcheck-1", ["gamma_", "alpha"])), ["alpha", "beta", "gamma_"])


if __name__ == "__main__":
    unittest.main()
