"""Dataset rules (TP501-TP502): problems between records, computed from per-record summaries.

The engine calls :func:`summarize` for each record (in its workers) and then each dataset rule
once with all summaries: ``f(summaries, ctx) -> Iterable[(record index, Hit)]``.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import MISSING, dataclass, fields
from hashlib import blake2b as _blake2b
from itertools import compress
from typing import Any, overload

from toolproof.validator.callsyntax import might_hold_calls, typed_calls_of
from toolproof.validator.callsyntax.base import normalize_call, parse_call_payload, scan_tool_call_tags
from toolproof.validator.findings import FixSafety, Hit, Severity, _fast_init
from toolproof.validator.grounding import related, tool_functions
from toolproof.validator.records import body_json, canonical_json
from toolproof.validator.rules.base import Context, rule

FAMILY = "dataset"


DIGEST_SIZE = 16  # bytes of every blake2b digest a summary keeps

# SummaryTable's flag bits per record
HAS_NEAR, NO_CALLS, HAS_ID, TRAINS, PARALLEL, NEAR_MISS = 1, 2, 4, 8, 16, 32


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """Fixed-size facts about one record (digests, not text: memory stays flat on big files)."""

    index: int  # 0-based record index in its file
    line: int  # 1-based line (or row) of the record
    id: str | None  # the record's "id" (numbers as text), None when absent
    digest: bytes  # blake2b-128 of the canonical JSON of the record without its "id"
    # blake2b-128 of the near-duplicate key (prompt without punctuation + canonical calls JSON);
    # None when the prompt has no words (TP503 skips those records)
    near: bytes | None = None
    no_calls: bool = True  # the record has no calls (TP503's message says so)
    file: str | None = None  # set by the engine when linting several files
    # (message index, blake2b-128 of the normalised text) of each non-empty user turn (TP504)
    turns: tuple[tuple[int, bytes], ...] = ()
    # the mix rules (TP701-TP705, validator.rules.mix):
    trains: bool = False  # the record has an assistant turn (a record without one teaches nothing)
    parallel: bool = False  # an assistant turn makes two or more calls
    near_miss: bool = False  # no calls, and an offered tool shares a content word with the request
    called: tuple[str, ...] = ()  # the name of each call, in order
    answers: int = 0  # assistant turns that answer a user turn (the first assistant turn after it)
    no_call_answers: int = 0  # of them, those that make no call (TP701)


# one per record: built through the slot descriptors (as findings are)
_fast_init(RecordSummary, {f.name: f.default for f in fields(RecordSummary) if f.default is not MISSING})


def normalize_text(text: str) -> str:
    """Lower-case with runs of whitespace collapsed to one space."""
    return " ".join(text.split()).lower()


_PUNCT = re.compile(r"[^\w\s]+")


# Byte tables for ASCII text (same results as the regex and str methods, in C): the characters the
# punctuation pattern matches (built from the pattern itself) and every whitespace character that
# str.split() splits on (bytes.split() does not split on \x1c-\x1f) -> " "; for prompt_key also A-Z -> a-z.
_ASCII_PUNCT = bytes(32 if c < 128 and (_PUNCT.match(chr(c)) or chr(c).isspace()) else c for c in range(256))
_ASCII_KEY = bytes(c + 32 if 65 <= c <= 90 else v for c, v in enumerate(_ASCII_PUNCT))


def near_key(prompt: str) -> str:
    """The prompt with punctuation dropped and whitespace collapsed (it is already lower-cased)."""
    if prompt.isascii():  # same result as the regex, without it
        return b" ".join(prompt.encode("ascii").translate(_ASCII_PUNCT).split()).decode("ascii")
    return " ".join(_PUNCT.sub(" ", prompt).split())


def prompt_key(text: str) -> str:
    """``near_key(normalize_text(text))``: TP503's key of the raw prompt text (one pass for ASCII)."""
    if text.isascii():
        return b" ".join(text.encode("ascii").translate(_ASCII_KEY).split()).decode("ascii")
    return near_key(normalize_text(text))


def digest(data: bytes) -> bytes:
    return _blake2b(data, digest_size=DIGEST_SIZE).digest()


def text_digest(text: str) -> bytes:
    """Digest of a text (lone surrogates kept: the encoding is one-to-one)."""
    return _blake2b(text.encode("utf-8", "surrogatepass"), digest_size=DIGEST_SIZE).digest()


def near_digest(prompt: str, calls_json: bytes) -> bytes | None:
    """TP503's key for a normalised prompt and the canonical calls JSON; None for a wordless prompt.

    (The key never holds a NUL: ``near_key`` turns it into a space, so the separator is unambiguous.)
    """
    return key_digest(near_key(prompt), calls_json)


def key_digest(key: str, calls_json: bytes) -> bytes | None:
    """:func:`near_digest` of a prompt whose key (:func:`near_key`) is made already."""
    if not key:
        return None
    h = _blake2b(key.encode("utf-8", "surrogatepass"), digest_size=DIGEST_SIZE)
    h.update(b"\0")
    h.update(calls_json)
    return h.digest()


def _markup_calls(content: str, calls: list[list[Any]]) -> None:
    for b in scan_tool_call_tags(content).blocks:
        for c in parse_call_payload(b.inner).calls:
            calls.append([c["name"], c["arguments"]])


def _add_call(tc: Any, calls: list[list[Any]]) -> None:
    # the common canonical shape first, then the general normaliser
    if type(tc) is dict and "name" not in tc:
        fn = tc.get("function")
        if type(fn) is dict:
            name = fn.get("name")
            args = fn.get("arguments", _MISSING)
            if type(name) is str and type(args) is dict:
                calls.append([name, args])
                return
    c = normalize_call(tc)
    if c is not None:
        calls.append([c["name"], c["arguments"]])


_MISSING = object()


def summarize(record: Any, index: int, line: int, *, turns: bool = True, walk: Any = None, body: bytes | None = None) -> RecordSummary:
    """The per-record facts the dataset rules need. Never raises.

    ``turns=False`` leaves out the user-turn digests (only TP504, ``--against``, reads them).
    ``walk``: what the fast path saw of this record (``validator.rules.quick.quick_walk``), so the
    messages are not walked again; ``body``: ``records.body_json(record)`` when the reader made it.
    """
    return RecordSummary(index, line, *facts(record, turns, walk, body))


def facts(record: Any, turns: bool = True, walk: Any = None, body: bytes | None = None) -> tuple[Any, ...]:
    """:class:`RecordSummary`'s fields after ``index`` and ``line``, in order (``file`` None)."""
    if walk is not None and walk.exact:
        return _walked_facts(record, turns, walk, body)
    rid: str | None = None
    prompts: list[str] = []
    turn_digests: list[tuple[int, bytes]] = []
    calls: list[list[Any]] = []
    trains = parallel = near_miss = False
    answers = no_call_answers = 0
    after_user = False
    names: Any = _UNREAD
    if isinstance(record, dict):
        rid = _rid(record)
        msgs = record.get("messages")
        if isinstance(msgs, list):
            for mi, m in enumerate(msgs):
                if not isinstance(m, dict):
                    continue
                role = m.get("role")
                if role == "user":
                    after_user = True
                    content = m.get("content")
                    if isinstance(content, str):
                        prompts.append(content)
                        if turns:
                            t = normalize_text(content)
                            if t:
                                turn_digests.append((mi, text_digest(t)))
                elif role == "assistant":
                    trains = True
                    before = len(calls)
                    tcs = m.get("tool_calls")
                    if isinstance(tcs, list) and tcs:
                        for tc in tcs:
                            _add_call(tc, calls)
                    else:
                        content = m.get("content")
                        if isinstance(content, str) and "<tool_call>" in content:
                            _markup_calls(content, calls)
                        if len(calls) == before and isinstance(content, str) and might_hold_calls(content):
                            if names is _UNREAD:
                                names = frozenset(fn["name"] for fn in tool_functions(record)) or None
                            _typed_calls(content, names, calls)  # calls typed as text (TP107's reading)
                    if len(calls) - before >= 2:
                        parallel = True
                    if after_user:
                        answers += 1
                        no_call_answers += len(calls) == before
                        after_user = False
        if not calls and isinstance(record.get("expected_calls"), list):  # a test record's answer
            for ec in record["expected_calls"]:
                c = normalize_call(ec)
                if c is not None:
                    calls.append([c["name"], c["arguments"]])
    key = prompt_key("\n".join(prompts)) if prompts else ""
    if trains and not calls and prompts:
        near_miss = bool(related("\n".join(prompts), tool_functions(record)))
    return (
        rid,
        digest(body if body is not None else body_json(record)),
        key_digest(key, canonical_json([calls, sorted(_tool_names(record))])) if key else None,
        not calls,
        None,
        tuple(turn_digests),
        trains,
        parallel,
        near_miss,
        tuple(c[0] if isinstance(c[0], str) else str(c[0]) for c in calls),
        answers,
        no_call_answers,
    )


def _rid(record: dict[str, Any]) -> str | None:
    raw_id = record.get("id")
    if isinstance(raw_id, str) and raw_id:
        return raw_id
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        return str(raw_id)
    return None


def _walked_facts(record: dict[str, Any], turns: bool, walk: Any, body: bytes | None) -> tuple[Any, ...]:
    """:func:`facts` of a record the fast path proved clean: what its walk saw stands for the
    general walk's reading (every assistant turn trains, every call is canonical, no call is typed
    as text; a test record's ``expected_calls`` are read by the general walk)."""
    calls = walk.calls
    turn_digests: list[tuple[int, bytes]] = []
    if turns:
        for mi, content in walk.prompts:
            t = normalize_text(content)
            if t:
                turn_digests.append((mi, text_digest(t)))
    near = None
    near_miss = False
    if walk.prompts:
        text = "\n".join(c for _, c in walk.prompts)
        key = prompt_key(text)
        if key:
            near = key_digest(key, canonical_json([calls, walk.tool_names]))
        if not calls:
            near_miss = bool(related(text, tool_functions(record)))
    return (
        _rid(record),
        digest(body if body is not None else body_json(record)),
        near,
        not calls,
        None,
        tuple(turn_digests),
        True,
        walk.parallel,
        near_miss,
        tuple(c[0] for c in calls),
        walk.answers,
        walk.no_call_answers,
    )


_UNREAD: Any = object()


def _typed_calls(content: str, names: frozenset[str] | None, calls: list[list[Any]]) -> None:
    typed = typed_calls_of(content, names)
    for c in typed.calls if typed is not None else []:
        calls.append([c["name"], c["arguments"]])


def _tool_names(record: Any) -> list[str]:
    """The offered tools' names (TP503: the same question with another tool set is no duplicate)."""
    return [fn["name"] for fn in tool_functions(record)]


class SummaryTable(Sequence[RecordSummary]):
    """Summaries packed in flat arrays (about 60 bytes per record plus the id and turns).

    Iterating or indexing yields :class:`RecordSummary` objects built on the fly; the dataset
    rules read the columns directly (:meth:`digests`, :meth:`near_keys`, ...).
    """

    def __init__(self, summaries: Iterable[RecordSummary] = ()) -> None:
        self._index = array("q")
        self._line = array("q")
        self._digest = bytearray()
        self._near = bytearray()  # DIGEST_SIZE zero bytes when there is none (see _flags)
        self._flags = bytearray()  # 1: has near key, 2: no calls, 4: has id, 8: trains, 16: parallel, 32: near miss
        self.mix_tally: tuple[int, Any] | None = None  # (records, MixTally): validator.rules.mix's memo
        self._called = bytearray()  # the call names, each followed by a NUL
        self._called_end = array("q")
        self._ids = bytearray()
        self._id_end = array("q")
        self._turns = bytearray()  # per turn: 4-byte message index + digest
        self._turn_end = array("q")
        self._answers = array("q")  # per record: answers, no_call_answers
        self._file: array[int] | None = None  # index into _files, -1 for None; absent while all None
        self._files: list[str] = []
        for s in summaries:
            self.append(s)

    def __len__(self) -> int:
        return len(self._index)

    def append(self, s: RecordSummary) -> None:
        self._push(s.index, s.line, s.id, s.digest, s.near, s.no_calls, s.file, s.turns, s.trains, s.parallel,
                   s.near_miss, s.called, s.answers, s.no_call_answers)

    def add_record(self, record: Any, index: int, line: int, turns: bool = True, walk: Any = None,
                   body: bytes | None = None) -> None:
        """Append ``summarize(record, index, line, ...)`` without making the summary object."""
        self._push(index, line, *facts(record, turns, walk, body))

    def _push(self, index: int, line: int, rid: str | None, digest: bytes, near: bytes | None, no_calls: bool,
              file: str | None, turns: tuple[tuple[int, bytes], ...], trains: bool, parallel: bool,
              near_miss: bool, called: tuple[str, ...], answers: int, no_call_answers: int) -> None:
        self._index.append(index)
        self._line.append(line)
        self._digest += digest
        flags = 0
        if near is not None:
            self._near += near
            flags |= HAS_NEAR
        else:
            self._near += _ZERO
        if no_calls:
            flags |= NO_CALLS
        if rid is not None:
            self._ids += rid.encode("utf-8", "surrogatepass")
            flags |= HAS_ID
        if trains:
            flags |= TRAINS
        if parallel:
            flags |= PARALLEL
        if near_miss:
            flags |= NEAR_MISS
        if called:
            joined = "\0".join(called)
            if joined.count("\0") != len(called) - 1:  # a name holds a NUL (the separator)
                joined = "\0".join(n.replace("\0", "?") for n in called)
            self._called += joined.encode("utf-8", "surrogatepass") + b"\0"
        self._called_end.append(len(self._called))
        self._id_end.append(len(self._ids))
        self._flags.append(flags)
        for mi, d in turns:
            self._turns += mi.to_bytes(4, "little", signed=True) + d
        self._turn_end.append(len(self._turns))
        self._answers.append(answers)
        self._answers.append(no_call_answers)
        if file is not None or self._file is not None:
            if self._file is None:
                self._file = array("q", [-1]) * (len(self._index) - 1)
            if file is None:
                self._file.append(-1)
            else:
                if file not in self._files:
                    self._files.append(file)
                self._file.append(self._files.index(file))

    def extend(self, other: Iterable[RecordSummary]) -> None:
        if not isinstance(other, SummaryTable) or other._file is not None or self._file is not None:
            for s in other:
                self.append(s)
            return
        n_ids, n_turns, n_called = len(self._ids), len(self._turns), len(self._called)
        self._index.extend(other._index)
        self._line.extend(other._line)
        self._digest += other._digest
        self._near += other._near
        self._flags += other._flags
        self._ids += other._ids
        self._id_end.extend(map(n_ids.__add__, other._id_end))
        self._turns += other._turns
        self._turn_end.extend(map(n_turns.__add__, other._turn_end))
        self._called += other._called
        self._called_end.extend(map(n_called.__add__, other._called_end))
        self._answers.extend(other._answers)

    def shifted(self, index0: int, line0: int) -> SummaryTable:
        """This table with every record index moved by ``index0`` and every line by ``line0``
        (the engine's byte-range workers number from the start of their range)."""
        self.mix_tally = None
        self._index = array("q", map(index0.__add__, self._index))
        self._line = array("q", map(line0.__add__, self._line))
        return self

    # ------------------------------------------------------------------ columns
    def index_of(self, pos: int) -> int:
        return self._index[pos]

    def line_of(self, pos: int) -> int:
        return self._line[pos]

    def file_of(self, pos: int) -> str | None:
        if self._file is None:
            return None
        f = self._file[pos]
        return None if f < 0 else self._files[f]

    def id_of(self, pos: int) -> str | None:
        if not self._flags[pos] & 4:
            return None
        start = self._id_end[pos - 1] if pos else 0
        return self._ids[start : self._id_end[pos]].decode("utf-8", "surrogatepass")

    def digests(self) -> list[bytes]:
        d = bytes(self._digest)
        return [d[i : i + DIGEST_SIZE] for i in range(0, len(d), DIGEST_SIZE)]

    def iter_digests(self) -> Iterator[bytes]:
        d = bytes(self._digest)
        for i in range(0, len(d), DIGEST_SIZE):
            yield d[i : i + DIGEST_SIZE]

    def digest_of(self, pos: int) -> bytes:
        return bytes(self._digest[pos * DIGEST_SIZE : (pos + 1) * DIGEST_SIZE])

    def near_of(self, pos: int) -> bytes | None:
        if not self._flags[pos] & 1:
            return None
        return bytes(self._near[pos * DIGEST_SIZE : (pos + 1) * DIGEST_SIZE])

    def no_calls_of(self, pos: int) -> bool:
        return bool(self._flags[pos] & 2)

    def turns_of(self, pos: int) -> tuple[tuple[int, bytes], ...]:
        start = self._turn_end[pos - 1] if pos else 0
        end = self._turn_end[pos]
        out = []
        step = 4 + DIGEST_SIZE
        for k in range(start, end, step):
            out.append((int.from_bytes(self._turns[k : k + 4], "little", signed=True), bytes(self._turns[k + 4 : k + step])))
        return tuple(out)

    def trains_of(self, pos: int) -> bool:
        return bool(self._flags[pos] & 8)

    def parallel_of(self, pos: int) -> bool:
        return bool(self._flags[pos] & 16)

    def answers_of(self, pos: int) -> tuple[int, int]:
        """(assistant turns answering a user turn, those of them without a call)."""
        return self._answers[2 * pos], self._answers[2 * pos + 1]

    def near_miss_of(self, pos: int) -> bool:
        return bool(self._flags[pos] & 32)

    def called_of(self, pos: int) -> tuple[str, ...]:
        start = self._called_end[pos - 1] if pos else 0
        raw = bytes(self._called[start : self._called_end[pos]])
        if not raw:
            return ()
        return tuple(p.decode("utf-8", "surrogatepass") for p in raw[:-1].split(b"\0"))

    def training_rows(self) -> Iterator[tuple[int, int, int, int, list[bytes] | None]]:
        """(record index, answers, no-call answers, flags, call names as stored or None when the record
        makes no call) of each training record: the mix rules' one pass over the columns."""
        flags, index, answers, called, ends = self._flags, self._index, self._answers, self._called, self._called_end
        for pos, fl in enumerate(flags):
            if not fl & TRAINS:
                continue
            names = None
            if not fl & NO_CALLS:
                start = ends[pos - 1] if pos else 0
                names = bytes(called[start : ends[pos] - 1]).split(b"\0")
            yield index[pos], answers[2 * pos], answers[2 * pos + 1], fl, names

    def any_repeat(self, column: str) -> bool:
        """Whether two records share a ``"digest"``, a ``"near"`` key or an ``"id"`` (those without
        one left out): a set over the column, so TP501-TP503 walk the records only when some repeat."""
        if column == "id":
            raw, ends, flags = bytes(self._ids), self._id_end, self._flags
            keys = [raw[ends[p - 1] if p else 0 : ends[p]] for p in range(len(flags)) if flags[p] & HAS_ID]
        else:
            d = bytes(self._digest if column == "digest" else self._near)
            keys = [d[i : i + DIGEST_SIZE] for i in range(0, len(d), DIGEST_SIZE)]
            if column == "near":
                keys = list(compress(keys, (f & HAS_NEAR for f in self._flags)))
        return len(set(keys)) < len(keys)

    def answer_totals(self) -> tuple[int, int]:
        """(assistant turns answering a user turn, those without a call), summed over every record."""
        return sum(self._answers[0::2]), sum(self._answers[1::2])

    def flag_counts(self) -> dict[int, int]:
        """How many records carry each combination of flags (counted in C, one scan per value)."""
        flags = bytes(self._flags)
        return {v: n for v in range(64) if (n := flags.count(v.to_bytes(1, "little")))}

    def first_with_flags(self, values: Iterable[int], limit: int) -> list[int]:
        """Record numbers (``index``) of the first ``limit`` records whose flags are one of ``values``."""
        flags = bytes(self._flags)
        found: list[int] = []
        for v in values:  # the first ``limit`` of each value hold the first ``limit`` of all
            b, at, k = v.to_bytes(1, "little"), 0, 0
            while k < limit and (at := flags.find(b, at)) >= 0:
                found.append(at)
                at, k = at + 1, k + 1
        return [self._index[pos] for pos in sorted(found)[:limit]]

    def all_call_names(self) -> list[bytes]:
        """Every call name of every record, as stored (NUL-free bytes), in record order."""
        raw = bytes(self._called)
        return raw[:-1].split(b"\0") if raw else []

    def has_turns(self) -> bool:
        return bool(self._turns)

    def where(self, pos: int) -> str:
        """``record N (line L)`` (``file:L`` when the record's file is known)."""
        file = self.file_of(pos)
        line = self._line[pos]
        loc = f"line {line}" if file is None else f"{file}:{line}"
        return f"record {self._index[pos]} ({loc})"

    def first_data(self, pos: int) -> dict[str, int]:
        return {"first": self._index[pos], "first_line": self._line[pos]}

    # ------------------------------------------------------------------ sequence
    @overload
    def __getitem__(self, pos: int) -> RecordSummary: ...
    @overload
    def __getitem__(self, pos: slice) -> list[RecordSummary]: ...

    def __getitem__(self, pos: int | slice) -> RecordSummary | list[RecordSummary]:
        if isinstance(pos, slice):
            return [self[i] for i in range(*pos.indices(len(self)))]
        if pos < 0:
            pos += len(self)
        if not 0 <= pos < len(self):
            raise IndexError(pos)
        return RecordSummary(
            index=self._index[pos],
            line=self._line[pos],
            id=self.id_of(pos),
            digest=self.digest_of(pos),
            near=self.near_of(pos),
            no_calls=self.no_calls_of(pos),
            file=self.file_of(pos),
            turns=self.turns_of(pos),
            trains=self.trains_of(pos),
            parallel=self.parallel_of(pos),
            near_miss=self.near_miss_of(pos),
            called=self.called_of(pos),
            answers=self._answers[2 * pos],
            no_call_answers=self._answers[2 * pos + 1],
        )

    def __iter__(self) -> Iterator[RecordSummary]:
        for pos in range(len(self)):
            yield self[pos]


_ZERO = bytes(DIGEST_SIZE)


def as_table(summaries: Iterable[RecordSummary]) -> SummaryTable:
    """``summaries`` as a :class:`SummaryTable` (packed once when given a plain list)."""
    return summaries if isinstance(summaries, SummaryTable) else SummaryTable(summaries)


# The engine collects this function's results in this container (packed in the workers).
summarize.table = SummaryTable  # type: ignore[attr-defined]
summarize.supports_turns = True  # type: ignore[attr-defined]


def _where(s: RecordSummary) -> str:
    loc = f"line {s.line}" if s.file is None else f"{s.file}:{s.line}"
    return f"record {s.index} ({loc})"


@rule("TP501", "duplicate-record", severity=Severity.WARNING, fix=FixSafety.SAFE, family=FAMILY, scope="dataset")
def duplicate_record(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """A record that repeats an earlier record exactly (ignoring its `id`).

    ## What it does
    Hashes the canonical JSON of each record (sorted keys, `id` left out) and flags every later
    copy, naming the first one.

    ## Why is this bad?
    Duplicates weight some examples more than others and inflate the apparent dataset size; across
    a train/test split they leak answers.

    ## Example
    Two lines with the same messages and tools (ids `a1` and `a7`).

    ## Use instead
    Keep one copy.

    ## Fix safety
    Safe: later copies are dropped; the first is kept unchanged.
    """
    t = as_table(summaries)
    if not t.any_repeat("digest"):
        return
    per_file = ctx.options.get("duplicates_per_file")
    first: dict[Any, int] = {}
    for pos, d in enumerate(t.iter_digests()):
        key = (t.file_of(pos), d) if per_file else d
        f = first.setdefault(key, pos)
        if f != pos:
            yield t.index_of(pos), Hit("$", f"duplicate of {t.where(f)}", data=t.first_data(f))


@rule("TP502", "duplicate-id", severity=Severity.WARNING, fix=FixSafety.SAFE, family=FAMILY, scope="dataset")
def duplicate_id(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """Two different records with the same `id`.

    ## What it does
    Flags every later record whose `id` repeats an earlier record's `id` (exact copies are left to
    TP501).

    ## Why is this bad?
    Reports, quarantine files and evaluation results are keyed by id; a repeated id makes findings
    and scores point at the wrong record.

    ## Example
    ```json
    {"id": "q1", "messages": [...weather...]}
    {"id": "q1", "messages": [...flights...]}
    ```

    ## Use instead
    Unique ids (`q1`, `q1-2`).

    ## Fix safety
    Safe: later ids get a suffix (`q1-2`); record contents are unchanged.
    """
    t = as_table(summaries)
    if not t.any_repeat("id"):
        return
    per_file = ctx.options.get("duplicates_per_file")
    first: dict[Any, int] = {}
    for pos in range(len(t)):
        rid = t.id_of(pos)
        if rid is None:
            continue
        key = (t.file_of(pos), rid) if per_file else rid
        f = first.setdefault(key, pos)
        if f != pos and t.digest_of(f) != t.digest_of(pos):
            yield t.index_of(pos), Hit("$.id", f"id '{rid}' already used by {t.where(f)}", data=t.first_data(f))


__all__ = [
    "RecordSummary",
    "SummaryTable",
    "as_table",
    "canonical_json",
    "digest",
    "duplicate_id",
    "duplicate_record",
    "near_digest",
    "near_key",
    "normalize_text",
    "summarize",
    "text_digest",
]
