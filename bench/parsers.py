"""Acceptance benchmark for the call-syntax registry: real serving-parser test cases.

    .venv/bin/python bench/parsers.py            # the table by family
    .venv/bin/python bench/parsers.py --check    # exit 1 below the targets
    .venv/bin/python bench/parsers.py --show-misses

Reads every case of ``../shared/realdata/parser_outputs/*.jsonl`` (fields ``id``, ``parser``,
``source``, ``output``, ``expected_calls``: raw model text and the calls that the serving stack's own
parser returns for it) and scores them all with ``--parser auto`` through the code ``toolproof
score`` runs (:func:`toolproof.evaluator.score.score_predictions`). Per family: cases, correct,
false calls (calls read where the serving parser returns none) and unparsed markup (outputs with
call markup that were read as having no call).

Targets (``--check``): every case correct except at most one (``vllm-mistral-complex`` expects
arguments cut off mid-JSON, which a reader may or may not reproduce), no call invented on a
no-call case, no output holding call markup scored ``no_call``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's toolproof, not an installed one

from toolproof.evaluator.score import UNPARSED_MARKUP, score_predictions  # noqa: E402
from toolproof.validator.callsyntax import detect  # noqa: E402


def _default_dir() -> Path:
    """``../shared/realdata/parser_outputs`` beside the checkout (or beside a folder above it, for
    a git worktree kept in a subfolder)."""
    for base in ROOT.parents:
        cand = base / "shared" / "realdata" / "parser_outputs"
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared" / "realdata" / "parser_outputs"


DEFAULT_DIR = _default_dir()
AMBIGUOUS = {"vllm-mistral-complex"}


def load_cases(folder: Path) -> list[dict]:
    cases: list[dict] = []
    for path in sorted(folder.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                raise SystemExit(f"{path}:{lineno}: invalid JSON: {e}") from None
            for key in ("id", "parser", "output", "expected_calls"):
                if key not in rec:
                    raise SystemExit(f"{path}:{lineno}: field {key!r} is missing")
            cases.append(rec)
    return cases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of *.jsonl parser cases")
    ap.add_argument("--parser", default="auto", help="extraction family (default: auto)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--show-misses", action="store_true", help="print every case scored wrong")
    args = ap.parse_args(argv)
    if not args.dir.is_dir():
        print(f"{args.dir}: no such folder", file=sys.stderr)
        return 2
    cases = load_cases(args.dir)
    records = [{"id": c["id"], "expected_calls": c["expected_calls"]} for c in cases]
    preds = [{"id": c["id"], "output": c["output"]} for c in cases]
    summary = score_predictions(preds, records, parser=args.parser)
    by_id = {ex.id: ex for ex in summary.examples}

    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # n, correct, false calls, unparsed
    misses: list[str] = []
    false_calls = no_call_with_markup = 0
    for c in cases:
        ex = by_id[c["id"]]
        row = rows[c["parser"]]
        row[0] += 1
        row[1] += int(ex.correct)
        if not c["expected_calls"] and ex.calls:
            row[2] += 1
            false_calls += 1
        if ex.error_type == UNPARSED_MARKUP:
            row[3] += 1
        if ex.error_type == "no_call" and detect(c["output"]):
            no_call_with_markup += 1
        if not ex.correct:
            misses.append(f"{c['id']} [{c['parser']}]: {ex.error_type}: {ex.detail} (read by {ex.parser})")

    w = max(len(k) for k in rows)
    print(f"{'family':<{w}}  {'n':>4}  {'correct':>7}  {'false calls':>11}  {'unparsed markup':>15}")
    for fam in sorted(rows):
        n, ok, fc, um = rows[fam]
        print(f"{fam:<{w}}  {n:>4}  {ok:>7}  {fc:>11}  {um:>15}")
    tot = [sum(r[k] for r in rows.values()) for k in range(4)]
    print(f"{'total':<{w}}  {tot[0]:>4}  {tot[1]:>7}  {tot[2]:>11}  {tot[3]:>15}")
    print(f"outputs scored no_call that hold call markup: {no_call_with_markup}")
    if args.show_misses and misses:
        print("misses:")
        for m in misses:
            print("  " + m)

    if args.check:
        bad: list[str] = []
        unexpected = [m for m in misses if m.split(" ", 1)[0] not in AMBIGUOUS]
        if unexpected:
            bad.append(f"{len(unexpected)} case(s) wrong besides the ambiguous one: " + "; ".join(unexpected[:5]))
        if false_calls:
            bad.append(f"{false_calls} call(s) invented on no-call cases")
        if no_call_with_markup:
            bad.append(f"{no_call_with_markup} output(s) holding call markup scored no_call")
        for b in bad:
            print("FAIL: " + b, file=sys.stderr)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
