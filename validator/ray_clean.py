"""``clean`` on Ray Data: the local cleaner's decisions, made in Ray workers, written as part files.

The plan, for JSON Lines files on storage every Ray worker reads (``toolproof clean --engine ray``):

1. The driver cuts each file into byte ranges at line boundaries and Ray tasks count each range's
   records and lines (two numbers a range come back), so every range knows where its numbering starts.
2. ``map_batches`` with actor workers runs the record stage of :mod:`validator.cleaner`
   (:func:`~toolproof.validator.cleaner.judge_record`: reader findings, repairs, quarantine) on each
   range. The worker writes the range's quarantine (the local quarantine's lines, raw bytes in
   ``raw_base64``) and findings as ``quarantine/part-G.jsonl`` and ``findings/part-G.jsonl`` and
   returns one row per record that passed: its canonical line, its exact-duplicate key and its id.
3. Exact duplicates: ``groupby(key).map_groups``; the first record by position stays, the rest are
   dropped (counted). Ids: ``groupby(id root).map_groups`` settles missing and repeated ids
   (``ID#N``) in position order: an id and the suffixed ids made from it share a root
   (:func:`~toolproof.validator.cleaner.id_root`), so each group decides alone what the local
   cleaner decides in one pass.
4. ``groupby(range).map_groups`` writes ``cleaned/part-G.jsonl``, the range's records in order, and
   returns the range's counts. Part files are named by range, so concatenating ``cleaned/part-*``
   in name order gives the local engine's output byte for byte (and ``quarantine/part-*`` its
   quarantine).
5. The driver adds up the per-range counts (no record comes back to it) and checks, per file,
   records in = written + quarantined + duplicates dropped; :class:`ConservationError` otherwise.

:func:`clean_dataset` runs the same stages on a ``ray.data.Dataset`` of raw JSON lines and returns
Datasets instead of writing files. ``ray`` is reached only through :func:`ray_engine.init`.
"""

from __future__ import annotations

import io
import json
import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolproof.validator.clean_result import CleanResult, FileCounts
from toolproof.validator.cleaner import (
    EXAMPLES_PER_RULE,
    CleanError,
    RecordCleaner,
    _id_key,
    _rule_severity,
    as_written,
    dedupe_key,
    derive_id,
    dumps_line,
    id_root,
    judge_record,
    note_duplicate,
    note_written,
    repair_example,
    suffix_id,
)
from toolproof.validator.engine import RANGE_BYTES, quick_precheck
from toolproof.validator.errors import ToolproofError
from toolproof.validator.io import (
    InputError,
    RawRecord,
    jsonl_byte_ranges,
    parse_unit,
    read_jsonl_range,
)
from toolproof.validator.ray_engine import Attempts, group_many, jsonl_input, kind_is
from toolproof.validator.uris import Location, locate, make_folder, write_bytes

# one row per record between the stages ("c" candidate, "d" dropped duplicate, "q" quarantine line, "s" range summary)
COLUMNS = ("kind", "g", "pos", "key", "idkey", "root", "data", "info", "derived", "suffixed")
PARTS = ("cleaned", "quarantine", "findings")


class ConservationError(ToolproofError):
    """A clean run whose counts do not add up (records in != written + quarantined + duplicates)."""


def part_name(g: int, width: int = 5) -> str:
    """``part-00007.jsonl``: the part file of range ``g`` (names sort in range order)."""
    return f"part-{g:0{width}d}.jsonl"


def _write_part(folder: Location | None, name: str, data: bytes) -> None:
    if folder is not None and data:
        write_bytes(folder.join(name), data)


def _count_range(loc: Location, start: int, end: int, attempts: Any = None, g: int = 0) -> tuple[int, int]:
    """The records and physical lines of a byte range, as the reader numbers them."""
    Attempts.note(attempts, ("count", g))
    units, nlines = read_jsonl_range(loc.path, start, end, loc.shown, fs=loc.fs)
    return len(units), nlines


def _empty() -> dict[str, list[Any]]:
    return {c: [] for c in COLUMNS}


def _row(out: dict[str, list[Any]], kind: str, g: int, pos: int, data: bytes, key: str = "", idkey: str = "",
         root: str = "", info: bytes = b"", derived: bool = False, suffixed: bool = False) -> None:
    for c, v in zip(COLUMNS, (kind, g, pos, key, idkey, root, data, info, derived, suffixed), strict=True):
        out[c].append(v)


class _RangeCleaner:
    """An actor: the record stage of the cleaner on byte ranges (files) or blocks (a Dataset).

    ``settings``: the RecordCleaner's keywords, ``dedupe``, ``folders`` (quarantine and findings
    folders, or None to return quarantine lines as rows), ``formats`` and ``stems`` per file,
    ``width`` of the part numbers, and ``blocks`` for a Dataset (:func:`ray_engine.dataset_blocks`)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        import importlib

        for module in settings.get("modules", ()):  # rules registered outside the validator (plug-ins, other layers)
            importlib.import_module(module)
        self.s = settings
        self.cleaner = RecordCleaner(**settings["cleaner"])
        self.attempts = Attempts.started(settings.get("attempts"))

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out = _empty()
        for i in range(len(batch["g"])):
            Attempts.note(self.attempts, ("clean", int(batch["g"][i])))
            self._range({k: batch[k][i] for k in batch}, out)
        return out

    def _units(self, item: dict[str, Any]) -> list[Any]:
        file, i0, l0 = str(item["file"]), int(item["index0"]), int(item["line0"])
        if self.s.get("blocks") is not None:  # a Dataset: "start" is the block, numbered from index0
            from toolproof.validator.ray_engine import block_units

            return block_units(self.s["blocks"], int(item["start"]), i0)
        loc = self.s["paths"][file]  # an absolute path or a URI, as the driver resolved it
        units, _n = read_jsonl_range(loc.path, int(item["start"]), int(item["end"]), file, self.s["formats"][file], fs=loc.fs)
        if not (i0 or l0):
            return units
        return [u if isinstance(u, RawRecord) else (u[0] + l0, u[1] + i0, u[2], u[3]) for u in units]

    def _range(self, item: dict[str, Any], out: dict[str, list[Any]]) -> None:
        g, file, base = int(item["g"]), str(item["file"]), int(item["base"])
        result, counts = CleanResult(), FileCounts(file)
        self.cleaner.internal_errors = []
        q, found = io.BytesIO(), io.BytesIO()
        folders = self.s["folders"]
        on_finding = (lambda f: found.write(dumps_line(f.to_dict()))) if folders is not None else None
        for unit in self._units(item):
            rec = parse_unit(unit, file, self.s["formats"].get(file, "auto"), quick_precheck)  # as `clean` reads
            at = q.tell()
            cand = judge_record(rec, self.cleaner, result, counts, q, on_finding)
            pos = base + rec.index
            if cand is None:
                if folders is None:
                    _row(out, "q", g, pos, q.getvalue()[at:])
                continue
            key = dedupe_key(cand).hex() if self.s["dedupe"] else ""
            record, data, derived = derive_id(cand.record, cand.line_bytes, self.s["stems"][file], cand.line)
            data = as_written(cand, data, derived)  # a record passing unchanged keeps its bytes, as in `clean`
            rid = record.get("id")
            _row(out, "c", g, pos, data, key, _id_key(rid), id_root(rid), _repairs(cand), derived)
        if folders is not None:
            name = part_name(g, self.s["width"])
            _write_part(folders["quarantine"], name, q.getvalue())
            _write_part(folders["findings"], name, found.getvalue())
        _row(out, "s", g, -1, pickle.dumps((result, counts, self.cleaner.internal_errors)))


def _repairs(cand: Any) -> bytes:
    """The repairs of a candidate (``CODE FIX`` keys) and the report's example of each, pickled."""
    if not cand.changes:
        return b""
    keys = [f"{ch.code} {ch.fix}" for ch in cand.changes]
    examples: dict[str, Any] = {}
    for ch, key in zip(cand.changes, keys, strict=True):
        if key not in examples:
            examples[key] = repair_example(ch, cand.original, cand.record, cand.file, cand.line)
    return pickle.dumps((keys, examples))


def _order(group: dict[str, Any]) -> list[int]:
    pos = group["pos"]
    return sorted(range(len(pos)), key=lambda i: int(pos[i]))


def _take(group: dict[str, Any], i: int, out: dict[str, list[Any]], **change: Any) -> None:
    for c in COLUMNS:
        out[c].append(change[c] if c in change else group[c][i])


def _dedupe(group: dict[str, Any]) -> dict[str, list[Any]]:
    """map_groups by exact-duplicate key: the first record by position stays, the rest are dropped."""
    out = _empty()
    for n, i in enumerate(_order(group)):
        if n == 0:
            _take(group, i, out)
        else:
            _take(group, i, out, kind="d", data=b"", info=b"")
    return out


def _settle_ids(group: dict[str, Any]) -> dict[str, list[Any]]:
    """map_groups by id root: a repeated id becomes ``ID#N`` in position order, as :func:`suffix_id`."""
    out = _empty()
    seen: set[str] = set()
    for i in _order(group):
        idkey = str(group["idkey"][i])
        if idkey not in seen:
            seen.add(idkey)
            _take(group, i, out)
            continue
        data = bytes(group["data"][i])
        record, data, suffixed = suffix_id(json.loads(data), data, seen)
        _take(group, i, out, data=data, suffixed=suffixed, idkey=_id_key(record["id"]))
    return out


def _writer(folder: Location | None, width: int, attempts: Any = None) -> Any:
    """map_groups by range: write the range's cleaned part file (records in order) and count it."""

    def fn(group: dict[str, Any]) -> dict[str, list[Any]]:
        result, counts = CleanResult(), FileCounts("")
        buf = io.BytesIO()
        g = int(group["g"][0])
        Attempts.note(attempts, ("write", g))
        for i in _order(group):
            if str(group["kind"][i]) == "d":
                note_duplicate(result, counts)
                continue
            info = bytes(group["info"][i])
            keys, examples = pickle.loads(info) if info else ([], {})
            note_written(result, counts, keys, lambda k, keys=keys, examples=examples: examples[keys[k]],
                         bool(group["derived"][i]), bool(group["suffixed"][i]))
            buf.write(bytes(group["data"][i]))
        _write_part(folder, part_name(g, width), buf.getvalue())
        return {"g": [g], "blob": [pickle.dumps((result, counts))]}

    return fn


def merge_into(total: CleanResult, part: CleanResult) -> None:
    """Add a range's counts to ``total`` (ranges in order: the first examples stay the first)."""
    for name in ("records_in", "unchanged", "repaired", "quarantined", "duplicates_dropped", "ids_derived", "ids_suffixed", "unread"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for name in ("converted", "read_as", "quarantined_by_dialect", "repairs", "quarantined_by_rule", "findings_by_rule"):
        getattr(total, name).update(getattr(part, name))
    for code, sev in part.severity_by_rule.items():
        total.severity_by_rule.setdefault(code, sev)
    for code, exs in part.finding_examples.items():
        mine = total.finding_examples.setdefault(code, [])
        mine.extend(exs[: max(0, EXAMPLES_PER_RULE - len(mine))])
    for key, ex in part.repair_examples.items():
        total.repair_examples.setdefault(key, ex)
    total.internal_errors.extend(part.internal_errors)


def _merge_counts(total: FileCounts, part: FileCounts) -> None:
    for name in ("records", "written", "quarantined", "duplicates"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.bom_stripped = total.bom_stripped or part.bom_stripped


def _record_stages(ray: Any, items: list[dict[str, Any]], settings: dict[str, Any], workers: int) -> Any:
    """Stage 2: the record stage on every range, materialized (the rows stay in Ray's object store)."""
    return ray.data.from_items(items).map_batches(
        _RangeCleaner, fn_constructor_args=(settings,), batch_size=1, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=max(1, min(workers, len(items)))),
    ).materialize()


def _output_stages(staged: Any, dedupe: bool, partitions: int) -> tuple[Any, Any]:
    """Stage 3: exact duplicates dropped and ids settled through Ray's grouping: (kept, dropped)."""
    kept = kind_is(staged, "c")
    dropped = None
    if dedupe:
        deduped = group_many(kept, ["key"], _dedupe, partitions, COLUMNS, keep_single=True).materialize()
        kept = kind_is(deduped, "c")
        dropped = kind_is(deduped, "d")
    settled = group_many(kept, ["root"], _settle_ids, partitions, COLUMNS, keep_single=True)
    return settled, dropped


def _summaries(staged: Any) -> list[tuple[int, Any]]:
    rows = kind_is(staged, "s").select_columns(["g", "data"]).iter_rows()
    return sorted(((int(r["g"]), pickle.loads(r["data"])) for r in rows), key=lambda t: t[0])


def _plan_files(paths: Sequence[str], input_format: str | None,
                range_bytes: int) -> tuple[dict[str, str], list[tuple[str, int, int]], dict[str, Location]]:
    """The record format, byte ranges and location (an absolute path or a URI) of each file;
    InputError for what the engine cannot read."""
    formats: dict[str, str] = {}
    ranges: list[tuple[str, int, int]] = []
    locs: dict[str, Location] = {}
    for file in paths:
        locs[file], formats[file] = jsonl_input(file, input_format)
        ranges.extend((file, a, b) for a, b in jsonl_byte_ranges(locs[file].path, range_bytes, fs=locs[file].fs))
    return formats, ranges, locs


def _numbered(ray: Any, ranges: list[tuple[str, int, int]], locs: dict[str, Location], attempts: Any = None) -> list[dict[str, Any]]:
    """Each range with where its numbering starts: record and line in its file, position in the run."""
    count = ray.remote(_count_range)
    counts = ray.get([count.remote(locs[f], a, b, attempts, g) for g, (f, a, b) in enumerate(ranges)])
    items: list[dict[str, Any]] = []
    index0 = line0 = base = 0
    current = None
    for g, ((file, a, b), (records, lines)) in enumerate(zip(ranges, counts, strict=True)):
        if file != current:
            current, index0, line0, base = file, 0, 0, base + index0
        items.append({"g": g, "file": file, "start": a, "end": b, "index0": index0, "line0": line0, "base": base})
        index0 += records
        line0 += lines
    return items


def check_output_folder(out: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]]) -> Location:
    """The output folder (a local path or a URI), which must be new or empty (stale part files would
    join the output) and no input; :class:`CleanError` otherwise."""
    from toolproof.validator import uris

    try:
        where = locate(out)
        uris.check_output_folder(where, [locate(i) for i in inputs])
    except InputError as e:
        raise CleanError(str(e)) from e
    return where


def clean_files_ray(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    unsafe_fixes: bool = False,
    dedupe: bool = True,
    input_format: str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Any = None,
    options: dict[str, Any] | None = None,
    address: str | None = None,
    workers: int | None = None,
    range_bytes: int | None = None,
    partitions: int | None = None,
) -> CleanResult:
    """Clean JSON Lines ``inputs`` on Ray Data into the folder ``output``: ``cleaned/``,
    ``quarantine/`` and ``findings/`` part files, one per byte range that has lines for it, and
    ``summary.json``. The same records, bytes and counts as :func:`validator.cleaner.clean`.
    Raises :class:`CleanError` / ``InputError`` before anything is written, and
    :class:`ConservationError` when the counts of a file do not add up."""
    from toolproof.validator.ray_engine import init

    files = [os.fspath(p) for p in inputs]
    if not files:
        raise CleanError("no input files")
    out = check_output_folder(output, files)
    try:
        formats, ranges, locs = _plan_files(files, input_format, range_bytes or RANGE_BYTES)
    except InputError as e:
        raise CleanError(str(e)) from e
    ray = init(address)
    ray.data.DataContext.get_current().enable_progress_bars = False
    folders = {name: out.join(name) for name in PARTS}  # where workers write: an absolute path or a URI
    for folder in folders.values():
        make_folder(folder)
    from toolproof.validator.ray_engine import check_visible

    check_visible(ray, [loc.path if loc.fs is None else loc for loc in locs.values()], [f.path for f in folders.values() if f.fs is None])
    width = max(5, len(str(max(0, len(ranges) - 1))))
    result = CleanResult(inputs=files, output=folders["cleaned"].shown, quarantine=folders["quarantine"].shown,
                         unsafe_fixes=unsafe_fixes, dedupe=dedupe)
    result.files = [FileCounts(f) for f in files]
    faults = {"retried": 0, "restarted": 0}
    if ranges:
        n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        attempts = Attempts.open(ray)
        items = _numbered(ray, ranges, locs, attempts)
        settings = {"cleaner": {"unsafe_fixes": unsafe_fixes, "select": select, "ignore": ignore, "config": config, "options": options},
                    "dedupe": dedupe, "folders": folders, "formats": formats, "width": width, "attempts": attempts,
                    "stems": {f: Path(f).stem for f in files}, "paths": locs, "modules": _rule_modules()}
        _run_stages(ray, items, settings, result, partitions or n, n)
        faults = Attempts.faults(ray, attempts)
    result.faults = faults
    _finish(result, out, faults)
    return result


def _rule_modules() -> list[str]:
    """The modules of the rules registered outside the validator (plug-ins, other layers): a worker
    imports them so that its cleaner knows the driver's rules."""
    from toolproof.validator.rules.base import REGISTRY

    return sorted({m for m in (str(r.func.__module__) for r in REGISTRY.values()) if not m.startswith("toolproof.validator.")})


def _run_stages(ray: Any, items: list[dict[str, Any]], settings: dict[str, Any], result: CleanResult, partitions: int, workers: int) -> None:
    by_file = {c.path: c for c in result.files}
    file_of = {int(it["g"]): str(it["file"]) for it in items}
    staged = _record_stages(ray, items, settings, workers)
    passed = 0
    for g, (part, counts, errors) in _summaries(staged):
        merge_into(result, part)
        _merge_counts(by_file[file_of[g]], counts)
        result.internal_errors.extend(errors)
        passed += part.records_in - part.quarantined
    if not passed:
        return
    settled, dropped = _output_stages(staged, settings["dedupe"], partitions)
    rows = settled.union(dropped) if dropped is not None else settled
    written = rows.groupby("g", num_partitions=partitions).map_groups(
        _writer(settings["folders"]["cleaned"], settings["width"], settings.get("attempts")), batch_format="numpy")
    for g, (part, counts) in sorted(((int(r["g"]), pickle.loads(r["blob"])) for r in written.iter_rows()), key=lambda t: t[0]):
        merge_into(result, part)
        _merge_counts(by_file[file_of[g]], counts)


def conservation(result: CleanResult) -> list[dict[str, Any]]:
    """Per file: records in, written, quarantined, duplicates dropped and whether they add up."""
    return [{"file": c.path, "records_in": c.records, "written": c.written, "quarantined": c.quarantined,
             "duplicates_dropped": c.duplicates, "ok": c.records == c.written + c.quarantined + c.duplicates}
            for c in result.files]


def _finish(result: CleanResult, out: Location, faults: dict[str, int] | None = None) -> None:
    """Severities, the conservation check and ``summary.json`` (written last: a run without it did not finish),
    with ``faults``: the pieces of work run again and the workers restarted after failures."""
    for code in result.findings_by_rule:
        result.severity_by_rule.setdefault(code, _rule_severity(code))
    rows = conservation(result)
    bad = [r for r in rows if not r["ok"]]
    if bad or not result.accounted:
        r = bad[0] if bad else {"file": "(all)", "records_in": result.records_in, "written": result.written,
                                "quarantined": result.quarantined, "duplicates_dropped": result.duplicates_dropped}
        raise ConservationError(f"{r['file']}: {r['records_in']} records in but {r['written']} written + {r['quarantined']} "
                                f"quarantined + {r['duplicates_dropped']} duplicates dropped (please report)")
    summary = result.summary() | {"files": rows, "parts": list(PARTS), "faults": faults or {"retried": 0, "restarted": 0}}
    write_bytes(out.join("summary.json"), (json.dumps(summary, indent=2) + "\n").encode("utf-8"))


def clean_dataset(
    ds: Any,
    *,
    column: str = "text",
    file: str = "<dataset>",
    unsafe_fixes: bool = False,
    dedupe: bool = True,
    input_format: str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Any = None,
    options: dict[str, Any] | None = None,
    workers: int | None = None,
    partitions: int | None = None,
) -> tuple[Any, Any]:
    """Clean a ``ray.data.Dataset`` of raw JSON lines (column ``column``, e.g. ``ray.data.read_text``'s
    ``text``; parsed in the workers): ``(cleaned, quarantine)``, two Datasets with columns ``record``
    (the row number, the order of the output) and ``text`` (a cleaned record's canonical JSON, or a
    quarantine entry as the local quarantine writes it). Row ``i`` is record ``i``, line ``i + 1``
    of ``file``; the same decisions as :func:`validator.cleaner.clean` on a file of those lines."""
    from toolproof.validator.io import split_format
    from toolproof.validator.ray_engine import dataset_blocks, init, record_format_of

    ray = init()
    ray.data.DataContext.get_current().enable_progress_bars = False
    blocks, starts = dataset_blocks(ds, column)
    fmt = split_format(input_format)[1] if input_format else record_format_of(blocks)
    items = [{"g": b, "file": file, "start": b, "end": 0, "index0": s, "line0": 0, "base": s} for b, s in enumerate(starts)]
    settings = {"cleaner": {"unsafe_fixes": unsafe_fixes, "select": select, "ignore": ignore, "config": config, "options": options},
                "dedupe": dedupe, "folders": None, "formats": {file: fmt}, "width": 5, "stems": {file: Path(file).stem}, "blocks": blocks}
    if not items:
        return ray.data.from_items([]), ray.data.from_items([])
    n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    staged = _record_stages(ray, items, settings, n)
    quarantine = kind_is(staged, "q").map_batches(_as_text, batch_format="numpy")
    if not sum(part.records_in - part.quarantined for _g, (part, _c, _e) in _summaries(staged)):
        return ray.data.from_items([]), quarantine
    settled, _dropped = _output_stages(staged, dedupe, partitions or n)
    return settled.map_batches(_as_text, batch_format="numpy"), quarantine


def _as_text(batch: dict[str, Any]) -> dict[str, list[Any]]:
    return {"record": [int(p) for p in batch["pos"]],
            "text": [bytes(d).decode("utf-8", "surrogateescape").rstrip("\n") for d in batch["data"]]}


__all__ = ["COLUMNS", "ConservationError", "check_output_folder", "clean_dataset", "clean_files_ray", "conservation", "merge_into", "part_name"]
