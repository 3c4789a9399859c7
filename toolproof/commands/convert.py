"""`toolproof convert INPUT -o OUTPUT [--from FORMAT] [--to FORMAT]`: foreign tool-calling datasets ->
canonical JSONL, and canonical records -> the formats trainers read (``--to openai|sharegpt|llamafactory|trl|
axolotl``, ``validator.formats.writers``).

INPUT is a JSONL / JSON / CSV / Parquet file or a folder written by ``datasets``' ``save_to_disk``.
Each record is read through the dialect registry (``validator.formats``: the same detection every
command uses), converted to the canonical record, and counted per dialect: read / converted /
quarantined, with what the conversion did ("call arguments decoded from JSON text" ...). Records that
cannot be read go to ``<output stem>.quarantine.jsonl`` (one line each: ``{"file", "line", "id",
"findings", "record"}``) with the reason; none is dropped silently and none is counted as converted.
Exit 0 when every record converted, 1 when some were quarantined (0 with ``--allow-unread``), 1 when
nothing converted or less than ``--min-kept`` (``min-kept`` in ``[tool.toolproof]``) of the records
did (whatever ``--allow-unread`` says), 2 for unreadable input.
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


def _format_help() -> str:
    from toolproof.validator.formats import DIALECTS

    return "auto (default: detect each record's dialect) or one of " + ", ".join(DIALECTS)


def _writers() -> list[str]:
    from toolproof.validator.formats.writers import WRITERS

    return list(WRITERS)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "convert",
        help="convert ShareGPT / LLaMA-Factory / OpenAI / Anthropic / Hermes / ToolACE / xLAM / Glaive / HF datasets into canonical JSONL",
        description="Convert a tool-calling dataset into canonical records. Records that cannot be "
        "converted are written to <output stem>.quarantine.jsonl with the reason.",
    )
    p.add_argument("input", metavar="INPUT", help="dataset file (.jsonl/.json/.csv/.parquet, .jsonl.gz/.jsonl.zst), "
                   "a save_to_disk folder, or - for JSON Lines on standard input")
    p.add_argument("-o", "--output", required=True, help="canonical JSONL to write")
    p.add_argument("--from", "--input-format", dest="source", default="auto", metavar="FORMAT", help=_format_help())
    p.add_argument("--to", dest="target", default="canonical", choices=["canonical", *_writers()],
                   help="format to write (default canonical): openai (fine-tuning JSONL, string arguments, "
                   "tool_call_id on every tool message), sharegpt / llamafactory (conversations + the dataset_info.json "
                   "entry; llamafactory writes dataset_info.json beside OUTPUT when none is there), trl, axolotl "
                   "(chat_template; prints the config entry)")
    p.add_argument("--allow-unread", action="store_true",
                   help="exit 0 even when some records could not be read (they are still quarantined)")
    p.add_argument("--quarantine", default=None, help="where unconvertible records go (default: <output stem>.quarantine.jsonl)")
    p.add_argument("--split", default=None, metavar="SPLIT",
                   help="the split of a datasets folder to read (the same as INPUT@SPLIT); a folder with several splits needs one")
    from toolproof.commands.clean import add_min_kept

    add_min_kept(p)
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


def _items(path: str, split: str | None, label: str | None = None) -> Iterator[Item]:
    from toolproof.commands._common import UsageError
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
        for r in iter_records(path, "canonical", file=label):
            if r.obj is None:
                err = r.error
                yield r.file, r.line, r.index, None, (r.code or "TP001", err.message if err else "unreadable"), r.raw, r.data
            else:
                obj = from_hf_row(r.obj) if parquet and isinstance(r.obj, dict) else r.obj
                yield r.file, r.line, r.index, obj, None, r.obj, r.data
    except InputError as e:
        raise UsageError(str(e)) from None


def summary_lines(read: Counter[str], converted: Counter[str], quarantined: Counter[str], did: Counter[str]) -> list[str]:
    """One line per dialect: read / converted / quarantined; then what the conversion did."""
    lines = []
    for name, n in sorted(read.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {name}: read {n}, converted {converted.get(name, 0)}, quarantined {quarantined.get(name, 0)}")
    if did:
        lines.append("conversion (records):")
        lines.extend(f"  {k}: {v}" for k, v in sorted(did.items(), key=lambda kv: (-kv[1], kv[0])))
    return lines


def _split_input(args: argparse.Namespace) -> None:
    """``INPUT@SPLIT`` and ``--split`` name the same thing: one split, read alone."""
    from toolproof.validator.io import _hf_split

    path, given = _hf_split(args.input)
    if given is not None:
        if args.split not in (None, given):
            from toolproof.commands._common import UsageError

            raise UsageError(f"{args.input}: names split {given!r} but --split says {args.split!r}")
        args.input, args.split = path, given


def _on_storage(path: str | None) -> bool:
    """A URI on object storage or a remote filesystem (``hf://`` names a hub dataset here, read as ever)."""
    from toolproof.validator.uris import scheme

    return path is not None and scheme(path) not in (None, "hf")


def _quarantine_name(output: str) -> str:
    """``quarantine_path`` for a URI too (``Path`` would fold its ``//``)."""
    head, _, name = output.rpartition("/")
    return f"{head}/{quarantine_path(Path(name)).name}" if head else os.fspath(quarantine_path(Path(output)))


def _run_on_storage(args: argparse.Namespace) -> int:
    """``convert`` with URIs (``s3://``, ``gs://``, ``hdfs://``): a URI input is copied to a temporary
    folder and converted there under its URI's name, and a URI output or quarantine is written there
    and uploaded whole when the run ends (an object appears only complete)."""
    import tempfile

    from toolproof.commands._common import UsageError
    from toolproof.validator.io import InputError
    from toolproof.validator.uris import download, locate, stat, upload

    quarantine = args.quarantine or _quarantine_name(args.output)
    if args.input in (args.output, quarantine):
        raise UsageError(f"-o {args.output}: refusing to write over the input {args.input}; choose another path")
    if args.target == "llamafactory" and _on_storage(args.output):
        raise UsageError("--to llamafactory writes dataset_info.json beside OUTPUT: give a local OUTPUT")
    with tempfile.TemporaryDirectory(prefix="toolproof-convert-") as tmp:
        local = {name: os.path.join(tmp, name, os.path.basename(path.rstrip("/")) or name) if _on_storage(path) else path
                 for name, path in (("input", args.input), ("output", args.output), ("quarantine", quarantine))}
        try:
            remote = {name: locate(path) for name, path in (("input", args.input), ("output", args.output),
                                                            ("quarantine", quarantine)) if _on_storage(path)}
            if "input" in remote:
                stat(remote["input"])
                download(remote["input"], local["input"])
        except InputError as e:
            raise UsageError(str(e)) from None
        for name in ("output", "quarantine"):
            os.makedirs(os.path.dirname(local[name]) or ".", exist_ok=True)
        staged = argparse.Namespace(**{**vars(args), "input": local["input"], "output": local["output"], "quarantine": local["quarantine"]})
        code = _convert(staged, {local[k]: p for k, p in (("input", args.input), ("output", args.output), ("quarantine", quarantine))})
        try:
            for name in ("output", "quarantine"):
                if name in remote and os.path.exists(local[name]):
                    upload(local[name], remote[name])
        except InputError as e:
            raise UsageError(str(e)) from None
    return code


def run(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError
    from toolproof.validator.formats import FORMATS

    _split_input(args)
    if args.source not in FORMATS:
        raise UsageError(f"--from: unknown format {args.source!r} (choose from {', '.join(FORMATS)})")
    if any(_on_storage(p) for p in (args.input, args.output, args.quarantine)):
        return _run_on_storage(args)
    return _convert(args, {})


def _convert(args: argparse.Namespace, names: dict[str, str]) -> int:
    """The conversion; ``names``: how to name a local path in the output (the URI it stands for)."""
    from toolproof.commands._common import UsageError
    from toolproof.validator.cleaner import quarantine_line
    from toolproof.validator.formats import ConversionError, Reading, read_record
    from toolproof.validator.io import InputError, check_readable, iter_units
    from toolproof.validator.safeio import AtomicFile, OutputError, escape_path, escape_text, refuse_overwrite

    stdin = args.input == "-"
    if not stdin and not os.path.exists(args.input):
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
    if not stdin and not os.path.isdir(args.input):  # an unreadable input fails before any output is opened
        try:
            iter_units(args.input, "canonical")
        except InputError as e:
            raise UsageError(str(e)) from None
    read: Counter[str] = Counter()
    converted: Counter[str] = Counter()
    quarantined: Counter[str] = Counter()
    did: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    n_out = n_q = 0
    try:
        fo = AtomicFile(out, "wb")
        fq = AtomicFile(qpath, "wb")
    except OSError as e:
        raise UsageError(f"cannot write {e.filename or out}: {e.strerror or e}") from None
    try:
        for file, line, index, obj, unreadable, raw, data in _items(args.input, args.split, names.get(args.input)):
            if unreadable is not None:
                code, msg = unreadable
                finding = _finding(file, line, index, None, "$", msg, code, "invalid-json")
                dialect = "unread"
            else:
                r = read_record(obj, args.source)
                dialect = r.dialect or "unknown"
                written = _written(r.obj, args.target) if r.ok else None
                if r.ok and isinstance(written, str):  # the target format cannot hold this record
                    r = Reading(None, r.dialect, ConversionError(written), r.notes)
                if r.ok:
                    fo.file.write(_line(written))
                    read[dialect] += 1
                    converted[dialect] += 1
                    did.update(dict.fromkeys({n.kind for n in r.notes if not n.code}, 1))
                    problems.update(n.code or "" for n in r.notes if n.code)
                    for n in r.notes:
                        if n.code:
                            print(f"{escape_path(file)}:{line}: {n.code} {escape_text(n.path)}: {escape_text(n.message)}",
                                  file=sys.stderr)
                    n_out += 1
                    continue
                assert r.error is not None
                where = f"cannot be read as {r.dialect}: " if r.dialect else ""
                finding = _finding(file, line, index, _rid(obj), r.error.path, where + r.error.message,
                                   "TP012" if r.dialect else None, "unreadable-record" if r.dialect else "unknown-shape")
            read[dialect] += 1
            quarantined[dialect] += 1
            fq.file.write(quarantine_line(file, line, finding["id"], [finding], _jsonable(raw), data))
            reasons[finding["code"] or finding["name"]] += 1
            n_q += 1
            print(f"{escape_path(file)}:{line}: {escape_text(finding['path'])}: {escape_text(finding['message'])}",
                  file=sys.stderr)
        fo.commit()
        if n_q:
            fq.commit()
        else:  # nothing quarantined: no quarantine file is written (and none is deleted)
            fq.discard()
    finally:
        fo.discard()
        fq.discard()
    detail = ", ".join(f"{k} {v}" for k, v in sorted(converted.items()))
    print(f"converted {n_out} record(s) to {escape_text(names.get(str(out), str(out)))}" + (f" ({detail})" if detail else "")
          + (f" as {args.target}" if args.target != "canonical" else ""))
    print("read as (records):")
    for ln in summary_lines(read, converted, quarantined, did):
        print(ln)
    if problems:
        print("findings while reading (records): " + ", ".join(f"{k} {v}" for k, v in sorted(problems.items()))
              + " (see `toolproof lint`)")
    if n_q:
        from toolproof.validator.keep import reasons_text

        print(f"quarantined {n_q} record(s) to {escape_text(names.get(str(qpath), str(qpath)))} ({reasons_text(reasons, len(reasons))})")
    _print_extra(args.target, out)
    if _kept_check(n_out + n_q, n_out, reasons, args.min_kept):
        return 1
    return 1 if n_q and not args.allow_unread else 0


def _kept_check(records_in: int, kept: int, reasons: Counter[str], flag: float | None) -> int:
    """The empty-output / ``--min-kept`` check (the nearest ``[tool.toolproof]`` gives the default)."""
    from toolproof.commands._common import UsageError
    from toolproof.commands.clean import kept_check
    from toolproof.validator.config import ConfigError, load_config

    try:
        config = load_config(None) if flag is None else None
    except ConfigError as e:
        raise UsageError(str(e)) from None
    return kept_check("convert", records_in, kept, reasons, flag, config)


def _written(rec: Any, target: str) -> Any:
    """``rec`` in the target format, or why that format cannot hold it (a str)."""
    if target == "canonical":
        return rec
    from toolproof.validator.formats.writers import WriteError, write_record

    try:
        return write_record(rec, target)
    except WriteError as e:
        return f"cannot be written as {target}: {e}"


def _print_extra(target: str, out: Path) -> None:
    """What the target's trainer needs beside the file: LLaMA-Factory's dataset_info.json entry (written
    beside OUTPUT for ``llamafactory`` when no dataset_info.json is there), Axolotl's config entry."""
    from toolproof.validator.formats.writers import WRITERS
    from toolproof.validator.safeio import escape_text

    w = WRITERS.get(target)
    if w is None or w.extra is None:
        return
    entry = w.extra(out.name)
    if target == "axolotl":
        print("axolotl config (YAML accepts this JSON as it is):")
        print(json.dumps(entry, indent=2))
        return
    info = out.with_name("dataset_info.json")
    if target == "llamafactory" and not info.exists():
        info.write_text(json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {escape_text(str(info))} (LLaMA-Factory's dataset entry; use --dataset_dir {escape_text(str(out.parent))})")
        return
    where = "add it to your dataset_info.json" if target == "sharegpt" else f"{escape_text(str(info))} exists: add it there"
    print(f"LLaMA-Factory dataset_info.json entry ({where}):")
    print(json.dumps(entry, indent=2, ensure_ascii=False))


def _line(rec: Any) -> bytes:
    """One output line, valid UTF-8 (a lone surrogate from a ``\\ud800`` escape stays escaped)."""
    try:
        return json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(rec, ensure_ascii=True).encode("ascii") + b"\n"


def _jsonable(value: Any) -> Any:
    """A value the quarantine line can hold (Parquet / HF rows may carry dates, bytes, ...)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
