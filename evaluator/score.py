"""Scoring predictions against a test set (pure Python).

A prediction is ``{"id", "output": raw text}`` (calls are extracted) or ``{"id", "calls": [...]}``
(calls given). :func:`score_predictions` extracts, matches each record and aggregates accuracy
overall, per ``category``, the error breakdown, which extraction format recovered each output and
what a tags-only (``hermes``) extractor would have reported, and the strict accuracy: the verdict
on the calls a serving stack's Hermes parser returns, with no repair (:func:`evaluator.extract.extract_strict`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolproof.evaluator.extract import MAX_DEPTH, check_parser, extract_calls, extract_strict
from toolproof.evaluator.match import Verdict, match, tool_functions
from toolproof.validator.callsyntax import check_reasoning_calls
from toolproof.validator.callsyntax.base import nesting_depth
from toolproof.validator.errors import InputError

#: The verdict for an output that holds call markup no reader could read: the model tried to call
#: (in a syntax we cannot read, or broken), which is not the same as answering without a call.
UNPARSED_MARKUP = "unparsed_call_markup"


@dataclass(slots=True)
class ScoredExample:
    id: str
    category: str | None
    correct: bool
    error_type: str | None
    calls: list[dict[str, Any]]
    parser: str | None
    detail: str = ""
    schema_violations: list[str] = field(default_factory=list)
    missing: bool = False
    hermes_correct: bool | None = None  # the verdict a tags-only extractor would have given
    strict_correct: bool | None = None  # the verdict on what a serving parser returns (extract_strict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "correct": self.correct,
            "error_type": self.error_type,
            "calls": self.calls,
            "parser": self.parser,
            "category": self.category,
            "detail": self.detail,
            "schema_violations": self.schema_violations,
            "missing": self.missing,
        }


@dataclass(slots=True)
class ScoreSummary:
    n: int = 0
    correct: int = 0
    accuracy: float = 0.0
    per_category: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    parsers: dict[str, dict[str, Any]] = field(default_factory=dict)
    hermes_only_accuracy: float | None = None
    strict_correct: int | None = None  # right answers on the calls a serving Hermes parser returns, unrepaired
    strict_accuracy: float | None = None
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    schema_violation_examples: int = 0
    examples: list[ScoredExample] = field(default_factory=list)

    def to_dict(self, with_examples: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not with_examples:
            d.pop("examples")
        return d


def record_id(record: Any, index: int) -> str:
    rid = record.get("id") if isinstance(record, dict) else None
    return str(rid) if rid is not None else str(index)


def _tool_names(record: Any) -> list[str]:
    if not isinstance(record, dict):
        return []
    tools = record.get("tools") if record.get("tools") is not None else record.get("function")
    return list(tool_functions(tools))


def _too_deep(value: Any) -> bool:
    """Deeper than matching may recurse (a call list and its arguments sit 3 levels above a value)."""
    return value is not None and nesting_depth(value, MAX_DEPTH + 3) > MAX_DEPTH + 3


def score_strict(record: Any, output: str | None, parser: str = "hermes") -> bool:
    """The verdict on the calls the serving parser of ``parser`` would return (no repairs);
    ``auto``: the family detected from the markers, else Hermes'."""
    return match(extract_strict(output or "", parser), record).correct


def score_one(record: Any, output: str | None = None, calls: list[Any] | None = None, parser: str = "auto",
              reasoning_calls: str = "read") -> tuple[Verdict, list[dict[str, Any]], str | None, bool | None]:
    """(verdict, calls, parser that matched, tags-only verdict) for one record and one prediction.

    An output with no readable call that holds call markup gets ``unparsed_call_markup`` instead of
    ``no_call``; given calls or a test answer nested deeper than ``MAX_DEPTH`` are not matched
    (``value_error``): matching them could exhaust the recursion limit. ``reasoning_calls``: what
    happens to calls inside reasoning (``read`` or ``ignore``, see :func:`extract_calls`)."""
    if isinstance(record, dict) and (_too_deep(record.get("expected_calls")) or _too_deep(record.get("possible_answer"))):
        return Verdict(False, "value_error", f"the test record's answer is nested deeper than {MAX_DEPTH}: not matched"), [], None, None
    if calls is not None:
        if _too_deep(calls):
            return Verdict(False, "value_error", f"calls nested deeper than {MAX_DEPTH}: not matched"), [], "given", None
        return match(calls, record), calls, "given", None
    names = _tool_names(record) or None
    ex = extract_calls(output or "", parser=parser, tool_names=names, reasoning_calls=reasoning_calls)
    verdict = match(ex.calls, record)
    if not ex.calls and ex.markup and verdict.error_type == "no_call":
        why = f": {ex.errors[0]}" if ex.errors else ""
        verdict = Verdict(False, UNPARSED_MARKUP, f"output holds {', '.join(ex.markup)} call markup that could not be read{why}")
    if ex.parser == "hermes" or parser == "hermes":
        hermes_ok: bool | None = verdict.correct
    else:
        hermes_ok = match(extract_calls(output or "", parser="hermes").calls, record).correct
    return verdict, ex.calls, ex.parser, hermes_ok


def score_predictions(predictions: Iterable[Any], records: Iterable[Any], parser: str = "auto", reasoning_calls: str = "read") -> ScoreSummary:
    """Score ``predictions`` (dicts with ``id`` and ``output`` or ``calls``) against ``records``.

    A record without a prediction counts as wrong (``error_type="missing_prediction"``) and its id
    is listed in ``missing``; predictions for unknown ids are listed in ``unknown``; a repeated id
    keeps the first prediction and is listed in ``duplicates``.
    """
    parser = check_parser(parser)
    check_reasoning_calls(reasoning_calls)
    recs = list(records)
    by_id: dict[str, Any] = {}
    summary = ScoreSummary()
    for p in predictions:
        pid = str(p.get("id")) if isinstance(p, dict) and p.get("id") is not None else None
        if pid is None:
            continue
        if pid in by_id:
            summary.duplicates.append(pid)
            continue
        by_id[pid] = p
    known: set[str] = set()
    per_cat: dict[str, list[int]] = {}
    parser_n: Counter[str] = Counter()
    parser_ok: Counter[str] = Counter()
    hermes_scored = 0
    hermes_right = 0
    for i, rec in enumerate(recs):
        rid = record_id(rec, i)
        known.add(rid)
        cat = rec.get("category") if isinstance(rec, dict) else None
        cat = str(cat) if cat is not None else None
        pred = by_id.get(rid)
        if pred is None:
            ex = ScoredExample(rid, cat, False, "missing_prediction", [], None, "no prediction for this id", missing=True)
            summary.missing.append(rid)
        else:
            calls = pred.get("calls")
            if calls is not None and not isinstance(calls, list):
                calls = [calls]
            verdict, got, used, hermes_ok = score_one(rec, pred.get("output"), calls, parser, reasoning_calls)
            strict_ok = score_strict(rec, pred.get("output"), "hermes" if parser == "auto" else parser) if calls is None else None
            ex = ScoredExample(rid, cat, verdict.correct, verdict.error_type, got, used, verdict.detail,
                               verdict.schema_violations, hermes_correct=hermes_ok, strict_correct=strict_ok)
            if strict_ok is not None:
                summary.strict_correct = (summary.strict_correct or 0) + int(strict_ok)
            key = used or "none"
            parser_n[key] += 1
            parser_ok[key] += int(verdict.correct)
            if hermes_ok is not None:
                hermes_scored += 1
                hermes_right += int(hermes_ok)
        summary.examples.append(ex)
        summary.n += 1
        summary.correct += int(ex.correct)
        if ex.error_type:
            summary.errors[ex.error_type] = summary.errors.get(ex.error_type, 0) + 1
        if ex.schema_violations:
            summary.schema_violation_examples += 1
        if cat is not None:
            per_cat.setdefault(cat, [0, 0])
            per_cat[cat][0] += 1
            per_cat[cat][1] += int(ex.correct)
    summary.unknown = [pid for pid in by_id if pid not in known]
    summary.accuracy = summary.correct / summary.n if summary.n else 0.0
    summary.per_category = {
        c: {"n": n, "correct": k, "accuracy": k / n if n else 0.0} for c, (n, k) in sorted(per_cat.items())
    }
    summary.errors = dict(sorted(summary.errors.items(), key=lambda kv: (-kv[1], kv[0])))
    summary.parsers = {
        k: {"outputs": parser_n[k], "correct": parser_ok[k]} for k in sorted(parser_n, key=lambda k: -parser_n[k])
    }
    if hermes_scored:
        # over ALL records (missing predictions are wrong for both extractors)
        summary.hermes_only_accuracy = hermes_right / summary.n if summary.n else 0.0
    if summary.strict_correct is not None:
        summary.strict_accuracy = summary.strict_correct / summary.n if summary.n else 0.0
    return summary


# ------------------------------------------------------------------------------------ reading


def iter_jsonl(path: str | Path, what: str = "record") -> Iterator[tuple[int, Any]]:
    """``(line, object)`` from a JSONL file (or a JSON array file); InputError names file:line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{p}: cannot read: {e}") from None
    if text.lstrip().startswith("["):
        try:
            arr = json.loads(text)
        except ValueError as e:
            raise InputError(f"{p}: not valid JSON: {e}") from None
        except RecursionError:
            raise InputError(f"{p}: not readable: JSON nested too deeply") from None
        for k, obj in enumerate(arr):
            if not isinstance(obj, dict):
                raise InputError(f"{p}: item {k}: {what} is not an object")
            yield k + 1, obj
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise InputError(f"{p}:{lineno}: invalid JSON: {e}") from None
        except RecursionError:
            raise InputError(f"{p}:{lineno}: not readable: JSON nested too deeply") from None
        if not isinstance(obj, dict):
            raise InputError(f"{p}:{lineno}: {what} is not a JSON object")
        yield lineno, obj


def load_predictions(path: str | Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for lineno, obj in iter_jsonl(path, "prediction"):
        if obj.get("id") is None:
            raise InputError(f"{path}:{lineno}: field 'id' is missing")
        if "output" not in obj and "calls" not in obj:
            raise InputError(f"{path}:{lineno}: needs field 'output' (raw text) or 'calls' (list of calls)")
        if "output" in obj and obj["output"] is not None and not isinstance(obj["output"], str):
            raise InputError(f"{path}:{lineno}: field 'output' must be a string")
        if "calls" in obj and "output" not in obj:
            calls = obj["calls"]
            if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
                raise InputError(f"{path}:{lineno}: field 'calls' must be a list of {{name, arguments}} objects")
        out.append(obj)
    return out


def load_records(path: str | Path, *, need_messages: bool = False) -> list[dict[str, Any]]:
    """Test records; each needs ``expected_calls`` (a list) or ``possible_answer``; with
    ``need_messages`` (generation) also a non-empty ``messages`` list of objects with a ``role``."""
    out: list[dict[str, Any]] = []
    for lineno, obj in iter_jsonl(path, "record"):
        if need_messages:
            msgs = obj.get("messages")
            if not isinstance(msgs, list) or not msgs:
                raise InputError(f"{path}:{lineno}: field 'messages' is missing or not a non-empty list")
            for k, m in enumerate(msgs):
                if not isinstance(m, dict) or not isinstance(m.get("role"), str):
                    raise InputError(f"{path}:{lineno}: field 'messages[{k}]' must be an object with a 'role'")
            if all(m["role"] == "assistant" for m in msgs):
                raise InputError(f"{path}:{lineno}: field 'messages' has no turn before the assistant's")
        if "possible_answer" not in obj:
            ec = obj.get("expected_calls")
            if not isinstance(ec, list):
                raise InputError(
                    f"{path}:{lineno}: field 'expected_calls' is missing or not a list (a test record needs "
                    "'expected_calls' or 'possible_answer')"
                )
        out.append(obj)
    return out


__all__ = [
    "UNPARSED_MARKUP",
    "InputError",
    "ScoreSummary",
    "ScoredExample",
    "iter_jsonl",
    "load_predictions",
    "load_records",
    "record_id",
    "score_one",
    "score_predictions",
]
