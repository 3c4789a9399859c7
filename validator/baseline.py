"""Baselines (``lint --baseline FILE``): accept today's findings, fail only on new ones.

A large legacy dataset cannot be fixed in one go; CI still has to stop it from getting worse. A
baseline file lists the fingerprints of the findings accepted when it was written; a later run drops
the findings whose fingerprint is in it (each entry accepts as many findings as it counted) and reports
and counts only the rest. A fingerprint is the rule code, the file as named on the command line, the
record and the JSON path inside it: the record is its ``id`` when it has one, else a digest of its
content (read again, forward, only for findings on records without an id), so records may move to
other lines without their findings turning new. Standard input and hub datasets cannot be read twice:
there the record is its line. Whole-file findings (the mix rules) have the file as their record.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson

from toolproof.validator.errors import ConfigError
from toolproof.validator.findings import Finding
from toolproof.validator.io import RawRecord, hf_source, iter_records

VERSION = 1


class RecordKeys:
    """The key of each finding's record. Findings come in report order (by file, then record), so the
    records are read forward, once per file, and only when a finding's record has no id."""

    def __init__(self, input_format: str | None = None) -> None:
        self.input_format = input_format
        self._file: str | None = None
        self._it: Iterator[RawRecord] | None = None
        self._cur: RawRecord | None = None

    def key(self, f: Finding) -> str:
        if f.record < 0:
            return "file"
        if f.id is not None:
            return f"id:{f.id}"
        if f.file == "<stdin>" or hf_source(f.file) is not None:
            return f"line:{f.line}"
        rec = self._record(f.file, f.record)
        return _digest(rec) if rec is not None else f"line:{f.line}"

    def _record(self, file: str, index: int) -> RawRecord | None:
        if file != self._file or self._cur is None or self._cur.index > index:
            self._file, self._cur = file, None
            try:
                self._it = iter_records(file, self.input_format)
            except (OSError, ValueError):
                self._it = iter(())
        assert self._it is not None
        while self._cur is None or self._cur.index < index:
            self._cur = next(self._it, None)
            if self._cur is None:
                return None
        return self._cur if self._cur.index == index else None


def _digest(rec: RawRecord) -> str:
    if rec.obj is not None:
        data = orjson.dumps(rec.obj, option=orjson.OPT_SORT_KEYS)
    elif rec.original is not None:
        data = json.dumps(rec.original, sort_keys=True, default=str).encode()
    else:
        data = (rec.data or (rec.raw or "").encode()).strip()
    return "sha:" + hashlib.blake2b(data, digest_size=10).hexdigest()


def fingerprint(f: Finding, record_key: str) -> str:
    return f"{f.code}\t{os.fspath(f.file)}\t{record_key}\t{f.path}"


class Baseline:
    """Fingerprints of accepted findings, with counts; :meth:`accepts` uses one up per finding."""

    def __init__(self, counts: Counter[str] | None = None, *, input_format: str | None = None) -> None:
        self.counts: Counter[str] = counts if counts is not None else Counter()
        self.keys = RecordKeys(input_format)
        self.accepted = 0

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, input_format: str | None = None) -> Baseline:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such baseline file (write one with --write-baseline)") from None
        except (OSError, ValueError) as e:
            raise ConfigError(f"{path}: not a toolproof baseline ({e})") from None
        found = data.get("findings") if isinstance(data, dict) and data.get("toolproof_baseline") == VERSION else None
        if not isinstance(found, dict) or not all(isinstance(v, int) for v in found.values()):
            raise ConfigError(f"{path}: not a toolproof baseline (expected {{\"toolproof_baseline\": 1, \"findings\": {{...}}}})")
        return cls(Counter(found), input_format=input_format)

    def accepts(self, f: Finding) -> bool:
        fp = fingerprint(f, self.keys.key(f))
        if self.counts.get(fp, 0) > 0:
            self.counts[fp] -= 1
            self.accepted += 1
            return True
        return False

    def keep(self, f: Finding) -> bool:
        """The engine's filter: report only what the baseline does not accept."""
        return not self.accepts(f)


class BaselineWriter:
    """Collects every finding's fingerprint (the engine's filter that keeps all) for :meth:`write`."""

    def __init__(self, *, input_format: str | None = None) -> None:
        self.counts: Counter[str] = Counter()
        self.keys = RecordKeys(input_format)

    def keep(self, f: Finding) -> bool:
        self.counts[fingerprint(f, self.keys.key(f))] += 1
        return True

    def write(self, path: str | os.PathLike[str]) -> int:
        from toolproof.validator.safeio import atomic_writer

        doc: dict[str, Any] = {"toolproof_baseline": VERSION, "findings": dict(sorted(self.counts.items()))}
        with atomic_writer(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        return sum(self.counts.values())


__all__ = ["Baseline", "BaselineWriter", "RecordKeys", "fingerprint"]
