#!/usr/bin/env python3
"""Applies one seeded mutant (verification/mutants/NN-name.mutant) to the crate in the current directory.

A mutant is a list of find/replace edits, each written as

    === path/inside/the/crate.rs
    <<<<<<< find
    exact lines of the current source
    =======
    the lines that replace them
    >>>>>>> replace

Each `find` must occur exactly once in its file at the moment the edit is applied: an edit that matches
nowhere (the code moved on) or in several places (ambiguous) fails the whole mutant before any file is
written, so a refactor can never silently turn a mutant into a no-op. Edits are matched by text, not line
numbers, so moving code around (or to another file, after updating the `===` path) keeps them valid.

Usage: apply_mutant.py MUTANT_FILE [--check]   (--check: verify every edit applies, write nothing)
"""
import pathlib
import sys


def parse(text):
    edits, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        if not lines[i].startswith("=== "):
            i += 1
            continue
        path = lines[i][4:].strip()
        if lines[i + 1] != "<<<<<<< find":
            raise SystemExit(f"line {i + 2}: expected '<<<<<<< find' after '=== {path}'")
        middle = lines.index("=======", i + 2)
        end = lines.index(">>>>>>> replace", middle + 1)
        edits.append((path, "\n".join(lines[i + 2 : middle]), "\n".join(lines[middle + 1 : end])))
        i = end + 1
    return edits


def main():
    mutant, check_only = pathlib.Path(sys.argv[1]), "--check" in sys.argv[2:]
    edits = parse(mutant.read_text())
    if not edits:
        raise SystemExit(f"{mutant.name}: no edit")
    files = {}
    for number, (path, find, replace) in enumerate(edits, 1):
        source = files.setdefault(path, pathlib.Path(path).read_text())
        found = source.count(find) if find.strip() else 0
        if found != 1:
            raise SystemExit(
                f"{mutant.name}: edit {number} ({path}) matches {found} times, not once:\n{find}"
            )
        files[path] = source.replace(find, replace, 1)
    if not check_only:
        for path, source in files.items():
            pathlib.Path(path).write_text(source)


if __name__ == "__main__":
    main()
