#!/usr/bin/env python3
"""The functions the desk ran, as src-tauri/startup-order.txt names them: startup-order.py SHOW [LIST...]

SHOW is `llvm-profdata show --all-functions --counts` of the instrumented run: a function ran when
any of its counters is not zero (IR instrumentation counts edges off a spanning tree, and every
path through a function crosses at least one of them); they come first, the most counted first.
Each LIST adds, one a line, after them: the functions of the uninstrumented release app whose code
took a page fault in the same workload (`perf`) — the standard library and the C code (SQLite),
which no Rust instrumentation sees — or an earlier order file. Names are printed as scripts/link-ordered.py matches them: without the
legacy hash and LLVM's suffixes, v0 names without their crates' disambiguators, and
without the unit a local function's profile name carries (`unit;name`). Training mode's own code —
the sandbox that runs inside the app in training, and the server-side code only it runs — comes
after the rest, so that a desk with its configuration, which runs none of it, keeps none of its
pages resident. Called by scripts/startup-order.sh.
"""

import importlib.util
import os
import re
import sys

spec = importlib.util.spec_from_file_location(
    "link_ordered", os.path.join(os.path.dirname(os.path.abspath(__file__)), "link-ordered.py")
)
link_ordered = importlib.util.module_from_spec(spec)
spec.loader.exec_module(link_ordered)


def executed(show_path):
    """(name, sum of its counters) of every function in the profile that ran."""
    name = None
    with open(show_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("  ") and not line.startswith("    ") and line.rstrip().endswith(":"):
                name = line.strip()[:-1]
            elif name and line.strip().startswith("Block counts:"):
                values = line.split(":", 1)[1].strip().strip("[]")
                count = sum(int(v) for v in values.split(",") if v.strip())
                if count > 0:
                    yield name.rsplit(";", 1)[-1], count
                name = None


# Training mode's code in a v0 name (a crate is `C<length><name>`, a module `<length><name>`): the
# sandbox and training crates, the crates only they use in the app (the engine and the adapters
# depend on none of them: scripts/check-layers.sh), and the server side of the HTTP and TLS
# crates, which the app runs only as the training sandbox.
TRAINING = re.compile(
    r"C(15vmcheck_sandbox|16vmcheck_training|4axum|7matchit|5rcgen|11ldap3_proto)"
    r"|C(5hyper|10hyper_util|6rustls|12tokio_rustls)6server|C5hyper5proto2h14role6Server"
)


def desk_first(names):
    """The names in their order, training mode's after the rest (a stable partition)."""
    return [n for n in names if not TRAINING.search(n)] + [n for n in names if TRAINING.search(n)]


def main():
    ranked = sorted(executed(sys.argv[1]), key=lambda item: (-item[1], item[0]))
    names = [name for name, _count in ranked]
    for extra in sys.argv[2:]:
        with open(extra, encoding="utf-8") as f:
            names += [line.strip() for line in f if line.strip() and not line.startswith("#")]
    seen = set()
    keys = []
    for name in names:
        k = link_ordered.key(name)
        if k not in seen:
            seen.add(k)
            keys.append(k)
    print("# The functions the desk runs from launch to a lookup, and the named data it reads (scripts/startup-order.sh).")
    for k in desk_first(keys):
        print(k)


if __name__ == "__main__":
    main()
