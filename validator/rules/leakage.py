"""Dataset rules on overlap: TP503 near-duplicate records inside a dataset, TP504 training prompts
that also appear in a test set (``--against``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from toolproof.validator.findings import FixSafety, Hit, Severity, json_path
from toolproof.validator.records import user_turns
from toolproof.validator.rules.base import Context, rule
from toolproof.validator.rules.dataset import RecordSummary, as_table, near_key, normalize_text, text_digest

FAMILY = "dataset"


@rule("TP503", "near-duplicate-record", severity=Severity.WARNING, fix=FixSafety.NONE, family=FAMILY, scope="dataset")
def near_duplicate_record(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """A record with the same prompt and the same calls as an earlier one, though not an exact copy.

    ## What it does
    Compares each record's user turns (lower-cased, whitespace collapsed, punctuation dropped) and
    its calls (names and arguments, in order). A later record that matches an earlier one on both is
    flagged, naming the first. Exact copies are TP501's business and are not reported again.

    ## Why is this bad?
    Near-copies (same question and answer, a different system prompt, tool order or final wording)
    weight one example several times, and split across train and test they leak the answer while
    looking different to an exact-match check.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [...get_weather(city=Paris)...]}]}
    {"messages": [{"role": "user", "content": "weather in  paris"}, {"role": "assistant", "tool_calls": [...get_weather(city=Paris)...]}]}
    ```

    ## Use instead
    Keep one of them, or vary the prompt so that each record teaches something.

    ## Fix safety
    No fix: which copy to keep is a judgement call.
    """
    t = as_table(summaries)
    if not t.any_repeat("near"):
        return
    per_file = ctx.options.get("duplicates_per_file")
    first: dict[Any, int] = {}
    for pos in range(len(t)):
        near = t.near_of(pos)  # digest of (prompt without punctuation, calls); None: no words
        if near is None:
            continue
        key = (t.file_of(pos), near) if per_file else near
        f = first.setdefault(key, pos)
        if f != pos and t.digest_of(f) != t.digest_of(pos):
            what = "no calls" if t.no_calls_of(pos) else "the same calls"
            yield t.index_of(pos), Hit(
                "$.messages",
                f"same prompt and {what} as {t.where(f)}",
                data=t.first_data(f),
            )


# ------------------------------------------------------------------------------------ TP504


@dataclass(frozen=True, slots=True)
class LeakSource:
    file: str
    line: int
    id: str | None


def _test_sources(against: Any) -> list[Any]:
    if isinstance(against, (str, os.PathLike)):
        return [against]
    if isinstance(against, (list, tuple)):
        if all(isinstance(a, (str, os.PathLike)) for a in against):
            return list(against)
        return [list(against)]  # records given inline (library use, rule cases)
    return []


_LOADED: dict[tuple[Any, ...], dict[str, LeakSource]] = {}


def load_test_prompts(against: Any) -> dict[str, LeakSource]:
    """Normalised user turn -> where it first appears in the test set(s). Test files are read once
    per process while unchanged (the Ray engine runs TP504 once per byte range)."""
    sources = _test_sources(against)
    stamp: tuple[Any, ...] | None = None
    if sources and all(isinstance(s, (str, os.PathLike)) for s in sources):
        try:
            stamp = tuple((os.fspath(s), st.st_mtime_ns, st.st_size) for s in sources for st in [os.stat(s)])
        except OSError:
            stamp = None  # reported by the reader below
        if stamp is not None and stamp in _LOADED:
            return _LOADED[stamp]
    out: dict[str, LeakSource] = {}
    for src in sources:
        if isinstance(src, list):
            rows: Iterable[tuple[str, int, Any]] = (("<against>", i + 1, r) for i, r in enumerate(src))
        else:
            from toolproof.validator.io import iter_records  # lazy: only when --against is given

            rows = ((r.file, r.line, r.obj) for r in iter_records(src) if r.obj is not None)
        for file, line, rec in rows:
            rid = rec.get("id") if isinstance(rec, dict) else None
            rid = str(rid) if isinstance(rid, (str, int)) and not isinstance(rid, bool) else None
            for text in user_turns(rec):
                key = normalize_text(text)
                if key and key not in out:
                    out[key] = LeakSource(os.fspath(file), line, rid)
    if stamp is not None:
        if len(_LOADED) >= 4:
            _LOADED.clear()
        _LOADED[stamp] = out
    return out


@rule("TP504", "test-set-leakage", severity=Severity.ERROR, fix=FixSafety.NONE, family=FAMILY, scope="dataset",
      needs="against")
def test_set_leakage(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """A training prompt that also appears in the test set given with `--against`.

    ## What it does
    Reads the test set named by `toolproof lint TRAIN --against TEST` and flags every training
    record with a user turn equal to a test record's user turn, exactly or after lower-casing and
    collapsing whitespace. Off unless `--against` is given.

    ## Why is this bad?
    A model fine-tuned on test prompts memorises their answers: the evaluation then measures recall,
    not tool use, and a clean-vs-dirty comparison is meaningless.

    ## Example
    `train.jsonl`: `{"messages": [{"role": "user", "content": "What's the weather in Oslo?"}, ...]}`
    and `test.jsonl`: `{"messages": [{"role": "user", "content": "what's the weather in  Oslo?"}], ...}`.

    ## Use instead
    Remove the record from training (or from the test set), or write a new prompt.

    ## Fix safety
    No fix: deciding which side keeps the example is up to you.
    """
    against = ctx.options.get("against")
    if not against:
        return
    prompts = load_test_prompts(against)
    if not prompts:
        return
    by_digest = {text_digest(k): v for k, v in prompts.items()}
    t = as_table(summaries)
    for pos in range(len(t)):
        for mi, d in t.turns_of(pos):
            hit = by_digest.get(d)
            if hit is None:
                continue
            where = f"{hit.file}:{hit.line}" + (f" (id {hit.id})" if hit.id else "")
            yield t.index_of(pos), Hit(
                json_path("messages", mi, "content"),
                f"user prompt also in the test set at {where}",
                data={"test_file": hit.file, "test_line": hit.line, "test_id": hit.id},
            )
            break


__all__ = ["load_test_prompts", "near_duplicate_record", "near_key", "test_set_leakage"]
