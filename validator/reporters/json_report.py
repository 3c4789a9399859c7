"""The JSON report (``--format json``): a stable, versioned shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from toolproof.validator.engine import LintResult
from toolproof.validator.findings import Finding
from toolproof.validator.reporters import render_by_stream

VERSION = 1


def to_dict(result: LintResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "files": [{"path": f.path, "records": f.records, "dialects": dict(getattr(f, "dialects", {}) or {})} for f in result.files],
        "findings": [f.to_dict() for f in result.findings],
        "summary": {
            "records": result.records,
            "records_with_errors": result.records_with_errors,
            "errors": result.error_count,
            "warnings": result.warning_count,
            "by_code": result.by_code,
        } | ({"faults": dict(result.faults)} if result.faults else {}),
        # files that could not be read at all (exit 2), one message each naming the file
        "errors": list(result.errors),
    }


_SLOT = '\n  "findings": [],\n'


class TextPark:
    """Rendered text parked in an unnamed temporary file, read back in order (flat memory)."""

    def __init__(self) -> None:
        import tempfile

        self._f = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self._buf: list[str] = []
        self._size = 0

    def append(self, text: str) -> None:
        self._buf.append(text)
        self._size += len(text)
        if self._size >= 1 << 18:  # one write per ~256 KB: a text file's write costs per call
            self._f.write("".join(self._buf))
            self._buf, self._size = [], 0

    def __iter__(self) -> Iterator[str]:
        if self._buf:
            self._f.write("".join(self._buf))
            self._buf, self._size = [], 0
        self._f.seek(0)
        return iter(lambda: self._f.read(1 << 20), "")

    def close(self) -> None:
        self._f.close()


class Stream:
    """The document of :func:`render`, written at ``close`` with the findings parked until then
    (the file list comes before them), each already rendered as orjson's OPT_INDENT_2 would
    indent it in the document."""

    def __init__(self, out: IO[str], *, spool: Any = TextPark, **_: Any) -> None:
        self.out = out
        self.parked = spool()
        self._sep = "\n    "

    def finding(self, f: Finding) -> None:
        self.parked.append(self._sep + orjson.dumps(f.to_dict(), option=orjson.OPT_INDENT_2).decode().replace("\n", "\n    "))
        self._sep = ",\n    "

    def close(self, result: LintResult) -> None:
        doc = to_dict(result)
        doc["findings"] = []
        text = orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
        head, tail = text.split(_SLOT, 1)  # the first: file paths come before it, escaped
        w = self.out.write
        w(head + '\n  "findings": [')
        for chunk in self.parked:
            w(chunk)
        w(("]" if self._sep == "\n    " else "\n  ]") + ",\n" + tail + "\n")
        close = getattr(self.parked, "close", None)
        if close is not None:
            close()


def render(result: LintResult, **_: Any) -> str:
    return render_by_stream(Stream, result)
