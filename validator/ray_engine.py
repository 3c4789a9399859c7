"""Lint beyond one machine on Ray Data (``toolproof[ray]``; ray is imported only here, lazily).

The plan, for JSON Lines files on storage every Ray worker can read (a shared filesystem):

1. The driver cuts each file into byte ranges at line boundaries (a few seeks, nothing read whole)
   and makes a Dataset of them: one row per range.
2. ``map_batches`` with actor workers lints each range: the worker reads its bytes, parses the
   lines itself (no Arrow schema inference on mixed tool schemas) and runs the record rules,
   exactly as a local ``--jobs N`` worker does (the compiled schema cache lives once per actor).
   It returns the range's findings and its per-record digests (record numbers local to the range).
3. The driver takes only each range's record and line counts (one small row per range) and turns
   them into offsets; the findings and digests are renumbered in the workers.
4. The dataset rules run on the digests through Ray's own grouping: ``groupby(key).map_groups``
   per rule (exact duplicates by record digest, duplicate ids by id, near duplicates by near key),
   the first record of each group by position being the one later records are reported against:
   the same rule as the local engine's. Nothing gathers every digest on the driver.
5. The findings come back sorted by (file, record, rule order), the local engine's report order.

The other dataset rules (the mix rules TP701-TP705 and TP504, leakage against ``--against``) read
aggregates of a whole file; they still run on the driver over the packed per-record summaries
(about 60 bytes a record), which bounds the file size this engine handles on one driver.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator, Sequence
from typing import Any

from toolproof.validator.config import Config
from toolproof.validator.engine import (
    FileSummary,
    Finding,
    LintResult,
    RANGE_BYTES,
    _Job,
    _plan,
    _rules_for_file,
    _run_range,
)
from toolproof.validator.findings import Hit
from toolproof.validator.io import InputError, iter_units, jsonl_byte_ranges

# dataset rules this engine runs through Ray's grouping, with the key each groups by
GROUPED = {"TP501": "digest", "TP502": "id", "TP503": "near"}


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:  # pragma: no cover - the message is the point
        raise ImportError("the Ray engine needs Ray Data: pip install 'toolproof[ray]'") from e
    return ray


def init(address: str | None = None, **kw: Any) -> Any:
    """Connect to the cluster at ``address`` (or ``RAY_ADDRESS``), else start a local Ray."""
    ray = _ray()
    if not ray.is_initialized():
        addr = address or os.environ.get("RAY_ADDRESS")
        ray.init(address=addr, **({"ignore_reinit_error": True, "log_to_driver": False} | kw))
    return ray


class _RangeLinter:
    """An actor: lints byte ranges (the rules and schema cache load once per actor)."""

    def __init__(self, jobs: dict[str, _Job]) -> None:
        self.jobs = jobs

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, list[Any]] = {k: [] for k in ("file", "k", "count", "lines", "findings", "summaries", "meta", "errors", "reading")}
        for file, k, start, end in zip(batch["file"], batch["k"], batch["start"], batch["end"], strict=True):
            br = _run_range(self.jobs[str(file)], str(file), int(start), int(end))
            out["file"].append(str(file))
            out["k"].append(int(k))
            out["count"].append(br.count)
            out["lines"].append(br.lines)
            out["findings"].append(pickle.dumps(br.findings, protocol=pickle.HIGHEST_PROTOCOL))
            out["summaries"].append(pickle.dumps(br.summaries, protocol=pickle.HIGHEST_PROTOCOL))
            out["meta"].append(pickle.dumps(br.meta, protocol=pickle.HIGHEST_PROTOCOL))
            out["errors"].append(pickle.dumps(br.errors))
            out["reading"].append(pickle.dumps((dict(br.dialects), dict(br.notes))))
        return out


def _renumbered(offsets: dict[tuple[str, int], tuple[int, int]]) -> Any:
    """A flat_map over range rows: the range's findings and digests, record and line numbers made global."""

    def fn(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
        from dataclasses import replace

        file, k = str(row["file"]), int(row["k"])
        index0, line0 = offsets[(file, k)]
        for f in pickle.loads(row["findings"]):
            f = replace(f, line=f.line + line0, record=f.record + index0)
            yield {"kind": "finding", "file": file, "record": f.record, "blob": pickle.dumps(f), "key": b"", "line": f.line, "id": "", "nocalls": False}
        t = pickle.loads(row["summaries"])
        for pos in range(len(t)):
            s = t[pos]
            base = {"kind": "", "file": file, "record": s.index + index0, "line": s.line + line0, "blob": s.digest, "id": s.id or "", "nocalls": s.no_calls}
            yield base | {"kind": "digest", "key": s.digest}
            if s.id is not None:
                yield base | {"kind": "id", "key": s.id.encode("utf-8", "surrogatepass")}
            if s.near is not None:
                yield base | {"kind": "near", "key": s.near}

    return fn


def _group_rule(code: str, severity: dict[str, Any]) -> Any:
    """map_groups for one grouped dataset rule: later members of a group against its first."""

    def fn(group: dict[str, Any]) -> dict[str, list[Any]]:
        from toolproof.validator.engine import _finding
        from toolproof.validator.io import RawRecord
        from toolproof.validator.rules.base import REGISTRY

        rule = REGISTRY[code]
        order = sorted(range(len(group["record"])), key=lambda i: int(group["record"][i]))
        out: dict[str, list[Any]] = {"file": [], "record": [], "blob": []}
        first = order[0]
        fi, fl, fd = int(group["record"][first]), int(group["line"][first]), bytes(group["blob"][first])
        for i in order[1:]:
            rec_i, line_i, dig_i = int(group["record"][i]), int(group["line"][i]), bytes(group["blob"][i])
            rid = str(group["id"][i]) or None
            where = f"record {fi} (line {fl})"
            data = {"first": fi, "first_line": fl}
            if code == "TP501":
                hit = Hit("$", f"duplicate of {where}", data=data)
            elif code == "TP502":
                if dig_i == fd:
                    continue  # an exact copy: TP501's
                hit = Hit("$.id", f"id '{rid}' already used by {where}", data=data)
            else:
                if dig_i == fd:
                    continue
                what = "no calls" if bool(group["nocalls"][i]) else "the same calls"
                hit = Hit("$.messages", f"same prompt and {what} as {where}", data=data)
            file = str(group["file"][i])
            f = _finding(rule, code, RawRecord(file, line_i, rec_i, None), rid, hit, severity)
            out["file"].append(file)
            out["record"].append(rec_i)
            out["blob"].append(pickle.dumps(f))
        return out

    return fn


def _driver_dataset_findings(
    linted: Any, offsets: dict[tuple[str, int], tuple[int, int]], others: dict[str, list[Any]], plan: Any, errors: list[str]
) -> list[Finding]:
    from toolproof.validator.engine import _iter_dataset_findings, _Meta, _shift, _summarize, _summary_container, _BatchResult

    out: list[Finding] = []
    for file, rules in others.items():
        if not rules:
            continue
        rows = sorted(
            (int(r["k"]), r["summaries"], r["meta"])
            for r in linted.filter(lambda r, file=file: r["file"] == file).select_columns(["k", "summaries", "meta"]).iter_rows()
        )
        table: Any = _summary_container(_summarize())
        meta = _Meta()
        for k, summ, m in rows:
            index0, line0 = offsets[(file, k)]
            br = _shift(_BatchResult(0, [], pickle.loads(m), pickle.loads(summ), []), index0, line0)
            table.extend(br.summaries)
            if br.meta is not None:
                meta.extend(br.meta)
        out.extend(_iter_dataset_findings(rules, table, meta, file, plan, errors))
    return out


def lint_files_ray(
    paths: Sequence[str | os.PathLike[str]],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | None = None,
    options: dict[str, Any] | None = None,
    address: str | None = None,
    workers: int | None = None,
    range_bytes: int = RANGE_BYTES,
    partitions: int | None = None,
) -> LintResult:
    """Lint JSON Lines files on Ray Data; the same findings as :func:`lint_paths`, in the same order."""
    ray = init(address)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    plan = _plan(select, ignore, config, options)
    result = LintResult()
    jobs: dict[str, _Job] = {}
    ranges: list[dict[str, Any]] = []
    rules_of: dict[str, list[Any]] = {}
    for p in paths:
        file = os.fspath(p)
        try:
            container, record_format, units = iter_units(file, None)
            units.close()
            if container != "jsonl":
                raise InputError(f"{file}: the Ray engine reads JSON Lines (convert it first: toolproof convert)")
        except InputError as e:
            result.errors.append(str(e))
            continue
        rules = _rules_for_file(plan, file, config)
        rules_of[file] = rules
        jobs[file] = _Job(file, record_format, tuple(r.code for r in rules if r.scope == "record"),
                          frozenset(r.code for r in rules), plan.options, plan.severity,
                          any(r.scope == "dataset" for r in rules))
        for k, (a, b) in enumerate(jsonl_byte_ranges(file, range_bytes)):
            ranges.append({"file": file, "k": k, "start": a, "end": b})
    if not ranges:
        for file in jobs:
            result.files.append(FileSummary(file, 0, "jsonl"))
        return result
    n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    linted = ray.data.from_items(ranges).map_batches(
        _RangeLinter, fn_constructor_args=(jobs,), batch_size=1, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=min(n, len(ranges))),
    ).materialize()
    # the driver takes two numbers per range, nothing per record
    counts = sorted((str(r["file"]), int(r["k"]), int(r["count"]), int(r["lines"])) for r in linted.select_columns(["file", "k", "count", "lines"]).iter_rows())
    offsets: dict[tuple[str, int], tuple[int, int]] = {}
    per_file: dict[str, int] = {}
    index0 = line0 = 0
    current = None
    for file, k, count, lines in counts:
        if file != current:
            current, index0, line0 = file, 0, 0
        offsets[(file, k)] = (index0, line0)
        index0 += count
        line0 += lines
        per_file[file] = index0
    from collections import Counter

    dialects: dict[str, Counter[str]] = {f: Counter() for f in jobs}
    notes: dict[str, Counter[str]] = {f: Counter() for f in jobs}
    for row in sorted(linted.select_columns(["file", "k", "errors", "reading"]).iter_rows(), key=lambda r: (str(r["file"]), int(r["k"]))):
        i0, l0 = offsets[(str(row["file"]), int(row["k"]))]
        result.internal_errors.extend(f"{row['file']}:{line + l0}: {e}" for line, e in pickle.loads(row["errors"]))
        read_as, read_notes = pickle.loads(row["reading"])
        dialects[str(row["file"])].update(read_as)
        notes[str(row["file"])].update(read_notes)
    rows = linted.flat_map(_renumbered(offsets)).materialize()
    parts = [rows.filter(lambda r: r["kind"] == "finding").select_columns(["file", "record", "blob"])]
    wanted = {r.code for rules in rules_of.values() for r in rules if r.scope == "dataset"}
    for code, kind in GROUPED.items():
        if code not in wanted:
            continue
        keyed = rows.filter(lambda r, kind=kind: r["kind"] == kind)
        # per file, as the local engine runs the dataset rules once per file
        parts.append(keyed.groupby(["file", "key"], num_partitions=partitions or n).map_groups(_group_rule(code, plan.severity), batch_format="numpy"))
    found = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    # The other dataset rules (the mix rules TP701-TP705, TP504 leakage against --against) read
    # aggregates of the whole file: they run here on the packed per-record summaries (~60 bytes a
    # record), gathered per file. Not yet done through Ray aggregations.
    extra: list[Finding] = []
    others = {file: [r for r in rules if r.scope == "dataset" and r.code not in GROUPED] for file, rules in rules_of.items()}
    if any(others.values()):
        extra = _driver_dataset_findings(linted, offsets, others, plan, result.internal_errors)
    order = {file: {r.code: i for i, r in enumerate(rules)} for file, rules in rules_of.items()}
    findings = [pickle.loads(r["blob"]) for r in found.iter_rows()] + extra  # (a CLI would write these per partition)
    findings.sort(key=lambda f: (list(jobs).index(f.file), f.record, order[f.file].get(f.code, len(order[f.file]))))
    for file in jobs:
        result.files.append(FileSummary(file, per_file.get(file, 0), "jsonl", dict(dialects[file].most_common()), dict(notes[file].most_common())))
    result.findings = findings
    return result


__all__ = ["GROUPED", "init", "lint_files_ray"]
