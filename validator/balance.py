"""The balance repair: add near-miss irrelevance records made from the data's own records.

``balance_records(records, share=, seed=)`` returns the records to add and what it did;
``balance_file(IN, OUT, ...)`` writes IN's records (canonical JSONL) followed by the added ones.

The method is xlam-irrelevance's (Salesforce; Hammer trains on it): take a record that calls a tool,
keep the conversation up to its first calling turn, drop every tool the record calls from the offered
tools, keep the others, and answer with a short decline that names what is missing. The added record
is a *near miss* (rule TP702's measure, ``validator.grounding.related``) when a kept tool shares a
content word with the request; when none does, the most related tool of the data's own tool pool is
offered besides them ("borrowed": most shared words, a word of its name or description counting twice
one of its parameter names; ties by name). A tool that could stand in for a dropped one (its parameters
include every argument the dropped call passes, or its name shares a word with the dropped tool's after
the leading verb, or one word starts the other: ``fetch_news`` for ``get_news_headlines``,
``calculate_discount`` for ``calculate_discounted_price``) is never borrowed, and a source that keeps
one is skipped, so that the decline stays right.

Records are added until near-miss decline records make up ``share`` of the training records (those
with an assistant turn). Sources whose request is already the prompt of a no-call record are skipped
(no near-duplicates, TP503), so balancing balanced output at the same share adds nothing. Every added
record carries ``"origin": "balance"``, ``"source_id"`` and ``"balance": {"dropped", "borrowed"}``.
Deterministic for a seed. The records are held in memory (one list of parsed records).
"""

from __future__ import annotations

import copy
import math
import os
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolproof.validator.errors import ToolproofError
from toolproof.validator.grounding import (
    STOP_WORDS,
    content_words,
    related,
    stem_word,
    tool_words,
    words,
)
from toolproof.validator.rules.dataset import near_key, normalize_text, summarize

DEFAULT_SHARE = 0.15
DECLINES = (
    "I'm sorry, I can't help with that: none of the available tools can do it. It would need a tool for {what}.",
    "I can't do this with the tools I have. This request needs a tool for {what}, and none is available.",
    "None of the available tools fits this request (it needs a tool for {what}), so I can't complete it.",
)


class BalanceError(ToolproofError):
    """Input that cannot be balanced (the message names the file and line)."""


@dataclass
class Added:
    id: str
    source_id: str
    source_line: int
    dropped: list[str]
    kept: list[str]  # the offered tools kept (the related ones first)
    borrowed: list[str]


@dataclass
class BalanceResult:
    records_in: int = 0
    training_records: int = 0  # records with an assistant turn
    no_call_before: int = 0
    near_miss_before: int = 0
    share: float = DEFAULT_SHARE
    seed: int = 0
    wanted: int = 0
    added: list[Added] = field(default_factory=list)
    # why calling records could not be used (no user turn before the call, prompt already a decline, ...)
    skipped: Counter[str] = field(default_factory=Counter)
    input: str | None = None
    output: str | None = None

    @property
    def near_miss_after(self) -> int:
        return self.near_miss_before + len(self.added)

    @property
    def records_out(self) -> int:
        return self.records_in + len(self.added)

    def to_dict(self) -> dict[str, Any]:
        n_after = self.training_records + len(self.added)
        return {
            "input": self.input,
            "output": self.output,
            "records_in": self.records_in,
            "records_out": self.records_out,
            "training_records": self.training_records,
            "share": self.share,
            "seed": self.seed,
            "no_call_before": self.no_call_before,
            "near_miss_before": self.near_miss_before,
            "near_miss_share_before": round(self.near_miss_before / self.training_records, 4) if self.training_records else 0.0,
            "wanted": self.wanted,
            "added": len(self.added),
            "added_kept_related": sum(1 for a in self.added if not a.borrowed),
            "added_borrowed": sum(1 for a in self.added if a.borrowed),
            "near_miss_share_after": round(self.near_miss_after / n_after, 4) if n_after else 0.0,
            "dropped_tools": dict(Counter(t for a in self.added for t in a.dropped).most_common()),
            "skipped": dict(sorted(self.skipped.items())),
            "records": [asdict(a) for a in self.added],
        }


def _fn_of(tool: Any) -> dict[str, Any] | None:
    if isinstance(tool, dict):
        fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        if isinstance(fn.get("name"), str):
            return fn
    return None


def _record_id(rec: dict[str, Any], stem: str, line: int) -> str:
    rid = rec.get("id")
    if isinstance(rid, str) and rid:
        return rid
    if isinstance(rid, int) and not isinstance(rid, bool):
        return str(rid)
    return f"{stem}:{line}"


def _first_calling_turn(msgs: list[Any]) -> tuple[int, list[dict[str, Any]]] | None:
    """(index, calls as {"name", "arguments"}) of the first assistant message with structured calls."""
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") != "assistant":
            continue
        tcs = m.get("tool_calls")
        if isinstance(tcs, list) and tcs:
            calls = []
            for tc in tcs:
                fn = tc.get("function") if isinstance(tc, dict) and isinstance(tc.get("function"), dict) else tc
                if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                    return None
                calls.append({"name": fn["name"], "arguments": fn.get("arguments")})
            return i, calls
        if isinstance(m.get("content"), str) and "<tool_call>" in m["content"]:
            return None  # markup calls: clean the data first
    return None


def _all_called(msgs: list[Any]) -> set[str]:
    names = set()
    for m in msgs:
        if isinstance(m, dict) and m.get("role") == "assistant" and isinstance(m.get("tool_calls"), list):
            for tc in m["tool_calls"]:
                fn = tc.get("function") if isinstance(tc, dict) and isinstance(tc.get("function"), dict) else tc
                if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                    names.add(fn["name"])
    return names


def _param_names(fn: dict[str, Any]) -> set[str]:
    params = fn.get("parameters")
    props = params.get("properties") if isinstance(params, dict) else None
    return {str(k) for k in props} if isinstance(props, dict) else set()


def _name_nouns(name: str) -> set[str]:
    """The words of a tool name after its leading verb ("calculate_loan_payment" -> loan, payment)."""
    ws = words(name)
    return {stem_word(w) for w in (ws[1:] if len(ws) > 1 else ws) if w not in STOP_WORDS and not w.isdigit()}


def _could_stand_in(fn: dict[str, Any], calls: list[dict[str, Any]]) -> bool:
    """Whether ``fn`` might do a dropped call's job: it takes every argument the call passes, or its
    name shares a word with the call's after the verb (``calculate_loan_emis`` for
    ``calculate_loan_payment``, ``fetch_news`` for ``get_news_headlines``)."""
    names = _param_names(fn)
    nouns = _name_nouns(fn["name"]) if isinstance(fn.get("name"), str) else set()
    for c in calls:
        args = c.get("arguments")
        if isinstance(args, dict) and args and set(map(str, args)) <= names:
            return True
        if _share_a_word(nouns, _name_nouns(c["name"])):
            return True
    return False


def _share_a_word(a: set[str], b: set[str]) -> bool:
    """A word in both, or one a prefix of the other ("discount" and "discounted"; four letters at least)."""
    return bool(a & b) or any(
        (x.startswith(y) or y.startswith(x)) and min(len(x), len(y)) >= 4 for x in a for y in b
    )


def _what(fns: list[dict[str, Any]]) -> str:
    parts = []
    for fn in fns:
        desc = fn.get("description")
        text = ""
        if isinstance(desc, str) and desc.strip():
            text = " ".join(desc.split()).split(". ")[0].rstrip(". ")
            if len(text) > 100:
                text = text[:97].rstrip() + "..."
            if text[:1].isupper() and not text[1:2].isupper():
                text = text[0].lower() + text[1:]
        if not text:
            text = " ".join(w for w in fn["name"].replace("-", "_").split("_") if w)
        parts.append(f'"{text}"')
    if len(parts) <= 1:
        return parts[0] if parts else "this"
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _request(msgs: list[Any]) -> str:
    return "\n".join(
        m["content"] for m in msgs if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
    )


@dataclass
class _Candidate:
    pos: int
    priority: int
    key: str


def balance_records(
    records: Sequence[Any],
    *,
    share: float = DEFAULT_SHARE,
    seed: int = 0,
    lines: Sequence[int] | None = None,
    stem: str = "record",
) -> tuple[list[dict[str, Any]], BalanceResult]:
    """The near-miss records to add to ``records`` (parsed records, in file order) and a report.

    ``lines`` are the records' lines (for source ids of records without an id, ``stem:line``).
    Raises ValueError for a share outside [0, 1).
    """
    if not 0.0 <= share < 1.0:
        raise ValueError(f"share must be at least 0 and below 1, got {share}")
    res = BalanceResult(share=share, seed=seed, records_in=len(records))
    line_of = list(lines) if lines is not None else [i + 1 for i in range(len(records))]
    used_keys: set[str] = set()
    used_ids: set[str] = set()
    pool: dict[str, Any] = {}  # tool name -> the first tool entry offering it
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            continue
        if isinstance(rec.get("id"), (str, int)) and not isinstance(rec.get("id"), bool):
            used_ids.add(str(rec["id"]))
        for t in rec.get("tools") if isinstance(rec.get("tools"), list) else []:
            fn = _fn_of(t)
            if fn is not None:
                pool.setdefault(fn["name"], t)
        s = summarize(rec, i, line_of[i], turns=False)
        if not s.trains:
            continue
        res.training_records += 1
        if s.no_calls:
            res.no_call_before += 1
            res.near_miss_before += s.near_miss
            key = near_key(normalize_text(_request(rec.get("messages") or [])))
            if key:
                used_keys.add(key)
    n, near = res.training_records, res.near_miss_before
    res.wanted = max(0, math.ceil((share * n - near) / (1 - share) - 1e-9)) if n else 0
    if res.wanted == 0:
        return [], res

    pool_fns = {name: _fn_of(t) for name, t in pool.items()}
    # words of each pool tool: (name and description, parameter names too)
    pool_words = {name: (tool_words(fn, params=False), tool_words(fn)) for name, fn in pool_fns.items() if fn is not None}
    cands: list[_Candidate] = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or rec.get("origin") == "balance":
            continue
        msgs = rec.get("messages")
        if not isinstance(msgs, list):
            continue
        first = _first_calling_turn(msgs)
        if first is None:
            continue
        at, calls = first
        request = _request(msgs[:at])
        key = near_key(normalize_text(request))
        if not key:
            res.skipped["no user text before the call"] += 1
            continue
        if key in used_keys:
            res.skipped["prompt already a no-call record"] += 1
            continue
        cands.append(_Candidate(i, 2 if len(calls) > 1 else 0, key))
    rng = random.Random(seed)
    rng.shuffle(cands)
    cands.sort(key=lambda c: c.priority)  # stable: single-call sources first, shuffled within

    added: list[dict[str, Any]] = []
    for c in cands:
        if len(added) >= res.wanted:
            break
        if c.key in used_keys:
            res.skipped["same prompt as another source"] += 1
            continue
        rec = records[c.pos]
        msgs = rec["messages"]
        at, calls = _first_calling_turn(msgs)  # type: ignore[misc]
        called = _all_called(msgs)
        tools = rec.get("tools") if isinstance(rec.get("tools"), list) else []
        kept = [t for t in tools if (_fn_of(t) or {}).get("name") not in called and _fn_of(t) is not None]
        request = _request(msgs[:at])
        kept_fns = [_fn_of(t) for t in kept]
        if any(_could_stand_in(fn, calls) for fn in kept_fns if fn is not None):  # type: ignore[arg-type]
            res.skipped["a kept tool could stand in for the dropped one"] += 1
            continue
        rel = related(request, kept_fns)  # type: ignore[arg-type]
        borrowed: list[Any] = []
        if not rel:
            req_words = content_words(request)
            offered = {(_fn_of(t) or {}).get("name") for t in tools}
            best: tuple[int, str] | None = None
            for name, (doc_words, all_words) in pool_words.items():
                if name in called or name in offered:
                    continue
                # a word shared with the name or description weighs twice one shared with a parameter name
                overlap = len(req_words & doc_words) + len(req_words & all_words)
                if overlap and not _could_stand_in(pool_fns[name], calls):  # type: ignore[arg-type]
                    if best is None or (-overlap, name) < (-best[0], best[1]):
                        best = (overlap, name)
            if best is None:
                res.skipped["no related tool to offer"] += 1
                continue
            borrowed = [copy.deepcopy(pool[best[1]])]
        dropped_fns = []
        for name in dict.fromkeys(c_["name"] for c_ in calls):
            fn = next((f for f in (_fn_of(t) for t in tools) if f is not None and f["name"] == name), None)
            dropped_fns.append(fn if fn is not None else {"name": name})
        sid = _record_id(rec, stem, line_of[c.pos])
        new_id = f"{sid}:balance"
        k = 2
        while new_id in used_ids:
            new_id = f"{sid}:balance{k}"
            k += 1
        used_ids.add(new_id)
        used_keys.add(c.key)
        decline = rng.choice(DECLINES).format(what=_what(dropped_fns))
        prefix = [copy.deepcopy(m) for m in msgs[:at]]
        out_tools = [copy.deepcopy(t) for t in kept] + borrowed
        added.append(
            {
                "id": new_id,
                "messages": [*prefix, {"role": "assistant", "content": decline}],
                "tools": out_tools,
                "origin": "balance",
                "source_id": sid,
                "balance": {"dropped": [f["name"] for f in dropped_fns], "borrowed": [(_fn_of(t) or {})["name"] for t in borrowed]},
            }
        )
        res.added.append(
            Added(new_id, sid, line_of[c.pos], [f["name"] for f in dropped_fns], [(_fn_of(t) or {})["name"] for t in kept],
                  [(_fn_of(t) or {})["name"] for t in borrowed])
        )
    return added, res


def balance_file(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    share: float = DEFAULT_SHARE,
    seed: int = 0,
    input_format: str | None = None,
) -> BalanceResult:
    """Write ``input``'s records (canonical JSONL) and the added near-miss records to ``output``.

    Raises :class:`BalanceError` for an output that is the input, an input with no record (the output
    would be empty), or a record that does not parse (``toolproof clean`` first), and ValueError for a
    bad share. Nothing is written then.
    """
    from toolproof.validator.cleaner import dumps_line
    from toolproof.validator.io import InputError, iter_records
    from toolproof.validator.safeio import OutputError, atomic_writer, refuse_overwrite

    src, dst = Path(input), Path(output)
    if not src.is_file():
        raise BalanceError(f"{src}: no such file")
    if dst.is_dir():
        raise BalanceError(f"{dst}: is a directory")
    try:
        refuse_overwrite([("-o", dst)], [src])
    except OutputError:
        raise BalanceError(f"{dst}: is the input (symlinks followed); write the balanced data to another file") from None
    records: list[Any] = []
    lines: list[int] = []
    kept: list[bytes | None] = []
    try:
        for r in iter_records(src, input_format):
            if r.error is not None or r.obj is None:
                msg = r.error.message if r.error is not None else "record did not parse"
                raise BalanceError(f"{r.file}:{r.line}: {msg} (run `toolproof clean` first)")
            repeated = [h for code, h in r.extra if code == "TP011"]
            if repeated:  # rewriting would silently keep one of the values
                raise BalanceError(f"{r.file}:{r.line}: {repeated[0].path}: {repeated[0].message} "
                                   "(run `toolproof clean` first)")
            records.append(r.obj)
            lines.append(r.line)
            # a record read as it is written keeps its bytes (big integers, number spellings)
            kept.append(r.data if r.data is not None and r.source_format == "canonical" and not r.notes else None)
    except InputError as e:
        raise BalanceError(str(e)) from e
    if not records:  # an empty output handed to a training job trains on nothing: say so, write nothing
        raise BalanceError(f"{src}: no records: nothing to balance, the output would be empty")
    added, res = balance_records(records, share=share, seed=seed, lines=lines, stem=src.stem)
    res.input, res.output = os.fspath(src), os.fspath(dst)
    with atomic_writer(dst) as f:
        for rec, data in zip(records, kept, strict=True):
            f.write(dumps_line(rec) if data is None else data.rstrip(b"\r\n") + b"\n")
        for rec in added:
            f.write(dumps_line(rec))
    return res


def format_balance_result(res: BalanceResult) -> str:
    """Plain-text lines for commands (tool names and ids from the data are escaped)."""
    from toolproof.validator.safeio import escape_text

    d = res.to_dict()
    lines = [
        f"{d['training_records']} training records: {d['no_call_before']} without a call, {d['near_miss_before']} of them "
        f"near misses ({d['near_miss_share_before']:.1%}); target {res.share:.0%}",
        f"added {d['added']} near-miss records (wanted {d['wanted']}): {d['added_kept_related']} keep a related tool of "
        f"their source, {d['added_borrowed']} offer a related tool borrowed from the data's tools; near misses now "
        f"{d['near_miss_share_after']:.1%}",
    ]
    if d["dropped_tools"]:
        top = list(d["dropped_tools"].items())[:8]
        lines.append("made from calls of: " + ", ".join(f"{escape_text(k)} {v}" for k, v in top) + (" ..." if len(d["dropped_tools"]) > 8 else ""))
    if res.added:
        lines.append("sources: " + ", ".join(escape_text(a.source_id) for a in res.added[:8]) + (" ..." if len(res.added) > 8 else ""))
    if d["skipped"] and d["added"] < d["wanted"]:
        lines.append("calling records not used: " + ", ".join(f"{k} {v}" for k, v in d["skipped"].items()))
    return "\n".join(lines)


__all__ = ["DECLINES", "DEFAULT_SHARE", "Added", "BalanceError", "BalanceResult", "balance_file", "balance_records",
           "format_balance_result"]
