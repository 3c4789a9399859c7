"""Replay BFCL's own ground truth through the BFCL import + `toolproof score`.

Predictions are built from each record's ``possible_answer`` three ways (first acceptable values
as structured calls; the minimal call, omitting every parameter the answer allows to omit, as
Hermes ``<tool_call>`` text; the last acceptable values as pythonic ``[f(a=1)]`` text) and every
record must come out correct, except the BFCL records whose answers contradict their own function
docs, listed in ``CONTRADICTIONS`` with the reason. A mutated replay (wrong name / no call /
dropped required argument) must come out wrong, so the test can fail.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.evaluator.bfcl import CATEGORIES as BFCL_CATEGORIES

CATEGORIES = list(BFCL_CATEGORIES)

# record id -> (variants that cannot pass, reason)
ALL = ("first", "minimal", "last")
CONTRADICTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "live_simple_106-63-0": (ALL, "required 'auto_loan_payment_start' / 'bank_hours_start' have an empty list of acceptable values"),
    "live_simple_112-68-0": (ALL, "required 'acc_routing_start' (and four more) have an empty list of acceptable values"),
    "live_multiple_507-149-4": (ALL, "'origin_airport' is required by the function doc but the answer only allows omitting it ([''])"),
    "live_multiple_862-181-3": (ALL, "the answer requires 'journey_start_time', which Trains_1_FindTrains does not declare"),
    "live_multiple_964-207-0": (ALL, "the answer uses parameter 'question'; the doc's only (required) parameter is 'statement'"),
    "parallel_multiple_12": (("first", "last"), "the answer offers 'permeability' for calculate_voltage_difference, whose doc has no such parameter (omitting it passes)"),
    "parallel_multiple_26": (("first", "last"), "the answer offers 'type' for bank.calculate_balance, whose doc has no such parameter (omitting it passes)"),
}


def _bfcl_dir() -> Path:
    spec = importlib.util.find_spec("bfcl_eval")
    assert spec is not None and spec.submodule_search_locations, "bfcl-eval is a dev dependency"
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _read_direct(category: str) -> list[dict[str, Any]]:
    """BFCL files -> canonical records (used when evaluator.bfcl is not available)."""
    base = _bfcl_dir()
    qs = [json.loads(x) for x in (base / f"BFCL_v4_{category}.json").read_text().splitlines() if x.strip()]
    pa_file = base / "possible_answer" / f"BFCL_v4_{category}.json"
    pas = {}
    if pa_file.is_file():
        pas = {r["id"]: r["ground_truth"] for r in map(json.loads, pa_file.read_text().splitlines()) if r}
    out = []
    for q in qs:
        out.append({
            "id": q["id"],
            "category": category,
            "messages": q["question"][0],
            "tools": [{"type": "function", "function": f} for f in q["function"]],
            "possible_answer": pas.get(q["id"], []),
        })
    return out


def load_records() -> list[dict[str, Any]]:
    try:
        from toolproof.evaluator.bfcl import load_bfcl  # the data engineer's importer
    except ImportError:
        return [r for c in CATEGORIES for r in _read_direct(c)]
    return list(load_bfcl(CATEGORIES, None))


def _first(values: list[Any], last: bool = False) -> Any:
    real = [v for v in values if v != ""]
    return real[-1] if last else real[0]


def _value(v: Any, last: bool) -> Any:
    """A concrete value from one acceptable value (BFCL dict answers nest lists of acceptable values)."""
    if isinstance(v, dict) and v and all(isinstance(x, list) for x in v.values()):
        return {k: _value(_first(x, last), last) for k, x in v.items() if any(y != "" for y in x)}
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        return [_value(x, last) for x in v]
    return v


def _doc_required(record: dict[str, Any], fname: str) -> set[str]:
    for t in record.get("tools") or []:
        f = t.get("function", t)
        if f.get("name") == fname:
            return set(f.get("parameters", {}).get("required", []))
    return set()


def build_calls(record: dict[str, Any], variant: str) -> list[dict[str, Any]]:
    calls = []
    for item in record.get("possible_answer") or []:
        for fname, params in item.items():
            required = _doc_required(record, fname)
            args = {}
            for p, acc in params.items():
                if not any(v != "" for v in acc):
                    continue
                if variant == "minimal" and "" in acc and p not in required:
                    continue
                args[p] = _value(_first(acc, last=variant == "last"), last=variant == "last")
            calls.append({"name": fname, "arguments": args})
    return calls


def as_hermes(calls: list[dict[str, Any]]) -> str:
    return "".join(f"<tool_call>\n{json.dumps(c)}\n</tool_call>\n" for c in calls) or "I cannot help with that."


def as_pythonic(calls: list[dict[str, Any]]) -> str:
    if not calls:
        return "None of the functions can be used here."
    inner = ", ".join(f"{c['name']}(" + ", ".join(f"{k}={v!r}" for k, v in c["arguments"].items()) + ")" for c in calls)
    return f"[{inner}]"


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("bfcl")
    records = load_records()
    data = tmp / "bfcl.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for variant in ALL:
        preds = []
        for r in records:
            calls = build_calls(r, variant)
            if variant == "first":
                preds.append({"id": r["id"], "calls": calls})
            elif variant == "minimal":
                preds.append({"id": r["id"], "output": as_hermes(calls)})
            else:
                preds.append({"id": r["id"], "output": as_pythonic(calls)})
        pfile = tmp / f"{variant}.jsonl"
        pfile.write_text("".join(json.dumps(p) + "\n" for p in preds))
        out = tmp / f"{variant}.verdicts.jsonl"
        assert main(["score", str(pfile), "--data", str(data), "-o", str(out)]) == 0
        results[variant] = {v["id"]: v for v in map(json.loads, out.read_text().splitlines())}
    return {"records": records, "results": results, "data": data, "tmp": tmp}


def test_replay_covers_every_category(replay: dict[str, Any]) -> None:
    cats = {r["category"] for r in replay["records"]}
    assert set(CATEGORIES) <= cats or len(cats) >= len(CATEGORIES)
    assert len(replay["records"]) > 3000


@pytest.mark.parametrize("variant", ALL)
def test_ground_truth_is_correct(replay: dict[str, Any], variant: str) -> None:
    verdicts = replay["results"][variant]
    wrong = {i: (v["error_type"], v.get("detail")) for i, v in verdicts.items() if not v["correct"]}
    expected_wrong = {i for i, (variants, _) in CONTRADICTIONS.items() if variant in variants}
    assert set(wrong) == expected_wrong, {i: wrong.get(i) for i in set(wrong) ^ expected_wrong}


def test_text_variants_went_through_extraction(replay: dict[str, Any]) -> None:
    res = replay["results"]
    with_calls = [r["id"] for r in replay["records"] if r.get("possible_answer")]
    assert {res["minimal"][i]["parser"] for i in with_calls} == {"hermes"}
    assert {res["last"][i]["parser"] for i in with_calls} == {"pythonic"}


def test_mutated_replay_is_wrong(replay: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    tmp, data = replay["tmp"], replay["data"]
    preds = []
    kinds = {}
    for k, r in enumerate(replay["records"]):
        calls = build_calls(r, "first")
        if not calls:  # irrelevance: any call is wrong
            calls, kind = [{"name": r["tools"][0]["function"]["name"] if r["tools"] else "f", "arguments": {}}], "unexpected_call"
        elif k % 3 == 0:
            calls, kind = [], "no_call"
        elif k % 3 == 1:
            calls = [dict(c, name=c["name"] + "_x") for c in calls]
            kind = "wrong_func_name"
        else:
            calls = calls + [calls[0]]
            kind = "wrong_count"
        kinds[r["id"]] = kind
        preds.append({"id": r["id"], "calls": calls})
    pfile = tmp / "mutated.jsonl"
    pfile.write_text("".join(json.dumps(p) + "\n" for p in preds))
    out = tmp / "mutated.verdicts.jsonl"
    assert main(["score", str(pfile), "--data", str(data), "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["correct"] == 0
    verdicts = [json.loads(x) for x in out.read_text().splitlines()]
    assert all(v["error_type"] == kinds[v["id"]] for v in verdicts)


def test_contradictions_really_contradict() -> None:
    """Each listed record is checked against its raw BFCL doc, so the list cannot go stale silently."""
    recs = {r["id"]: r for c in ("simple_python", "parallel_multiple", "live_simple", "live_multiple") for r in _read_direct(c)}
    for rid in CONTRADICTIONS:
        r = recs[rid]
        docs = {t["function"]["name"]: t["function"]["parameters"] for t in r["tools"]}
        problems = []
        for item in r["possible_answer"]:
            for fname, params in item.items():
                props, req = docs[fname]["properties"], set(docs[fname].get("required", []))
                problems += [p for p, acc in params.items() if p not in props]  # answer param not in doc
                problems += [p for p in req if p not in params or not any(v != "" for v in params[p])]
        assert problems, rid
