"""Shared decoding for every call syntax: tag scanning, JSON / Python-literal payloads, call shapes.

Pure Python, no third-party imports. Everything here is bounded: nesting deeper than
:data:`MAX_DEPTH` is refused rather than recursed into, and every scan is linear in the length of
the text (a per-text :class:`Budget` caps the work a hostile output can cause).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"
_TAG_RE = re.compile(r"<(/?)tool_call>")

#: Calls and argument values nested deeper than this are not read (a model can emit any depth;
#: matching and JSON writing would otherwise recurse without bound).
MAX_DEPTH = 100

_END_TOKENS = ("<|eom_id|>", "<|eot_id|>", "<|im_end|>", "</s>", "<|end|>", "<|endoftext|>", "<|end_of_text|>")


class Budget:
    """Work units a scan may spend on one text: linear in its length. ``spent`` counts the
    characters the bracket and quote scanners looked at (tests compare it across input sizes)."""

    __slots__ = ("limit", "spent")

    def __init__(self, n: int, factor: int = 40) -> None:
        self.limit = factor * n + 100_000
        self.spent = 0

    def take(self, k: int) -> bool:
        self.spent += k
        return self.spent <= self.limit

    @property
    def exhausted(self) -> bool:
        return self.spent > self.limit


# --------------------------------------------------------------------------------- <tool_call> tags


@dataclass(frozen=True, slots=True)
class TagBlock:
    start: int  # offset of the open tag
    end: int  # offset just after the close tag (or end of text when unclosed)
    inner: str  # text between the tags
    closed: bool


@dataclass(frozen=True, slots=True)
class TagProblem:
    kind: str  # "unclosed" | "stray_close" | "nested_open"
    offset: int
    message: str


@dataclass(slots=True)
class TagScan:
    blocks: list[TagBlock] = field(default_factory=list)
    problems: list[TagProblem] = field(default_factory=list)
    opens: int = 0
    closes: int = 0
    open_tag: str = OPEN_TAG
    close_tag: str = CLOSE_TAG

    @property
    def has_markup(self) -> bool:
        return bool(self.opens or self.closes)

    def outside_text(self, text: str) -> str:
        """The text with every block (and stray close tag) removed, stripped."""
        out: list[str] = []
        pos = 0
        for b in self.blocks:
            out.append(text[pos : b.start])
            pos = b.end
        out.append(text[pos:])
        return "".join(out).replace(self.close_tag, "").replace(self.open_tag, "").strip()


def _tag_in_body(text: str, start: int, open_tag: str, close_tag: str) -> tuple[int, bool]:
    """From ``start`` (just after an open tag), the offset of the first open or close tag that is
    not inside a string literal of the body, and whether it is a close tag; (-1, False) if none.

    One forward pass: a quote opens a string literal only if the same quote closes it on the same
    line (so an apostrophe in prose does not hide the rest of the text); linear in the body."""
    n = len(text)
    i = start
    first = open_tag[0]
    while i < n:
        c = text[i]
        if c == first:
            if text.startswith(close_tag, i):
                return i, True
            if text.startswith(open_tag, i):
                return i, False
            i += 1
            continue
        if c == '"' or c == "'":
            j = i + 1
            while j < n:
                d = text[j]
                if d == "\\":
                    j += 2
                    continue
                if d == c or d == "\n":
                    break
                j += 1
            if j < n and text[j] == c:
                i = j + 1
                continue
            # no closing quote on this line: the quote is prose; resume after it. Any later quote
            # of the same kind on this line would have closed it, so this rescans a line at most
            # once per quote kind.
            i += 1
            continue
        i += 1
    return -1, False


def scan_tags(text: str, open_tag: str = OPEN_TAG, close_tag: str = CLOSE_TAG) -> TagScan:
    """Scan ``open_tag ... close_tag`` blocks and tag problems (unclosed, stray close, nested open).
    Tags inside a string literal of an open block (an argument value mentioning the close tag) are
    not tags. Linear in the length of ``text``."""
    scan = TagScan(open_tag=open_tag, close_tag=close_tag)
    if open_tag not in text and close_tag not in text:
        return scan
    pos, n = 0, len(text)
    c = -2  # next close tag at or after pos (-1: none left); found lazily so the scan stays linear
    while pos < n:
        o = text.find(open_tag, pos)
        if c != -1 and c < pos:
            c = text.find(close_tag, pos)
        if o < 0 and c < 0:
            break
        if c >= 0 and (o < 0 or c < o):  # a close tag with no open block
            scan.closes += 1
            scan.problems.append(TagProblem("stray_close", c, f"'{close_tag}' at offset {c} closes no open tag"))
            pos = c + len(close_tag)
            continue
        scan.opens += 1
        body_start = o + len(open_tag)
        at, is_close = _tag_in_body(text, body_start, open_tag, close_tag)
        if at >= 0 and not is_close:
            scan.problems.append(
                TagProblem("nested_open", at, f"'{open_tag}' at offset {at} opens inside an open tag")
            )
            scan.blocks.append(TagBlock(o, at, text[body_start:at], False))
            pos = at
            continue
        if at < 0:
            scan.problems.append(TagProblem("unclosed", o, f"'{open_tag}' at offset {o} is never closed"))
            scan.blocks.append(TagBlock(o, n, text[body_start:], False))
            break
        scan.closes += 1
        end = at + len(close_tag)
        scan.blocks.append(TagBlock(o, end, text[body_start:at], True))
        pos = end
    return scan


def scan_tool_call_tags(text: str) -> TagScan:
    """Scan ``<tool_call> ... </tool_call>`` markup (see :func:`scan_tags`)."""
    return scan_tags(text, OPEN_TAG, CLOSE_TAG)


def iter_blocks(text: str, open_tag: str, close_tag: str, *, unclosed: bool = True) -> list[tuple[int, str, int, bool]]:
    """``(start, inner, end, closed)`` of every ``open_tag ... close_tag`` block, like the lazy regex
    ``open(.*?)close`` (the inner text runs to the FIRST close after the open), plus, with
    ``unclosed``, a final open block running to the end of the text. Linear: each find moves on."""
    out: list[tuple[int, str, int, bool]] = []
    pos, n = 0, len(text)
    while pos <= n:
        o = text.find(open_tag, pos)
        if o < 0:
            break
        body = o + len(open_tag)
        c = text.find(close_tag, body)
        if c < 0:
            if unclosed:
                out.append((o, text[body:], n, False))
            break
        out.append((o, text[body:c], c + len(close_tag), True))
        pos = c + len(close_tag)
    return out


def split_on(text: str, marker: str) -> list[tuple[int, str]]:
    """``(offset, piece)`` for the text after every ``marker`` up to the next one (linear)."""
    out: list[tuple[int, str]] = []
    at = text.find(marker)
    while at >= 0:
        nxt = text.find(marker, at + len(marker))
        out.append((at, text[at + len(marker) : nxt if nxt >= 0 else len(text)]))
        at = nxt
    return out


# --------------------------------------------------------------------------------- values and calls


_CONTAINERS = (dict, list, tuple, set, frozenset)


def nesting_depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Container depth of ``value`` (0 for a scalar), counted without recursion; stops counting
    once ``limit`` is passed (returns ``limit + 1``).

    Level by level: only containers are kept for the next level, so a scalar costs one type test
    (the reader runs this on every record that holds many brackets)."""
    if not isinstance(value, _CONTAINERS):
        return 0
    level = [value]
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return limit + 1
        nxt: list[Any] = []
        for v in level:
            for x in v.values() if isinstance(v, dict) else v:
                if isinstance(x, _CONTAINERS):
                    nxt.append(x)
        level = nxt
    return depth


def jsonable(v: Any) -> Any:
    """A Python literal as JSON data: tuples and sets become lists (sets sorted by repr), dict keys
    strings, and bytes, complex numbers and Ellipsis their ``repr`` text. Iterative: any depth."""
    if v is None or isinstance(v, bool | int | float | str):
        return v
    root: list[Any] = [None]
    # (source, target container, key/index in target)
    stack: list[tuple[Any, Any, Any]] = [(v, root, 0)]
    while stack:
        src, tgt, key = stack.pop()
        if isinstance(src, dict):
            out: Any = {}
            tgt[key] = out
            for k, x in src.items():
                kk = k if isinstance(k, str) else repr(k)
                out[kk] = None
                stack.append((x, out, kk))
        elif isinstance(src, list | tuple | set | frozenset):
            items = sorted(src, key=repr) if isinstance(src, set | frozenset) else list(src)
            out = [None] * len(items)
            tgt[key] = out
            for idx, x in enumerate(items):
                stack.append((x, out, idx))
        elif src is None or isinstance(src, bool | int | float | str):
            tgt[key] = src
        else:
            tgt[key] = repr(src)
    return root[0]


def literal(s: str) -> Any:
    """Parse a Python literal (dicts with single quotes, True/False/None). Never evaluates code."""
    return ast.literal_eval(s)


_LITERAL_ERRORS = (ValueError, SyntaxError, TypeError, MemoryError, RecursionError)


def loads(s: str) -> Any:
    """``json.loads`` that raises ValueError (never RecursionError) and refuses deep nesting."""
    try:
        value = json.loads(s)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH}") from None
    if nesting_depth(value) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH}")
    return value


def normalize_call(obj: Any, notes: list[str] | None = None) -> dict[str, Any] | None:
    """One call object in any common shape -> ``{"name", "arguments"}``; None if it is not a call.

    Accepts ``{"name", "arguments"}``, ``{"name", "parameters"}``, OpenAI ``{"type": "function",
    "function": {...}}`` and ``{"function": {...}}``, with ``arguments`` possibly a JSON string
    (also double-encoded). Arguments that cannot be made an object are returned as they are.
    """
    notes = notes if notes is not None else []
    if not isinstance(obj, dict):
        return None
    if "function" in obj and isinstance(obj["function"], dict) and "name" not in obj:
        notes.append("openai_shape")
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str):
        return None
    if "arguments" in obj:
        args = obj["arguments"]
    elif "parameters" in obj:
        notes.append("parameters")
        args = obj["parameters"]
    elif "args" in obj:
        notes.append("args")
        args = obj["args"]
    else:
        args = {}
    depth = 0
    while isinstance(args, str) and depth < 3:
        try:
            args = loads(args)
        except ValueError:
            break
        notes.append("arguments_string")
        depth += 1
    return {"name": name, "arguments": args}


@dataclass(slots=True)
class PayloadResult:
    calls: list[dict[str, Any]] = field(default_factory=list)
    kind: str | None = None  # "json" | "python_literal"
    error: str | None = None  # why no call could be read
    notes: list[str] = field(default_factory=list)  # repairs applied: "parameters", "arguments_string", "openai_shape"

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.calls)


def parse_call_payload(s: str) -> PayloadResult:
    """Parse the body of one ``<tool_call>`` block (or any JSON-ish snippet) into calls."""
    res = PayloadResult()
    body = s.strip()
    if not body:
        res.error = "empty"
        return res
    try:
        value = loads(body)
        res.kind = "json"
    except ValueError as e:
        try:
            value = literal(body)
            res.kind = "python_literal"
        except _LITERAL_ERRORS:
            res.error = f"not JSON: {e}"
            return res
        if nesting_depth(value) > MAX_DEPTH:
            res.error = f"nested deeper than {MAX_DEPTH}"
            return res
    items = value if isinstance(value, list) else [value]
    if not items:
        res.error = "empty list"
        return res
    for item in items:
        call = normalize_call(item, res.notes)
        if call is None:
            res.calls = []
            res.error = "not a call object (needs a string 'name')"
            return res
        res.calls.append(call)
    return res


def strict_call(obj: Any) -> dict[str, Any] | None:
    """A call only when the object clearly is one: a string ``name`` and an ``arguments`` /
    ``parameters`` object (or JSON string holding one), or the OpenAI ``{"function": {...}}`` shape."""
    if not isinstance(obj, dict):
        return None
    inner = obj
    if "name" not in obj and isinstance(obj.get("function"), dict):
        inner = obj["function"]
        if not isinstance(inner.get("name"), str):
            return None
        if "arguments" not in inner and "parameters" not in inner:
            return {"name": inner["name"], "arguments": {}}
    if not isinstance(inner.get("name"), str):
        return None
    if "arguments" not in inner and "parameters" not in inner:
        return None
    call = normalize_call(inner)
    if call is None or not isinstance(call["arguments"], dict):
        return None
    return call


_WRAPPER_KEYS = ("tool_calls", "function_calls", "calls")


def calls_from_value(value: Any) -> list[dict[str, Any]] | None:
    """A decoded JSON/literal value -> calls when every item is a call, else None."""
    if isinstance(value, dict):
        for k in _WRAPPER_KEYS:
            if isinstance(value.get(k), list) and "name" not in value:
                return calls_from_value(value[k])
        if isinstance(value.get("function_call"), dict) and "name" not in value:
            value = value["function_call"]
        c = strict_call(value)
        return [c] if c is not None else None
    if isinstance(value, list) and value:
        out: list[dict[str, Any]] = []
        for item in value:
            c = strict_call(item)
            if c is None:
                return None
            out.append(c)
        return out
    return None


# --------------------------------------------------------------------------------- brackets


class Brackets:
    """Where the bracket group opening at an offset ends, quotes respected, memoised: one scan
    records the end of every group it closes, so a text is scanned about once however many
    groups it nests. Groups deeper than :data:`MAX_DEPTH` report ``too_deep``."""

    __slots__ = ("budget", "ends", "text")

    _PAIRS = {"{": "}", "[": "]", "(": ")"}

    def __init__(self, text: str, budget: Budget | None = None) -> None:
        self.text = text
        self.ends: dict[int, tuple[int, int]] = {}  # open offset -> (end or -1, max depth)
        self.budget = budget or Budget(len(text))

    def end(self, start: int) -> tuple[int, int]:
        """(offset just past the group opening at ``start`` or -1, its nesting depth)."""
        hit = self.ends.get(start)
        if hit is not None:
            return hit
        text, pairs = self.text, self._PAIRS
        stack: list[tuple[int, str, int]] = []  # (open offset, expected close, max depth inside)
        i, n = start, len(text)
        quote: str | None = None
        result = (-1, 0)
        while i < n:
            c = text[i]
            if quote:
                if c == "\\":
                    i += 2
                    continue
                if c == quote:
                    quote = None
            elif c == '"' or c == "'":
                quote = c
            elif c in pairs:
                if i != start and i in self.ends:  # already known: jump over it
                    e, d = self.ends[i]
                    if e > 0 and stack:
                        top = stack[-1]
                        stack[-1] = (top[0], top[1], max(top[2], d + len(stack)))
                        i = e
                        continue
                stack.append((i, pairs[c], len(stack) + 1))
            elif c in ")]}":
                if not stack or stack[-1][1] != c:
                    result = (-1, 0)
                    break
                o, _, d = stack.pop()
                self.ends[o] = (i + 1, d - len(stack))
                if stack:
                    top = stack[-1]
                    stack[-1] = (top[0], top[1], max(top[2], d))
                else:
                    result = (i + 1, d)
                    i += 1
                    break
            i += 1
        self.budget.take(i - start + 1)
        for o, _, _ in stack:  # never closed from here
            self.ends.setdefault(o, (-1, 0))
        self.ends[start] = result
        return result


_DECODER = json.JSONDecoder()


def _needs_literal(seg: str) -> bool:
    return "'" in seg or "True" in seg or "None" in seg or "False" in seg


def scan_json_calls(
    text: str, budget: Budget | None = None
) -> tuple[list[dict[str, Any]], list[tuple[int, int]], list[str]]:
    """Every top-level JSON (or Python-literal) value in ``text`` that is a call or a list of calls.
    Linear: groups deeper than :data:`MAX_DEPTH` are skipped whole, bracket ends are memoised."""
    calls: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    errors: list[str] = []
    br = Brackets(text, budget)
    i, n = 0, len(text)
    nb = nk = -2  # next "{" / "[" at or after i (-1: none left), found lazily: one pass in all
    while i < n:
        if br.budget.exhausted:
            errors.append(f"stopped at offset {i}: output too large or too nested to scan")
            break
        if nb < i and nb != -1:
            nb = text.find("{", i)
        if nk < i and nk != -1:
            nk = text.find("[", i)
        if nb < 0 and nk < 0:
            break
        i = nb if nk < 0 or (0 <= nb < nk) else nk
        c = text[i]
        bend, depth = br.end(i)
        if depth > MAX_DEPTH:
            if bend > 0:
                errors.append(f"value at offset {i} nested deeper than {MAX_DEPTH}: not read")
                i = bend
            else:
                i += 1
            continue
        value: Any = None
        end = -1
        if bend > 0:
            br.budget.take(bend - i)
            try:  # decode the group's own text: an error message then costs its length, not the offset
                value, rel = _DECODER.raw_decode(text[i:bend])
                end = i + rel
            except (ValueError, RecursionError):
                seg = text[i:bend]
                if _needs_literal(seg):
                    try:
                        value = literal(seg)
                        end = bend
                    except _LITERAL_ERRORS:
                        value, end = None, -1
        if end < 0:
            if c == "{" and bend < 0 and '"name"' in text[i : i + 200] and len(errors) < 20:
                errors.append(f"unterminated JSON object at offset {i}")
            i += 1
            continue
        found = calls_from_value(value)
        if found:
            calls.extend(found)
            spans.append((i, end))
        i = end
    return calls, spans, errors


def remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    pos = 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out).strip()


# --------------------------------------------------------------------------------- pythonic calls


class _JsonNames(ast.NodeTransformer):
    """``true``/``false``/``null`` written as names (OLMo-3 emits them) -> the Python constants."""

    _MAP = {"true": True, "false": False, "null": None}

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self._MAP:
            return ast.copy_location(ast.Constant(self._MAP[node.id]), node)
        return node


def _call_from_ast(node: ast.AST, json_names: bool = False) -> dict[str, Any] | None:
    if not isinstance(node, ast.Call):
        return None
    parts: list[str] = []
    f: ast.AST = node.func
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if not isinstance(f, ast.Name):
        return None
    parts.append(f.id)
    name = ".".join(reversed(parts))
    if node.args:  # positional args cannot be mapped to parameter names
        return None
    args: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            return None
        val = _JsonNames().visit(kw.value) if json_names else kw.value
        try:
            args[kw.arg] = ast.literal_eval(val)
        except _LITERAL_ERRORS:
            return None
    return {"name": name, "arguments": args}


def parse_pythonic(s: str, json_names: bool = False) -> list[dict[str, Any]] | None:
    """``[f(a=1), g(b="x")]`` or ``f(a=1)`` -> calls, using ``ast`` (literal arguments only, never
    evaluated); ``json_names`` also reads ``true``/``false``/``null``."""
    src = s.strip()
    if len(src) > 1_000_000:
        return None
    try:
        tree = ast.parse(src, mode="eval")
    except (*_LITERAL_ERRORS,):
        return None
    body = tree.body
    nodes = body.elts if isinstance(body, ast.List | ast.Tuple) else [body]
    if not nodes:
        return None
    out: list[dict[str, Any]] = []
    for node in nodes:
        c = _call_from_ast(node, json_names)
        if c is None:
            return None
        out.append(c)
    if nesting_depth([c["arguments"] for c in out]) > MAX_DEPTH:
        return None
    return out


# --------------------------------------------------------------------------------- text helpers


def strip_end_tokens(s: str) -> str:
    for t in _END_TOKENS:
        if t in s:
            s = s.replace(t, "")
    return s


#: Reasoning blocks set aside before calls are read (Command R7B writes its own tokens).
THINK_PAIRS = (("<think>", "</think>"), ("<seed:think>", "</seed:think>"), ("<|START_THINKING|>", "<|END_THINKING|>"))


def split_reasoning(text: str) -> tuple[str, str | None]:
    """Remove ``<think>...</think>`` (and Seed-OSS ``<seed:think>``, Command R7B
    ``<|START_THINKING|>``) blocks; an unclosed final open tag swallows the rest; a close tag with no
    open tag before it ends reasoning that the template opened (thinking forced open: the text
    before it is reasoning, as llama.cpp's ``thinking_forced_open`` reads it).
    Linear: a find loop, no backtracking regex."""
    reasoning: list[str] = []
    out = text
    for open_t, close_t in THINK_PAIRS:
        if open_t not in out and close_t not in out:
            continue
        pieces: list[str] = []
        pos = 0
        while True:
            o = out.find(open_t, pos)
            if o < 0:
                pieces.append(out[pos:])
                break
            c = out.find(close_t, o + len(open_t))
            pieces.append(out[pos:o])
            if c < 0:
                reasoning.append(out[o + len(open_t) :])
                break
            reasoning.append(out[o + len(open_t) : c])
            pos = c + len(close_t)
        out = "".join(pieces)
        if close_t in out:  # a close tag no open tag precedes: the template opened the block
            before, _, out = out.partition(close_t)
            reasoning.append(before)
    return out, ("\n".join(r.strip() for r in reasoning) if reasoning else None)


# --------------------------------------------------------------------------------- the family contract


@dataclass(slots=True)
class Reading:
    """What one family's reader found in one text: flat ``{"name", "arguments"}`` calls, the text
    outside them, and why candidate markup could not be read."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    content: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ReadContext:
    """What a reader may use besides the text: the work budget and the known tool names."""

    budget: Budget
    tool_names: set[str] | None = None


Reader = Callable[[str, ReadContext], Reading]
StrictReader = Callable[[str], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Family:
    """One call syntax.

    ``markers``: literal strings whose presence says the text holds this syntax (empty for the
    syntaxes that have none: bare JSON, pythonic lists). ``claims`` narrows it (e.g. a
    ``<tool_call>`` followed by ``<function=`` is qwen3_coder's, not hermes'). ``read`` is the
    lenient reader; ``strict`` returns exactly what the serving stack's parser hands a client
    (an empty list when it would return the text as content).
    """

    name: str
    title: str
    example: str
    read: Reader
    strict: StrictReader
    markers: tuple[str, ...] = ()
    claims: Callable[[str], bool] | None = None
    aliases: tuple[str, ...] = ()
    serving: str = ""  # the serving parsers this mirrors, e.g. "vLLM hermes, SGLang qwen25"
    same_as: str | None = None  # the family whose syntax this one shares (auto reports that one)
    #: Regular expressions that say "a call in this syntax is here" (the markup table of
    #: :data:`toolproof.validator.callsyntax.CALL_MARKUP`); None: the escaped ``markers``. Set it
    #: where a marker also opens text without calls (gpt-oss ``<|channel|>final``, functionary
    #: ``>>>all``, GigaChat's ``function call`` in prose).
    call_markers: tuple[str, ...] | None = None

    def call_marker_patterns(self) -> tuple[str, ...]:
        if self.call_markers is not None:
            return self.call_markers
        return tuple(re.escape(m) for m in self.markers)

    def detect(self, text: str) -> bool:
        if not self.markers or not any(m in text for m in self.markers):
            return False
        return self.claims(text) if self.claims is not None else True


def call(name: str, arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def json_object_or_none(s: str) -> dict[str, Any] | None:
    try:
        v = loads(s)
    except ValueError:
        return None
    return v if isinstance(v, dict) else None


def param_value(raw: str) -> Any:
    """An XML-style parameter value (qwen3_coder, glm4_moe, seed_oss, minimax_m2, step3) without a
    schema: JSON when it parses as JSON (numbers, objects, true/false/null), else a Python literal
    container, else the text itself."""
    s = raw.strip()
    if not s:
        return s
    try:
        return loads(s)
    except ValueError:
        pass
    if s[0] in "[{(" and _needs_literal(s):
        try:
            v = literal(s)
        except _LITERAL_ERRORS:
            return s
        if nesting_depth(v) <= MAX_DEPTH:
            return jsonable(v)
    return s


# --------------------------------------------------------------------------------- shared decode loops

BlockBody = Callable[[str], "list[dict[str, Any]] | str | None"]


def read_tagged(text: str, open_tag: str, close_tag: str, body: BlockBody, what: str) -> Reading:
    """The lenient loop over ``open_tag ... close_tag`` blocks (a final unclosed one included):
    ``body(inner)`` gives the block's calls, or an error string, or nothing (``None`` / ``[]``,
    reported as ``what``). The content is the text outside the blocks once any call was read."""
    r = Reading()
    scan = scan_tags(text, open_tag, close_tag)
    for b in scan.blocks:
        got = body(b.inner)
        if got and not isinstance(got, str):
            r.calls.extend(got)
        else:
            r.errors.append(f"{open_tag} at offset {b.start}: {got if isinstance(got, str) and got else what}")
    if r.calls:
        r.content = scan.outside_text(text)
    return r


def strict_tagged(
    text: str, open_tag: str, close_tag: str, body: Callable[[str], list[dict[str, Any]] | None]
) -> list[dict[str, Any]]:
    """The strict loop: every block closed and ``body(inner)`` non-empty for each, else no calls."""
    if not text or open_tag not in text:
        return []
    calls: list[dict[str, Any]] = []
    for b in scan_tags(text, open_tag, close_tag).blocks:
        got = body(b.inner) if b.closed else None
        if not got:
            return []
        calls.extend(got)
    return calls


def strict_json_item(obj: Any) -> dict[str, Any] | None:
    """A decoded value that is exactly ``{"name": str, "arguments": {...}}`` (what vLLM's JSON
    parsers accept) as a call, else None."""
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not isinstance(obj.get("arguments"), dict):
        return None
    return {"name": obj["name"], "arguments": obj["arguments"]}


def strict_json_items(items: list[Any]) -> list[dict[str, Any]]:
    """Every item a :func:`strict_json_item` call, else no calls at all."""
    out: list[dict[str, Any]] = []
    for it in items:
        c = strict_json_item(it)
        if c is None:
            return []
        out.append(c)
    return out


def strict_if_clean(r: Reading) -> list[dict[str, Any]]:
    """The strict reading of a lenient one that is strict enough itself: its calls when it
    reported no error, else none."""
    return [] if r.errors else r.calls


def strict_json_call(s: str) -> dict[str, Any] | None:
    """``json.loads(s)`` read by :func:`strict_json_item`; None when it does not parse."""
    try:
        obj = json.loads(s)
    except (ValueError, RecursionError):
        return None
    return strict_json_item(obj)


def strict_json_tagged(text: str, open_tag: str, close_tag: str) -> list[dict[str, Any]]:
    """vLLM's ``open(.*?)close|open(.*)`` JSON parsers (hermes, longcat): every block, a final
    unclosed one included, one :func:`strict_json_call`, else no calls at all."""
    if not text or open_tag not in text:
        return []
    calls: list[dict[str, Any]] = []
    for _start, body, _end, _closed in iter_blocks(text, open_tag, close_tag):
        c = strict_json_call(body)
        if c is None:
            return []
        calls.append(c)
    return calls


def call_sections(text: str, call_begin: str, call_end: str, stop: str, sep: str) -> list[tuple[int, str, str, bool]]:
    """``(offset, before sep, after sep, closed)`` for every ``call_begin ... call_end`` section
    (DeepSeek, Kimi-K2 call tokens); an unclosed one runs to ``stop`` or the end of the text; one
    without ``sep`` is left out (linear)."""
    out: list[tuple[int, str, str, bool]] = []
    for at, piece in split_on(text, call_begin):
        end = piece.find(call_end)
        closed = end >= 0
        if closed:
            piece = piece[:end]
        else:
            cut = piece.find(stop)
            piece = piece[:cut] if cut >= 0 else piece
        head, found, rest = piece.partition(sep)
        if found:
            out.append((at, head, rest, closed))
    return out


def section_start(text: str, begin: str, call_begin: str) -> int:
    """Where the calls start: the section's ``begin`` token, or an earlier (or the only)
    ``call_begin``; -1 when neither is there."""
    at = text.find(begin)
    first = text.find(call_begin)
    if at < 0 or (0 <= first < at):
        at = first
    return at


def strict_json_object(raw: str) -> dict[str, Any] | None:
    """``json.loads(raw)`` when it is an object, else None (what the strict readers accept as arguments)."""
    try:
        args = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return args if isinstance(args, dict) else None


def args_object(raw: str, who: str, *, empty_ok: bool = False) -> dict[str, Any] | str:
    """Lenient arguments: ``raw`` (stripped) read with :func:`loads` when it is an object, else the
    error ``"WHO: arguments are not JSON: ..."`` / ``"WHO: arguments are not an object"``. With
    ``empty_ok`` an empty text is ``{}`` (a call without arguments)."""
    s = raw.strip()
    if empty_ok and not s:
        return {}
    try:
        args = loads(s)
    except ValueError as e:
        return f"{who}: arguments are not JSON: {e}"
    if not isinstance(args, dict):
        return f"{who}: arguments are not an object"
    return args


def read_bare_json(text: str, ctx: ReadContext) -> Reading:
    """Bare JSON calls anywhere in the text (:func:`scan_json_calls`); the content is the rest."""
    r = Reading()
    found, spans, errs = scan_json_calls(text, ctx.budget)
    r.errors.extend(errs)
    if found:
        r.calls = found
        r.content = remove_spans(text, spans)
    return r


def read_json_after(text: str, ctx: ReadContext, tag: str, label: str, missing: str, *, keep: int = 0) -> Reading:
    """JSON calls after the first ``tag`` (its last ``keep`` characters belong to the JSON, as the
    ``[`` of ``functools[``); each scan error is prefixed with ``label``, and with no call and no
    error the text is reported ``missing``. The content is the text before the tag."""
    r = Reading()
    at = text.find(tag)
    if at < 0:
        return r
    found, _spans, errs = scan_json_calls(text[at + len(tag) - keep :], ctx.budget)
    r.calls, r.errors = found, [f"{label}: {e}" for e in errs]
    if found:
        r.content = text[:at].strip()
    elif not errs:
        r.errors.append(f"{tag} at offset {at}: {missing}")
    return r


__all__ = [
    "CLOSE_TAG",
    "MAX_DEPTH",
    "OPEN_TAG",
    "Brackets",
    "Budget",
    "Family",
    "PayloadResult",
    "ReadContext",
    "Reading",
    "TagBlock",
    "TagProblem",
    "THINK_PAIRS",
    "TagScan",
    "args_object",
    "call",
    "call_sections",
    "calls_from_value",
    "iter_blocks",
    "json_object_or_none",
    "jsonable",
    "literal",
    "loads",
    "nesting_depth",
    "normalize_call",
    "param_value",
    "parse_call_payload",
    "parse_pythonic",
    "read_bare_json",
    "read_json_after",
    "read_tagged",
    "remove_spans",
    "scan_json_calls",
    "scan_tags",
    "scan_tool_call_tags",
    "section_start",
    "split_on",
    "split_reasoning",
    "strict_call",
    "strict_if_clean",
    "strict_json_call",
    "strict_json_item",
    "strict_json_items",
    "strict_json_object",
    "strict_json_tagged",
    "strict_tagged",
    "strip_end_tokens",
]
