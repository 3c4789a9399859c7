"""Findings: what a rule reports, where, and whether a fix exists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from enum import Enum
from itertools import starmap
from operator import attrgetter
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class FixSafety(str, Enum):
    SAFE = "safe"  # applied by default by `toolproof clean` / `toolproof fix`
    UNSAFE = "unsafe"  # applied only with --unsafe-fixes
    NONE = "none"  # not repairable: the record is quarantined


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule function yields: the engine turns it into a Finding.

    ``fix`` overrides the rule's declared fix safety for this one finding (a rule
    that can repair some cases but not others); ``severity`` likewise.
    """

    path: str
    message: str
    fix: FixSafety | None = None
    severity: Severity | None = None
    # Optional payload a fixer may use (e.g. the parsed value of a string argument).
    data: Any = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # "TP101", stable, never reused
    name: str  # "unbalanced-tool-call-tag"
    severity: Severity
    file: str
    line: int  # 1-based line (JSONL), row (CSV/Parquet, header = line 1 for CSV) or record start line
    record: int  # 0-based index of the record in its file
    id: str | None  # the record's own "id" when present
    path: str  # JSON path inside the record: "$.messages[2].tool_calls[0].function.arguments.unit"
    message: str
    fix: FixSafety = FixSafety.NONE
    data: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a finding (the `data` payload is internal and not emitted)."""
        return {
            "file": self.file,
            "line": self.line,
            "record": self.record,
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "path": self.path,
            "message": self.message,
            "fix": self.fix.value,
        }

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled as the constructor's arguments: the dataclass default for a slotted class
        # (a field-name dict built per object) costs twice as much, and findings cross a
        # process boundary or the spool file once per finding (``lint --jobs N``).
        return (Finding, finding_args(self))

    def moved(self, lines: int, records: int) -> Finding:
        """The same finding ``lines`` lines and ``records`` records further into its file."""
        return Finding(self.code, self.name, self.severity, self.file, self.line + lines, self.record + records,
                       self.id, self.path, self.message, self.fix, self.data)


finding_args = attrgetter(*Finding.__dataclass_fields__)  # a finding's constructor arguments, in order


def pack_findings(findings: list[Finding]) -> bytes:
    """Findings as one pickled list of constructor-argument tuples: what a ``--jobs N`` worker
    sends, and what the main process parks in its spool as it is (nothing rebuilt per finding
    on the way; repeated strings and enum members are pickled once per block)."""
    import pickle

    return pickle.dumps(list(map(finding_args, findings)), protocol=pickle.HIGHEST_PROTOCOL)


def unpack_findings(blob: bytes, lines: int = 0, records: int = 0) -> list[Finding]:
    """The findings of :func:`pack_findings`, each ``lines`` lines and ``records`` records
    further into its file (a byte range's numbers made the file's)."""
    import pickle

    return list(moved_findings(pickle.loads(blob), lines, records))


def moved_findings(rows: list[tuple[Any, ...]], lines: int = 0, records: int = 0) -> Iterator[Finding]:
    """Findings from their constructor-argument tuples, each ``lines`` lines and ``records`` records further."""
    if not (lines or records):
        return starmap(Finding, rows)
    return (Finding(c, n, s, f, ln + lines, r + records, i, p, m, x, d) for c, n, s, f, ln, r, i, p, m, x, d in rows)


def _fast_init(cls: type, defaults: dict[str, Any]) -> None:
    """Give a frozen slotted dataclass an ``__init__`` that stores each field through its slot
    descriptor: the same signature and result as the generated one, which goes through
    ``object.__setattr__`` once per field and costs ~1.5x as much (findings are made per
    record, and again when read back from the spool)."""
    names = [f for f in cls.__dataclass_fields__]  # type: ignore[attr-defined]
    params = ", ".join(f"{n}={n}_d" if n in defaults else n for n in names)
    ns: dict[str, Any] = {f"{n}_d": v for n, v in defaults.items()}
    ns.update({f"{n}_s": cls.__dict__[n].__set__ for n in names})
    body = "\n".join(f"    {n}_s(self, {n})" for n in names)
    exec(f"def __init__(self, {params}):\n{body}\n", ns)  # noqa: S102 - generated from the field names
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]


_fast_init(Hit, {"fix": None, "severity": None, "data": None})
_fast_init(Finding, {"fix": FixSafety.NONE, "data": None})


def json_path(*parts: str | int) -> str:
    """Build a JSONPath like jsonschema's ``json_path``: ``$.a[0]['b c']``."""
    out = ["$"]
    for p in parts:
        if isinstance(p, int):
            out.append(f"[{p}]")
        elif p.isidentifier():
            out.append(f".{p}")
        else:
            out.append("[" + repr(p) + "]")
    return "".join(out)


__all__ = ["Finding", "FixSafety", "Hit", "Severity", "asdict", "json_path", "moved_findings", "pack_findings", "unpack_findings"]
