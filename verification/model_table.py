#!/usr/bin/env python3
"""Writes the model tables of verification/README.md from a run, so that no figure there is copied by hand.

Usage:
    RUSTFLAGS="--cfg loom" cargo test --lib 2> loom.log        (each model prints its line on stderr)
    RUSTFLAGS="--cfg shuttle" cargo test --lib 2> shuttle.log
    python3 verification/model_table.py loom.log shuttle.log    (rewrites the tables in place)

Each model prints `loom model NAME: N interleavings, preemption bound B, T, covered: probe=count ...` (or
`shuttle model NAME: SCHEDULER, N iterations, T s ..., covered: ...`). The probes each model asserts are read
from its source (the `&[...]` list after its name in `explore` / `check`); the table shows their counts.
"""
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent


def asserted_probes(source):
    """Model name -> the probes its call asserts, from `explore("name", bound, &[...]` / `check("name", &[...]`."""
    probes = {}
    for match in re.finditer(r'(?:explore(?:_unthrottled)?|check(?:_scaled|_unthrottled)?)\(\s*"([a-z0-9_]+)",(.*?)&\[(.*?)\]', source, re.S):
        name, _, listed = match.groups()
        probes[name] = re.findall(r'"([^"]+)"', listed)
    return probes


def covered(line):
    counts = {}
    if "covered:" in line:
        for item in line.split("covered:", 1)[1].split():
            probe, _, count = item.partition("=")
            counts[probe] = int(count)
    return counts


def loom_rows(log, probes):
    rows = []
    for line in log.splitlines():
        match = re.match(r"loom model (\S+): (\d+) interleavings, preemption bound (.+?), (\S+), covered:", line)
        if not match:
            continue
        name, runs, bound, elapsed = match.groups()
        counts = covered(line)
        shown = ", ".join(f"{p}={counts.get(p, 0):,}" for p in probes.get(name, []))
        bound = "exhaustive" if bound.startswith("none") else bound
        rows.append(f"| `{name}` | {bound} | {int(runs):,} | {elapsed} | {shown or '–'} |")
    rows.sort()
    header = ["| model | preemption bound | interleavings | time | asserted probes (times reached) |",
              "|---|---|---|---|---|"]
    return header + rows


def shuttle_rows(log, probes):
    rows = []
    for line in log.splitlines():
        match = re.match(r"shuttle model (\S+): (check_\S+(?: \(depth \d+\))?), (\d+) iterations, ([\d.]+ s)", line)
        if not match:
            continue
        name, scheduler, runs, elapsed = match.groups()
        counts = covered(line)
        shown = ", ".join(f"{p}={counts.get(p, 0):,}" for p in probes.get(name, []))
        rows.append(f"| `{name}` | {scheduler} | {int(runs):,} | {elapsed} | {shown or '–'} |")
    rows.sort()
    header = ["| model | scheduler | iterations | time | asserted probes (times reached) |",
              "|---|---|---|---|---|"]
    return header + rows


def replace_between(text, marker, rows):
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    before, rest = text.split(begin, 1)
    _, after = rest.split(end, 1)
    return before + begin + "\n" + "\n".join(rows) + "\n" + end + after


def main():
    loom_log, shuttle_log = (pathlib.Path(p).read_text() for p in sys.argv[1:3])
    readme = HERE / "README.md"
    text = readme.read_text()
    text = replace_between(text, "loom-table", loom_rows(loom_log, asserted_probes((HERE / "loom.rs").read_text())))
    text = replace_between(
        text, "shuttle-table", shuttle_rows(shuttle_log, asserted_probes((HERE / "shuttle.rs").read_text()))
    )
    readme.write_text(text)


if __name__ == "__main__":
    main()
