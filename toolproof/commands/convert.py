"""`toolproof convert INPUT -o OUTPUT [--from FORMAT]`: foreign tool-calling datasets -> canonical JSONL.

INPUT is a JSONL / JSON / CSV / Parquet file or a folder written by ``datasets``' ``save_to_disk``.
Records that cannot be converted go to ``<output stem>.quarantine.jsonl`` (one line each:
``{"file", "line", "id", "findings", "record"}``) with the reason; none is dropped silently.
Exit 0 when every record converted, 1 when some were quarantined, 2 for unreadable input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FORMAT_HELP = "auto (default, per record), canonical, sharegpt, xlam, glaive, openai"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "convert",
        help="convert ShareGPT / xLAM / Glaive / OpenAI / HF datasets into canonical JSONL",
        description="Convert a tool-calling dataset into canonical records. Records that cannot be "
        "converted are written to <output stem>.quarantine.jsonl with the reason.",
    )
    p.add_argument("input", metavar="INPUT", help="dataset file (.jsonl/.json/.csv/.parquet) or a save_to_disk folder")
    p.add_argument("-o", "--output", required=True, help="canonical JSONL to write")
    p.add_argument("--from", dest="source", default="auto", metavar="FORMAT", help=FORMAT_HELP)
    p.add_argument("--quarantine", default=None, help="where unconvertible records go (default: <output stem>.quarantine.jsonl)")
    p.add_argument("--split", default=None, help="for a DatasetDict folder: the split to read (default: all)")
    p.set_defaults(func=run)


def quarantine_path(output: Path) -> Path:
    name = output.name
    stem = name[: -len(".jsonl")] if name.endswith(".jsonl") else output.stem
    return output.with_name(f"{stem}.quarantine.jsonl")


def _finding(file: str, line: int, index: int, rid: Any, path: str, message: str, code: str | None,
             name: str) -> dict[str, Any]:
    return {"file": file, "line": line, "record": index, "id": rid, "code": code, "name": name,
            "severity": "error", "path": path, "message": message, "fix": "none"}


def _rid(obj: Any) -> Any:
    if isinstance(obj, dict):
        v = obj.get("id")
        return v if isinstance(v, (str, int)) and not isinstance(v, bool) else None
    return None


# (file label, line, index, parsed object or None, (code, message) when unreadable, the record as read,
#  its exact bytes or None)
Item = tuple[str, int, int, Any, tuple[str, str] | None, Any, bytes | None]


def _items(path: str, split: str | None) -> Iterator[Item]:
    from toolproof.cli import UsageError
    from toolproof.validator.formats.common import ConversionError
    from toolproof.validator.formats.hf import from_hf_row, is_hf_folder, iter_hf_folder
    from toolproof.validator.io import InputError, iter_records

    if os.path.isdir(path):
        if not is_hf_folder(path):
            raise UsageError(f"{path}: a folder, but not one written by datasets' save_to_disk")
        try:
            for k, (sp, row, rec) in enumerate(iter_hf_folder(path, split)):
                yield f"{path}[{sp}]", row, k, rec, None, rec, None
        except ConversionError as e:
            raise UsageError(str(e)) from None
        return
    try:
        parquet = Path(path).suffix.lower() in (".parquet", ".pq")
        for r in iter_records(path, "canonical"):
            if r.obj is None:
                err = r.error
                yield r.file, r.line, r.index, None, (r.code or "TP001", err.message if err else "unreadable"), r.raw, r.data
            else:
                obj = from_hf_row(r.obj) if parquet and isinstance(r.obj, dict) else r.obj
                yield r.file, r.line, r.index, obj, None, r.obj, r.data
    except InputError as e:
        raise UsageError(str(e)) from None


def run(args: argparse.Namespace) -> int:
    from toolproof.cli import UsageError
    from toolproof.validator.cleaner import quarantine_line
    from toolproof.validator.formats import FORMATS, ConversionError, convert_record
    from toolproof.validator.io import InputError, check_readable, iter_units
    from toolproof.validator.safeio import AtomicFile, OutputError, escape_text, refuse_overwrite

    if args.source not in FORMATS:
        raise UsageError(f"--from: unknown format {args.source!r} (choose from {', '.join(FORMATS)})")
    if not os.path.exists(args.input):
        if os.path.islink(args.input):  # a broken link or a link loop: say which
            try:
                check_readable(args.input)
            except InputError as e:
                raise UsageError(str(e)) from None
        raise UsageError(f"{args.input}: no such file or folder")
    out = Path(args.output)
    qpath = Path(args.quarantine) if args.quarantine else quarantine_path(out)
    try:
        refuse_overwrite([("-o", out), ("--quarantine", qpath)], [args.input])
    except OutputError as e:
        raise UsageError(str(e)) from None
    if not os.path.isdir(args.input):  # an unreadable input fails before any output is opened
        try:
            iter_units(args.input, "canonical")
        except InputError as e:
            raise UsageError(str(e)) from None
    sources: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    n_out = n_q = 0
    try:
        fo = AtomicFile(out, "wb")
        fq = AtomicFile(qpath, "wb")
    except OSError as e:
        raise UsageError(f"cannot write {e.filename or out}: {e.strerror or e}") from None
    try:
        for file, line, index, obj, unreadable, raw, data in _items(args.input, args.split):
            if unreadable is not None:
                code, msg = unreadable
                finding = _finding(file, line, index, None, "$", msg, code, "invalid-json")
            else:
                try:
                    rec, source = convert_record(obj, args.source)
                except ConversionError as e:
                    finding = _finding(file, line, index, _rid(obj), e.path, e.message, None, "conversion-failed")
                else:
                    fo.file.write(_line(rec))
                    sources[source] += 1
                    n_out += 1
                    continue
            fq.file.write(quarantine_line(file, line, finding["id"], [finding], _jsonable(raw), data))
            reasons[finding["name"]] += 1
            n_q += 1
            print(f"{escape_text(file)}:{line}: {escape_text(finding['path'])}: {escape_text(finding['message'])}",
                  file=sys.stderr)
        fo.commit()
        if n_q:
            fq.commit()
        else:  # nothing quarantined: no quarantine file is written (and none is deleted)
            fq.discard()
    finally:
        fo.discard()
        fq.discard()
    detail = ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
    print(f"converted {n_out} record(s) to {out}" + (f" ({detail})" if detail else ""))
    if n_q:
        print(f"quarantined {n_q} record(s) to {qpath} (" + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) + ")")
    return 1 if n_q else 0


def _line(rec: Any) -> bytes:
    """One output line, valid UTF-8 (a lone surrogate from a ``\\ud800`` escape stays escaped)."""
    try:
        return json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(rec, ensure_ascii=True).encode("ascii") + b"\n"


def _jsonable(value: Any) -> Any:
    """A value the quarantine line can hold (Parquet / HF rows may carry dates, bytes, ...)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
