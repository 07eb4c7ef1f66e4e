#!/usr/bin/env python3
"""Checks that every verification docs/safety/hazard-log.md names exists: each Rust test
(`snake_case_name`) as a `fn` in the workspace, each UI test ("words in backticks" after a
`ui:` file) as a test title in that file, and each file it points to. A renamed or deleted test
fails this check until the log is updated (docs/safety/README.md, "Keeping it current")."""
import os
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
log = (root / "docs/safety/hazard-log.md").read_text(encoding="utf-8")

SKIP = {"target", "node_modules", ".git", "corpus", "regressions"}
files = []
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = [d for d in dirnames if d not in SKIP]
    files += [pathlib.Path(dirpath, f).relative_to(root).as_posix() for f in filenames]
rust_sources = "\n".join(
    (root / f).read_text(encoding="utf-8", errors="replace") for f in files if f.endswith(".rs")
)
rust_fns = set(re.findall(r"\bfn\s+([a-z0-9_]+)\s*[<(]", rust_sources))

ui_titles = {}
for p in (root / "ui/test").glob("*.ts"):
    text = p.read_text(encoding="utf-8")
    titles = re.findall(r"""\b(?:it|test|describe)(?:\.each\([^)]*\))?\(\s*(["'`])(.*?)\1""", text, re.S)
    ui_titles[p.name] = [t for _, t in titles]

problems = []
checked = 0
# Verification lines: the bullets and paragraphs under "**Verification**".
for block in re.findall(r"\*\*Verification\*\*(.*?)(?=\n- \*\*Residual|\n## |\Z)", log, re.S):
    text = " ".join(block.split())
    # UI tests: `ui: test/<file>.ts: title`, further titles in backticks after it (until the next `;`).
    for m in re.finditer(r"`ui: test/([\w.-]+\.ts): ([^`]+)`((?:,\s*`[^`]+`)*)", text):
        file, first, rest = m.group(1), m.group(2), m.group(3)
        names = [first] + re.findall(r"`([^`]+)`", rest)
        titles = ui_titles.get(file)
        if titles is None:
            problems.append(f"ui/test/{file}: no such file")
            continue
        for name in names:
            checked += 1
            if not any(name == t or name in t for t in titles):
                problems.append(f"ui/test/{file}: no test titled {name!r}")
    # Rust test functions: every snake_case identifier with two or more underscores.
    for name in re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+){2,})`", text):
        checked += 1
        if name not in rust_fns:
            problems.append(f"no Rust function named {name}")
    # Files named: `tests/<file>.rs`, `<file>.rs:` prefixes.
    for path in re.findall(r"([\w/-]+\.rs)\b", text):
        checked += 1
        if not any(f == path or f.endswith("/" + path) for f in files):
            problems.append(f"no file {path}")

if problems:
    print("hazard log: verifications that do not exist:", file=sys.stderr)
    for p in problems:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print(f"hazard log: {checked} named verifications exist")
