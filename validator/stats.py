"""Dataset balance: what a tool-calling dataset teaches, in counts (pure Python).

``dataset_balance(records) -> dict`` with calls per tool, how often each tool is offered, the share
of records without a call, single vs parallel call turns, turns per record, how many calls hold an
argument value grounded nowhere the model could see before the call (rule TP703's judgement,
``validator.grounding.record_grounding``, shared with the rule), and plain-language warnings
about imbalance. Test records (``expected_calls``) count their expected calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from statistics import mean, median
from typing import Any

from toolproof.validator.callsyntax.base import normalize_call, parse_call_payload, scan_tool_call_tags
from toolproof.validator.grounding import message_calls, record_grounding, related, tool_functions
from toolproof.validator.records import user_turns
from toolproof.validator.safeio import escape_text


def _tool_names(record: dict[str, Any]) -> list[str]:
    names = []
    tools = record.get("tools")
    for t in tools if isinstance(tools, list) else []:
        if isinstance(t, dict):
            fn = t.get("function") if isinstance(t.get("function"), dict) else t
            if isinstance(fn.get("name"), str):
                names.append(fn["name"])
    return names


def _call_turns(record: dict[str, Any]) -> list[list[dict[str, Any] | None]]:
    """The calls (``{"name", "arguments"}``, None when malformed) of each assistant turn that calls
    (structured, ``<tool_call>`` markup, or typed as text in another syntax); a test record's ``expected_calls`` when it has no such turn."""
    turns: list[list[dict[str, Any] | None]] = []
    msgs = record.get("messages")
    for m in msgs if isinstance(msgs, list) else []:
        if not isinstance(m, dict) or m.get("role") != "assistant":
            continue
        calls: list[dict[str, Any] | None] = []
        tcs = m.get("tool_calls")
        if isinstance(tcs, list) and tcs:
            calls.extend(normalize_call(tc) for tc in tcs)
        elif isinstance(m.get("content"), str) and "<tool_call>" in m["content"]:
            for b in scan_tool_call_tags(m["content"]).blocks:
                res = parse_call_payload(b.inner)
                calls.extend(res.calls) if res.calls else calls.append(None)
        elif isinstance(m.get("content"), str):  # calls typed as text in another syntax (TP107's reading)
            names = frozenset(_tool_names(record)) or None
            calls.extend({"name": n, "arguments": a} for _p, n, a in message_calls(m, 0, names))
        if calls:
            turns.append(calls)
    if not turns and isinstance(record.get("expected_calls"), list) and record["expected_calls"]:
        turns.append([normalize_call(ec) for ec in record["expected_calls"]])
    return turns


def _dist(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"mean": 0.0, "median": 0.0, "min": 0, "max": 0, "histogram": {}}
    hist = Counter(values)
    return {
        "mean": round(mean(values), 2),
        "median": float(median(values)),
        "min": min(values),
        "max": max(values),
        "histogram": {str(k): hist[k] for k in sorted(hist)},
    }


def dataset_balance(records: Iterable[Any], *, unread: int = 0, read_as: dict[str, int] | None = None) -> dict[str, Any]:
    """Balance statistics of a dataset (see the module doc). Never raises on odd records: values that
    are not records, and objects without a ``messages`` list (a shape that was not read), are counted
    in ``not_records`` and otherwise ignored: they are never counted as records without calls.

    ``unread``: records the reader could not read at all (invalid JSON, TP012), counted by the caller;
    ``read_as``: records per dialect, as the reader read them. Both are reported as they are."""
    n = not_records = 0
    calls_per_tool: Counter[str] = Counter()
    offered: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    no_call = with_calls = single_turns = parallel_turns = parallel_records = multi_turn = near_miss = 0
    answered_no_call = 0  # no-call records with an answer turn: the ones a near miss is judged on
    with_args = unstated = 0  # calls with arguments; those holding a value the user never wrote
    messages_per: list[int] = []
    user_turns_per: list[int] = []
    tools_per: list[int] = []
    calls_per_record: list[int] = []
    for rec in records:
        if not isinstance(rec, dict) or not isinstance(rec.get("messages"), list):
            not_records += 1
            continue
        n += 1
        msgs = rec.get("messages") if isinstance(rec.get("messages"), list) else []
        messages_per.append(len(msgs))
        users = sum(1 for m in msgs if isinstance(m, dict) and m.get("role") == "user")
        user_turns_per.append(users)
        if users >= 2:
            multi_turn += 1
        names = _tool_names(rec)
        tools_per.append(len(names))
        offered.update(set(names))
        if isinstance(rec.get("category"), str):
            categories[rec["category"]] += 1
        turns = _call_turns(rec)
        # rule TP703's judgement (computed once per record, shared with the rule): a call holding a
        # value grounded nowhere the model could see (normalisations, reported as info, left out)
        for _path, _name, missing in record_grounding(rec):
            with_args += 1
            unstated += any(kind is None for _parts, _value, kind in missing)
        total = sum(len(t) for t in turns)
        calls_per_record.append(total)
        if total == 0:
            no_call += 1
            # a decline of a tool that nearly fits (rule TP702's measure): an answer and a related tool
            if any(isinstance(m, dict) and m.get("role") == "assistant" for m in msgs):
                answered_no_call += 1
                near_miss += bool(related("\n".join(user_turns(rec)), tool_functions(rec)))
        else:
            with_calls += 1
        for t in turns:
            calls_per_tool.update(c["name"] if c else "<malformed>" for c in t)
            if len(t) >= 2:
                parallel_turns += 1
            else:
                single_turns += 1
        if any(len(t) >= 2 for t in turns):
            parallel_records += 1
    total_calls = sum(calls_per_tool.values())
    out: dict[str, Any] = {
        "records": n,
        "not_records": not_records,
        "unread": unread,
        "read_as": dict(read_as or {}),
        "calls": total_calls,
        "tools_called": len(calls_per_tool),
        "tools_offered": len(offered),
        "calls_per_tool": dict(sorted(calls_per_tool.items(), key=lambda kv: (-kv[1], kv[0]))),
        "offered_per_tool": dict(sorted(offered.items(), key=lambda kv: (-kv[1], kv[0]))),
        "records_with_calls": with_calls,
        "no_call_records": no_call,
        "no_call_share": round(no_call / n, 4) if n else 0.0,
        "near_miss_records": near_miss,
        "answered_no_call_records": answered_no_call,
        "near_miss_share": round(near_miss / n, 4) if n else 0.0,
        "call_turns": {"single": single_turns, "parallel": parallel_turns},
        "calls_with_arguments": with_args,
        "calls_with_unstated_values": unstated,
        "parallel_records": parallel_records,
        "multi_turn_records": multi_turn,
        "calls_per_record": _dist(calls_per_record),
        "messages_per_record": _dist(messages_per),
        "user_turns_per_record": _dist(user_turns_per),
        "tools_per_record": _dist(tools_per),
        "categories": dict(sorted(categories.items())),
    }
    out["warnings"] = balance_warnings(out)
    return out


def balance_warnings(stats: dict[str, Any]) -> list[str]:
    """Plain-language notes on imbalance (thresholds are rules of thumb, not laws)."""
    warn: list[str] = []
    n = stats["records"]
    missing = stats.get("unread", 0) + stats.get("not_records", 0)
    if n == 0:
        if missing:
            return [f"no record could be read ({missing} unreadable): there are no statistics to report"]
        return ["the dataset has no records"]
    if missing:
        warn.append(f"{missing} record(s) could not be read and are not counted: the numbers cover the {n} read")
    share = stats["no_call_share"]
    if share == 0:
        warn.append("no record answers without a tool call: the model never learns when not to call")
    elif share > 0.5:
        warn.append(f"{share:.0%} of records make no call: tool use is the minority of what is trained")
    if stats["no_call_records"] and not stats.get("answered_no_call_records", stats["no_call_records"]):
        warn.append(f"{stats['no_call_records']} record(s) without a call have no answer turn (a test set?): "
                    "nothing to judge about declines")
    elif stats["no_call_records"] and not stats.get("near_miss_records", 0):
        warn.append("no record without a call offers a tool related to its request: nothing teaches declining a tool "
                    "that nearly fits (toolproof data balance adds such records)")
    if stats["calls"] and stats["call_turns"]["parallel"] == 0:
        warn.append("no parallel calls: the model never sees two calls in one turn")
    per_tool = stats["calls_per_tool"]
    real = {k: v for k, v in per_tool.items() if k != "<malformed>"}
    if len(real) >= 3:
        avg = sum(real.values()) / len(real)
        top, top_n = next(iter(real.items()))
        if top_n > 3 * avg:
            warn.append(f"'{top}' has {top_n} calls, over 3x the mean of {avg:.1f} per tool")
        rare = sorted(k for k, v in real.items() if v < max(2.0, avg / 5))
        if rare:
            warn.append(f"{len(rare)} tool(s) called fewer than {max(2, round(avg / 5))} times: " + ", ".join(rare[:8])
                        + (" ..." if len(rare) > 8 else ""))
    never = sorted(set(stats["offered_per_tool"]) - set(per_tool))
    if never:
        warn.append(f"{len(never)} offered tool(s) never called: " + ", ".join(never[:8]) + (" ..." if len(never) > 8 else ""))
    return warn


def format_balance(stats: dict[str, Any], top: int = 10) -> str:
    """A short plain-text rendering for commands and reports. With no record read it says so instead of
    reporting zero calls."""
    head: list[str] = []
    if stats.get("read_as"):
        head.append("read as: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["read_as"].items(), key=lambda kv: (-kv[1], kv[0]))))
    if stats["records"] == 0 and stats.get("unread", 0) + stats.get("not_records", 0):
        return "\n".join([*head, *(f"warning: {w}" for w in stats["warnings"])])
    lines = [*head,
        f"records: {stats['records']}  calls: {stats['calls']}  tools called/offered: "
        f"{stats['tools_called']}/{stats['tools_offered']}",
        f"no-call records: {stats['no_call_records']} ({stats['no_call_share']:.1%}), near misses "
        f"{stats.get('near_miss_records', 0)} ({stats.get('near_miss_share', 0.0):.1%})  "
        f"call turns single/parallel: {stats['call_turns']['single']}/{stats['call_turns']['parallel']}  "
        f"multi-turn records: {stats['multi_turn_records']}",
        f"messages per record: mean {stats['messages_per_record']['mean']}, max {stats['messages_per_record']['max']}  "
        f"tools per record: mean {stats['tools_per_record']['mean']}",
        f"calls with arguments: {stats['calls_with_arguments']}, holding a value grounded nowhere the model could see "
        f"before the call (rule TP703): {stats['calls_with_unstated_values']}",
    ]
    if stats["calls_per_tool"]:
        items = list(stats["calls_per_tool"].items())
        lines.append("calls per tool: " + ", ".join(f"{escape_text(k)} {v}" for k, v in items[:top])
                     + (" ..." if len(items) > top else ""))
    lines.extend(f"warning: {escape_text(w)}" for w in stats["warnings"])
    return "\n".join(lines)


__all__ = ["balance_warnings", "dataset_balance", "format_balance"]
