"""The cleaner: repair what is safely repairable, quarantine the rest, account for every record.

``clean(inputs, output, ...)`` reads each input with :func:`validator.io.iter_records`, runs the
record rules (:func:`validator.engine.check_record`), applies the repairs of
:mod:`validator.fixes` when a finding says a fix exists, re-runs the rules on the repaired record
(to a fixpoint, bounded) and then writes the record to OUTPUT (canonical JSONL) or to the
quarantine file with the findings that kept it out. Exact duplicates are dropped (first kept),
duplicate ids are suffixed, missing ids are derived from the file stem and line.

Every input record ends in exactly one place: OUTPUT, the quarantine, or the dropped-duplicate count.
Both files are written to a temporary file beside the target and renamed into place.

The library never prints; ``toolproof clean`` prints the summary.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from toolproof.validator.clean_result import CleanResult, FileCounts, FindingExample, RepairExample
from toolproof.validator.errors import ToolproofError
from toolproof.validator.findings import Finding, FixSafety, Hit, Severity
from toolproof.validator.fixes import FIXES, Change, apply_fixes
from toolproof.validator.io import INTERNAL_CODE
from toolproof.validator.safeio import OutputError, atomic_writer, refuse_overwrite

MAX_ROUNDS = 6  # fix -> re-check rounds per record (one repair pass per round)
EXAMPLES_PER_RULE = 3
REPORT_SUFFIXES = (".html", ".htm", ".md", ".markdown", ".json")
# The reason a record is quarantined (clean) or left as it is (fix) when a rule or repair raised
# on it: not a rule (no case can make a rule fail on purpose), the cleaner's own finding.
INTERNAL_NAME = "internal-error"
READER_BLOCKING = frozenset({"TP011"})  # reader findings on a parsed record that keep it out of the output


class CleanError(ToolproofError):
    """A clean run that cannot start (bad paths, output over an input): the message says why."""


# --------------------------------------------------------------------------- helpers
# (the result model, CleanResult and its parts, lives in validator/clean_result.py)


def dumps_line(obj: Any) -> bytes:
    """Canonical JSONL bytes of one value (compact, key order kept, UTF-8), with the newline."""
    try:
        return orjson.dumps(obj) + b"\n"
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


def _dedupe_key_from_line(obj: dict[str, Any], line: bytes) -> bytes:
    """The dedupe key (the record without its id) from its already serialised line when the id is
    the first key, else from a fresh serialisation. Key order counts: copies are exact copies."""
    if "id" in obj:
        if next(iter(obj)) != "id":
            body = {k: v for k, v in obj.items() if k != "id"}
            return hashlib.blake2b(dumps_line(body), digest_size=16).digest()
        prefix_len = len(b'{"id":') + len(dumps_line(obj["id"])) - 1
        rest = line[prefix_len:]
        rest = b"{" + rest[1:] if rest.startswith(b",") else b"{}\n"
        return hashlib.blake2b(rest, digest_size=16).digest()
    return hashlib.blake2b(line, digest_size=16).digest()


def _id_key(rid: Any) -> str:
    return rid if isinstance(rid, str) else "\x00" + dumps_line(rid).decode()


def _snippet(value: Any, limit: int = 240) -> str:
    try:
        s = value if isinstance(value, str) else orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        s = repr(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _resolve_path(obj: Any, path: str) -> Any:
    """Best-effort value at a JSON path like ``$.messages[2].content`` (for report snippets)."""
    import re

    cur = obj
    for m in re.finditer(r"\.([A-Za-z_][A-Za-z_0-9]*)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*')\]", path):
        try:
            if m.group(1) is not None:
                cur = cur[m.group(1)]
            elif m.group(2) is not None:
                cur = cur[int(m.group(2))]
            else:
                import ast

                cur = cur[ast.literal_eval(m.group(3))]
        except (KeyError, IndexError, TypeError, ValueError, SyntaxError):
            return obj
    return cur


def _stem(path: Path) -> str:
    """The name derived ids start with: ``data`` for data.jsonl and data.jsonl.gz, ``stdin`` for ``-``."""
    from toolproof.validator.io import compression

    if os.fspath(path) == "-":
        return "stdin"
    return (path.with_suffix("") if compression(path) else path).stem


def _default_quarantine(output: Path) -> Path:
    name = output.name
    stem = name[: -len(".jsonl")] if name.endswith(".jsonl") else Path(name).stem
    return output.with_name(f"{stem}.quarantine.jsonl")


def resolve_report_path(report: str | os.PathLike[str]) -> Path:
    """The report path as given (a bare name is the current folder, like every other output path);
    only its suffix is checked, since it picks the report's format."""
    p = Path(report)
    if p.suffix.lower() not in REPORT_SUFFIXES:
        raise CleanError(f"{report}: report must end in .html, .md or .json")
    return p


# --------------------------------------------------------------------------- record cleaning


@dataclass
class RecordOutcome:
    """The cleaner's verdict on one parsed record."""

    record: Any  # the record to write (repaired, or the original object)
    changes: list[Change]
    findings: list[Finding]  # the findings of the original record
    remaining: list[Finding]  # findings of the final record
    errors: list[Finding]  # error-level findings left: non-empty means quarantine

    @property
    def ok(self) -> bool:
        return not self.errors


class RecordCleaner:
    """Runs rules and repairs on one record at a time (shared by ``clean`` and ``fix``)."""

    def __init__(
        self,
        *,
        unsafe_fixes: bool = False,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        config: Any = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        from toolproof.validator.engine import select_rules, severity_overrides

        sel = list(select) if select else (config.select if config is not None and config.select else None)
        ign = list(config.ignore if config is not None else []) + list(ignore or [])
        self.options = dict(options or {})
        self.rules = [r for r in select_rules(sel, ign, self.options) if r.scope == "record"]
        self.enabled = {r.code for r in select_rules(sel, ign, self.options)}
        self.severity = severity_overrides(config)
        self.unsafe = unsafe_fixes
        self.internal_errors: list[str] = []

    def findings(self, obj: Any, file: str, line: int, index: int, proven: bool | None = None) -> list[Finding]:
        """The record rules' findings on ``obj`` (``proven``: the fast path already ran on it, and
        proved it clean or not; None: run it)."""
        from toolproof.validator.engine import check_record

        rid = _finding_id(obj)
        errs: list[str] = []
        out: list[Finding] = []
        for r, hit in check_record(obj, index, self.options, self.rules, errs, proven):
            out.append(self._finding(r.code, r.name, r.severity, r.fix, hit, file, line, index, rid))
        for e in errs:
            out.append(self.internal_finding(e, file, line, index, rid))
        return out

    def internal_finding(self, error: str, file: str, line: int, index: int, rid: str | None) -> Finding:
        """Fail closed: a record on which a rule or repair raised gets an error finding (TP000), so
        it is quarantined (clean) or left as it is (fix), never passed; the run exits 3."""
        self.internal_errors.append(f"{file}:{line}: {error}")
        hit = Hit("$", f"toolproof failed on this record (please report): {error}", FixSafety.NONE)
        return self._finding(INTERNAL_CODE, INTERNAL_NAME, Severity.ERROR, FixSafety.NONE, hit, file, line, index, rid)

    def _finding(
        self,
        code: str,
        name: str,
        severity: Severity,
        fix: FixSafety,
        hit: Hit,
        file: str,
        line: int,
        index: int,
        rid: str | None,
    ) -> Finding:
        return Finding(
            code=code,
            name=name,
            severity=self.severity.get(code) or hit.severity or severity,
            file=file,
            line=line,
            record=index,
            id=rid,
            path=hit.path,
            message=hit.message,
            fix=hit.fix or fix,
            data=hit.data,
        )

    def reader_finding(self, code: str, hit: Hit, file: str, line: int, index: int, obj: Any = None) -> Finding:
        from toolproof.validator.rules.base import REGISTRY

        r = REGISTRY.get(code)
        if code == INTERNAL_CODE:
            self.internal_errors.append(f"{file}:{line}: {hit.message}")
        return self._finding(
            code,
            r.name if r else (INTERNAL_NAME if code == INTERNAL_CODE else code),
            r.severity if r else Severity.ERROR,
            r.fix if r else FixSafety.NONE,
            hit,
            file,
            line,
            index,
            _finding_id(obj),
        )

    def _fixable(self, findings: list[Finding]) -> bool:
        return any(f.fix is FixSafety.SAFE or (self.unsafe and f.fix is FixSafety.UNSAFE) for f in findings)

    def clean_record(self, obj: Any, file: str, line: int, index: int, proven: bool | None = None) -> RecordOutcome:
        first = self.findings(obj, file, line, index, proven)
        current, findings = obj, first
        changes: list[Change] = []
        if isinstance(obj, dict):
            for _ in range(MAX_ROUNDS):
                if not self._fixable(findings):
                    break
                try:
                    fixed, applied = apply_fixes(current, unsafe=self.unsafe, max_rounds=1)
                except Exception as e:  # RecursionError included: a repair must never stop the run
                    findings = [*findings, self.internal_finding(f"repair raised {type(e).__name__}: {e}", file, line,
                                                                 index, _finding_id(current))]
                    break
                if not applied:
                    break
                changes.extend(applied)
                current = fixed
                findings = self.findings(current, file, line, index)
        errors = [f for f in findings if f.severity is Severity.ERROR]
        return RecordOutcome(current, changes, first, findings, errors)


def _finding_id(obj: Any) -> str | None:
    if isinstance(obj, dict):
        rid = obj.get("id")
        if isinstance(rid, (str, int)) and not isinstance(rid, bool):
            return str(rid)
    return None


# --------------------------------------------------------------------------- the stages of one record
#
# ``clean`` runs them one record after the other; the Ray engine (``validator.ray_engine``) runs
# :func:`judge_record` in its workers, byte range by byte range, and the rest through Ray's grouping.


@dataclass
class Candidate:
    """A record the record stage lets through: next come exact-duplicate removal, its id, the output."""

    file: str
    line: int
    record: dict[str, Any]  # the record to write (repaired, or the parsed object)
    line_bytes: bytes  # dumps_line(record)
    changes: list[Change]  # the repairs made
    original: Any  # the parsed object (for the repair examples)
    data: bytes | None = None  # the record's own bytes when it is written as it came (see as_written)


def as_written(cand: Candidate, line_bytes: bytes, rewritten: bool) -> bytes:
    """The bytes to write for a candidate: a record that passes unchanged (canonical, no repair, its
    id kept) keeps its own bytes (number spellings, key order, spacing; the line end becomes LF), so
    nothing a parser might round differently is rewritten; any other record is ``line_bytes``."""
    if cand.data is None or cand.changes or rewritten:
        return line_bytes
    return cand.data.rstrip(b"\r\n") + b"\n"


def proven_clean(rec: Any) -> bool | None:
    """What the reader's precheck (the fast path's walk, ``engine.quick_precheck``) proved of the
    record as read: clean (True), not clean (False), or nothing (None: it did not run on it)."""
    from toolproof.validator.io import UNCHECKED

    return None if rec.view is UNCHECKED else rec.view is not None


def judge_record(
    rec: Any, cleaner: RecordCleaner, result: CleanResult, counts: FileCounts, q_f: IO[bytes], on_finding: Any = None
) -> Candidate | None:
    """The record stage: count ``rec``, note its findings (``on_finding`` gets each too), quarantine
    it (written to ``q_f``) when it is unread or keeps an error after the repairs; else the candidate."""
    file = rec.file
    counts.records += 1
    result.records_in += 1

    def note(f: Finding, value: Any, record: Any = _WHOLE) -> None:
        _note_finding(result, f, value, record)
        if on_finding is not None:
            on_finding(f)

    extra = [cleaner.reader_finding(code, hit, file, rec.line, rec.index, rec.obj) for code, hit in rec.extra]
    for f in extra:
        note(f, rec.raw)
        if f.code == "TP010":
            counts.bom_stripped = True
            result.repairs["TP010 strip-byte-order-mark"] += 1
    dialect = rec.source_format or "unknown"
    if rec.error is not None or rec.obj is None:
        hit = rec.error or Hit("$", "record did not parse")
        f001 = cleaner.reader_finding(rec.code or "TP001", hit, file, rec.line, rec.index)
        raw = rec.raw.rstrip("\r\n") if isinstance(rec.raw, str) else rec.raw
        if raw is None and rec.original is not None:  # TP012: parsed, not readable in its dialect
            raw = rec.original
        note(f001, raw)
        result.read_as["unread" if rec.code == "TP012" or rec.obj is None else dialect] += 1
        result.quarantined_by_dialect[dialect] += 1
        result.unread += 1
        _quarantine(result, counts, q_f, file, rec.line, _finding_id(rec.original), [f001], raw, rec.data)
        return None
    obj = rec.obj
    result.read_as[dialect] += 1
    # a repeated key (TP011): which value was meant is unknown, so the record is not
    # rewritten with the parser's choice; it goes to the quarantine with its bytes
    blocking = [f for f in extra if f.code in READER_BLOCKING and f.code in cleaner.enabled and f.severity is Severity.ERROR]
    if blocking:
        result.quarantined_by_dialect[dialect] += 1
        _quarantine(result, counts, q_f, file, rec.line, _finding_id(obj), blocking, obj, rec.data)
        return None
    outcome = cleaner.clean_record(obj, file, rec.line, rec.index, proven_clean(rec))
    for f in outcome.findings:
        note(f, None, obj)
    if not outcome.ok:
        if any(f.code in ("TP002", "TP003") for f in outcome.errors):
            result.unread += 1
        result.quarantined_by_dialect[dialect] += 1
        _quarantine(result, counts, q_f, file, rec.line, _finding_id(obj), outcome.errors, obj, rec.data)
        return None
    if rec.source_format not in (None, "canonical"):
        result.converted[rec.source_format] += 1
    record = outcome.record
    if not isinstance(record, dict):  # only TP002 makes this possible, and it is an error
        _quarantine(result, counts, q_f, file, rec.line, None, outcome.remaining, obj, rec.data)
        return None
    as_is = rec.data if rec.source_format == "canonical" and not rec.notes and record is obj else None
    return Candidate(file, rec.line, record, dumps_line(record), outcome.changes, obj, as_is)


def dedupe_key(cand: Candidate) -> bytes:
    """The exact-duplicate key of a candidate: its record without the id (key order counts)."""
    return _dedupe_key_from_line(cand.record, cand.line_bytes)


def note_duplicate(result: CleanResult, counts: FileCounts) -> None:
    result.duplicates_dropped += 1
    counts.duplicates += 1
    result.findings_by_rule["TP501"] += 1


def derive_id(record: dict[str, Any], line_bytes: bytes, stem: str, line: int) -> tuple[dict[str, Any], bytes, bool]:
    """A record without an id gets ``STEM:LINE`` (put first): the record, its line, whether derived."""
    if record.get("id") is not None:
        return record, line_bytes, False
    record = {"id": f"{stem}:{line}", **{k: v for k, v in record.items() if k != "id"}}
    return record, dumps_line(record), True


def suffix_id(record: dict[str, Any], line_bytes: bytes, seen_ids: set[str]) -> tuple[dict[str, Any], bytes, bool]:
    """An id already in ``seen_ids`` becomes ``ID#N`` (the least free N from 2); the final id joins
    ``seen_ids``. Returns the record, its line and whether it was suffixed."""
    rid = record.get("id")
    ik = _id_key(rid)
    if ik not in seen_ids:
        seen_ids.add(ik)
        return record, line_bytes, False
    n = 2
    while _id_key(f"{rid}#{n}") in seen_ids:
        n += 1
    record = dict(record)
    record["id"] = f"{rid}#{n}"
    seen_ids.add(_id_key(record["id"]))
    return record, dumps_line(record), True


def id_root(rid: Any) -> str:
    """The id with every ``#N`` suffix taken off: :func:`suffix_id` only compares ids of one root
    (an id and the suffixed ids made from it share it), so ids can be settled root by root."""
    s = rid if isinstance(rid, str) else f"{rid}"
    while True:
        m = _SUFFIX.search(s)
        if m is None:
            return s
        s = s[: m.start()]


_SUFFIX = re.compile(r"#[0-9]+\Z")


def note_written(
    result: CleanResult, counts: FileCounts, keys: list[str], example: Any, derived: bool, suffixed: bool
) -> None:
    """Count a written record: ``keys`` name its repairs (``CODE FIX``); ``example(i)`` makes the
    :class:`RepairExample` of the i-th when its key has none yet."""
    if derived:
        result.ids_derived += 1
    if suffixed:
        result.ids_suffixed += 1
        result.repairs["TP502 suffix-duplicate-id"] += 1
        result.findings_by_rule["TP502"] += 1
    if keys or suffixed:
        result.repaired += 1
        for i, key in enumerate(keys):
            result.repairs[key] += 1
            if key not in result.repair_examples:
                result.repair_examples[key] = example(i)
    else:
        result.unchanged += 1
    counts.written += 1


# --------------------------------------------------------------------------- clean


def _check_paths(inputs: Sequence[Path], targets: Sequence[tuple[str, Path]]) -> None:
    from toolproof.validator.io import InputError, _hf_split, check_readable, hf_source

    for p in inputs:
        if os.fspath(p) == "-" or hf_source(p) is not None:  # stdin; a datasets folder or .arrow file (its reader checks it)
            continue
        if not p.exists():
            try:
                check_readable(p)  # names a broken link or a link loop
            except InputError as e:
                raise CleanError(str(e)) from None
            raise CleanError(f"{p}: no such file")
        if p.is_dir():
            raise CleanError(f"{p}: is a directory, not a dataset file")
    try:
        refuse_overwrite(targets, [Path(_hf_split(os.fspath(p))[0]) for p in inputs if os.fspath(p) != "-"])
    except OutputError as e:
        raise CleanError(str(e)) from None


def clean(
    inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    quarantine: str | os.PathLike[str] | None = None,
    *,
    unsafe_fixes: bool = False,
    dedupe: bool = True,
    report: str | os.PathLike[str] | None = None,
    input_format: str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Any = None,
    options: dict[str, Any] | None = None,
) -> CleanResult:
    """Clean ``inputs`` into ``output`` (canonical JSONL) and ``quarantine``.

    ``quarantine`` defaults to ``<output stem>.quarantine.jsonl`` beside the output. ``report``
    (``.html``, ``.md``, ``.json``, written exactly where given) writes the run's report.
    Raises :class:`CleanError` for paths that cannot be used (missing input, output over an input)
    and :class:`validator.io.InputError` for an unreadable input; nothing is written then.
    """
    from toolproof.validator.engine import quick_precheck
    from toolproof.validator.io import InputError, check_readable, iter_records, iter_units

    in_paths = [Path(p) for p in ([inputs] if isinstance(inputs, (str, os.PathLike)) else inputs)]
    if not in_paths:
        raise CleanError("no input files")
    out_path = Path(output)
    q_path = Path(quarantine) if quarantine is not None else _default_quarantine(out_path)
    report_path = resolve_report_path(report) if report is not None else None
    targets = [("-o", out_path), ("--quarantine", q_path)] + ([("--report", report_path)] if report_path is not None else [])
    _check_paths(in_paths, targets)
    if sum(os.fspath(p) == "-" for p in in_paths) > 1:
        raise CleanError("standard input (-) can be given once")
    for p in in_paths:  # every input readable and text before anything is written
        try:
            check_readable(p)
            if os.fspath(p) != "-":  # standard input is read once, by the run itself
                iter_units(p, input_format)
        except InputError as e:
            raise CleanError(str(e)) from e

    cleaner = RecordCleaner(unsafe_fixes=unsafe_fixes, select=select, ignore=ignore, config=config, options=options)
    result = CleanResult(
        inputs=[os.fspath(p) for p in in_paths],
        output=os.fspath(out_path),
        quarantine=os.fspath(q_path),
        report=os.fspath(report_path) if report_path is not None else None,
        unsafe_fixes=unsafe_fixes,
        dedupe=dedupe,
    )
    seen_records: set[bytes] = set()
    seen_ids: set[str] = set()

    with atomic_writer(out_path) as out_f, atomic_writer(q_path) as q_f:
        for path in in_paths:
            file = os.fspath(path)
            counts = FileCounts(file)
            result.files.append(counts)
            stem = _stem(path)
            for rec in iter_records(path, input_format, precheck=quick_precheck):
                cand = judge_record(rec, cleaner, result, counts, q_f)
                if cand is None:
                    continue
                if dedupe:
                    key = _dedupe_key_from_line(cand.record, cand.line_bytes)
                    if key in seen_records:
                        note_duplicate(result, counts)
                        continue
                    seen_records.add(key)
                record, line_bytes, derived = derive_id(cand.record, cand.line_bytes, stem, cand.line)
                record, line_bytes, suffixed = suffix_id(record, line_bytes, seen_ids)
                keys = [f"{ch.code} {ch.fix}" for ch in cand.changes]
                note_written(result, counts, keys, lambda i, c=cand: repair_example(c.changes[i], c.original, c.record, c.file, c.line),
                             derived, suffixed)
                out_f.write(as_written(cand, line_bytes, derived or suffixed))
    result.internal_errors.extend(cleaner.internal_errors)
    for code in result.findings_by_rule:
        if code not in result.severity_by_rule:
            result.severity_by_rule[code] = _rule_severity(code)
    stats = _stats_func() if report_path is not None else None
    if stats is not None:  # streamed from the written output: no record is kept in memory
        try:
            result.stats = stats(_iter_jsonl(out_path))
        except Exception as e:  # a stats bug must not lose the clean run
            result.internal_errors.append(f"toolproof.validator.stats.dataset_balance raised {type(e).__name__}: {e}")
    if report_path is not None:
        from toolproof.validator.reporters.clean_report import write_report

        write_report(result, report_path)
    return result


def _iter_jsonl(path: Path) -> Iterator[Any]:
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                yield orjson.loads(line)


def _stats_func() -> Any:
    try:
        from toolproof.validator.stats import dataset_balance
    except Exception:
        return None
    return dataset_balance


def _rule_severity(code: str) -> str:
    from toolproof.validator.rules.base import REGISTRY

    r = REGISTRY.get(code)
    return r.severity.value if r else "error"


_WHOLE = object()


def _note_finding(result: CleanResult, f: Finding, value: Any, record: Any = _WHOLE) -> None:
    """Count a finding; keep it as an example (with the value at its path) while there are few."""
    result.findings_by_rule[f.code] += 1
    if f.code not in result.severity_by_rule:
        result.severity_by_rule[f.code] = f.severity.value
    ex = result.finding_examples.get(f.code)
    if ex is None:
        ex = result.finding_examples[f.code] = []
    if len(ex) < EXAMPLES_PER_RULE:
        if record is not _WHOLE:
            value = _resolve_path(record, f.path)
        ex.append(FindingExample(f.file, f.line, f.id, f.path, f.message, _snippet(value)))


def repair_example(ch: Change, before: Any, after: Any, file: str, line: int) -> RepairExample:
    """The report's example of one repair: the message (or tool) it is in, before and after."""
    # show the message (or tool) the change is in: "$.messages[2]..." -> messages[2]
    import re

    m = re.match(r"^\$\.(messages|tools)\[(\d+)\]", ch.path)
    if m:
        part = f"$.{m.group(1)}[{m.group(2)}]"
        b, a = _resolve_path(before, part), _resolve_path(after, part)
    else:
        b, a = before, after
    rid = _finding_id(after)
    return RepairExample(file, line, rid, ch.path, ch.message, _snippet(b, 600), _snippet(a, 600))


def quarantine_line(
    file: str, line: int, rid: Any, findings: list[dict[str, Any]], record: Any, data: bytes | None
) -> bytes:
    """One quarantine JSONL line: where the record came from, why it is there, the record (the
    parsed value, or the text of one that did not parse) and, where the input has them, the
    record's exact bytes as ``raw_base64`` (a JSON Lines line with its line ending), so the
    input can be rebuilt byte for byte from the output and the quarantine."""
    entry: dict[str, Any] = {"file": file, "line": line, "id": rid, "findings": findings}
    if data is not None:
        entry["record"] = data.decode("utf-8", "replace").rstrip("\r\n") if record is None or isinstance(record, str) else record
        entry["raw_base64"] = base64.b64encode(data).decode("ascii")
    else:
        entry["record"] = record
    return dumps_line(entry)


def quarantined_bytes(entry: dict[str, Any]) -> bytes | None:
    """The exact input bytes of a quarantine entry (None when the input had none, e.g. CSV)."""
    b64 = entry.get("raw_base64")
    return base64.b64decode(b64) if isinstance(b64, str) else None


def _quarantine(
    result: CleanResult,
    counts: FileCounts,
    q_f: IO[bytes],
    file: str,
    line: int,
    rid: str | None,
    findings: list[Finding],
    record: Any,
    data: bytes | None = None,
) -> None:
    result.quarantined += 1
    counts.quarantined += 1
    for code in sorted({f.code for f in findings}):
        result.quarantined_by_rule[code] += 1
    q_f.write(quarantine_line(file, line, rid, [f.to_dict() for f in findings], record, data))


def fixes_table() -> list[dict[str, str]]:
    """The repairs the cleaner knows: code, name, safety, title (for docs and reports)."""
    rows = [{"code": f.code, "name": f.name, "safety": f.safety.value, "title": f.title} for f in FIXES]
    rows += [
        {"code": "TP010", "name": "strip-byte-order-mark", "safety": "safe", "title": "Write output without a BOM"},
        {"code": "TP501", "name": "drop-duplicate-record", "safety": "safe", "title": "Drop later exact copies"},
        {"code": "TP502", "name": "suffix-duplicate-id", "safety": "safe", "title": "Suffix later duplicate ids"},
    ]
    return sorted(rows, key=lambda r: (r["code"], r["name"]))


# --------------------------------------------------------------------------- fix in place


class FixFileError(ToolproofError):
    """A file ``fix`` cannot work on (missing, a directory, not text)."""


@dataclass
class FixFileResult:
    path: str
    changed: bool = False
    records: int = 0
    fixed_records: int = 0
    changes: list[Change] = field(default_factory=list)
    unfixed: list[Finding] = field(default_factory=list)  # errors of records left as they are
    dialects: Counter[str] = field(default_factory=Counter)  # records read as each dialect
    change_count: int = 0  # repairs made (``changes`` holds them unless fix_file(keep_changes=False))


def fix_file(
    path: str | os.PathLike[str],
    cleaner: RecordCleaner | None = None,
    *,
    on_unfixed: Any = None,
    keep_changes: bool = True,
) -> FixFileResult:
    """Apply the safe repairs to a JSON Lines file in place.

    A line is rewritten only when the repairs leave its record without errors; every other line
    keeps its bytes. A leading BOM is removed. A ``.json`` file that is not one object per line
    (a top-level array, pretty-printed JSON) is left alone. Each record's dialect is detected as every
    command does (``validator.formats``); fix repairs canonical records only and leaves a record of
    another dialect as it is (``toolproof convert`` converts), or reports TP012 when its dialect cannot
    read it.

    The file is read and rewritten a line at a time (into a temporary file beside it, started at the
    first change and renamed over it at the end), so memory does not grow with the file.
    ``on_unfixed`` (a callable) receives the errors of records left as they are instead of
    ``res.unfixed``; ``keep_changes=False`` keeps only the count of repairs, not each :class:`Change`.
    """
    from toolproof.validator.engine import quick_precheck
    from toolproof.validator.formats import AUTO_OBJECT_ARGS, read_record
    from toolproof.validator.io import (
        BOM,
        InputError,
        _object_arguments,
        check_readable,
        looks_like_json_document,
        parse_bytes,
        sniff_binary,
        vet_value,
    )

    p = Path(path)
    file = os.fspath(p)
    try:
        check_readable(p)
        with open(p, "rb") as f:
            head = f.read(1 << 16)
    except InputError as e:
        raise FixFileError(str(e)) from e
    except OSError as e:
        raise FixFileError(f"{file}: cannot read ({e.strerror or e})") from e
    why = sniff_binary(head[:8192])
    if why:
        raise FixFileError(f"{file}: not a text dataset: {why}")
    doc = looks_like_json_document(head[:8192]) if p.suffix.lower() != ".json" else None
    if doc:
        raise FixFileError(f"{file}: this looks like {doc}, not JSON Lines; fix rewrites JSON Lines in place "
                           f"(use `toolproof clean {file} --input-format json -o OUT.jsonl`)")
    cleaner = cleaner or RecordCleaner()
    res = FixFileResult(file)
    bom = head.startswith(BOM)
    if p.suffix.lower() == ".json":
        body = head[3:] if bom else head
        first = body.lstrip()[:1]
        if first != b"{" or not _first_line_parses(body if b"\n" in body else _first_line(p, bom)):
            return res
    unfixed = on_unfixed if on_unfixed is not None else res.unfixed.append
    start = 3 if bom else 0
    index = 0
    fmt = AUTO_OBJECT_ARGS if _object_arguments(file) else "auto"
    pos = start  # byte offset of the current line
    out: Any = None  # the AtomicFile, from the first change on

    def begin(fd: int) -> Any:
        """The rewrite starts at the first change: copy the bytes before it, unchanged, from the
        descriptor being read (``pread``: the path is never opened again, so a file replaced
        meanwhile cannot lend its head to this one's tail)."""
        from toolproof.validator.safeio import AtomicFile

        af = AtomicFile(p, "wb")  # keeps the file's mode; a symlink is written through to its target
        try:
            at, end = start, pos
            while at < end:
                block = os.pread(fd, min(end - at, 1 << 20), at)
                if not block:
                    raise FixFileError(f"{file}: shrank while fix read it; left as it is, nothing written")
                af.file.write(block)
                at += len(block)
        except BaseException:  # (not yet the caller's to discard)
            af.discard()
            raise
        return af

    try:
        with open(p, "rb") as src:
            fd = src.fileno()
            seen = os.fstat(fd)
            src.seek(start)
            if bom:
                out = begin(fd)
            for lineno, line in enumerate(_physical_lines(src), 1):
                new = _fix_line(line, lineno, index, file, fmt, cleaner, res, unfixed, keep_changes,
                                vet_value, read_record, parse_bytes, quick_precheck)
                if line.strip():
                    index += 1
                if out is None and new is not line:
                    out = begin(fd)
                if out is not None:
                    out.file.write(new)
                pos += len(line)
            if out is not None:
                out.commit(before_replace=lambda: _unchanged_since(file, p, fd, seen))
                res.changed = True
    finally:
        if out is not None and not res.changed:
            out.discard()
    return res


def _fix_line(
    line: bytes,
    lineno: int,
    index: int,
    file: str,
    fmt: str,
    cleaner: RecordCleaner,
    res: FixFileResult,
    unfixed: Any,
    keep_changes: bool,
    vet_value: Any,
    read_record: Any,
    parse_bytes: Any,
    precheck: Any = None,
) -> bytes:
    """The bytes ``fix`` writes for one physical line: the line itself (the same object) unless
    its record was repaired; counts and unfixed errors go to ``res`` / ``unfixed``."""

    text = line.rstrip(b"\r\n")
    if not text.strip():
        return line
    res.records += 1
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        # the reader's own description of the line, word for word what `lint` says
        bad = parse_bytes(line, file, lineno, index, "canonical", last_line=not line.endswith(b"\n"))
        hit = bad.error or Hit("$", "invalid JSON", FixSafety.NONE)
        unfixed(cleaner.reader_finding("TP001", hit, file, lineno, index))
        return line
    # (as lint reads: integers past 64 bits exact, should the record be rewritten)
    obj, deep, _body, hits = vet_value(text, obj)
    if deep is not None:  # never walked: left as it is, reported as lint reports it
        unfixed(cleaner.reader_finding("TP013", deep, file, lineno, index))
        return line
    dups = [cleaner.reader_finding(code, hit, file, lineno, index, obj) for code, hit in hits if code in cleaner.enabled]
    if dups:  # a repeated key: rewriting would silently pick one value; keep the line
        for f in dups:
            if f.severity is Severity.ERROR:
                unfixed(f)
        return line
    walk = precheck(obj) if precheck is not None else None  # the fast path's walk, as lint's reader runs it
    if walk is not None and walk.plain:  # a plain canonical record: reading it would change nothing
        res.dialects["canonical"] += 1
        outcome = cleaner.clean_record(obj, file, lineno, index, True)
        return _fixed_line(outcome, res, unfixed, keep_changes, line, text)
    reading = read_record(obj, fmt)
    if reading.ok and reading.dialect not in (None, "canonical"):  # another dialect: left as it is
        res.dialects[reading.dialect] += 1
        return line
    if not reading.ok and reading.dialect is not None and reading.error is not None:  # TP012
        res.dialects["unread"] += 1
        hit = Hit(reading.error.path, f"cannot be read as {reading.dialect}: {reading.error.message}", FixSafety.NONE)
        unfixed(cleaner.reader_finding("TP012", hit, file, lineno, index))
        return line
    res.dialects["canonical" if reading.ok else "unknown"] += 1
    outcome = cleaner.clean_record(obj, file, lineno, index, None if precheck is None else walk is not None)
    return _fixed_line(outcome, res, unfixed, keep_changes, line, text)


def _fixed_line(outcome: RecordOutcome, res: FixFileResult, unfixed: Any, keep_changes: bool, line: bytes, text: bytes) -> bytes:
    """The line ``fix`` writes for a record it ran the rules and repairs on."""
    if outcome.changes and outcome.ok:
        res.fixed_records += 1
        res.change_count += len(outcome.changes)
        if keep_changes:
            res.changes.extend(outcome.changes)
        return dumps_line(outcome.record)[:-1] + line[len(text) :]
    for f in outcome.errors if outcome.changes == [] else _original_errors(outcome):
        unfixed(f)
    return line


def _unchanged_since(file: str, p: Path, fd: int, seen: os.stat_result) -> None:
    """Raise FixFileError when the file ``fix`` read (descriptor ``fd``, first seen as ``seen``) was
    written in place or the path now names another file (an editor's save, ``git checkout``): its
    result would silently drop that change. Nothing is renamed then; the file stays as it is."""
    def key(s: os.stat_result) -> tuple[int, int, int, int]:
        return (s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns)

    try:
        now_path = os.stat(p)  # follows a symlink, as the rewrite does
    except OSError:
        now_path = None
    if key(os.fstat(fd)) != key(seen) or now_path is None or key(now_path) != key(seen):
        raise FixFileError(f"{file}: changed while fix ran (another program wrote or replaced it); left as "
                           "it is, with that program's version; nothing was written: run fix again")


def _physical_lines(f: IO[bytes]) -> Iterator[bytes]:
    """The lines of ``f`` as ``bytes.splitlines(keepends=True)`` cuts them (a lone CR ends one
    too), read a line at a time."""
    for line in f:
        if b"\r" in line:
            yield from line.splitlines(keepends=True)
        else:
            yield line


def _first_line(p: Path, bom: bool) -> bytes:
    with open(p, "rb") as f:
        if bom:
            f.seek(3)
        return f.readline()


def _original_errors(outcome: RecordOutcome) -> list[Finding]:
    return [f for f in outcome.findings if f.severity is Severity.ERROR]


def _first_line_parses(body: bytes) -> bool:
    first = body.split(b"\n", 1)[0].strip()
    try:
        return isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        return False


__all__ = [
    "CleanError",
    "FixFileError",
    "FixFileResult",
    "fix_file",
    "CleanResult",
    "FileCounts",
    "RecordCleaner",
    "RecordOutcome",
    "atomic_writer",
    "clean",
    "dumps_line",
    "fixes_table",
    "quarantine_line",
    "quarantined_bytes",
    "resolve_report_path",
]
