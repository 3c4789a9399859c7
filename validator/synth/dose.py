"""Controlled defects for dose-response experiments: one defect kind in a chosen share of a clean file.

Which defects hurt a fine-tune, and by how much, is measured by training the same recipe on the same
clean data with one kind of defect put back at a known rate (``experiments/dose.yaml``; the
``inject-KIND-PCT`` arm kinds of ``toolproof compare``). This module makes those files: it reads a
canonical JSONL file, picks ``round(rate * records)`` records that can carry the defect (uniformly, from
a seeded generator), rewrites them with the synthetic generator's injectors (which read each tool's
schema from the record's own ``tools``, so any canonical record works, not only the catalog's) and
writes every other line byte for byte. The report says how many records were eligible and changed, so
a rate that the data cannot reach is visible, not silently lower.

Kinds, one per rule family (the codes lint reports on a changed record):

==================  ==========================================================  ===============
kind                what is changed                                             codes
==================  ==========================================================  ===============
markup_in_content   a turn's calls typed as ``<tool_call>`` JSON in the content   TP105
broken_tags         the same with the last block's close tag lost                  TP101, TP105
empty_calls         a call turn's ``tool_calls`` emptied, what followed dropped     TP201
string_arguments    one call's arguments an encoded JSON string                    TP203
schema_violation    one call: a required argument dropped, a wrong type, a value   TP301-TP304
                    outside its enum, or an undeclared argument (in turn)
undeclared_tool     one call names a tool the record does not declare              TP206
no_no_call          records that make no call are dropped (rate: share of them)    TP701
==================  ==========================================================  ===============
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolproof.validator.synth.generator import _call_turn_indices, _eligible, _inject

Record = dict[str, Any]

#: kind -> (the generator's defect kinds it draws from, in turn; the codes lint reports)
DOSE_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "markup_in_content": (("markup_in_content",), ("TP105",)),
    "broken_tags": (("unbalanced_tag",), ("TP101", "TP105")),
    "empty_calls": (("empty_tool_calls",), ("TP201",)),
    "string_arguments": (("arguments_double_encoded",), ("TP203",)),
    "schema_violation": (
        ("missing_required_argument", "wrong_argument_type", "enum_violation", "extra_argument"),
        ("TP301", "TP302", "TP303", "TP304"),
    ),
    "undeclared_tool": (("undeclared_tool",), ("TP206",)),
    "no_no_call": ((), ("TP701",)),
}


@dataclass
class DoseReport:
    kind: str
    rate: float  # asked: the share of all records to change (no_no_call: of the no-call records to drop)
    seed: int
    records_in: int
    eligible: int
    changed: int  # records rewritten (no_no_call: dropped)
    records_out: int
    actual_rate: float  # changed / records_in (no_no_call: dropped / no-call records)
    codes: list[str]
    by_defect: dict[str, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)  # the changed records' ids, for checking lint against

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _makes_no_call(rec: Record) -> bool:
    return not _call_turn_indices(rec) and any(m.get("role") == "assistant" for m in rec.get("messages") or [])


def _can_carry(rec: Record, defects: tuple[str, ...]) -> list[str]:
    return [d for d in defects if _eligible(rec, d)]


def inject_file(src: str | Path, dst: str | Path, kind: str, rate: float, *, seed: int = 0) -> DoseReport:
    """Write `src` to `dst` with defect `kind` in a share `rate` of its records (see the module doc)."""
    if kind not in DOSE_KINDS:
        raise ValueError(f"unknown defect kind {kind!r} (known: {', '.join(DOSE_KINDS)})")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be between 0 and 1, not {rate}")
    defects, codes = DOSE_KINDS[kind]
    lines = Path(src).read_bytes().splitlines(keepends=True)
    records: list[Record | None] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            records.append(None)
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise ValueError(f"{src}:{n}: not a JSON record ({e}): inject into a cleaned canonical file") from e
        records.append(rec if isinstance(rec, dict) and isinstance(rec.get("messages"), list) else None)
    real = [i for i, r in enumerate(records) if r is not None]
    rng = random.Random(f"{seed}:{kind}:{rate}")
    if kind == "no_no_call":
        pool = [i for i in real if _makes_no_call(records[i])]  # type: ignore[arg-type]
        want = round(rate * len(pool))
    else:
        pool = [i for i in real if _can_carry(records[i], defects)]  # type: ignore[arg-type]
        want = min(round(rate * len(real)), len(pool))
    chosen = set(rng.sample(pool, want)) if want else set()
    out: list[bytes] = []
    by_defect: dict[str, int] = {}
    ids: list[str] = []
    turn = 0
    for i, line in enumerate(lines):
        rec = records[i]
        if i not in chosen or rec is None:
            out.append(line)
            continue
        ids.append(str(rec.get("id", f"line {i + 1}")))
        if kind == "no_no_call":
            continue
        options = _can_carry(rec, defects)
        defect = options[turn % len(options)] if len(defects) > 1 else options[0]
        turn += 1
        by_defect[defect] = by_defect.get(defect, 0) + 1
        out.append((json.dumps(_inject(rec, defect, rng), ensure_ascii=False) + "\n").encode("utf-8"))
    Path(dst).write_bytes(b"".join(out))
    n_in = len(real)
    base = len(pool) if kind == "no_no_call" else n_in
    return DoseReport(
        kind=kind, rate=rate, seed=seed, records_in=n_in, eligible=len(pool), changed=len(chosen),
        records_out=n_in - (len(chosen) if kind == "no_no_call" else 0),
        actual_rate=round(len(chosen) / base, 4) if base else 0.0, codes=list(codes), by_defect=by_defect, ids=ids,
    )  # fmt: skip


__all__ = ["DOSE_KINDS", "DoseReport", "inject_file"]
