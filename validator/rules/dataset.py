"""Dataset rules (TP501-TP502): problems between records, computed from per-record summaries.

The engine calls :func:`summarize` for each record (in its workers) and then each dataset rule
once with all summaries: ``f(summaries, ctx) -> Iterable[(record index, Hit)]``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from evaluator.extract import normalize_call, parse_call_payload, scan_tool_call_tags
from validator.findings import FixSafety, Hit, Severity
from validator.rules.base import Context, rule

FAMILY = "dataset"


@dataclass(frozen=True, slots=True)
class RecordSummary:
    index: int  # 0-based record index in its file
    line: int  # 1-based line (or row) of the record
    id: str | None  # the record's "id" (numbers as text), None when absent
    digest: str  # hash of the canonical JSON of the record without its "id"
    prompt: str  # the user turns' text, lower-cased with whitespace collapsed
    calls: str  # canonical JSON of the record's calls [[name, arguments], ...]
    file: str | None = None  # set by the engine when linting several files
    # (message index, normalised text) of each user turn: TP504 matches turns one by one
    turns: tuple[tuple[int, str], ...] = ()


def canonical_json(value: Any) -> bytes:
    """Canonical JSON (sorted keys, compact). Never raises on parsed JSON values."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr, ensure_ascii=False).encode()


def normalize_text(text: str) -> str:
    """Lower-case with runs of whitespace collapsed to one space."""
    return " ".join(text.split()).lower()


def _markup_calls(content: str, calls: list[list[Any]]) -> None:
    for b in scan_tool_call_tags(content).blocks:
        for c in parse_call_payload(b.inner).calls:
            calls.append([c["name"], c["arguments"]])


def summarize(record: Any, index: int, line: int) -> RecordSummary:
    """The per-record facts the dataset rules need. Never raises."""
    rid: str | None = None
    body: Any = record
    prompts: list[str] = []
    turns: list[tuple[int, str]] = []
    calls: list[list[Any]] = []
    if isinstance(record, dict):
        raw_id = record.get("id")
        if isinstance(raw_id, str) and raw_id:
            rid = raw_id
        elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
            rid = str(raw_id)
        if "id" in record:
            body = {k: v for k, v in record.items() if k != "id"}
        msgs = record.get("messages")
        if isinstance(msgs, list):
            for mi, m in enumerate(msgs):
                if not isinstance(m, dict):
                    continue
                role = m.get("role")
                content = m.get("content")
                if role == "user":
                    if isinstance(content, str):
                        prompts.append(content)
                        turns.append((mi, normalize_text(content)))
                elif role == "assistant":
                    tcs = m.get("tool_calls")
                    if isinstance(tcs, list) and tcs:
                        for tc in tcs:
                            c = normalize_call(tc)
                            if c is not None:
                                calls.append([c["name"], c["arguments"]])
                    elif isinstance(content, str) and "<tool_call>" in content:
                        _markup_calls(content, calls)
        if not calls and isinstance(record.get("expected_calls"), list):  # a test record's answer
            for ec in record["expected_calls"]:
                c = normalize_call(ec)
                if c is not None:
                    calls.append([c["name"], c["arguments"]])
    digest = hashlib.blake2b(canonical_json(body), digest_size=16).hexdigest()
    return RecordSummary(
        index=index,
        line=line,
        id=rid,
        digest=digest,
        prompt=normalize_text("\n".join(prompts)),
        calls=canonical_json(calls).decode(),
        turns=tuple(turns),
    )


def _where(s: RecordSummary) -> str:
    loc = f"line {s.line}" if s.file is None else f"{s.file}:{s.line}"
    return f"record {s.index} ({loc})"


@rule("TP501", "duplicate-record", severity=Severity.WARNING, fix=FixSafety.SAFE, family=FAMILY, scope="dataset")
def duplicate_record(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """A record that repeats an earlier record exactly (ignoring its `id`).

    ## What it does
    Hashes the canonical JSON of each record (sorted keys, `id` left out) and flags every later
    copy, naming the first one.

    ## Why is this bad?
    Duplicates weight some examples more than others and inflate the apparent dataset size; across
    a train/test split they leak answers.

    ## Example
    Two lines with the same messages and tools (ids `a1` and `a7`).

    ## Use instead
    Keep one copy.

    ## Fix safety
    Safe: later copies are dropped; the first is kept unchanged.
    """
    first: dict[tuple[str | None, str], RecordSummary] = {}
    for s in summaries:
        key = (s.file, s.digest) if ctx.options.get("duplicates_per_file") else (None, s.digest)
        f = first.get(key)
        if f is None:
            first[key] = s
        else:
            yield s.index, Hit("$", f"duplicate of {_where(f)}", data={"first": f.index, "first_line": f.line})


@rule("TP502", "duplicate-id", severity=Severity.WARNING, fix=FixSafety.SAFE, family=FAMILY, scope="dataset")
def duplicate_id(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """Two different records with the same `id`.

    ## What it does
    Flags every later record whose `id` repeats an earlier record's `id` (exact copies are left to
    TP501).

    ## Why is this bad?
    Reports, quarantine files and evaluation results are keyed by id; a repeated id makes findings
    and scores point at the wrong record.

    ## Example
    ```json
    {"id": "q1", "messages": [...weather...]}
    {"id": "q1", "messages": [...flights...]}
    ```

    ## Use instead
    Unique ids (`q1`, `q1-2`).

    ## Fix safety
    Safe: later ids get a suffix (`q1-2`); record contents are unchanged.
    """
    first: dict[tuple[str | None, str], RecordSummary] = {}
    for s in summaries:
        if s.id is None:
            continue
        key = (s.file, s.id) if ctx.options.get("duplicates_per_file") else (None, s.id)
        f = first.get(key)
        if f is None:
            first[key] = s
        elif f.digest != s.digest:
            yield s.index, Hit("$.id", f"id '{s.id}' already used by {_where(f)}", data={"first": f.index, "first_line": f.line})


__all__ = ["RecordSummary", "canonical_json", "duplicate_id", "duplicate_record", "normalize_text", "summarize"]
