"""Acceptance benchmark for the call-syntax registry: real serving-parser test cases.

    .venv/bin/python bench/parsers.py            # the tables by family
    .venv/bin/python bench/parsers.py --check    # exit 1 below the targets
    .venv/bin/python bench/parsers.py --show-misses

Two sections, each scored with ``--parser auto`` through the code ``toolproof score`` runs
(:func:`toolproof.evaluator.score.score_predictions`):

- the vLLM / SGLang / functionary cases, ``../shared/realdata/parser_outputs/*.jsonl``;
- llama.cpp's chat parser cases, ``../shared/realdata/llamacpp/chat_cases.jsonl`` (its
  ``tests/test-chat.cpp``; rows with ``ambiguous`` say why their reading depends on the prompt or the
  reasoning setting).

Every case has the fields ``id``, ``parser``, ``output`` (raw model text) and ``expected_calls`` (what
the serving stack's own parser returns). Per family: cases, correct, false calls (calls read where the
serving parser returns none) and unparsed markup (outputs with call markup read as having no call).
The llama.cpp outputs are also saved as assistant content and linted (TP101-TP107): a training
record that holds a model's call syntax as text should be flagged.

Targets (``--check``), per section: every case correct except the ambiguous ones
(``vllm-mistral-complex`` expects arguments cut off mid-JSON; llama.cpp's marked rows), no call
invented on a no-call case, no output holding call markup (any family's marker in the registry's
markup table) scored ``no_call``; and lint flags every non-ambiguous llama.cpp output with calls.
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
from toolproof.validator.callsyntax import has_call_markup  # noqa: E402


def _shared(sub: str) -> Path:
    """``../shared/realdata/SUB`` beside the checkout (or beside a folder above it, for a git
    worktree kept in a subfolder)."""
    for base in ROOT.parents:
        cand = base / "shared" / "realdata" / sub
        if cand.exists():
            return cand
    return ROOT.parent / "shared" / "realdata" / sub


DEFAULT_DIR = _shared("parser_outputs")
DEFAULT_LLAMACPP = _shared("llamacpp") / "chat_cases.jsonl"
AMBIGUOUS = {"vllm-mistral-complex"}
LINT_CODES = ["TP101", "TP102", "TP103", "TP104", "TP105", "TP106", "TP107"]


def load_file(path: Path) -> list[dict]:
    cases: list[dict] = []
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


def load_cases(folder: Path) -> list[dict]:
    return [c for path in sorted(folder.glob("*.jsonl")) for c in load_file(path)]


def _ambiguous(case: dict) -> bool:
    return case["id"] in AMBIGUOUS or bool(case.get("ambiguous"))


class Section:
    """One section's counts: per family ``[n, correct, false calls, unparsed]`` and the totals.
    (A plain class: the test loads this file without registering it as a module, which a
    dataclass with string annotations needs.)"""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.misses: list[str] = []
        self.unexpected: list[str] = []  # misses of non-ambiguous cases
        self.false_calls = 0
        self.no_call_with_markup = 0
        self.ambiguous = 0
        self.plain_with_markup: list[str] = []  # no-call cases that hold call markup


def score_section(title: str, cases: list[dict], parser: str) -> Section:
    records = [{"id": c["id"], "expected_calls": c["expected_calls"]} for c in cases]
    preds = [{"id": c["id"], "output": c["output"]} for c in cases]
    by_id = {ex.id: ex for ex in score_predictions(preds, records, parser=parser).examples}
    sec = Section(title)
    for c in cases:
        ex = by_id[c["id"]]
        row = sec.rows[c["parser"]]
        row[0] += 1
        row[1] += int(ex.correct)
        sec.ambiguous += int(_ambiguous(c))
        if not c["expected_calls"] and ex.calls:
            row[2] += 1
            sec.false_calls += 1
        if not c["expected_calls"] and has_call_markup(c["output"]):
            sec.plain_with_markup.append(c["id"])
        if ex.error_type == UNPARSED_MARKUP:
            row[3] += 1
        if ex.error_type == "no_call" and has_call_markup(c["output"]):
            sec.no_call_with_markup += 1
        if not ex.correct:
            miss = f"{c['id']} [{c['parser']}]: {ex.error_type}: {ex.detail} (read by {ex.parser})"
            sec.misses.append(miss)
            if not _ambiguous(c):
                sec.unexpected.append(miss)
    return sec


def print_section(sec: Section) -> None:
    print(sec.title)
    w = max([len(k) for k in sec.rows] + [5])
    print(f"{'family':<{w}}  {'n':>4}  {'correct':>7}  {'false calls':>11}  {'unparsed markup':>15}")
    for fam in sorted(sec.rows):
        n, ok, fc, um = sec.rows[fam]
        print(f"{fam:<{w}}  {n:>4}  {ok:>7}  {fc:>11}  {um:>15}")
    tot = [sum(r[k] for r in sec.rows.values()) for k in range(4)]
    print(f"{'total':<{w}}  {tot[0]:>4}  {tot[1]:>7}  {tot[2]:>11}  {tot[3]:>15}")
    clear = tot[0] - sec.ambiguous
    print(f"non-ambiguous cases read right: {clear - len(sec.unexpected)} / {clear}")
    print(f"outputs scored no_call that hold call markup: {sec.no_call_with_markup}")
    shown = f" ({', '.join(sec.plain_with_markup)})" if sec.plain_with_markup else ""
    print(f"no-call outputs that hold call markup: {len(sec.plain_with_markup)}{shown}")


def lint_section(cases: list[dict]) -> tuple[int, int, int, int, list[str]]:
    """Each output saved as the assistant content of a training record (its tools: the names the
    expected calls use) and linted: (outputs with calls, flagged, no-call outputs, flagged, the
    non-ambiguous outputs with calls lint missed)."""
    from toolproof.validator.engine import lint_objects

    objs = []
    for c in cases:
        tools = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
                 for n in dict.fromkeys(k["name"] for k in c["expected_calls"])]
        msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": c["output"]}]
        objs.append({"id": c["id"], "messages": msgs, **({"tools": tools} if tools else {})})
    flagged = {f.record for f in lint_objects(objs, select=LINT_CODES).findings}
    calls = [k for k, c in enumerate(cases) if c["expected_calls"]]
    plain = [k for k, c in enumerate(cases) if not c["expected_calls"]]
    missed = [cases[k]["id"] for k in calls if k not in flagged and not _ambiguous(cases[k])]
    return len(calls), sum(k in flagged for k in calls), len(plain), sum(k in flagged for k in plain), missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of *.jsonl parser cases")
    ap.add_argument("--llamacpp", type=Path, default=DEFAULT_LLAMACPP, help="llama.cpp's chat parser cases (JSONL)")
    ap.add_argument("--parser", default="auto", help="extraction family (default: auto)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--show-misses", action="store_true", help="print every case scored wrong")
    args = ap.parse_args(argv)
    for path in (args.dir, args.llamacpp):
        if not path.exists():
            print(f"{path}: not found", file=sys.stderr)
            return 2
    sections = [
        score_section("serving-stack parser tests (vLLM, SGLang, functionary):", load_cases(args.dir), args.parser),
        score_section("llama.cpp chat parser tests (tests/test-chat.cpp):", load_file(args.llamacpp), args.parser),
    ]
    bad: list[str] = []
    for k, sec in enumerate(sections):
        if k:
            print()
        print_section(sec)
        if args.show_misses and sec.misses:
            print("misses:")
            for m in sec.misses:
                print("  " + m)
        if sec.unexpected:
            bad.append(f"{sec.title} {len(sec.unexpected)} non-ambiguous case(s) wrong: " + "; ".join(sec.unexpected[:5]))
        if sec.false_calls:
            bad.append(f"{sec.title} {sec.false_calls} call(s) invented on no-call cases")
        if sec.no_call_with_markup:
            bad.append(f"{sec.title} {sec.no_call_with_markup} output(s) holding call markup scored no_call")
    n_calls, lint_calls, n_plain, lint_plain, missed = lint_section(load_file(args.llamacpp))
    print(f"llama.cpp outputs saved as assistant content, flagged by lint (TP101-TP107): {lint_calls} / {n_calls} "
          f"with calls ({n_calls - lint_calls - len(missed)} unflagged, all ambiguous), {lint_plain} / {n_plain} without")
    if missed:
        bad.append(f"lint missed {len(missed)} llama.cpp output(s) with calls: {', '.join(missed[:5])}")
    if args.check:
        for b in bad:
            print("FAIL: " + b, file=sys.stderr)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
