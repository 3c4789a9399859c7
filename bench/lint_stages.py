"""Where `lint --jobs 1` spends its time per record, stage by stage (CPU time or instructions).

    .venv/bin/python bench/lint_stages.py                  # 1,300 generated records, CPU time
    .venv/bin/python bench/lint_stages.py --callgrind      # the same, counted in instructions

Generates the lint benchmark's records (bench/lint_throughput.py); the first ``--warm`` records
warm the caches (schemas, word sets), then each stage runs alone over the next ``--n`` records:
reading (``parse_unit`` with the fast path's walk as its precheck, as the engine reads), the walk
alone (its share of reading), TP703 alone, the record rules the walk leaves to run, building the
findings, the dataset summaries (from the walk), the summary table, parking the findings in the
spool and reading them back, counting and formatting them as text, and ``lint_paths`` as a whole
(with the text report). Stages run in this order on the same records, so the later ones (all record rules,
``lint_paths``) find some caches warm from the earlier ones.

CPU time (``time.process_time``, best of 3) moves with the load of a shared machine; with
``--callgrind`` the script runs itself under ``valgrind --tool=callgrind`` with instrumentation
off, and turns it on (``callgrind_control``) around each stage: instruction counts that do not
depend on what else runs (about 50x slower: a minute or two).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's toolproof
from lint_throughput import generate

STAGES = ("parse", "walk", "tp703", "check_record", "finding", "summarize", "table", "spool", "report", "lint_paths")


def _stages(warm: str, meas: str, gate: Any) -> None:
    from toolproof.validator.engine import (
        FindingCounts,
        FindingSpool,
        _check_record,
        _not_quick,
        _record_id,
        _rules_for,
        lint_paths,
        make_finding,
        quick_precheck,
        select_rules,
    )
    from toolproof.validator.io import UNCHECKED, iter_units, parse_unit
    from toolproof.validator.reporters.text import PlainStream
    from toolproof.validator.rules.base import REGISTRY
    from toolproof.validator.rules.dataset import SummaryTable, facts
    from toolproof.validator.rules.quick import quick_walk

    rules = _rules_for(tuple(r.code for r in select_rules() if r.scope == "record"))
    rest = _not_quick(rules)
    tp703 = REGISTRY["TP703"].func

    def one_pass(path: str, g: Any) -> None:
        _, fmt, it = iter_units(path, None)
        units = list(it)
        # as the engine reads: the fast path's walk runs once per record as the reader's precheck
        recs = g("parse", lambda: [parse_unit(u, path, fmt, quick_precheck) for u in units])
        ok = [r for r in recs if r.error is None]
        for r in ok:
            if r.view is UNCHECKED:  # converted by its dialect reader: the engine walks the result
                r.view = quick_precheck(r.obj)
        g("walk", lambda: [quick_walk(r.obj) for r in ok])  # (its share of "parse")
        g("tp703", lambda: [list(tp703(r.obj, None)) for r in ok])
        hits = g("check_record", lambda: [(r, _check_record(r.obj, r.index, {}, rules, [], rest, True, r.view is not None))
                                          for r in ok])
        fs = g("finding", lambda: [make_finding(ru, ru.code, r, _record_id(r.obj), h, {}) for r, hs in hits for ru, h in hs])
        g("summarize", lambda: [facts(r.obj, False, r.view, r.body) for r in ok])

        def table() -> None:
            t = SummaryTable()
            for r in ok:
                t.add_record(r.obj, r.index, r.line, False, r.view, r.body)

        def spool() -> list[Any]:
            sp = FindingSpool(lambda f: (f.record, 0))
            for f in fs:
                sp.append(f)
            out = list(sp)
            sp.close()
            return out

        def report() -> None:
            st, c = PlainStream(io.StringIO()), FindingCounts()
            for f in back:
                c.add(f)
                st.finding(f)

        def whole() -> None:
            st = PlainStream(io.StringIO())
            st.close(lint_paths([path], on_finding=st.finding))

        g("table", table)
        back = g("spool", spool)
        g("report", report)
        g("lint_paths", whole)

    one_pass(warm, lambda name, run: run())  # fills the caches
    one_pass(meas, gate)


def _files(n_warm: int, n: int, tmp: str) -> tuple[str, str, int]:
    all_ = Path(tmp) / "all.jsonl"
    generate(all_, n_warm + n)
    lines = all_.read_bytes().splitlines(keepends=True)
    warm, meas = Path(tmp) / "warm.jsonl", Path(tmp) / "meas.jsonl"
    warm.write_bytes(b"".join(lines[:n_warm]))
    meas.write_bytes(b"".join(lines[n_warm:]))
    return str(warm), str(meas), len(lines) - n_warm


def _child(warm: str, meas: str, gate_dir: str) -> None:
    """Under callgrind: wait at each stage until the parent has dumped the counts of the last one."""

    def gate(name: str, run: Any) -> Any:
        Path(gate_dir, f"ready.{name}").touch()
        while not Path(gate_dir, f"go.{name}").exists():
            time.sleep(0.02)
        return run()

    _stages(warm, meas, gate)
    gate("end", lambda: None)


def _callgrind(warm: str, meas: str, tmp: str) -> dict[str, int]:
    out = Path(tmp) / "cg.out"
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
           sys.executable, __file__, "--child", warm, meas, tmp]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    prev = None
    for st in (*STAGES, "end"):
        while not Path(tmp, f"ready.{st}").exists():
            if proc.poll() is not None:
                raise SystemExit(f"the callgrind run stopped before stage {st}")
            time.sleep(0.2)
        action = ["-i", "on"] if prev is None else ["-d", prev]
        subprocess.run(["callgrind_control", *action, str(proc.pid)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        prev = st
        Path(tmp, f"go.{st}").touch()
    proc.wait()
    counts: dict[str, int] = {}
    for f in Path(tmp).glob("cg.out*"):
        name = total = None
        for line in f.read_text(errors="replace").splitlines():
            if line.startswith(("desc: Trigger: Client Request: ", "desc: Trigger: dump ")):
                name = line.rsplit(" ", 1)[-1]
            elif line.startswith(("summary:", "totals:")) and total is None:
                total = int(line.split()[1])
        if name in STAGES and total is not None:
            counts[name] = total
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="records measured (default 1,000)")
    ap.add_argument("--warm", type=int, default=300, help="records that warm the caches first (default 300)")
    ap.add_argument("--callgrind", action="store_true", help="count instructions under valgrind's callgrind")
    ap.add_argument("--child", nargs=3, metavar=("WARM", "MEAS", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        warm, meas, n = _files(args.warm, args.n, tmp)
        if args.callgrind:
            counts = _callgrind(warm, meas, tmp)
            print(f"{n} records, thousands of instructions per record (callgrind)")
            for st in STAGES:
                print(f"  {st:14s} {counts.get(st, 0) / n / 1000:8.1f}k")
            return
        best: dict[str, float] = {}

        def gate(name: str, run: Any) -> Any:
            t = time.process_time()
            out = run()
            best[name] = min(best.get(name, 1e9), time.process_time() - t)
            return out

        for _ in range(3):
            _stages(warm, meas, gate)
        print(f"{n} records, CPU us per record (best of 3)")
        for st in STAGES:
            print(f"  {st:14s} {best[st] / n * 1e6:8.1f}")


if __name__ == "__main__":
    main()
