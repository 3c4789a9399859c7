"""The result model of a clean run (``validator.cleaner.clean``), read by the clean reports.

Its own module so that the cleaner and the reporters both import it without importing each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FindingExample:
    file: str
    line: int
    id: str | None
    path: str
    message: str
    snippet: str


@dataclass
class RepairExample:
    file: str
    line: int
    id: str | None
    path: str
    message: str
    before: str
    after: str


@dataclass
class FileCounts:
    path: str
    records: int = 0
    written: int = 0
    quarantined: int = 0
    duplicates: int = 0
    bom_stripped: bool = False


@dataclass
class CleanResult:
    """What a clean run did. ``records_in == unchanged + repaired + quarantined + duplicates_dropped``."""

    inputs: list[str] = field(default_factory=list)
    output: str = ""
    quarantine: str = ""
    report: str | None = None
    unsafe_fixes: bool = False
    dedupe: bool = True
    records_in: int = 0
    unchanged: int = 0
    repaired: int = 0
    quarantined: int = 0
    duplicates_dropped: int = 0
    ids_derived: int = 0
    ids_suffixed: int = 0
    # source format -> records the reader converted to canonical form (ShareGPT, xLAM, ...)
    converted: Counter[str] = field(default_factory=Counter)
    # dialect -> records read as it ("canonical" included; "unknown": no dialect; "unread": TP001 / TP012)
    read_as: Counter[str] = field(default_factory=Counter)
    # dialect -> records of it quarantined
    quarantined_by_dialect: Counter[str] = field(default_factory=Counter)
    # records whose shape was not understood (TP001 invalid JSON, TP012 unreadable in its dialect,
    # TP002 not an object, TP003 no messages): quarantined, never counted as converted
    unread: int = 0
    # "TP105 markup-to-tool-calls" -> number of places repaired
    repairs: Counter[str] = field(default_factory=Counter)
    # rule code -> number of quarantined records with that error
    quarantined_by_rule: Counter[str] = field(default_factory=Counter)
    # rule code -> findings in the input (before any repair)
    findings_by_rule: Counter[str] = field(default_factory=Counter)
    severity_by_rule: dict[str, str] = field(default_factory=dict)
    finding_examples: dict[str, list[FindingExample]] = field(default_factory=dict)
    repair_examples: dict[str, RepairExample] = field(default_factory=dict)
    files: list[FileCounts] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    stats: dict[str, Any] | None = None  # validator.stats.dataset_balance of the output, when available
    balance: dict[str, Any] | None = None  # validator.balance's report when `clean --balance` added records
    faults: dict[str, int] | None = None  # the Ray engine: pieces of work run again and workers restarted after failures

    @property
    def written(self) -> int:
        return self.unchanged + self.repaired

    @property
    def accounted(self) -> bool:
        return self.records_in == self.unchanged + self.repaired + self.quarantined + self.duplicates_dropped

    def summary(self) -> dict[str, Any]:
        return {
            "records_in": self.records_in,
            "passed_unchanged": self.unchanged,
            "repaired": self.repaired,
            "quarantined": self.quarantined,
            "duplicates_dropped": self.duplicates_dropped,
            "written": self.written,
            "ids_derived": self.ids_derived,
            "ids_suffixed": self.ids_suffixed,
            "converted": dict(sorted(self.converted.items())),
            "read_as": dict(sorted(self.read_as.items())),
            "quarantined_by_dialect": dict(sorted(self.quarantined_by_dialect.items())),
            "unread": self.unread,
            "repairs": dict(sorted(self.repairs.items())),
            "quarantined_by_rule": dict(sorted(self.quarantined_by_rule.items())),
        }


__all__ = ["CleanResult", "FileCounts", "FindingExample", "RepairExample"]
