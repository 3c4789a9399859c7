"""Reading datasets: JSON Lines, JSON arrays / streams, CSV and Parquet, streamed.

Every physical record becomes exactly one :class:`RawRecord`: a record that does not
parse is not dropped, it carries a TP001 hit (``error``) and its raw text instead of a
value. Problems with a whole file (missing, a directory, binary) raise
:class:`InputError` whose message names the file.

JSON Lines is read as binary lines and parsed with orjson, so memory stays flat on
files of any size; the parse itself can run in worker processes
(:func:`iter_units` + :func:`parse_unit`). A top-level JSON array is streamed with a
small bracket scanner: one element is in memory at a time.

``-`` is standard input (JSON Lines, streamed). ``.gz`` and ``.zst`` files (``data.jsonl.gz``,
``data.json.zst``) are decompressed as they are read: the container is named by the suffix before the
compression suffix; zstd needs the ``zstandard`` package (an :class:`InputError` names it when absent).
Compressed files and standard input are read in one pass by this process (``lint --jobs`` reads only
plain JSON Lines files by byte range).
"""

from __future__ import annotations

import codecs
import csv
import errno
import gzip
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from toolproof.validator.dupkeys import duplicate_key_hits
from toolproof.validator.errors import InputError
from toolproof.validator.findings import FixSafety, Hit
from toolproof.validator.formats import AUTO_OBJECT_ARGS, FORMATS, read_record
from toolproof.validator.records import body_json

CONTAINER_FORMATS = ("jsonl", "json", "csv", "parquet")
# Record dialects (validator.formats.DIALECTS); "auto" detects each record's dialect.
RECORD_FORMATS = FORMATS
# CSV / Parquet columns whose cells hold JSON text.
JSON_COLUMNS = frozenset(
    {"messages", "tools", "expected_calls", "possible_answer", "conversations", "answers", "functions"}
)
RAW_LIMIT = 10 * 1024  # characters of raw text kept for an unparseable record
# Deepest nesting of objects and arrays a record may have (TP013). Rules, repairs and summaries
# walk records; past this bound a record is reported and quarantined, never walked, so no walker
# can hit Python's recursion limit, and orjson (which serialises up to 255 levels) can still
# write every record that is read, inside a quarantine entry too.
MAX_NESTING = 200
# The code of a record on which toolproof itself raised (a reader, rule or repair): not a rule of
# the registry; the engine counts it as an internal error, the cleaner quarantines the record.
INTERNAL_CODE = "TP000"
BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
_EXT = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


UNCHECKED: Any = object()  # RawRecord.view when no precheck ran on the record's value


@dataclass(slots=True)
class RawRecord:
    file: str
    line: int  # 1-based physical line where the record starts (row number for Parquet)
    index: int  # 0-based position of the record in its file
    obj: Any | None  # the parsed value; None when it did not parse
    raw: str | None = None  # the text (truncated to RAW_LIMIT) when it did not parse
    error: Hit | None = None  # the TP001 hit when it did not parse
    code: str | None = None  # "TP001" when it did not parse
    extra: tuple[tuple[str, Hit], ...] = ()  # other reader findings on this record (TP010, TP011, TP407)
    source_format: str | None = None  # the dialect it was read as ("canonical", "sharegpt", ...)
    original: Any = None  # the parsed value when its dialect could not read it (TP012; obj is None then)
    notes: tuple[str, ...] = ()  # what reading it as its dialect did ("call arguments decoded from JSON text", ...)
    # The record's exact bytes in the file (a JSON Lines line with its line ending; a JSON
    # element's text when it did not parse); None where the container has no such bytes (CSV,
    # Parquet). The quarantine keeps them (base64), so input = output + quarantine.
    data: bytes | None = None
    # ``records.body_json(obj)``, when the reader made it (JSON text read as it is): the dataset
    # summary's digest reuses it
    body: bytes | None = None
    # what a reader's ``precheck`` (``parse_bytes``) computed of ``obj`` (the engine: the fast path's
    # walk); UNCHECKED when none ran on it
    view: Any = UNCHECKED

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------- detection


STDIN = "-"
#: Compression suffixes read by decompressing on the fly -> the codec.
COMPRESSED = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}


def compression(path: str | os.PathLike[str]) -> str | None:
    """``gzip`` / ``zstd`` when ``path`` names a compressed file (by its suffix), else None."""
    return COMPRESSED.get(Path(path).suffix.lower())


def plain_file(path: str | os.PathLike[str]) -> bool:
    """A file that can be reopened and read by byte range (not standard input, not compressed)."""
    return os.fspath(path) != STDIN and compression(path) is None


def display_name(path: str | os.PathLike[str]) -> str:
    """How reports name an input: ``<stdin>`` for ``-``, else the path."""
    spath = os.fspath(path)
    return "<stdin>" if spath == STDIN else spath


def _zstd_reader(path: str) -> BinaryIO:
    try:
        import zstandard
    except ImportError:
        raise InputError(f"{path}: reading zstd-compressed data needs the 'zstandard' package "
                         "(pip install zstandard), or decompress it first (zstd -d)") from None
    raw = open(path, "rb")  # noqa: SIM115  (owned by the reader, closed with it)
    return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))  # type: ignore[arg-type]


def open_binary(path: str | os.PathLike[str]) -> BinaryIO:
    """The bytes of a dataset: standard input for ``-``, decompressed for ``.gz`` / ``.zst``."""
    spath = os.fspath(path)
    if spath == STDIN:
        return _NoClose(sys.stdin.buffer)
    kind = compression(spath)
    if kind == "gzip":
        return gzip.open(spath, "rb")  # type: ignore[return-value]
    if kind == "zstd":
        return _zstd_reader(spath)
    return open(spath, "rb")  # noqa: SIM115


class _NoClose(io.BufferedIOBase):
    """Standard input for one reader: closing it leaves ``sys.stdin`` open."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        return self._f.read(-1 if n is None else n)

    def readline(self, n: int | None = -1) -> bytes:
        return self._f.readline(-1 if n is None else n)

    def __iter__(self) -> Iterator[bytes]:  # type: ignore[override]
        return iter(self._f.readline, b"")


def _with_head(head: bytes, f: BinaryIO) -> Iterator[bytes]:
    """Lines of a stream whose first ``head`` bytes were already read (standard input, read once)."""
    parts = head.split(b"\n")
    for p in parts[:-1]:
        yield p + b"\n"
    tail = parts[-1] + f.readline() if parts[-1] else f.readline()
    if tail:
        yield tail
        yield from iter(f.readline, b"")


def detect_container(path: str | os.PathLike[str]) -> str:
    """The container format from the extension, looking through a compression suffix
    (``data.jsonl.gz`` is JSON Lines); standard input is JSON Lines."""
    p = Path(path)
    if os.fspath(path) == STDIN:
        return "jsonl"
    if compression(p) is not None:
        p = p.with_suffix("")
    return _EXT.get(p.suffix.lower(), "jsonl")


def split_format(fmt: str | None) -> tuple[str | None, str]:
    """Split an ``--input-format`` value into (container or None, record format).

    ``jsonl``/``json``/``csv``/``parquet`` name the container; ``auto``/``sharegpt``/... name
    the record shape; ``csv:sharegpt`` names both.
    """
    if not fmt:
        return None, "auto"
    container: str | None = None
    record = "auto"
    for part in fmt.lower().split(":"):
        if part in CONTAINER_FORMATS:
            container = part
        elif part in RECORD_FORMATS:
            record = part
        else:
            choices = ", ".join(CONTAINER_FORMATS + RECORD_FORMATS)
            raise ValueError(f"unknown input format {part!r} (choose from {choices})")
    return container, record


def check_readable(path: str | os.PathLike[str]) -> None:
    """Raise InputError naming the path when it is missing, a directory, a pipe or FIFO, or unreadable
    (``-``, standard input, is read as a stream and passes; so do dataset folders, .arrow files and hf://
    ids, PATH@SPLIT too, which their readers check)."""
    if os.fspath(path) == STDIN or hf_source(path) is not None:
        return
    p = Path(path)
    if not p.exists():
        if os.path.islink(p):
            try:
                os.stat(p)
            except OSError as e:
                if e.errno == errno.ELOOP:
                    raise InputError(f"{path}: symbolic link loop (following the links never reaches a file)") from None
            raise InputError(f"{path}: broken symbolic link (its target {os.readlink(p)} does not exist)")
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a dataset file")
    mode = os.stat(p).st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # checked without opening: a FIFO with no writer would hang
        raise InputError(f"{path}: a pipe or FIFO, not a regular file; toolproof reads a dataset more than once "
                         "(detection, then records), so save it to a file first (e.g. `cat ... > data.jsonl`)")
    if not os.access(p, os.R_OK):
        raise InputError(f"{path}: permission denied")


_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data; name it .gz (e.g. data.jsonl.gz) and it is read as it is"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data; name it .zst (e.g. data.jsonl.zst) and it is read as it is"),
    (b"PK\x03\x04", "a zip archive"),
    (b"PAR1", "a Parquet file; use --input-format parquet or a .parquet name"),
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\x7fELF", "an executable"),
    (b"\xff\xfe", "UTF-16 text; convert it to UTF-8"),
    (b"\xfe\xff", "UTF-16 text; convert it to UTF-8"),
)


def sniff_binary(head: bytes) -> str | None:
    """Why ``head`` (the first bytes of a file) is not text, or None when it may be."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if not head:
        return None
    nul = head.count(b"\x00")
    if nul == 0:
        return None
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    if nul > len(head) // 100 + 8 or control > len(head) * 0.3:
        return "binary data (NUL and control bytes), not text"
    return None


# --------------------------------------------------------------------------- parsing


def _decode(data: bytes) -> str:
    return data[: RAW_LIMIT * 4].decode("utf-8", "replace")[:RAW_LIMIT]


_CONSTANT = re.compile(rb"-?(?:NaN|Infinity)\b|-?inf\b|-?nan\b")
_NUMBER = re.compile(rb"-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")


def _parse_reason(data: bytes, err: orjson.JSONDecodeError, last_line: bool) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        return f"NUL byte at column {nul + 1}"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as u:
        return f"invalid UTF-8 (byte 0x{data[u.start]:02x} at column {u.start + 1})"
    msg = err.msg
    constant = _CONSTANT.match(data, max(err.pos - 1, 0)) or _CONSTANT.match(data, err.pos)
    if constant:
        tok = constant.group().decode()
        return (f"{tok} at column {constant.start() + 1} is not a JSON value (a JavaScript/Python literal; "
                "write null or a string)")
    if "infinity when parsed" in msg:
        m = _NUMBER.match(data, err.pos)
        if m:
            tok = m.group().decode()
            if tok.lstrip("-").isdigit():
                return (f"a {len(tok.lstrip('-')):,}-digit integer at column {m.start() + 1} is too large for "
                        "a 64-bit float (parsers disagree on such numbers)")
            shown = tok if len(tok) <= 40 else tok[:37] + "..."
            return f"number {shown} at column {m.start() + 1} is out of the range of a 64-bit float"
    if "depth limit" in msg or "recursion" in msg.lower():
        return "nested too deeply (more than 1024 levels)"
    if "end of data" in msg or "EOF" in msg:
        tail = " (file ends mid-record)" if last_line else ""
        return f"truncated: unexpected end of the record at column {err.pos + 1}{tail}"
    return f"{msg} at column {err.colno}"


def _invalid(file: str, line: int, index: int, data: bytes, reason: str) -> RawRecord:
    hit = Hit(path="$", message=f"invalid JSON: {reason}", fix=FixSafety.NONE)
    return RawRecord(file, line, index, None, raw=_decode(data), error=hit, code="TP001", data=data)


def too_deep(obj: Any, data: bytes | None = None) -> Hit | None:
    """The TP013 hit when ``obj`` nests deeper than :data:`MAX_NESTING`, else None.

    Cheap on nearly every record: a text with fewer brackets than the bound cannot nest past it,
    so the value is walked (iteratively) only when its text holds that many brackets.
    """
    if not isinstance(obj, dict | list):
        return None
    if data is not None and data.count(b"[") + data.count(b"{") <= MAX_NESTING:
        return None
    from toolproof.validator.callsyntax.base import nesting_depth

    if nesting_depth(obj, MAX_NESTING) <= MAX_NESTING:
        return None
    return Hit(path="$", message=f"objects and arrays nest more than {MAX_NESTING} levels deep; not read",
               fix=FixSafety.NONE)


def _too_deep_record(file: str, line: int, index: int, hit: Hit, data: bytes | None, obj: Any = None) -> RawRecord:
    """A TP013 record: not read, kept as its bytes, or (a CSV row, a converted record) as its JSON
    text; the value itself is never walked again."""
    if data is not None:
        raw: str | None = _decode(data)
    else:
        try:
            raw = json.dumps(obj, ensure_ascii=False)[:RAW_LIMIT]
        except (RecursionError, ValueError, TypeError):
            raw = f"(not shown: nested more than {MAX_NESTING} levels deep)"
    return RawRecord(file, line, index, None, raw=raw, error=hit, code="TP013", data=data)


def guard_depth(rec: RawRecord) -> RawRecord:
    """``rec``, or its TP013 record when its value nests too deeply (for records built by callers)."""
    if rec.error is None and rec.obj is not None:
        hit = too_deep(rec.obj, rec.data)
        if hit is not None:
            return _too_deep_record(rec.file, rec.line, rec.index, hit, rec.data)
    return rec


def convert(obj: Any, record_format: str = "auto") -> tuple[Any, str | None]:
    """Canonical form of ``obj`` and its dialect; ``(obj, None)`` when it cannot be read."""
    r = read_record(obj, record_format)
    return (r.obj, r.dialect) if r.ok else (obj, None)


def read_value(
    file: str, line: int, index: int, obj: Any, record_format: str = "auto", *, depth_checked: bool = False
) -> RawRecord:
    """A parsed value read through the dialect registry (``validator.formats.read_record``).

    A value that its dialect cannot convert becomes a TP012 record (not read: ``obj`` is None, the
    value is kept in ``original``). A value of no known dialect is left to the structure rules as it
    is (TP002 not an object, TP003 no messages), with no dialect. Notes with a finding code (TP407)
    become reader findings. A value nested deeper than :data:`MAX_NESTING` is a TP013 record.
    """
    deep = None if depth_checked else too_deep(obj)
    if deep is not None:
        return _too_deep_record(file, line, index, deep, None, obj)
    if record_format in ("auto", "canonical", AUTO_OBJECT_ARGS) and not isinstance(obj, dict):
        return RawRecord(file, line, index, obj)  # TP002 reports it (as fix does, whatever the file holds)
    try:
        r = read_record(obj, record_format)
    except Exception as e:  # RecursionError included: a dialect reader must never stop the run (fail closed)
        hit = Hit(path="$", message=f"reading the record raised {type(e).__name__}: {e}", fix=FixSafety.NONE)
        return RawRecord(file, line, index, None, error=hit, code=INTERNAL_CODE, original=obj)
    if not r.ok and r.dialect is None and record_format == "auto":
        return RawRecord(file, line, index, obj)  # no dialect: TP003 and the structure rules say what is missing
    if not r.ok:
        assert r.error is not None
        where = f" as {r.dialect}" if r.dialect else ""
        hit = Hit(path=r.error.path, message=f"cannot be read{where}: {r.error.message}", fix=FixSafety.NONE)
        return RawRecord(file, line, index, None, error=hit, code="TP012", source_format=r.dialect, original=obj)
    if r.notes or r.dialect not in (None, "canonical"):  # converting may decode JSON text (string arguments, tools)
        deep = too_deep(r.obj)
        if deep is not None:
            return _too_deep_record(file, line, index, deep, None, obj)
    extra = tuple((n.code, Hit(path=n.path, message=n.message or n.kind, fix=FixSafety.NONE)) for n in r.notes if n.code)
    kinds = tuple(dict.fromkeys(n.kind for n in r.notes if not n.code))
    return RawRecord(file, line, index, r.obj, extra=extra, source_format=r.dialect, notes=kinds)


# A run of 19+ digits: an integer that may be past 64 bits, which orjson reads as a (rounded) float.
# Found with bytes.translate (digits -> "0", the rest -> " ") and a substring test: ~10x a regex.
_DIGIT_MAP = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_RUN = b"0" * 19


# vet_value's one pass over a record's bytes: digits -> "0" (a 19-digit run), "[" and "{" -> "["
# (the bracket count that bounds the nesting), ":" kept (the duplicate-key check's count), the rest " ".
_SCAN_MAP = bytes(48 if 48 <= i <= 57 else 91 if i in (91, 123) else 58 if i == 58 else 32 for i in range(256))


def has_long_digits(data: bytes) -> bool:
    """Whether ``data`` holds 19 digits in a row (cheap; a string of digits counts too)."""
    return _RUN in data.translate(_DIGIT_MAP)


def loads_exact(data: bytes) -> Any:
    """``orjson.loads``, but integers past 64 bits stay exact: a text with a 19-digit run is read
    again with ``json`` (slower, exact ints; only such records pay). Raises orjson.JSONDecodeError
    as orjson does; call it on records within :data:`MAX_NESTING` (``json`` recurses)."""
    obj = orjson.loads(data)
    if not has_long_digits(data):
        return obj
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # orjson read it: keep its value
        return obj


def vet_value(data: bytes, obj: Any) -> tuple[Any, Hit | None, bytes | None, list[tuple[str, Hit]]]:
    """The checks of a value just parsed from ``data``, in one pass over its bytes: ``(value, TP013
    hit, body JSON, TP011 hits)``. A value nested past :data:`MAX_NESTING` comes back with its hit
    and nothing else (it is never walked again); integers past 64 bits are read again exactly; the
    body's canonical JSON (``records.body_json``, dicts only) serves the duplicate-key check and the
    dataset summary. ``parse_bytes`` and ``fix`` read every record through it."""
    scan = data.translate(_SCAN_MAP)
    deep = too_deep(obj) if scan.count(b"[") > MAX_NESTING else None  # (fewer brackets cannot nest deeper)
    if deep is not None:
        return obj, deep, None, []
    if _RUN in scan:  # integers past 64 bits: read them exactly
        obj = loads_exact(data)
    body = body_json(obj) if type(obj) is dict else None
    return obj, None, body, duplicate_key_hits(data, obj, body, scan.count(b":"))


def parse_bytes(
    data: bytes,
    file: str,
    line: int,
    index: int,
    record_format: str = "auto",
    *,
    last_line: bool = False,
    precheck: Callable[[Any], Any] | None = None,
) -> RawRecord:
    """Parse one record's bytes (a JSONL line or a JSON element) into a RawRecord.

    ``precheck(value)``, when given, runs on a parsed object before its dialect is detected; what it
    returns is kept as the record's ``view``, and when that has a true ``plain`` the value is taken as
    a canonical record that reading would return unchanged (the dialect detection is skipped).
    """
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        return _invalid(file, line, index, data, _parse_reason(data, e, last_line))
    obj, deep, body, dups = vet_value(data, obj)
    if deep is not None:
        return _too_deep_record(file, line, index, deep, data)
    view = precheck(obj) if precheck is not None and type(obj) is dict else None
    if view is not None and view.plain and record_format in ("auto", "canonical", AUTO_OBJECT_ARGS):
        rec = RawRecord(file, line, index, obj, source_format="canonical")
    else:
        rec = read_value(file, line, index, obj, record_format, depth_checked=True)
    rec.data = data
    if rec.obj is obj:  # read as it is: the body and the view are the record's
        rec.body, rec.view = body, view
    if dups:
        rec.extra = tuple(dups) + rec.extra
    return rec


# A "unit" is what goes to a worker: raw bytes still to parse, or a record already read.
Unit = tuple[int, int, bytes, bool] | RawRecord


def parse_unit(unit: Unit, file: str, record_format: str = "auto", precheck: Callable[[Any], Any] | None = None) -> RawRecord:
    if isinstance(unit, RawRecord):
        return unit
    line, index, data, last = unit
    return parse_bytes(data, file, line, index, record_format, last_line=last, precheck=precheck)


def _bom_hit() -> tuple[str, Hit]:
    return ("TP010", Hit(path="$", message="file starts with a UTF-8 byte-order mark", fix=FixSafety.SAFE))


# --------------------------------------------------------------------------- JSON Lines


def _iter_jsonl_units(f: BinaryIO) -> Iterator[Unit]:
    index = 0
    first = True
    pending: tuple[int, bytes] | None = None
    for lineno, data in enumerate(f, 1):
        if first:
            first = False
            if data.startswith(BOM):  # reported as TP010 on the first record by iter_units
                data = data[3:]
        if not data.strip():
            continue
        if pending is not None:
            yield (pending[0], index, pending[1], False)
            index += 1
        pending = (lineno, data)
    if pending is not None:
        yield (pending[0], index, pending[1], not pending[1].endswith(b"\n"))


# --------------------------------------------------------------------------- JSON Lines by byte range
#
# With ``lint --jobs N`` each worker reads its own part of a JSON Lines file: the file is cut
# into byte ranges that end at a line boundary, a worker reads one range and numbers its lines
# and records from 1 / 0, and the engine adds the counts of the ranges before it.


def jsonl_byte_ranges(path: str | os.PathLike[str], size: int, *, fs: Any = None) -> Iterator[tuple[int, int]]:
    """``(start, end)`` byte ranges covering ``path``, each about ``size`` bytes and ending just
    after a newline (or at the end of the file). A line longer than ``size`` makes one range.
    ``fs``: a ``pyarrow.fs.FileSystem`` holding ``path`` (object storage), else a local file."""
    total = os.path.getsize(path) if fs is None else fs.get_file_info(os.fspath(path)).size
    size = max(1, int(size))
    start = 0
    with open(path, "rb") if fs is None else fs.open_input_file(os.fspath(path)) as f:
        while start < total:
            end = start + size
            if end >= total:
                end = total
            else:
                f.seek(end - 1)
                while True:  # find the newline at or after byte end - 1, without reading the line whole
                    block = f.read(1 << 16)
                    if not block:
                        end = total
                        break
                    nl = block.find(b"\n")
                    if nl >= 0:
                        end = f.tell() - len(block) + nl + 1
                        break
            yield start, end
            start = end


def read_jsonl_range(
    path: str | os.PathLike[str], start: int, end: int, file: str, record_format: str = "auto", *, fs: Any = None
) -> tuple[list[Unit], int]:
    """The units of bytes ``[start, end)`` of a JSON Lines file, numbered as if the range were
    the whole file (lines from 1, records from 0), and the number of physical lines in it.

    Same units as :func:`iter_units` gives for those lines: blank lines are skipped, a BOM at
    byte 0 is dropped and reported (TP010) on the first record. ``fs``: as for :func:`jsonl_byte_ranges`.
    """
    with open(path, "rb") if fs is None else fs.open_input_file(os.fspath(path)) as f:
        f.seek(start)
        buf = f.read(end - start)
    bom = start == 0 and buf.startswith(BOM)
    if bom:
        buf = buf[3:]
    pieces = buf.split(b"\n")
    tail = pieces.pop()  # b"" when the range ends with a newline; else the file's last line
    nlines = len(pieces) + (1 if tail else 0)
    units: list[Unit] = []
    index = 0
    for lineno, piece in enumerate(pieces, 1):
        if not piece.strip():
            continue
        units.append((lineno, index, piece + b"\n", False))
        index += 1
    if tail and tail.strip():
        units.append((nlines, index, tail, True))
    if bom and units:
        first = units[0]
        assert not isinstance(first, RawRecord)
        rec = parse_unit(first, file, record_format)
        rec.extra = (*rec.extra, _bom_hit())
        units[0] = rec
    return units, nlines


# --------------------------------------------------------------------------- JSON stream

# The stream is decoded to text (invalid UTF-8 kept as lone surrogates, then reported)
# and each element is parsed in place with the C-accelerated ``raw_decode``. The bracket
# scanner below only runs when an element fails to parse, to find where it ends, so a
# bad element is reported and the elements after it are still read.
_TOKEN = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"|"', re.S)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"[^,\[\]{}\s]*")
_WS = re.compile(r"[ \t\r\n]*")
_SURROGATE = re.compile("[\udc80-\udcff]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _scan_value(buf: str, pos: int, final: bool) -> int | None:
    """End offset of the JSON value starting at ``pos``; None when more data is needed."""
    c = buf[pos : pos + 1]
    if c in ("{", "["):
        depth = 0
        for m in _TOKEN.finditer(buf, pos):
            tok = m.group()
            t = tok[:1]
            if t in ("{", "["):
                depth += 1
            elif t in ("}", "]"):
                depth -= 1
                if depth == 0:
                    return m.end()
            elif tok == '"':  # unterminated string
                return len(buf) if final else None
        return len(buf) if final else None
    if c == '"':
        m = _STRING.match(buf, pos)
        if m:
            return m.end()
        return len(buf) if final else None
    m = _SCALAR.match(buf, pos)
    end = m.end() if m else pos
    if end == pos:
        end = pos + 1  # a stray '}' or ']': one character of junk
    if end >= len(buf) and not final:
        return None
    return end


def _iter_json_stream(f: BinaryIO, file: str, record_format: str) -> Iterator[RawRecord]:
    """Records of a top-level JSON array, or of a stream of concatenated JSON values."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    buf = ""
    pos = 0
    line = 1
    eof = False

    def fill() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        chunk = f.read(max(_CHUNK, (len(buf) - pos) * 4))
        if not chunk:
            eof = True
            tail = decoder.decode(b"", final=True)
            if tail:
                buf = buf[pos:] + tail
                pos = 0
                return True
            return False
        buf = buf[pos:] + decoder.decode(chunk)
        pos = 0
        return True

    def skip_ws() -> bool:
        """Advance past whitespace; False at end of file."""
        nonlocal pos, line
        while True:
            m = _WS.match(buf, pos)
            end = m.end() if m else pos
            line += buf.count("\n", pos, end)
            pos = end
            if pos < len(buf):
                return True
            if not fill():
                return False

    fill()
    extra: tuple[tuple[str, Hit], ...] = ()
    if buf.startswith("\ufeff"):
        pos = 1
        extra = (_bom_hit(),)
    if not skip_ws():
        return
    array = buf[pos : pos + 1] == "["
    array_line = line
    if array:
        pos += 1
    index = 0
    pending: RawRecord | None = None
    closed = not array
    need_sep = False
    while skip_ws():
        if array:
            c = buf[pos : pos + 1]
            if c == "]":
                pos += 1
                closed = True
                array = False  # anything after this is junk, read as further values
                need_sep = False
                continue
            if c == ",":
                pos += 1
                need_sep = False
                continue
        start_line = line
        obj: Any = None
        parsed = False
        while True:
            try:
                obj, end = _DECODER.raw_decode(buf, pos)
            except (ValueError, RecursionError):
                found = _scan_value(buf, pos, eof)
                if found is None and fill():
                    continue
                end = found if found is not None else _scan_value(buf, pos, True) or len(buf)
                break
            if not eof and buf[pos] not in "{[\"" and _SCALAR.match(buf, pos).end() >= len(buf) and fill():  # type: ignore[union-attr]
                continue  # a number or literal that may go on in the next chunk ("1.5e" + "+16"), even if a prefix parses
            parsed = _SURROGATE.search(buf, pos, end) is None
            break
        text = buf[pos:end]
        line += buf.count("\n", pos, end)
        pos = end
        if parsed:
            dups = duplicate_key_hits(text.encode("utf-8", "surrogatepass"), obj)
            rec = read_value(file, start_line, index, obj, record_format)
            if rec.code == "TP013":  # kept as its exact text, like an element that did not parse
                rec.data = text.encode("utf-8", "surrogatepass")
                rec.raw = _decode(rec.data)
            if dups:
                rec.extra = tuple(dups) + rec.extra
        else:  # orjson gives the reason (NUL, invalid UTF-8, depth, truncation, syntax)
            data = text.encode("utf-8", "surrogateescape")
            rec = parse_bytes(data, file, start_line, index, record_format, last_line=eof and pos >= len(buf))
        found = list(extra) + list(rec.extra)
        extra = ()
        if need_sep and rec.ok:
            found.append(("TP001", Hit("$", "invalid JSON: missing ',' between array elements", FixSafety.NONE)))
        rec.extra = tuple(found)
        need_sep = array
        if pending is not None:
            yield pending
        pending = rec
        index += 1
    if not closed:
        hit = Hit("$", "invalid JSON: the top-level array is not closed (missing ']' at end of file)", FixSafety.NONE)
        if pending is not None:
            if pending.ok:
                pending.extra = (*pending.extra, ("TP001", hit))
        else:
            pending = RawRecord(file, array_line, 0, None, raw="[", error=hit, code="TP001", extra=extra)
    if pending is not None:
        yield pending


# --------------------------------------------------------------------------- CSV


def _cells_to_record(row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    obj: dict[str, Any] = {}
    broken: list[str] = []
    for key, value in row.items():
        if key in JSON_COLUMNS and isinstance(value, (str, bytes)):
            text = value.strip() if isinstance(value, str) else value.decode("utf-8", "replace").strip()
            if not text:
                continue  # an empty cell is an absent field
            try:
                obj[key] = orjson.loads(text)
            except orjson.JSONDecodeError as e:
                broken.append(f"column {key!r}: {e.msg} at character {e.pos + 1}")
                obj[key] = value
        else:
            obj[key] = value
    return obj, broken


def _json_cells(schema: Any) -> dict[str, Any]:
    """Where a Parquet schema holds JSON text typed as such (Arrow's ``arrow.json`` extension, which
    ``datasets`` writes for its ``Json`` feature: a message, a schema's ``properties``): a tree of
    column / field names (``"*"`` for list items) ending in True. Empty when there is none."""

    import pyarrow.types as pat

    def walk(t: Any, depth: int = 0) -> Any:
        if depth > 32:
            return None
        if getattr(t, "extension_name", None) == "arrow.json":
            return True
        if pat.is_list(t) or pat.is_large_list(t) or pat.is_fixed_size_list(t):
            sub = walk(t.value_type, depth + 1)
            return {"*": sub} if sub else None
        if pat.is_struct(t):
            kids = {t.field(i).name: walk(t.field(i).type, depth + 1) for i in range(t.num_fields)}
            kids = {k: v for k, v in kids.items() if v}
            return kids or None
        return None

    out = {}
    for f in schema:
        tree = walk(f.type)
        if tree:
            out[f.name] = tree
    return out


def _decode_json_cells(value: Any, tree: Any) -> Any:
    """``value`` with the JSON text at ``tree``'s places parsed (text that does not parse stays text)."""
    if tree is True:
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                return value
        return value
    if isinstance(value, list) and "*" in tree:
        return [_decode_json_cells(v, tree["*"]) for v in value]
    if isinstance(value, dict):
        return {k: (_decode_json_cells(v, tree[k]) if k in tree else v) for k, v in value.items()}
    return value


def _arrow_row(row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A Parquet / ``datasets`` row as the record it was written from: JSON-text columns parsed, and
    Arrow's null padding removed (``validator.formats.hf.from_hf_row``: a struct column gives every
    message, call and argument object the union of the keys it saw, set to None), so a folder, a
    Parquet file and JSON Lines of the same records give the same findings."""
    from toolproof.validator.formats.hf import from_hf_row

    obj, broken = _cells_to_record(row)
    return (obj, broken) if broken else (from_hf_row(obj), broken)


def _iter_csv(path: str, file: str, record_format: str) -> Iterator[RawRecord]:
    with open(path, "rb") as fb:
        head = fb.read(3)
    bom = head == BOM
    with open(path, encoding="utf-8-sig" if bom else "utf-8", errors="replace", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError(f"{file}: line 1: unreadable CSV header ({e})") from e
        prev = reader.line_num
        index = 0
        extra: tuple[tuple[str, Hit], ...] = (_bom_hit(),) if bom else ()
        while True:
            start = prev + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                hit = Hit("$", f"invalid CSV row: {e}", FixSafety.NONE)
                prev = reader.line_num
                yield RawRecord(file, start, index, None, raw="", error=hit, code="TP001", extra=extra)
                extra = ()
                index += 1
                continue
            prev = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                hit = Hit("$", f"invalid CSV row: {len(row)} cells, the header has {len(header)}", FixSafety.NONE)
                raw = ",".join(row)[:RAW_LIMIT]
                yield RawRecord(file, start, index, None, raw=raw, error=hit, code="TP001", extra=extra)
            else:
                obj, broken = _cells_to_record(dict(zip(header, row, strict=True)))
                if broken:
                    hit = Hit("$", "invalid JSON in " + "; ".join(broken), FixSafety.NONE)
                    raw = orjson.dumps(obj).decode()[:RAW_LIMIT]
                    yield RawRecord(file, start, index, None, raw=raw, error=hit, code="TP001", extra=extra)
                else:
                    rec = read_value(file, start, index, obj, record_format)
                    rec.extra = (*extra, *rec.extra)
                    yield rec
            extra = ()
            index += 1


# --------------------------------------------------------------------------- Parquet


def _iter_parquet(path: str, file: str, record_format: str) -> Iterator[RawRecord]:
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise InputError(f"{file}: reading Parquet needs pyarrow (pip install 'toolproof[parquet]')") from e
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:
        raise InputError(f"{file}: not a readable Parquet file ({e})") from e
    index = 0
    json_cells = _json_cells(pf.schema_arrow)
    for batch in pf.iter_batches(batch_size=2048):
        for row in batch.to_pylist():
            obj, broken = _arrow_row(_decode_json_cells(row, json_cells) if json_cells else row)
            if broken:
                hit = Hit("$", "invalid JSON in " + "; ".join(broken), FixSafety.NONE)
                raw = orjson.dumps(obj, default=str).decode()[:RAW_LIMIT]
                yield RawRecord(file, index + 1, index, None, raw=raw, error=hit, code="TP001")
            else:
                yield read_value(file, index + 1, index, obj, record_format)
            index += 1


# --------------------------------------------------------------------------- Hugging Face datasets
#
# A folder written by ``datasets.Dataset.save_to_disk`` (or a DatasetDict's), a single ``.arrow``
# file of a dataset, or ``hf://org/name`` for a dataset on a hub (streamed, never downloaded whole).
# ``@split`` after any of them picks a split (default: "train" when there are several).

HF_PREFIX = "hf://"


def hf_source(path: str | os.PathLike[str]) -> str | None:
    """"hub", "disk" (a save_to_disk folder), "arrow" (an .arrow file) or None for other paths."""
    spath, _split = _hf_split(os.fspath(path))
    if spath.startswith(HF_PREFIX):
        return "hub"
    p = Path(spath)
    if p.is_dir() and ((p / "dataset_info.json").exists() or (p / "dataset_dict.json").exists() or (p / "state.json").exists()):
        return "disk"
    if p.suffix.lower() == ".arrow" and p.is_file():
        return "arrow"
    return None


def with_split(path: str, split: str | None) -> str:
    """``PATH@SPLIT`` for the ``--split`` flag (one way to name a split for every command); a path that
    already names another split is a usage error (ValueError)."""
    if not split:
        return path
    head, given = _hf_split(path)
    if given is not None and given != split:
        raise ValueError(f"{path}: names split {given!r} but --split says {split!r}")
    return f"{head}@{split}"


def _hf_split(spath: str) -> tuple[str, str | None]:
    head, sep, split = spath.rpartition("@")
    if sep and split and "/" not in split and (head.startswith(HF_PREFIX) or Path(head).exists()):
        return head, split
    return spath, None


def _iter_hf(path: str, file: str, record_format: str) -> Iterator[RawRecord]:
    try:
        import datasets
    except ImportError as e:
        raise InputError(f"{file}: reading Hugging Face datasets needs the datasets library (pip install datasets)") from e
    spath, split = _hf_split(path)
    kind = hf_source(path)
    try:
        if kind == "hub":
            name = spath[len(HF_PREFIX) :]
            ds: Any = datasets.load_dataset(name, split=split or "train", streaming=True)
        elif kind == "arrow":
            ds = datasets.Dataset.from_file(spath)
        else:
            ds = datasets.load_from_disk(spath)
            if isinstance(ds, datasets.DatasetDict):
                names = list(ds)
                # several splits: never one picked silently (a test split read as training data)
                pick = split or (names[0] if len(names) == 1 else None)
                if pick not in ds:
                    what = f"no split {split!r}" if split else "several splits"
                    raise InputError(f"{file}: {what} (splits: {', '.join(names)}): name one as {spath}@SPLIT or with --split")
                ds = ds[pick]
    except InputError:
        raise
    except Exception as e:  # a folder or id datasets cannot open
        raise InputError(f"{file}: not a readable Hugging Face dataset ({type(e).__name__}: {e})") from e
    for index, row in enumerate(ds):
        obj, broken = _arrow_row(dict(row))
        if broken:
            hit = Hit("$", "invalid JSON in " + "; ".join(broken), FixSafety.NONE)
            raw = orjson.dumps(obj, default=str).decode()[:RAW_LIMIT]
            yield RawRecord(file, index + 1, index, None, raw=raw, error=hit, code="TP001")
        else:
            conv, source = convert(obj, record_format)
            yield RawRecord(file, index + 1, index, conv, source_format=source)


# --------------------------------------------------------------------------- entry points


def looks_like_json_document(head: bytes) -> str | None:
    """What ``head`` (a file's first bytes) is when it starts a pretty-printed JSON document
    rather than JSON Lines: a first line that is only ``[`` or ``{``, or an array opened on a
    line that does not parse alone. None for anything else."""
    text = head[3:] if head.startswith(BOM) else head
    lines = text.split(b"\n", 1)
    first = lines[0].strip()
    while not first and len(lines) > 1:
        lines = lines[1].split(b"\n", 1)
        first = lines[0].strip()
    if first == b"[" or (first.startswith(b"[") and not _parses(first) and len(lines) > 1):
        return "a JSON array spread over several lines"
    if first == b"{":
        return "a pretty-printed JSON object spread over several lines"
    return None


def _parses(data: bytes) -> bool:
    try:
        orjson.loads(data)
        return True
    except orjson.JSONDecodeError:
        return False


def _resolve_container(path: str, container: str | None) -> str:
    container = container or detect_container(path)
    if container == "json":
        # `.json` holding one object per line reads as JSON Lines (fast path); a
        # top-level array or a pretty-printed value goes through the stream scanner.
        with open_binary(path) as f:
            first = f.readline(1 << 16)
        stripped = first.lstrip(BOM).strip()
        if stripped and not stripped.startswith(b"["):
            try:
                orjson.loads(stripped)
                return "jsonl"
            except orjson.JSONDecodeError:
                return "json"
    return container


_OBJECT_ARGS = re.compile(rb'"+arguments"+\s*:\s*\{')
_SNIFF = 4 << 20
_SNIFF_CHUNK = 64 << 10


def _object_arguments(path: str) -> bool:
    """Whether the file's first 4 MB hold a call whose ``arguments`` is a JSON object. OpenAI's
    fine-tuning format writes arguments as JSON text; a file that uses objects is canonical, and a
    string there is that record's defect (TP203) rather than the OpenAI convention. Read in 64 kB
    chunks (memory stays flat)."""
    tail = b""
    try:
        with open_binary(path) as f:
            for _ in range(_SNIFF // _SNIFF_CHUNK):
                chunk = f.read(_SNIFF_CHUNK)
                if not chunk:
                    return False
                if _OBJECT_ARGS.search(tail + chunk):
                    return True
                tail = chunk[-64:]
    except (OSError, EOFError, zlib.error):  # a corrupt compressed file: reading it says so
        return False
    return False


def _container_units(spath: str, name: str, container: str, record_format: str, head: bytes,
                     lines: Callable[[], Iterator[bytes]]) -> Iterator[Unit]:
    """The units of one input: JSON Lines from ``lines()`` (a file, decompressed or not, or standard input
    after its ``head``), the other containers from the path."""
    if container == "jsonl":
        it = _iter_jsonl_units(lines())  # type: ignore[arg-type]
        if head.startswith(BOM):  # reported as TP010 on the first record
            first = next(it, None)
            if first is None:
                return
            assert not isinstance(first, RawRecord)
            rec = parse_unit(first, name, record_format)
            rec.extra = (*rec.extra, _bom_hit())
            yield rec
        yield from it
    elif container == "json":
        with open_binary(spath) as f:
            yield from _iter_json_stream(f, name, record_format)
    elif container == "csv":
        yield from _iter_csv(spath, name, record_format)
    elif container == "parquet":
        yield from _iter_parquet(spath, name, record_format)
    else:  # pragma: no cover - split_format guards this
        raise InputError(f"{name}: unknown format {container!r}")


def iter_units(
    path: str | os.PathLike[str], fmt: str | None = None, *, file: str | None = None
) -> tuple[str, str, Iterator[Unit]]:
    """Open ``path`` and return (container, record_format, units).

    For JSON Lines a unit is ``(line, index, bytes, is_last_line)`` to be parsed by
    :func:`parse_unit` (possibly in a worker process); for other containers it is a
    ready :class:`RawRecord`. Raises InputError for unreadable files.
    """
    spath = os.fspath(path)
    name = file if file is not None else display_name(spath)
    if hf_source(spath) is not None:  # rows of a Hugging Face dataset (line = row number)
        try:
            _c, record_format = split_format(fmt)
        except ValueError as e:
            raise InputError(str(e)) from e
        return "hf", record_format, _iter_hf(spath, name, record_format)
    check_readable(spath)
    try:
        container, record_format = split_format(fmt)
    except ValueError as e:
        raise InputError(str(e)) from e
    stdin = spath == STDIN
    if stdin:
        if container not in (None, "jsonl"):
            raise InputError(f"{name}: standard input is read as JSON Lines only (got --input-format {container})")
    stream = open_binary(spath) if stdin else None
    try:
        if stream is not None:
            head = stream.read(8192)
        else:
            with open_binary(spath) as f:
                head = f.read(8192)
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(f"{name}: cannot read ({getattr(e, 'strerror', None) or e})") from e
    forced = container is not None
    container = container or detect_container(spath)
    if compression(spath) is not None and container not in ("jsonl", "json"):
        raise InputError(f"{name}: compressed {container} is not read; decompress it first (compressed JSON Lines "
                         "and JSON are read as they are)")
    if container != "parquet":
        why = sniff_binary(head)
        if why:
            raise InputError(f"{name}: not a text dataset: {why}")
    if container == "jsonl" and not forced:
        doc = looks_like_json_document(head)
        if doc:
            raise InputError(f"{name}: this looks like {doc}, not JSON Lines (one record per line): "
                             + ("standard input is read as JSON Lines" if stdin else
                                "use --input-format json (or a .json file name) to read it"))
    if not stdin:
        try:
            container = _resolve_container(spath, container)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"{name}: cannot read ({getattr(e, 'strerror', None) or e})") from e
    if record_format == "auto" and container != "parquet":
        if _OBJECT_ARGS.search(head) if stdin else _object_arguments(spath):
            record_format = AUTO_OBJECT_ARGS

    def lines() -> Iterator[bytes]:
        if stream is not None:
            yield from _with_head(head, stream)
            return
        with open_binary(spath) as f:
            yield from f

    def units() -> Iterator[Unit]:
        try:
            yield from _container_units(spath, name, container, record_format, head, lines)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:  # a truncated or corrupt compressed file
            raise InputError(f"{name}: compressed data is truncated or corrupt ({e})") from e

    return container, record_format, units()


def iter_records(
    path: str | os.PathLike[str], fmt: str | None = None, *, file: str | None = None,
    precheck: Callable[[Any], Any] | None = None,
) -> Iterator[RawRecord]:
    """Every record of ``path``, streamed, each parsed (or carrying its TP001 hit); ``precheck`` as
    :func:`parse_bytes` takes it."""
    _container, record_format, units = iter_units(path, fmt, file=file)
    name = file if file is not None else display_name(path)
    for unit in units:
        yield parse_unit(unit, name, record_format, precheck)


def read_records(path: str | os.PathLike[str], fmt: str | None = None) -> list[RawRecord]:
    return list(iter_records(path, fmt))

__all__ = [
    "BOM",
    "CONTAINER_FORMATS",
    "InputError",
    "RECORD_FORMATS",
    "RawRecord",
    "STDIN",
    "check_readable",
    "compression",
    "display_name",
    "has_long_digits",
    "loads_exact",
    "open_binary",
    "plain_file",
    "convert",
    "HF_PREFIX",
    "detect_container",
    "hf_source",
    "iter_records",
    "iter_units",
    "jsonl_byte_ranges",
    "parse_bytes",
    "parse_unit",
    "read_jsonl_range",
    "read_records",
    "read_value",
    "split_format",
    "with_split",
]
