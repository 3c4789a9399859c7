"""Hugging Face ``datasets`` folders (``save_to_disk``) and Parquet files, both ways.

``datasets`` and ``pyarrow`` are imported lazily, inside the functions.

Arrow gives every struct the union of the keys it saw: reading back, a call's ``arguments`` carry
the other calls' keys set to ``None`` (and messages carry ``tool_calls: None`` ...). ``from_hf_row``
removes that padding; ``to_hf_dataset`` avoids creating it by storing ``arguments``, ``tools``,
``expected_calls`` and ``possible_answer`` as JSON text (exact: ``datasets``' ``Json`` feature writes
with ujson, which turns floats below 1e-9 into 0.0).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from toolproof.validator.formats.common import ConversionError

# Record fields stored whole as JSON text (their inner shapes differ from record to record).
JSON_TEXT_FIELDS = ("tools", "expected_calls", "possible_answer", "functions", "answers")
ARGUMENTS_TEXT_KEY = "arguments"


def _dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _calls_to_text(msg: Any) -> Any:
    if not isinstance(msg, dict):
        return _dumps(msg)
    out = dict(msg)
    tcs = out.get("tool_calls")
    if isinstance(tcs, list):
        new = []
        for tc in tcs:
            if isinstance(tc, dict) and isinstance(tc.get("function"), dict):
                fn = dict(tc["function"])
                if ARGUMENTS_TEXT_KEY in fn and not isinstance(fn[ARGUMENTS_TEXT_KEY], str):
                    fn[ARGUMENTS_TEXT_KEY] = _dumps(fn[ARGUMENTS_TEXT_KEY])
                new.append({**tc, "function": fn})
            else:
                new.append(tc)
        out["tool_calls"] = new
    return out


def to_hf_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows safe for Arrow: call arguments and the schema-shaped fields as JSON text."""
    rows = []
    for rec in records:
        row = dict(rec)
        if isinstance(row.get("messages"), list):
            row["messages"] = [_calls_to_text(m) for m in row["messages"]]
        for f in JSON_TEXT_FIELDS:
            if f in row and not isinstance(row[f], str):
                row[f] = _dumps(row[f])
        rows.append(row)
    return rows


def to_hf_dataset(records: list[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` of canonical records where different calls' argument keys are never
    merged into one null-padded struct (see the module doc). ``from_hf_row`` reverses it."""
    from datasets import Dataset  # lazy: the validator must not need datasets

    return Dataset.from_list(to_hf_rows(records))


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def _parse_text(value: Any) -> Any:
    if isinstance(value, str):
        t = value.strip()
        if t[:1] in ("[", "{"):
            try:
                return json.loads(t)
            except ValueError:
                return value
    return value


def from_hf_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row read back from Arrow (``datasets`` or Parquet) -> a plain record: JSON-text fields
    parsed, Arrow's null padding removed (``None`` keys in messages other than ``content``, in
    arguments and in tools)."""
    rec: dict[str, Any] = {}
    for k, v in row.items():
        if v is None:
            continue
        if k in JSON_TEXT_FIELDS or k in ("messages", "conversations"):
            v = _parse_text(v)
        rec[k] = v
    for f in ("tools", "functions", "expected_calls", "possible_answer"):
        if f in rec and f != "possible_answer":
            rec[f] = _strip_none(rec[f])
    msgs = rec.get("messages")
    if isinstance(msgs, list):
        clean = []
        for m in msgs:
            if isinstance(m, dict):
                m = {k: v for k, v in m.items() if v is not None or k == "content"}
                if isinstance(m.get("tool_calls"), list):
                    tcs = []
                    for tc in m["tool_calls"]:
                        if isinstance(tc, dict):
                            tc = {k: v for k, v in tc.items() if v is not None}
                            fn = tc.get("function")
                            if isinstance(fn, dict):
                                fn = {k: v for k, v in fn.items() if v is not None}
                                args = fn.get(ARGUMENTS_TEXT_KEY)
                                if isinstance(args, str):
                                    parsed = _parse_text(args)
                                    fn[ARGUMENTS_TEXT_KEY] = parsed if isinstance(parsed, dict) else args
                                elif isinstance(args, dict):
                                    fn[ARGUMENTS_TEXT_KEY] = {k: v for k, v in args.items() if v is not None}
                                tc["function"] = fn
                        tcs.append(tc)
                    m["tool_calls"] = tcs
            clean.append(m)
        rec["messages"] = clean
    return rec


def is_hf_folder(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_dir() and (
        (p / "dataset_info.json").is_file() or (p / "dataset_dict.json").is_file() or (p / "state.json").is_file()
    )


def iter_hf_folder(path: str | os.PathLike[str], split: str | None = None) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(split, 1-based row, record) for a folder written by ``save_to_disk`` (Dataset or DatasetDict)."""
    try:
        from datasets import Dataset, DatasetDict, load_from_disk
    except ImportError as e:
        raise ConversionError(f"{path}: reading a datasets folder needs `datasets` (pip install 'toolproof[train]')") from e
    try:
        ds = load_from_disk(os.fspath(path))
    except Exception as e:
        raise ConversionError(f"{path}: not a folder written by datasets' save_to_disk ({e})") from e
    parts: list[tuple[str, Any]]
    if isinstance(ds, DatasetDict):
        names = [split] if split else list(ds.keys())
        if len(names) > 1:  # never merged: a test split read into training data leaks
            raise ConversionError(f"{path}: several splits ({', '.join(names)}): name one as {os.fspath(path)}@SPLIT or with --split")
        missing = [n for n in names if n not in ds]
        if missing:
            raise ConversionError(f"{path}: no split {missing[0]!r} (splits: {', '.join(ds.keys())})")
        parts = [(n, ds[n]) for n in names]
    elif isinstance(ds, Dataset):
        parts = [(split or "train", ds)]
    else:  # pragma: no cover - load_from_disk returns one of the two
        raise ConversionError(f"{path}: unexpected object from load_from_disk: {type(ds).__name__}")
    for name, d in parts:
        for i, row in enumerate(d, 1):
            yield name, i, from_hf_row(dict(row))


__all__ = ["JSON_TEXT_FIELDS", "from_hf_row", "is_hf_folder", "iter_hf_folder", "to_hf_dataset", "to_hf_rows"]
