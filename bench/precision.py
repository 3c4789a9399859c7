"""Precision of every rule on real data (issue 32): lint every source in ``../shared/realdata/`` and
the project's own ``data/sample/``, and compare each finding with a hand-made label.

    python bench/precision.py               # the table: precision per rule, per rule and source
    python bench/precision.py --todo        # the findings to label that have no label yet (JSON Lines)
    python bench/precision.py --write       # also write bench/labels/precision.json (read by `toolproof rule`)
    python bench/precision.py --check       # exit 1 when a default-on rule is below the policy, or a label is missing

Labels (``bench/labels/*.jsonl``, one line per finding: ``source``, ``record``, ``code``, ``path``,
``label`` true/false, ``why``) were written by reading each record, never by running a rule or a
script over it; ``why`` says what was judged, so a reviewer can disagree line by line.

What is labelled: every finding of TP107 and the TP5xx/TP7xx rules on a source, or, where a rule has
more than :data:`LABEL_ALL` findings on a source, a uniform random sample of :data:`SAMPLE` of them
(seeded by source and code, so the same findings are drawn each run); for every other rule, a
seeded sample of :data:`SAMPLE` of its findings on the real sources together (all when fewer). Every rule runs (opt-in ones too: their precision is what
decides whether they can be on by default); rules that need an option (``--against``, ``--model``)
do not.

Policy (README, "Findings you can trust"): a rule on by default has a measured precision of at least
95% on the real sources (errors and infos) or 90% (warnings); a rule below that is opt-in. The
sample data is reported apart: its defects are planted, so it measures recall more than precision.

The taubench trajectories are lint as an agent-data user would feed them: each ``traj`` as
``messages``, with the airline tools (``airline_tools.json``) as ``tools``; the raw files are lint too.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

from toolproof.validator.engine import lint_paths  # noqa: E402
from toolproof.validator.findings import Severity  # noqa: E402
from toolproof.validator.rules.base import all_rules  # noqa: E402

LABELS = REPO / "bench" / "labels"
OUTPUT = LABELS / "precision.json"
DATA_EXT = (".json", ".jsonl")
SAMPLE = 30  # findings drawn per rule and source where there are more
LABEL_ALL = 60  # TP107, TP5xx, TP7xx: every finding up to this many per source, a sample above
FLOOR = {Severity.WARNING: 0.90}  # the policy's bar by severity; 0.95 for the others
DEFAULT_FLOOR = 0.95


def judged_all(code: str) -> bool:
    """The rules whose every finding is labelled (up to :data:`LABEL_ALL` per source)."""
    return code == "TP107" or code.startswith(("TP5", "TP7"))


def find_root(given: str | None) -> Path:
    if given:
        return Path(given)
    cand = REPO.parent / "shared" / "realdata"
    if cand.is_dir():
        return cand
    raise SystemExit("realdata not found: pass --root (expected ../shared/realdata next to the repository)")


def sources(root: Path, tmp: Path) -> list[tuple[str, Path, bool]]:
    """``(source name, file to lint, real)`` for every real file, the taubench trajectories as
    agent records, and the sample data."""
    out = [(str(p.relative_to(root)), p, True) for p in sorted(root.rglob("*"))
           if p.is_file() and p.suffix in DATA_EXT]
    tau, tools = root / "taubench" / "gpt-4o-airline.json", root / "taubench" / "airline_tools.json"
    if tau.is_file() and tools.is_file():
        agent = tmp / "taubench-agent.jsonl"
        offered = json.loads(tools.read_text(encoding="utf-8"))
        with agent.open("w", encoding="utf-8") as f:
            for row in json.loads(tau.read_text(encoding="utf-8")):
                rec = {"id": f"task{row['task_id']}-trial{row['trial']}", "messages": row["traj"], "tools": offered}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.append(("taubench/gpt-4o-airline.json#agent", agent, True))
    sample = REPO / "data" / "sample"
    out += [(f"data/sample/{p.name}", p, False) for p in sorted(sample.glob("*.jsonl"))]
    return out


def runnable_codes() -> list[str]:
    return [r.code for r in all_rules() if r.needs is None]


def findings(name: str, path: Path) -> list[dict[str, Any]]:
    res = lint_paths([path], select=runnable_codes())
    return [{"source": name, "record": f.record, "code": f.code, "path": f.path, "severity": f.severity.value,
             "message": f.message} for f in res.findings]


def drawn(found: list[dict[str, Any]], real: set[str]) -> list[dict[str, Any]]:
    """The findings to label (module doc): TP107 and TP5xx/TP7xx per source, all or a seeded sample;
    every other rule, a seeded sample of :data:`SAMPLE` over the real sources together (the sample
    data's findings of those rules are planted defects, not drawn)."""
    by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in found:
        if judged_all(f["code"]):
            by[(f["source"], f["code"])].append(f)
        elif f["source"] in real:
            by[("real", f["code"])].append(f)
    out = []
    for (source, code), fs in sorted(by.items()):
        limit = LABEL_ALL if judged_all(code) else SAMPLE
        if len(fs) > limit:
            fs = random.Random(f"{source}|{code}").sample(fs, SAMPLE)
        out.extend(fs)
    return out


def key(f: dict[str, Any]) -> tuple[str, int, str, str]:
    return (f["source"], int(f["record"]), f["code"], f["path"])


def load_labels() -> dict[tuple[str, int, str, str], dict[str, Any]]:
    out = {}
    for p in sorted(LABELS.glob("*.jsonl")):
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                if not isinstance(row.get("label"), bool) or not str(row.get("why", "")).strip():
                    raise SystemExit(f"{p}:{n}: a label needs 'label' true/false and a 'why'")
                out[key(row)] = row
    return out


def tally(picked: list[dict[str, Any]], labels: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """Precision per rule (real sources, sample data) and per rule and source."""
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    real = {s for s, _, r in SOURCES if r}
    for f in picked:
        row = labels.get(key(f))
        if row is None:
            continue
        group = "real" if f["source"] in real else "sample"
        for k in ((f["code"], group), (f["code"], "source:" + f["source"])):
            per[k][0] += row["label"]
            per[k][1] += 1
    rules: dict[str, Any] = {}
    for (code, where), (good, n) in sorted(per.items()):
        entry = rules.setdefault(code, {"real": None, "sample": None, "sources": {}})
        cell = {"true": good, "labelled": n, "precision": round(good / n, 4)}
        if where.startswith("source:"):
            entry["sources"][where[7:]] = cell
        else:
            entry[where] = cell
    return rules


def policy_failures(rules: dict[str, Any]) -> list[str]:
    bad = []
    for r in all_rules():
        real = rules.get(r.code, {}).get("real")
        if not r.default_enabled or real is None:
            continue
        floor = FLOOR.get(r.severity, DEFAULT_FLOOR)
        if real["precision"] < floor:
            bad.append(f"{r.code} {r.name}: {real['precision']:.0%} of {real['labelled']} on the real sources, "
                       f"below {floor:.0%}, yet on by default")
    return bad


def show(rules: dict[str, Any]) -> None:
    print(f"{'rule':<7}{'default':<9}{'real':>16}{'sample':>16}  per real source")
    on = {r.code: r.default_enabled for r in all_rules()}
    for code, e in rules.items():
        cells = [f"{c['precision']:.0%} ({c['true']}/{c['labelled']})" if c else "-" for c in (e["real"], e["sample"])]
        per = ", ".join(f"{s} {c['true']}/{c['labelled']}" for s, c in e["sources"].items()
                        if not s.startswith("data/sample"))
        print(f"{code:<7}{'on' if on.get(code) else 'opt-in':<9}{cells[0]:>16}{cells[1]:>16}  {per}")


SOURCES: list[tuple[str, Path, bool]] = []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", help="the realdata folder (default ../shared/realdata)")
    ap.add_argument("--todo", action="store_true", help="print the drawn findings that have no label")
    ap.add_argument("--write", action="store_true", help=f"write {OUTPUT.relative_to(REPO)}")
    ap.add_argument("--check", action="store_true", help="exit 1 on a policy failure or a missing label")
    args = ap.parse_args(argv)
    root = find_root(args.root)
    with tempfile.TemporaryDirectory() as tmp:
        SOURCES[:] = sources(root, Path(tmp))
        found = [f for name, path, _ in SOURCES for f in findings(name, path)]
    picked = drawn(found, {name for name, _, real in SOURCES if real})
    labels = load_labels()
    missing = [f for f in picked if key(f) not in labels]
    if args.todo:
        for f in missing:
            print(json.dumps(f, ensure_ascii=False))
        return 0
    rules = tally(picked, labels)
    show(rules)
    print(f"\n{len(found)} findings, {len(picked)} drawn, {len(picked) - len(missing)} labelled")
    if args.write:
        OUTPUT.write_text(json.dumps({"policy": {"error": DEFAULT_FLOOR, "info": DEFAULT_FLOOR, "warning": FLOOR[Severity.WARNING]},
                                      "findings": len(found), "drawn": len(picked), "rules": rules},
                                     indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.check:
        bad = policy_failures(rules) + [f"no label: {json.dumps(f, ensure_ascii=False)}" for f in missing[:20]]
        for b in bad:
            print("FAIL", b)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
