"""The library entry of the validator: ``lint``, ``clean`` and ``convert`` on a path, a list of paths, an
iterable of record dicts or a ``datasets.Dataset``; the CLI calls the same engine functions.

``toolproof.lint`` / ``toolproof.clean`` / ``toolproof.convert`` (the top level, ``toolproof/api.py``)
are these functions; ``toolproof.score`` adds the evaluator. ``datasets`` is never imported here: a
dataset is recognised by its shape (``column_names`` and ``features``), and its rows go through
``validator.formats.hf.from_hf_row`` (Arrow's null padding removed), as ``lint hf://...`` does.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from toolproof.validator.clean_result import CleanResult
from toolproof.validator.config import Config, load_config
from toolproof.validator.engine import (
    FileSummary,
    LintResult,
    check_record,
    lint_objects,
    lint_paths,
    lint_records,
    select_rules,
)
from toolproof.validator.findings import Finding
from toolproof.validator.io import InputError, RawRecord, iter_records, read_value

PathLike: TypeAlias = str | os.PathLike[str]
#: What the API reads: a path, several paths, an iterable of record dicts, or a ``datasets.Dataset``.
Data: TypeAlias = PathLike | Sequence[PathLike] | Iterable[Any]


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def as_paths(data: Any) -> list[str] | None:
    """The paths ``data`` names (one path or a list of paths), else None (records in memory)."""
    if _is_path(data):
        return [os.fspath(data)]
    if isinstance(data, (list, tuple)) and data and all(_is_path(p) for p in data):
        return [os.fspath(p) for p in data]
    return None


def is_hf_dataset(data: Any) -> bool:
    """A ``datasets.Dataset`` / ``IterableDataset`` by its shape (no import of ``datasets``)."""
    return hasattr(data, "column_names") and hasattr(data, "features") and not isinstance(data, dict)


def iter_objects(data: Any) -> Iterator[Any]:
    """The records of an in-memory ``data``: a dataset's rows read back as plain records, else as given."""
    if isinstance(data, dict):
        if is_hf_dataset(data) or all(hasattr(v, "column_names") for v in data.values()):
            raise TypeError("a DatasetDict holds several splits: pass one, e.g. ds['train']")
        raise TypeError("pass an iterable of records (a list of dicts), not one record")
    if isinstance(data, (str, bytes)):
        raise TypeError("a str is taken as a path; bytes are not records")
    if is_hf_dataset(data):
        from toolproof.validator.formats.hf import from_hf_row

        return (from_hf_row(row) if isinstance(row, dict) else row for row in data)
    try:
        return iter(data)
    except TypeError:
        raise TypeError(f"expected a path, a list of paths, an iterable of records or a datasets.Dataset, "
                        f"got {type(data).__name__}") from None


def _config(config: Config | PathLike | None) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def _options(options: dict[str, Any] | None, option_kw: dict[str, Any]) -> dict[str, Any]:
    opts = dict(options or {})
    opts.update({k: v for k, v in option_kw.items() if v is not None})
    return opts


def lint(
    data: Data,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | PathLike | None = None,
    jobs: int = 1,
    input_format: str | None = None,
    options: dict[str, Any] | None = None,
    name: str = "<records>",
    **option_kw: Any,
) -> LintResult:
    """Lint a dataset and return its :class:`LintResult` (``findings``, ``error_count``, ``by_code`` ...).

    ``data`` is a path (``.jsonl``, ``.jsonl.gz``, ``.json``, ``.csv``, ``.parquet``, ``hf://org/name``),
    a list of paths, an iterable of record dicts in any dialect, or a ``datasets.Dataset``. Records in
    memory are reported as file ``name`` with line = position + 1. ``config`` is a :class:`Config`, a
    path to a pyproject.toml / toolproof.toml, or None for the nearest pyproject.toml with
    ``[tool.toolproof]``. Extra keyword arguments (``against=``, ``model=``, ``max_length=``, ``loss=``)
    go into the rule options. Unreadable files end up in ``result.errors``.
    """
    cfg = _config(config)
    opts = _options(options, option_kw)
    paths = as_paths(data)
    if paths is not None:
        return lint_paths(paths, select=select, ignore=ignore, config=cfg, jobs=jobs, options=opts, input_format=input_format)
    from toolproof.validator.io import split_format

    _container, record_format = split_format(input_format)
    recs = (read_value(name, i + 1, i, obj, record_format) for i, obj in enumerate(iter_objects(data)))
    counted = _Counted(recs)
    result = lint_records(counted, file=name, select=select, ignore=ignore, config=cfg, options=opts)
    if not result.files:
        result.files.append(FileSummary(name, counted.n, "records", dict(counted.dialects)))
    return result


class _Counted:
    """Counts records and dialects as the engine reads them (for the in-memory FileSummary)."""

    def __init__(self, recs: Iterable[RawRecord]) -> None:
        self._it = iter(recs)
        self.n = 0
        self.dialects: Counter[str] = Counter()

    def __iter__(self) -> Iterator[RawRecord]:
        return self

    def __next__(self) -> RawRecord:
        rec = next(self._it)
        self.n += 1
        self.dialects[rec.source_format or "unknown"] += 1
        return rec


def write_jsonl(objs: Iterable[Any], path: Path) -> int:
    """Write records as JSON Lines (the API's in-memory input goes through the same file readers)."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for obj in objs:
            f.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
            n += 1
    return n


def read_jsonl(path: PathLike) -> list[Any]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class CleanRun:
    """What :func:`clean` did: ``result`` (counts, repairs, quarantine reasons; the CLI's summary), and for
    a run without ``output`` the clean records and the quarantine entries themselves."""

    result: CleanResult
    records: list[dict[str, Any]] | None = None  # the clean records (when no output path was given)
    quarantined: list[dict[str, Any]] | None = None  # quarantine entries {file, line, id, findings, record}

    @property
    def written(self) -> int:
        return self.result.written


def clean(
    data: Data,
    output: PathLike | None = None,
    quarantine: PathLike | None = None,
    *,
    unsafe_fixes: bool = False,
    dedupe: bool = True,
    report: PathLike | None = None,
    input_format: str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | PathLike | None = None,
) -> CleanRun:
    """Repair what is safely repairable, quarantine the rest (``toolproof clean``).

    With ``output`` the clean JSONL is written there (the quarantine beside it unless ``quarantine`` is
    given) and only the counts come back; without it nothing is left on disk and the clean records and
    quarantine entries are in the returned :class:`CleanRun`. Raises ``CleanError`` / ``InputError``
    for inputs or outputs that cannot be used.
    """
    from toolproof.validator.cleaner import clean as clean_files

    cfg = _config(config)
    with tempfile.TemporaryDirectory(prefix="toolproof-clean-") as tmp:
        paths = as_paths(data)
        if paths is None:
            paths = [os.path.join(tmp, "records.jsonl")]
            write_jsonl(iter_objects(data), Path(paths[0]))
        out = Path(output) if output is not None else Path(tmp) / "clean.jsonl"
        q = Path(quarantine) if quarantine is not None else (None if output is not None else Path(tmp) / "clean.quarantine.jsonl")
        result = clean_files(paths, out, q, unsafe_fixes=unsafe_fixes, dedupe=dedupe, report=report,
                             input_format=input_format, select=select, ignore=ignore, config=cfg)
        if output is not None:
            return CleanRun(result)
        records, entries = read_jsonl(out), read_jsonl(result.quarantine)
        if as_paths(data) is None:  # the temporary input file means nothing to the caller
            for e in entries:
                e["file"] = "<records>"
        result.output = result.quarantine = ""  # temporary files, gone when this returns
        return CleanRun(result, records, entries)


@dataclass
class ConvertRun:
    """What :func:`convert` did: records per dialect read / converted / quarantined, and for a run without
    ``output`` the converted records and the records that could not be read (with the reason)."""

    to: str
    output: str | None = None
    converted: int = 0
    read_as: dict[str, int] = field(default_factory=dict)
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # {file, line, id, reason, record}
    records: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # what the target needs beside the records (dataset_info)


def _source_items(data: Any) -> Iterator[tuple[str, int, Any, str | None]]:
    """(file, line, parsed value or None, why it did not parse) of every input record."""
    paths = as_paths(data)
    if paths is None:
        for i, obj in enumerate(iter_objects(data)):
            yield "<records>", i + 1, obj, None
        return
    for p in paths:
        parquet = Path(p).suffix.lower() in (".parquet", ".pq")
        for r in iter_records(p, "canonical"):
            if r.obj is None:
                yield r.file, r.line, None, (r.error.message if r.error else "unreadable")
            else:
                from toolproof.validator.formats.hf import from_hf_row

                obj = from_hf_row(r.obj) if parquet and isinstance(r.obj, dict) else r.obj
                yield r.file, r.line, obj, None


def convert(
    data: Data,
    to: str = "canonical",
    output: PathLike | None = None,
    *,
    source: str = "auto",
) -> ConvertRun:
    """Read any known dialect (``source="auto"`` detects it per record) into the canonical record, then
    write it as ``to``: ``canonical`` or one of ``validator.formats.writers.WRITERS`` (``openai``,
    ``sharegpt``, ``llamafactory``, ``trl``, ``axolotl``).

    With ``output`` the records are written there as JSON Lines; without it they are returned in
    ``records``. Records that cannot be read are never dropped silently: they are in ``quarantined``
    with the reason.
    """
    from toolproof.validator.formats import FORMATS
    from toolproof.validator.formats.writers import WRITERS

    if source not in FORMATS:
        raise ValueError(f"unknown source format {source!r} (choose from {', '.join(FORMATS)})")
    if to != "canonical" and to not in WRITERS:
        raise ValueError(f"unknown target format {to!r} (choose from canonical, {', '.join(WRITERS)})")
    run = ConvertRun(to=to, output=os.fspath(output) if output is not None else None)
    if to in WRITERS and WRITERS[to].extra is not None:
        run.extra = WRITERS[to].extra(Path(output).name if output is not None else "data.jsonl")
    if output is None:
        run.records = []
        _convert_into(run, data, source, to, run.records.append)
        return run
    from toolproof.validator.safeio import atomic_writer

    with atomic_writer(output, "w", encoding="utf-8") as f:  # streamed: memory stays flat
        _convert_into(run, data, source, to, lambda r: f.write(json.dumps(r, ensure_ascii=False) + "\n"))
    return run


def _convert_into(run: ConvertRun, data: Any, source: str, to: str, emit: Callable[[Any], Any]) -> None:
    from toolproof.validator.formats import read_record
    from toolproof.validator.formats.writers import WriteError, write_record

    read_as: Counter[str] = Counter()
    for file, line, obj, why in _source_items(data):
        rec = None
        if why is None:
            r = read_record(obj, source)
            read_as[r.dialect or "unknown"] += 1
            if r.ok:
                rec = r.obj
            else:
                why = r.error.message if r.error else "unreadable"
        else:
            read_as["unread"] += 1
        if rec is not None:
            try:
                emit(rec if to == "canonical" else write_record(rec, to))
                run.converted += 1
                continue
            except WriteError as e:
                why = f"cannot be written as {to}: {e}"
        rid = obj.get("id") if isinstance(obj, dict) else None
        run.quarantined.append({"file": file, "line": line, "id": rid, "reason": why, "record": obj})
    run.read_as = dict(read_as)
    return run


__all__ = [
    "CleanRun",
    "Config",
    "ConvertRun",
    "Data",
    "FileSummary",
    "Finding",
    "InputError",
    "LintResult",
    "RawRecord",
    "as_paths",
    "check_record",
    "clean",
    "convert",
    "is_hf_dataset",
    "iter_objects",
    "iter_records",
    "lint",
    "lint_objects",
    "lint_records",
    "load_config",
    "select_rules",
]
