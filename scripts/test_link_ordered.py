#!/usr/bin/env python3
"""Tests of scripts/link-ordered.py, the release linker of the desktop app, and of the order
scripts/startup-order.py writes for it (run by scripts/test.sh).

Some link a real program with rustc's LLD, as rustc calls the linker, and read the order of
its functions back with `nm` and its relocations with `readelf`.
"""

import importlib.util
import os
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

spec = importlib.util.spec_from_file_location("fault_data", os.path.join(HERE, "fault-data.py"))
fault_data = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fault_data)

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


class Linking(unittest.TestCase):
    def link(self, release_name, order):
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
        env = dict(os.environ, VMCHECK_STARTUP_ORDER=order_file)
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

    def test_a_page_fault_in_a_table_names_the_table(self):
        # perf's listing of a run: the program mapped at `base` in process 4242; faults inside
        # `green`, in another library, in `alpha`'s code, and in a process without the program.
        program = self.link("vmcheck_desktop-1", [])
        nm = subprocess.run(["nm", program], capture_output=True, text=True, check=True).stdout
        address = {p[2]: int(p[0], 16) for p in (line.split() for line in nm.splitlines()) if len(p) == 3}
        loads, rodata = fault_data.layout(program)

        def file_offset(name):
            return next(off + address[name] - vaddr for off, vaddr, size in loads if vaddr <= address[name] < vaddr + size)

        base = 0x555500000000
        listing = [
            f"app 4242 PERF_RECORD_MMAP2 4242/4242: [0x{base:x}(0x{os.path.getsize(program):x}) @ 0 fe:00 12 34]: r--p {program}",
            "app 4242 PERF_RECORD_MMAP2 4242/4242: [0x7f0000000000(0x1000) @ 0 fe:00 56 78]: r--p /usr/lib/libother.so",
            f"  4242  {base + file_offset('green') + 4 * 100:x}",
            "  4242  7f0000000010",
            f"  4242  {base + file_offset('alpha'):x}",
            f"  4343  {base + file_offset('blue'):x}",
        ]
        offsets = fault_data.faulted(listing, program)
        self.assertEqual(fault_data.names(offsets, loads, fault_data.objects(program, rodata)), ["green"])

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
