"""The lint engine: read records, run the selected rules, collect findings.

Record rules run per record (in worker processes with ``jobs > 1``), a
:class:`~validator.rules.dataset.RecordSummary` is computed per record next to them,
and dataset rules run on the summaries at the end of each file. Findings come out
sorted by file, record, then rule code, identical for any ``jobs``.

The pieces another engine builds on (``validator.ray_engine`` runs them in Ray actors) are
public here: :func:`plan_rules` and :func:`rules_for_file` choose the rules, a :class:`LintJob`
says what a worker needs, :func:`run_range` / :func:`run_batch` lint a byte range or a list of
units into a :class:`BatchResult` numbered from the range's start, :func:`shift_batch` moves it
to its place in the file, and :func:`iter_dataset_findings` runs the dataset rules over the
summaries (:func:`summarizer`, :func:`summary_container`) and the :class:`RecordTable` of lines
and ids; :func:`make_finding` turns a rule's hit into a finding.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from toolproof.validator.config import Config, resolve_selector
from toolproof.validator.findings import (
    Finding,
    FixSafety,
    Hit,
    Severity,
    moved_findings,
    pack_findings,
    unpack_findings,
)
from toolproof.validator.io import (
    INTERNAL_CODE,
    UNCHECKED,
    InputError,
    RawRecord,
    Unit,
    display_name,
    iter_units,
    jsonl_byte_ranges,
    parse_unit,
    plain_file,
    read_jsonl_range,
)
from toolproof.validator.rules.base import REGISTRY, Context, Rule, all_rules

BATCH = 512  # records per worker task


@dataclass
class FileSummary:
    """One linted file: its record count, container and input dialects."""

    path: str
    records: int
    format: str | None = None
    dialects: dict[str, int] = field(default_factory=dict)  # records read as each dialect ("unknown": none)
    notes: dict[str, int] = field(default_factory=dict)  # what reading did, in records ("call arguments decoded ...")


class FindingCounts:
    """What the summaries need from the findings, counted as they stream past (O(1) memory).

    Findings must arrive in report order (by file, then record), as the engine sends them.
    """

    __slots__ = ("errors", "warnings", "records_with_errors", "codes", "severity", "safe", "_last")

    def __init__(self) -> None:
        self.errors = 0
        self.warnings = 0
        self.records_with_errors = 0
        self.codes: Counter[str] = Counter()
        self.severity: dict[str, Severity] = {}  # the first severity seen per code
        self.safe = 0  # findings with a safe fix
        self._last: tuple[str, int] | None = None

    def add(self, f: Finding) -> None:
        self.codes[f.code] += 1
        self.severity.setdefault(f.code, f.severity)
        if f.fix is FixSafety.SAFE:
            self.safe += 1
        if f.severity is Severity.ERROR:
            self.errors += 1
            key = (f.file, f.record)
            if key != self._last:
                self.records_with_errors += 1
                self._last = key
        elif f.severity is Severity.WARNING:
            self.warnings += 1

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> FindingCounts:
        c = cls()
        seen: set[tuple[str, int]] = set()
        for f in findings:
            c.add(f)
            if f.severity is Severity.ERROR:
                seen.add((f.file, f.record))
        c.records_with_errors = len(seen)  # any order
        return c


# The exit code of a run in which a rule, reader or reporter raised (see LintResult.exit_code).
INTERNAL_ERROR_EXIT = 3


@dataclass
class LintResult:
    """Files, findings and errors of a lint run.

    When the run streamed its findings (``lint_paths(..., on_finding=...)``), ``findings`` stays
    empty and the counts below come from ``counts``, filled as the findings went past.
    """

    files: list[FileSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # unreadable files (exit 2), one line each
    internal_errors: list[str] = field(default_factory=list)  # a rule raised (a bug in the rule)
    counts: FindingCounts | None = None  # set when the findings were streamed
    faults: dict[str, int] | None = None  # the Ray engine's retried work and restarted workers, when there were any

    def _counts(self) -> FindingCounts:
        return self.counts if self.counts is not None else FindingCounts.of(self.findings)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def finding_count(self) -> int:
        return sum(self.counts.codes.values()) if self.counts is not None else len(self.findings)

    @property
    def error_count(self) -> int:
        return self._counts().errors

    @property
    def warning_count(self) -> int:
        return self._counts().warnings

    @property
    def records_with_errors(self) -> int:
        return self._counts().records_with_errors

    @property
    def by_code(self) -> dict[str, int]:
        return dict(sorted(self._counts().codes.items()))

    @property
    def severity_by_code(self) -> dict[str, Severity]:
        """The severity of each reported code (the first finding's, when an override split it)."""
        return dict(self._counts().severity)

    @property
    def safe_fix_count(self) -> int:
        return self._counts().safe

    @property
    def exit_code(self) -> int:
        """0 clean, 1 error findings, 2 an unreadable file, 3 an internal error (fail closed: a
        record whose checks did not all run is never a pass)."""
        if self.errors:
            return 2
        if self.internal_errors:
            return INTERNAL_ERROR_EXIT
        return 1 if self.error_count else 0


# --------------------------------------------------------------------------- rule selection


def registered_rules() -> list[Rule]:
    """Every registered rule, in code order (the reader rules imported first)."""
    import toolproof.validator.rules.reader  # noqa: F401  (registers TP001 / TP010)

    return all_rules()


def select_rules(
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    options: dict[str, Any] | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[Rule]:
    """The rules to run, in code order.

    ``select`` (codes, prefixes, names, "ALL") restricts; ``ignore`` removes. A rule with
    ``default_enabled=False`` runs only when named exactly in ``select`` or, for a rule declared
    with ``needs=OPTION``, when that option (``against``, ``model``) is present. Raises ValueError for an unknown selector.
    """
    rules = list(rules) if rules is not None else registered_rules()
    codes = [r.code for r in rules]
    names = {r.name: r.code for r in rules}
    opts = options or {}
    explicit: set[str] = set()
    if select:
        chosen: set[str] = set()
        for s in select:
            matched = resolve_selector(s, codes, names)
            chosen |= matched
            if len(matched) == 1 and (s.strip() in names or s.strip().upper() in matched):
                explicit |= matched
    else:
        chosen = set(codes)
    for s in ignore or ():
        chosen -= resolve_selector(s, codes, names)
    out = []
    for r in rules:
        if r.code not in chosen:
            continue
        by_option = r.needs is not None and opts.get(r.needs) is not None
        if not r.default_enabled and r.code not in explicit and not by_option:
            continue
        out.append(r)
    return out


def severity_overrides(config: Config | None) -> dict[str, Severity]:
    if not config or not config.severity:
        return {}
    rules = registered_rules()
    codes = [r.code for r in rules]
    names = {r.name: r.code for r in rules}
    out: dict[str, Severity] = {}
    # Prefixes first, exact codes last, so the most specific wins.
    for sel, sev in sorted(config.severity.items(), key=lambda kv: len(kv[0])):
        for c in resolve_selector(sel, codes, names):
            out[c] = sev
    return out


# --------------------------------------------------------------------------- per record


_BUILD_CONTEXT: Any = None


def _build_context(obj: Any, index: int, options: dict[str, Any]) -> Context:
    global _BUILD_CONTEXT
    if _BUILD_CONTEXT is None:  # looked up once, not per record
        try:
            from toolproof.validator.context import build_context

            _BUILD_CONTEXT = build_context
        except ImportError:
            _BUILD_CONTEXT = _fallback_context
    return _BUILD_CONTEXT(obj, index, options)  # type: ignore[no-any-return]


def _fallback_context(obj: Any, index: int, options: dict[str, Any]) -> Context:
    tools: dict[str, dict[str, Any]] = {}
    if isinstance(obj, dict) and isinstance(obj.get("tools"), list):
        for t in obj["tools"]:
            if isinstance(t, dict):
                fn = t.get("function") if isinstance(t.get("function"), dict) else t
                if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                    tools.setdefault(fn["name"], fn)
    return Context(record_index=index, tools=tools, options=options)


_QUICK: Any = None


def _quick() -> tuple[Any, frozenset[str]] | None:
    """(quick_walk, QUICK_CODES) of :mod:`validator.rules.quick`, None when it is absent."""
    global _QUICK
    if _QUICK is None:
        try:
            from toolproof.validator.rules.quick import QUICK_CODES, quick_walk

            _QUICK = (quick_walk, frozenset(QUICK_CODES))
        except ImportError:
            _QUICK = False
    return _QUICK or None


def check_record(
    obj: Any,
    index: int,
    options: dict[str, Any] | None,
    rules: Sequence[Rule],
    errors: list[str] | None = None,
    proven: bool | None = None,
) -> list[tuple[Rule, Hit]]:
    """Run the record-scope ``rules`` on one parsed record; the cleaner re-uses this.

    ``proven``: whether the fast path (:func:`quick_precheck`) proved the record clean, when the
    caller ran it already (None: run it here).

    A rule that raises is skipped for this record; the exception is described in
    ``errors`` when given (the engine reports those as internal errors).
    """
    return _check_record(obj, index, options, rules, errors, None, True, proven)


_NOT_QUICK: dict[tuple[int, ...], tuple[tuple[Rule, ...], list[Rule]]] = {}


def _not_quick(rules: Sequence[Rule]) -> list[Rule]:
    """The record rules ``quick_clean`` does not cover (all of them when it is absent).

    Memoised by the identities of the rules (the cleaner passes the same rules for every record);
    the memo holds the rules, so an identity is never reused while its entry lives.
    """
    key = tuple(map(id, rules))
    hit = _NOT_QUICK.get(key)
    if hit is not None:
        return hit[1]
    quick = _quick()
    covered = quick[1] if quick is not None else frozenset()
    rest = [r for r in rules if r.scope == "record" and r.code not in covered]
    if len(_NOT_QUICK) > 64:
        _NOT_QUICK.clear()
    _NOT_QUICK[key] = (tuple(rules), rest)
    return rest


_CONTEXT_FREE: dict[tuple[int, ...], tuple[tuple[Rule, ...], bool]] = {}


def _context_free(rules: Sequence[Rule]) -> bool:
    """Whether every rule reads the record alone (no Context to build); memoised as :func:`_not_quick`."""
    key = tuple(map(id, rules))
    hit = _CONTEXT_FREE.get(key)
    if hit is None:
        if len(_CONTEXT_FREE) > 64:
            _CONTEXT_FREE.clear()
        hit = _CONTEXT_FREE[key] = (tuple(rules), all(getattr(r.func, "context_free", False) for r in rules))
    return hit[1]


def _check_record(
    obj: Any,
    index: int,
    options: dict[str, Any] | None,
    rules: Sequence[Rule],
    errors: list[str] | None,
    rest: Sequence[Rule] | None,
    use_quick: bool = True,
    proven: bool | None = None,
) -> list[tuple[Rule, Hit]]:
    """:func:`check_record`; ``rest`` is ``_not_quick(rules)`` when the caller has it already
    (``use_quick=False`` when none of ``rules`` is covered by the fast path; ``proven``: the
    caller ran the fast path already, and it proved the record clean or not)."""
    opts = options if options is not None else {}
    out: list[tuple[Rule, Hit]] = []
    if type(obj) is not dict and not isinstance(obj, dict):
        rules = rest = [r for r in rules if r.code == "TP002"]
        proven = None
    if not rules:
        return out
    if proven is None and use_quick:
        proven = quick_precheck(obj) is not None
    if proven:  # proven clean for the QUICK_CODES rules: run the others only
        rules = rest if rest is not None else _not_quick(rules)
        if not rules:
            return out
    if _context_free(rules):
        ctx = Context(record_index=index, options=opts)  # e.g. only TP703 left after the fast path
    else:
        try:
            ctx = _build_context(obj, index, opts)
        except Exception:
            ctx = _fallback_context(obj, index, opts)
    for r in rules:
        if r.scope != "record":
            continue
        try:
            for hit in r.func(obj, ctx):
                out.append((r, hit))
        except Exception as e:  # RecursionError included: a rule must never stop the run
            if errors is not None:
                errors.append(f"rule {r.code} {r.name} raised {type(e).__name__}: {e}")
    return out


def quick_precheck(obj: Any) -> Any:
    """The fast path's walk of ``obj`` (``rules.quick.quick_walk``): None when it is not proven
    clean, when the fast path is absent, or when it raised (a broken fast path only costs speed).
    The readers take it as ``precheck`` (``io.parse_bytes``): it runs once per record, before the
    dialect detection it may spare, and its walk serves the rules and the dataset summary."""
    quick = _quick()
    if quick is None:
        return None
    try:
        return quick[0](obj)
    except Exception:
        return None


def summarizer() -> Any:
    """The per-record summary function of the dataset rules (None when they are not installed)."""
    try:
        from toolproof.validator.rules.dataset import summarize
    except ImportError:
        return None
    return summarize


def summary_container(summarize: Any) -> Any:
    """Where a batch's summaries go: the summarizer's packed table when it has one, else a list."""
    factory = getattr(summarize, "table", None)
    return factory() if factory is not None else []


class RecordTable:
    """Line and id of every record of a file, packed (a few bytes per record plus the id)."""

    __slots__ = ("lines", "_ids", "_ends", "_has")

    def __init__(self) -> None:
        self.lines: array[int] = array("I")
        self._ids = bytearray()
        self._ends: array[int] = array("Q")
        self._has = bytearray()

    def __len__(self) -> int:
        return len(self._has)

    def append(self, line: int, rid: str | None) -> None:
        try:
            self.lines.append(line)
        except OverflowError:  # past 2**32 lines (or a negative row number): widen once
            self.lines = array("q", self.lines)
            self.lines.append(line)
        if rid is None:
            self._has.append(0)
        else:
            self._ids += rid.encode("utf-8", "surrogatepass")
            self._has.append(1)
        self._ends.append(len(self._ids))

    def extend(self, other: RecordTable) -> None:
        base = len(self._ids)
        try:
            self.lines.extend(other.lines)
        except (OverflowError, TypeError):  # other holds wide line numbers: widen
            self.lines = array("q", self.lines)
            self.lines.extend(array("q", other.lines))
        self._ids += other._ids
        self._ends.extend(map(base.__add__, other._ends) if base else other._ends)
        self._has += other._has

    def id(self, index: int) -> str | None:
        if not self._has[index]:
            return None
        start = self._ends[index - 1] if index else 0
        return self._ids[start : self._ends[index]].decode("utf-8", "surrogatepass")


def _record_id(obj: Any) -> str | None:
    if isinstance(obj, dict):
        rid = obj.get("id")
        if isinstance(rid, (str, int)) and not isinstance(rid, bool):
            return str(rid)
    return None


def make_finding(rule_: Rule | None, code: str, rec: RawRecord, rid: str | None, hit: Hit, sev: dict[str, Severity]) -> Finding:
    """A rule's hit on a record, as a finding (severity: the config's override, the hit's, the rule's)."""
    r = rule_ or REGISTRY.get(code)
    severity = sev.get(code) or hit.severity or (r.severity if r else Severity.ERROR)
    fix = hit.fix or (r.fix if r else FixSafety.NONE)
    # code, name, severity, file, line, record, id, path, message, fix, data (positional: made per finding)
    return Finding(code, r.name if r else code, severity, rec.file, rec.line, rec.index, rid, hit.path, hit.message,
                   fix, hit.data)


@dataclass
class LintJob:
    """What a batch needs besides its units (picklable: codes, not functions)."""

    file: str
    record_format: str
    codes: tuple[str, ...]
    enabled: frozenset[str]  # codes of every selected rule (reader rules included)
    options: dict[str, Any]
    severity: dict[str, Severity]
    want_summaries: bool
    modules: tuple[str, ...] = ()  # where the rules are defined: a spawned worker imports them to register them


@dataclass
class BatchResult:
    """What a worker's task gives back: its record count, findings and what the dataset rules need."""

    count: int
    findings: list[Finding]
    meta: RecordTable | None  # line and id of each record, in order (only when dataset rules run)
    summaries: Any  # the summarizer's container (a SummaryTable) or a list
    errors: list[tuple[int, str]]  # (line, what raised): the engine adds the file name
    dialects: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    lines: int = 0  # physical lines read (byte-range tasks only)
    # A --jobs N worker's findings travel packed (``pack_findings``; ``findings`` is then empty) and
    # stay packed in the main process's spool: ``moved`` says how far to move them when unpacked.
    packed: bytes | None = None
    moved: tuple[int, int] = (0, 0)  # (lines, records)
    edges: tuple[tuple[int, str], tuple[int, str]] | None = None  # (record, code) of the first and last packed finding
    # record index -> what its inline ``"_toolproof": {"ignore": [...]}`` suppresses (sparse: only such records);
    # the dataset rules' findings on those records are dropped with it
    suppressed: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def pack(self) -> BatchResult:
        """Pack the findings for the trip to the main process (a worker's last step)."""
        f = self.findings
        if f:
            self.edges = ((f[0].record, f[0].code), (f[-1].record, f[-1].code))
        self.packed, self.findings = pack_findings(f), []
        return self

    def all_findings(self) -> list[Finding]:
        """The findings, unpacked and moved when they came packed."""
        if self.packed is None:
            return self.findings
        return unpack_findings(self.packed, *self.moved)


_rule_cache: dict[tuple[str, ...], list[Rule]] = {}


def _never_yields(r: Rule) -> bool:
    """The reader rules (TP001, TP010, TP012, TP407) are emitted by ``validator.io``; their functions never yield."""
    return r.family == "reader" and getattr(r.func, "__module__", None) in (
        "toolproof.validator.rules.reader",
        "toolproof.validator.rules.dialects",
    )


def _rules_for(codes: tuple[str, ...], modules: tuple[str, ...] = ()) -> list[Rule]:
    rules = _rule_cache.get(codes)
    if rules is None:
        registered_rules()
        if any(c not in REGISTRY for c in codes):  # a spawned worker: rules of other layers register on import
            import importlib

            for mod in modules:
                importlib.import_module(mod)
        rules = [REGISTRY[c] for c in codes if REGISTRY[c].scope == "record" and not _never_yields(REGISTRY[c])]
        _rule_cache[codes] = rules
    return rules


#: The record field that suppresses findings on that record: ``"_toolproof": {"ignore": ["TP703", "TP5"]}``
#: (codes, code prefixes or rule names; "ALL"). Like a noqa comment on a line of code: the finding is accepted
#: where it is, the rule stays on for every other record.
INLINE_FIELD = "_toolproof"


def inline_ignores(obj: Any) -> tuple[str, ...]:
    """The selectors of a record's inline ``_toolproof.ignore`` (a list of strings, or one string); () when none."""
    if type(obj) is not dict or INLINE_FIELD not in obj:
        return ()
    spec = obj[INLINE_FIELD]
    ign = spec.get("ignore") if isinstance(spec, dict) else None
    if isinstance(ign, str):
        ign = [ign]
    if not isinstance(ign, list):
        return ()
    return tuple(s.strip() for s in ign if isinstance(s, str) and s.strip())


def is_suppressed(f: Finding, selectors: tuple[str, ...]) -> bool:
    """Whether ``f`` is covered by one of ``selectors`` (a code, a code prefix, a rule name or ALL)."""
    return any(s == "ALL" or f.code.startswith(s.upper()) or f.name == s for s in selectors)


def run_batch(job: LintJob, units: list[Unit]) -> BatchResult:
    """Lint a list of units (a worker's task): findings, summaries and line/id table numbered as given."""
    rules = _rules_for(job.codes, job.modules)
    summarize = summarizer() if job.want_summaries else None
    findings: list[Finding] = []
    meta = RecordTable() if job.want_summaries else None
    summaries: Any = summary_container(summarize)
    skw: dict[str, Any] = {}
    turns = bool(job.options.get("against"))  # only TP504 reads the user turns
    if summarize is not None and getattr(summarize, "supports_turns", False):
        skw["turns"] = turns
    add_record = getattr(summaries, "add_record", None)
    errors: list[tuple[int, str]] = []
    rest = _not_quick(rules)
    use_quick = len(rest) < sum(1 for r in rules if r.scope == "record")
    dialects: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    suppressed: dict[int, tuple[str, ...]] = {}
    want_walk = use_quick or add_record is not None
    precheck = quick_precheck if want_walk else None
    for unit in units:
        rec = parse_unit(unit, job.file, job.record_format, precheck)
        dialects[(rec.source_format or "unknown") if rec.ok else "unread"] += 1
        if rec.notes:  # (Counter.update checks for a Mapping first: not per record)
            notes.update(rec.notes)
        rid = _record_id(rec.obj if rec.obj is not None else rec.original)
        if meta is not None:
            meta.append(rec.line, rid)
        found: list[Finding] = []
        if rec.code == INTERNAL_CODE and rec.error is not None:  # a reader raised: fail closed
            errors.append((rec.line, rec.error.message))
        elif rec.error is not None and (rec.code or "TP001") in job.enabled:
            found.append(make_finding(None, rec.code or "TP001", rec, rid, rec.error, job.severity))
        for code, hit in rec.extra:
            if code in job.enabled:
                found.append(make_finding(None, code, rec, rid, hit, job.severity))
        if rec.error is None:
            errs: list[str] = []
            walk = None
            if want_walk:  # the reader's precheck walked the record when it was read as it stands
                walk = rec.view if rec.view is not UNCHECKED else quick_precheck(rec.obj)
            for r, hit in _check_record(rec.obj, rec.index, job.options, rules, errs, rest, use_quick, walk is not None):
                found.append(make_finding(r, r.code, rec, rid, hit, job.severity))
            if errs:
                errors.extend((rec.line, e) for e in errs)
            if summarize is not None:
                try:
                    if add_record is not None:  # the packed table: straight into its columns
                        add_record(rec.obj, rec.index, rec.line, turns, walk, rec.body)
                    else:
                        summaries.append(summarize(rec.obj, rec.index, rec.line, **skw))
                except Exception as e:
                    errors.append((rec.line, f"summarize raised {type(e).__name__}: {e}"))
        if len(found) > 1:
            found.sort(key=lambda f: f.code)  # stable: hits of one rule keep their order
        ign = inline_ignores(rec.obj if rec.obj is not None else rec.original)
        if ign:
            suppressed[rec.index] = ign
            found = [f for f in found if not is_suppressed(f, ign)]
        findings.extend(found)
    return BatchResult(len(units), findings, meta, summaries, errors, dialects, notes, suppressed=suppressed)


def run_range(job: LintJob, path: str, start: int, end: int) -> BatchResult:
    """A worker's task with ``--jobs N`` on JSON Lines: read bytes ``[start, end)`` itself and
    lint them, numbering lines and records from the range's start (the engine shifts them)."""
    units, nlines = read_jsonl_range(path, start, end, job.file, job.record_format)
    br = run_batch(job, units)
    br.lines = nlines
    return br


def _run_range_packed(job: LintJob, path: str, start: int, end: int) -> BatchResult:
    return run_range(job, path, start, end).pack()


def _run_batch_packed(job: LintJob, units: list[Unit]) -> BatchResult:
    return run_batch(job, units).pack()


def _ordered_parallel(pool: Any, func: Any, job: LintJob, tasks: Iterator[Any], window: int) -> Iterator[BatchResult]:
    """Results in input order with at most ``window`` tasks in flight.

    (``Pool.imap`` would read the whole file ahead into its task queue: memory must stay
    flat on a file of any size.)
    """
    pending: deque[Any] = deque()
    for t in tasks:
        pending.append(pool.apply_async(func, (job, *t)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def shift_batch(br: BatchResult, index0: int, line0: int) -> BatchResult:
    """Renumber a byte range's result: record ``i`` becomes ``index0 + i``, line ``l`` becomes ``line0 + l``."""
    if not (index0 or line0):
        return br
    if br.packed is not None:
        br.moved = (br.moved[0] + line0, br.moved[1] + index0)
    else:
        br.findings = [f.moved(line0, index0) for f in br.findings]
    br.errors = [(line + line0, e) for line, e in br.errors]
    if br.suppressed:
        br.suppressed = {i + index0: v for i, v in br.suppressed.items()}
    if br.meta is not None:
        br.meta.lines = array(br.meta.lines.typecode, map(line0.__add__, br.meta.lines))
    shift = getattr(br.summaries, "shifted", None)
    if shift is not None:
        br.summaries = shift(index0, line0)
    elif isinstance(br.summaries, list):
        br.summaries = [replace(x, index=x.index + index0, line=x.line + line0) for x in br.summaries]
    return br


def _in_order(ranged: Iterable[BatchResult]) -> Iterator[BatchResult]:
    index0 = line0 = 0
    for br in ranged:
        count, lines = br.count, br.lines
        yield shift_batch(br, index0, line0)
        index0 += count
        line0 += lines


def _batches(units: Iterator[Unit], size: int) -> Iterator[tuple[list[Unit]]]:
    while True:
        chunk = list(islice(units, size))
        if not chunk:
            return
        yield (chunk,)


def _pool(jobs: int) -> Any:
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ctx.Pool(jobs)


# --------------------------------------------------------------------------- files


@dataclass
class RulePlan:
    """What :func:`plan_rules` chose for a run."""

    rules: list[Rule]
    options: dict[str, Any]
    severity: dict[str, Severity]


def plan_rules(select: Sequence[str] | None, ignore: Sequence[str] | None, config: Config | None, options: dict[str, Any] | None) -> RulePlan:
    """The selected rules, options (with the config's ``[mix]`` thresholds) and severity overrides of a run."""
    sel = list(select) if select else (config.select if config and config.select else None)
    ign = list(config.ignore if config else []) + list(ignore or [])
    opts = dict(options or {})
    for k, v in (config.extra.get("mix") or {}).items() if config else ():
        opts.setdefault(k, v)  # [tool.toolproof.mix] thresholds; options given directly win
    return RulePlan(select_rules(sel, ign, opts), opts, severity_overrides(config))


def rules_for_file(plan: RulePlan, file: str, config: Config | None) -> list[Rule]:
    """The plan's rules less the config's per-file ignores for ``file``."""
    if not config or not config.per_file_ignores:
        return plan.rules
    extra = config.ignores_for(file)
    if not extra:
        return plan.rules
    codes = [r.code for r in plan.rules]
    names = {r.name: r.code for r in plan.rules}
    drop: set[str] = set()
    for s in extra:
        try:
            drop |= resolve_selector(s, codes, names)
        except ValueError:
            continue  # a selector for a rule that is not selected anyway
    return [r for r in plan.rules if r.code not in drop]


def iter_dataset_findings(
    rules: Sequence[Rule],
    summaries: Any,
    meta: RecordTable,
    file: str,
    plan: RulePlan,
    errors: list[str],
    suppressed: dict[int, tuple[str, ...]] | None = None,
) -> Iterator[Finding]:
    """Run the dataset rules over a file's summaries; each finding gets the line and id of its record
    (and is dropped when that record's inline ``_toolproof.ignore`` covers it)."""
    ctx = Context(record_index=-1, options=plan.options)
    for r in rules:
        if r.scope != "dataset":
            continue
        try:
            for index, hit in r.func(summaries, ctx):
                ok = isinstance(index, int) and 0 <= index < len(meta)
                line, rid = (meta.lines[index], meta.id(index)) if ok else (0, None)
                rec = RawRecord(file, line, index, None)
                f = make_finding(r, r.code, rec, rid, hit, plan.severity)
                if suppressed and index in suppressed and is_suppressed(f, suppressed[index]):
                    continue
                yield f
        except Exception as e:
            errors.append(f"{file}: dataset rule {r.code} {r.name} raised {type(e).__name__}: {e}")




class FindingSpool:
    """Findings parked in an unnamed temporary file (pickled in blocks), read back in order.

    Streaming runs park a file's record findings here while its dataset rules wait for the
    last record, so memory does not grow with the number of findings. A ``--jobs N`` worker's
    packed block goes in as it came (:meth:`append_packed`) and is unpacked, moved to its place
    in the file, only when read back.
    """

    BLOCK = 1024

    def __init__(self, key: Any = None) -> None:
        import tempfile

        self._f = tempfile.TemporaryFile()
        self._block: list[Finding] = []
        self._blocks = 0
        self.key = key
        self.monotonic = True  # keys never went down: the spool reads back sorted by ``key``
        self._last: Any = None

    def append(self, f: Finding) -> None:
        if self.key is not None:
            k = self.key(f)
            if self._last is not None and k < self._last:
                self.monotonic = False
            self._last = k
        self._block.append(f)
        if len(self._block) >= self.BLOCK:
            self._flush()

    def append_packed(self, blob: bytes, moved: tuple[int, int], first: Any, last: Any) -> None:
        """A packed block (``pack_findings``) whose findings run in key order from key ``first``
        to ``last`` (both None: the block is empty)."""
        if first is None:
            return
        if self.key is not None:
            if self._last is not None and first < self._last:
                self.monotonic = False
            self._last = last
        self._flush()
        self._write(moved, blob)

    def _write(self, moved: tuple[int, int], blob: bytes) -> None:
        import pickle

        pickle.dump(moved, self._f, protocol=pickle.HIGHEST_PROTOCOL)
        self._f.write(blob)
        self._blocks += 1

    def _flush(self) -> None:
        if self._block:
            self._write((0, 0), pack_findings(self._block))
            self._block = []

    def __iter__(self) -> Iterator[Finding]:
        import pickle

        self._flush()
        self._f.seek(0)
        load = pickle.load
        for _ in range(self._blocks):
            lines, records = load(self._f)
            yield from moved_findings(load(self._f), lines, records)
        self._f.seek(0, os.SEEK_END)

    def close(self) -> None:
        self._f.close()


# Byte-range size for ``--jobs N`` on JSON Lines: big enough that a task's overhead is noise,
# small enough that 2N + 2 ranges in flight stay a few tens of MB.
RANGE_BYTES = 4 << 20
# ``--jobs N``'s ranges: small enough that the workers finish together (the last range runs alone
# while the others wait: ~0.05 s a range on the bench data), large enough that a range's fixed cost
# (its task, its packed results) stays negligible
LOCAL_RANGE_BYTES = 1 << 20


def _lint_units(
    file: str,
    units: Iterator[Unit] | None,
    record_format: str,
    rules: Sequence[Rule],
    plan: RulePlan,
    jobs: int,
    pool: Any,
    result: LintResult,
    container: str | None,
    emit: Any = None,
    path: str | None = None,
) -> None:
    """Lint one file's records. ``units`` None: a JSON Lines file the workers read by byte range
    from ``path``. ``emit`` given: findings go to it in report order instead of ``result.findings``."""
    dataset_rules = [r for r in rules if r.scope == "dataset"]
    job = LintJob(
        file=file,
        record_format=record_format,
        codes=tuple(r.code for r in rules if r.scope == "record"),
        modules=tuple(sorted({str(r.func.__module__) for r in rules if r.scope == "record"})),
        enabled=frozenset(r.code for r in rules),
        options=plan.options,
        severity=plan.severity,
        want_summaries=bool(dataset_rules),
    )
    results: Iterable[BatchResult]
    if units is None:
        assert path is not None and pool is not None
        size = min(LOCAL_RANGE_BYTES, max(1 << 16, os.path.getsize(path) // (4 * jobs) + 1))
        ranges = jsonl_byte_ranges(path, size)
        results = _in_order(_ordered_parallel(pool, _run_range_packed, job, ((path, a, b) for a, b in ranges), 2 * jobs + 2))
    else:
        batches = _batches(units, BATCH)
        if pool is not None:
            results = _ordered_parallel(pool, _run_batch_packed, job, batches, 2 * jobs + 2)
        else:
            results = (run_batch(job, b) for (b,) in batches)
    streaming = emit is not None
    order = {r.code: i for i, r in enumerate(rules)}
    n = len(order)
    spool: FindingSpool | None = None
    if streaming and dataset_rules:
        spool = FindingSpool(lambda f: (f.record, order.get(f.code, n)))
    # A worker sorts each record's findings by code, so a packed block is in key order when the
    # rules are in code order (as select_rules gives them)
    by_code = list(order) == sorted(order)
    count = 0
    dialects: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    findings: list[Finding] = []
    summaries: Any = None
    meta = RecordTable()  # by record index (indexes run 0..n-1 in order)
    suppressed: dict[int, tuple[str, ...]] = {}
    try:
        for br in results:
            count += br.count
            suppressed.update(br.suppressed)
            dialects.update(br.dialects)
            notes.update(br.notes)
            if spool is not None and br.packed is not None and by_code:
                first = last = None
                if br.edges is not None:
                    (r0, c0), (r1, c1) = br.edges
                    first, last = (r0 + br.moved[1], order.get(c0, n)), (r1 + br.moved[1], order.get(c1, n))
                spool.append_packed(br.packed, br.moved, first, last)
            elif spool is not None:
                for f in br.all_findings():
                    spool.append(f)
            elif streaming:
                for f in br.all_findings():
                    emit(f)
            else:
                findings.extend(br.all_findings())
            if dataset_rules:
                if summaries is None:
                    summaries = br.summaries
                else:
                    summaries.extend(br.summaries)
                if br.meta is not None:
                    meta.extend(br.meta)
            result.internal_errors.extend(f"{file}:{line}: {e}" for line, e in br.errors)
        if dataset_rules:
            if summaries is None:
                summaries = summary_container(summarizer())
            if spool is not None:
                _merge_dataset_findings(dataset_rules, summaries, meta, file, plan, result.internal_errors, spool, order, emit,
                                        suppressed)
            else:
                extra = list(iter_dataset_findings(dataset_rules, summaries, meta, file, plan, result.internal_errors,
                                                   suppressed))
                if extra:
                    findings.extend(extra)
                    findings.sort(key=lambda f: (f.record, order.get(f.code, len(order))))
    finally:
        if spool is not None:
            spool.close()
    result.files.append(FileSummary(file, count, container, dict(dialects.most_common()), dict(notes.most_common())))
    result.findings.extend(findings)


def _merge_dataset_findings(
    rules: Sequence[Rule],
    summaries: Any,
    meta: RecordTable,
    file: str,
    plan: RulePlan,
    errors: list[str],
    spool: FindingSpool,
    order: dict[str, int],
    emit: Any,
    suppressed: dict[int, tuple[str, ...]] | None = None,
) -> None:
    """Send the spooled record findings and each dataset rule's findings to ``emit``, merged in
    the order the list path sorts them to (record, then rule order; stable)."""
    import heapq

    parts: list[Any] = [spool if spool.monotonic else sorted(spool, key=spool.key)]
    spools: list[FindingSpool] = []
    try:
        for r in rules:
            if r.scope != "dataset":
                continue
            sp = FindingSpool(spool.key)
            spools.append(sp)
            for f in iter_dataset_findings([r], summaries, meta, file, plan, errors, suppressed):
                sp.append(f)
            parts.append(sp if sp.monotonic else sorted(sp, key=sp.key))  # sorted is stable, as the list path
        for f in heapq.merge(*parts, key=spool.key):
            emit(f)
    finally:
        for sp in spools:
            sp.close()


def lint_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | None = None,
    jobs: int = 1,
    options: dict[str, Any] | None = None,
    input_format: str | None = None,
    on_finding: Any = None,
    keep: Callable[[Finding], bool] | None = None,
) -> LintResult:
    """Lint files. Unreadable files are listed in ``result.errors`` (the others still run).

    ``on_finding`` (a callable) receives every finding in report order as soon as it is final,
    and ``result.findings`` stays empty (``result.counts`` has the tallies): memory then stays
    flat however many findings there are. With ``jobs > 1`` the workers read JSON Lines files
    themselves, each its own byte range; other containers are read here and sent to them.

    ``keep`` (a callable) sees every finding in report order; one it returns False for is neither
    reported nor counted (``lint --baseline``: findings the baseline accepts).

    Raises ValueError for an unknown rule selector.
    """
    plan = plan_rules(select, ignore, config, options)
    result = LintResult()
    emit = None
    if on_finding is not None or keep is not None:
        counts = result.counts = FindingCounts()
        sink = on_finding if on_finding is not None else result.findings.append

        def emit(f: Finding) -> None:
            if keep is not None and not keep(f):
                return
            counts.add(f)
            sink(f)

    jobs = max(1, int(jobs or 1))
    pool = _pool(jobs) if jobs > 1 else None
    try:
        for p in paths:
            file = display_name(p)
            try:
                container, record_format, units = iter_units(p, input_format)
                rules = rules_for_file(plan, file, config)
                if pool is not None and container == "jsonl" and plain_file(p):
                    units.close()  # not started: the workers read the file by byte range
                    _lint_units(file, None, record_format, rules, plan, jobs, pool, result, container, emit, file)
                else:
                    _lint_units(file, units, record_format, rules, plan, jobs, pool, result, container, emit)
            except InputError as e:
                result.errors.append(str(e))
            except OSError as e:
                result.errors.append(f"{file}: cannot read ({e.strerror or e})")
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return result


def lint_records(
    records: Iterable[RawRecord],
    *,
    file: str = "<records>",
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | None = None,
    options: dict[str, Any] | None = None,
) -> LintResult:
    """Lint records already read (the cleaner's entry); runs in this process."""
    plan = plan_rules(select, ignore, config, options)
    rules = rules_for_file(plan, file, config)
    result = LintResult()
    _lint_units(file, iter(records), "canonical", rules, plan, 1, None, result, None)
    return result


def lint_objects(objs: Iterable[Any], *, file: str = "<records>", **kw: Any) -> LintResult:
    """Lint parsed values (tests, notebooks): record i gets line i + 1."""
    from toolproof.validator.io import guard_depth

    recs = (guard_depth(RawRecord(file, i + 1, i, o)) for i, o in enumerate(objs))
    return lint_records(recs, file=file, **kw)


__all__ = [
    "INTERNAL_ERROR_EXIT",
    "BatchResult",
    "FileSummary",
    "FindingCounts",
    "FindingSpool",
    "LintJob",
    "LintResult",
    "RecordTable",
    "RulePlan",
    "check_record",
    "inline_ignores",
    "is_suppressed",
    "iter_dataset_findings",
    "lint_objects",
    "lint_paths",
    "lint_records",
    "make_finding",
    "plan_rules",
    "registered_rules",
    "rules_for_file",
    "run_batch",
    "run_range",
    "select_rules",
    "shift_batch",
    "summarizer",
    "summary_container",
]
