"""Call extraction from model-style text: ONE parser for training data and model output.

Pure Python (no torch/transformers): the validator's markup rules and the cleaner's markup repair
import this module, and the evaluator parses model output with it.

Core pieces:
- ``scan_tool_call_tags(text)``: finds ``<tool_call> ... </tool_call>`` blocks and tag problems
  (unclosed, stray close, nested) with character offsets.
- ``parse_call_payload(s)``: turns one tag body / JSON snippet into calls ``{"name", "arguments"}``
  (JSON object, list of calls, OpenAI shape, ``parameters`` for ``arguments``, ``arguments`` as a JSON
  string, Python-literal dicts parsed with ``ast.literal_eval`` only, never evaluated).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"
_TAG_RE = re.compile(r"<(/?)tool_call>")


@dataclass(frozen=True, slots=True)
class TagBlock:
    start: int  # offset of "<tool_call>"
    end: int  # offset just after "</tool_call>" (or end of text when unclosed)
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
        return _TAG_RE.sub("", "".join(out)).strip()


def _string_spans(text: str) -> list[tuple[int, int]]:
    """Spans of JSON/Python string literals inside ``text`` (best effort, for tags in string values)."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if j < n and text[j] == c:
                spans.append((i, j + 1))
                i = j + 1
                continue
        i += 1
    return spans


def scan_tool_call_tags(text: str) -> TagScan:
    """Scan ``<tool_call>`` markup. Tags that sit inside a string literal of an open block's JSON
    (e.g. an argument value mentioning ``</tool_call>``) are not treated as tags."""
    scan = TagScan()
    if "tool_call>" not in text:
        return scan
    pos = 0
    n = len(text)
    while pos < n:
        m = _TAG_RE.search(text, pos)
        if not m:
            break
        if m.group(1):  # a close tag with no open block
            scan.closes += 1
            scan.problems.append(
                TagProblem("stray_close", m.start(), f"'{CLOSE_TAG}' at offset {m.start()} closes no open tag")
            )
            pos = m.end()
            continue
        scan.opens += 1
        body_start = m.end()
        # find the matching close, skipping tags inside string literals of the body
        close_at = -1
        nested_at = -1
        search = body_start
        spans: list[tuple[int, int]] | None = None
        while True:
            m2 = _TAG_RE.search(text, search)
            if not m2:
                break
            if spans is None:  # computed once per block, only when a candidate tag exists
                spans = _string_spans(text[body_start:])
            rel = m2.start() - body_start
            if any(s <= rel < e for s, e in spans):
                search = m2.end()
                continue
            if m2.group(1):
                close_at = m2.start()
            else:
                nested_at = m2.start()
            break
        if nested_at >= 0:
            scan.problems.append(
                TagProblem("nested_open", nested_at, f"'{OPEN_TAG}' at offset {nested_at} opens inside an open tag")
            )
            scan.blocks.append(TagBlock(m.start(), nested_at, text[body_start:nested_at], False))
            pos = nested_at
            continue
        if close_at < 0:
            scan.problems.append(
                TagProblem("unclosed", m.start(), f"'{OPEN_TAG}' at offset {m.start()} is never closed")
            )
            scan.blocks.append(TagBlock(m.start(), n, text[body_start:], False))
            break
        scan.closes += 1
        end = close_at + len(CLOSE_TAG)
        scan.blocks.append(TagBlock(m.start(), end, text[body_start:close_at], True))
        pos = end
    return scan


@dataclass(slots=True)
class PayloadResult:
    calls: list[dict[str, Any]] = field(default_factory=list)
    kind: str | None = None  # "json" | "python_literal"
    error: str | None = None  # why no call could be read
    notes: list[str] = field(default_factory=list)  # repairs applied: "parameters", "arguments_string", "openai_shape"

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.calls)


def _jsonable(v: Any) -> Any:
    """A Python literal as JSON data: tuples and sets become lists (sets sorted by repr), dict keys
    strings, and bytes, complex numbers and Ellipsis their ``repr`` text, so every call read from
    model output can be written as JSON and compared like one. Only :func:`extract_calls` applies
    it: the cleaner reads literals with :func:`parse_call_payload` as they are and refuses to
    "repair" one that is not JSON data."""
    if isinstance(v, dict):
        return {k if isinstance(k, str) else repr(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, set | frozenset):
        return [_jsonable(x) for x in sorted(v, key=repr)]
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return repr(v)


def _literal(s: str) -> Any:
    """Parse a Python literal (dicts with single quotes, True/False/None). Never evaluates code."""
    return ast.literal_eval(s)


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
            args = json.loads(args)
        except (ValueError, RecursionError):
            break
        notes.append("arguments_string")
        depth += 1
    return {"name": name, "arguments": args}


def parse_call_payload(s: str) -> PayloadResult:
    """Parse the body of one ``<tool_call>`` block (or any JSON-ish snippet) into calls."""
    res = PayloadResult()
    body = s.strip()
    if not body:
        res.error = "empty"
        return res
    try:
        value = json.loads(body)
        res.kind = "json"
    except (ValueError, RecursionError) as e:
        try:
            value = _literal(body)
            res.kind = "python_literal"
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            res.error = f"not JSON: {e}"
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


# ---------------------------------------------------------------------------------------------
# Model-output extraction: every common way a model writes tool calls.
# ---------------------------------------------------------------------------------------------

#: ``parser="auto"`` tries these in order and keeps the first that recovers at least one call.
#: Marker-based formats come first (their markers are unambiguous), then fenced JSON, then bare
#: JSON, then pythonic ``[f(a=1)]`` (the loosest).
AUTO_ORDER: tuple[str, ...] = ("hermes", "mistral", "llama", "fenced", "json", "pythonic")
PARSERS: tuple[str, ...] = AUTO_ORDER

_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCE_RE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PYTHON_TAG = "<|python_tag|>"
_MISTRAL_TAG = "[TOOL_CALLS]"
_END_TOKENS = ("<|eom_id|>", "<|eot_id|>", "<|im_end|>", "</s>", "<|end|>", "<|endoftext|>")
_WRAPPER_KEYS = ("tool_calls", "function_calls", "calls")


@dataclass(slots=True)
class Extraction:
    """What :func:`extract_calls` found in one text.

    ``calls`` are flat ``{"name", "arguments"}`` dicts; ``parser`` names the format that matched
    (None when no call was found); ``content`` is the text outside the calls (reasoning removed);
    ``errors`` say why candidate call markup could not be read (e.g. a truncated tag body).
    """

    calls: list[dict[str, Any]] = field(default_factory=list)
    parser: str | None = None
    content: str = ""
    errors: list[str] = field(default_factory=list)
    reasoning: str | None = None

    @property
    def content_outside(self) -> str:
        return self.content


def _strict_call(obj: Any) -> dict[str, Any] | None:
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
    key = "arguments" if "arguments" in inner else "parameters" if "parameters" in inner else None
    if key is None:
        return None
    call = normalize_call(inner)
    if call is None or not isinstance(call["arguments"], dict):
        return None
    return call


def _calls_from_value(value: Any) -> list[dict[str, Any]] | None:
    """A decoded JSON/literal value -> calls when every item is a call, else None."""
    if isinstance(value, dict):
        for k in _WRAPPER_KEYS:
            if isinstance(value.get(k), list) and "name" not in value:
                return _calls_from_value(value[k])
        if isinstance(value.get("function_call"), dict) and "name" not in value:
            value = value["function_call"]
        c = _strict_call(value)
        return [c] if c is not None else None
    if isinstance(value, list) and value:
        out: list[dict[str, Any]] = []
        for item in value:
            c = _strict_call(item)
            if c is None:
                return None
            out.append(c)
        return out
    return None


def _balanced_end(text: str, start: int) -> int:
    """Index just past the bracket group opening at ``start`` (quotes respected), or -1."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    stack: list[str] = []
    i, n = start, len(text)
    quote: str | None = None
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            if not stack or stack.pop() != c:
                return -1
            if not stack:
                return i + 1
        i += 1
    return -1


_DECODER = json.JSONDecoder()


def _scan_json_calls(text: str) -> tuple[list[dict[str, Any]], list[tuple[int, int]], list[str]]:
    """Every top-level JSON (or Python-literal) value in ``text`` that is a call or a list of calls."""
    calls: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    errors: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c not in "{[":
            i += 1
            continue
        value: Any = None
        end = -1
        try:
            value, end = _DECODER.raw_decode(text, i)
        except (ValueError, RecursionError):
            bend = _balanced_end(text, i)
            if bend > 0 and ("'" in text[i:bend] or "True" in text[i:bend] or "None" in text[i:bend]):
                try:
                    value = _literal(text[i:bend])
                    end = bend
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    value, end = None, -1
            if end < 0:
                if c == "{" and '"name"' in text[i : i + 200] and bend < 0:
                    errors.append(f"unterminated JSON object at offset {i}")
                i += 1
                continue
        found = _calls_from_value(value)
        if found:
            calls.extend(found)
            spans.append((i, end))
        i = end
    return calls, spans, errors


def _remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    pos = 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out).strip()


def _literal_node(node: ast.AST) -> Any:
    """A literal value from an AST node: constants, containers, negative numbers; never evaluates."""
    return ast.literal_eval(node)


def _call_from_ast(node: ast.AST) -> dict[str, Any] | None:
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
        try:
            args[kw.arg] = _literal_node(kw.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return {"name": name, "arguments": args}


def parse_pythonic(s: str) -> list[dict[str, Any]] | None:
    """``[f(a=1), g(b="x")]`` or ``f(a=1)`` -> calls, using ``ast`` (literal arguments only)."""
    try:
        tree = ast.parse(s.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    body = tree.body
    nodes = body.elts if isinstance(body, (ast.List, ast.Tuple)) else [body]
    if not nodes:
        return None
    out: list[dict[str, Any]] = []
    for node in nodes:
        c = _call_from_ast(node)
        if c is None:
            return None
        out.append(c)
    return out


def _strip_end_tokens(s: str) -> str:
    for t in _END_TOKENS:
        s = s.replace(t, "")
    return s


def _parse_hermes(text: str) -> Extraction:
    ex = Extraction()
    scan = scan_tool_call_tags(text)
    if not scan.opens:
        return ex
    for b in scan.blocks:
        res = parse_call_payload(_strip_end_tokens(b.inner))
        if res.ok:
            ex.calls.extend(res.calls)
        else:
            where = "unclosed " if not b.closed else ""
            ex.errors.append(f"{where}<tool_call> at offset {b.start}: {res.error}")
    if ex.calls:
        ex.parser = "hermes"
        ex.content = scan.outside_text(text)
    return ex


def _parse_mistral(text: str) -> Extraction:
    ex = Extraction()
    at = text.find(_MISTRAL_TAG)
    if at < 0:
        return ex
    before = text[:at]
    rest = _strip_end_tokens(text[at + len(_MISTRAL_TAG) :])
    pieces = rest.split(_MISTRAL_TAG)
    for piece in pieces:
        piece = piece.strip()
        if "[ARGS]" in piece:  # v11: name[ARGS]{...} (optionally name[CALL_ID]id[ARGS]{...})
            name, _, args_s = piece.partition("[ARGS]")
            name = name.split("[CALL_ID]")[0].strip()
            try:
                args, _end = _DECODER.raw_decode(args_s.strip())
            except (ValueError, RecursionError) as e:
                ex.errors.append(f"[TOOL_CALLS] arguments of {name!r}: {e}")
                continue
            if name and isinstance(args, dict):
                ex.calls.append({"name": name, "arguments": args})
            continue
        found, _spans, errs = _scan_json_calls(piece)
        ex.calls.extend(found)
        ex.errors.extend(f"[TOOL_CALLS]: {e}" for e in errs)
    if ex.calls:
        ex.parser = "mistral"
        ex.content = before.strip()
    return ex


def _parse_llama(text: str) -> Extraction:
    ex = Extraction()
    at = text.find(_PYTHON_TAG)
    if at < 0:
        return ex
    body = _strip_end_tokens(text[at + len(_PYTHON_TAG) :]).strip()
    found, _spans, errs = _scan_json_calls(body)
    if not found:
        for part in [p for p in re.split(r";\s*", body) if p.strip()] if ";" in body else [body]:
            got = parse_pythonic(part)
            if got:
                found.extend(got)
    ex.errors.extend(f"<|python_tag|>: {e}" for e in errs)
    if found:
        ex.calls = found
        ex.parser = "llama"
        ex.content = text[:at].strip()
    return ex


def _parse_fenced(text: str) -> Extraction:
    ex = Extraction()
    spans: list[tuple[int, int]] = []
    for m in _FENCE_RE.finditer(text):
        lang = m.group(1).lower()
        if lang not in ("", "json", "jsonc", "json5", "tool_call", "tool_calls", "javascript", "js"):
            continue
        body = m.group(2).strip()
        if not body:
            continue
        res = parse_call_payload(body)
        found = _calls_from_value(json.loads(body)) if res.kind == "json" and res.ok else None
        if found is None and res.ok:
            # python-literal dict / lenient parse: still insist on the strict call shape
            try:
                found = _calls_from_value(_literal(body))
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                found = None
        if found is None:
            more, _s, _e = _scan_json_calls(body)
            found = more or None
        if found:
            ex.calls.extend(found)
            spans.append((m.start(), m.end()))
        elif body.lstrip().startswith("{") and '"name"' in body:
            ex.errors.append(f"fenced block at offset {m.start()}: not a complete call object")
    if ex.calls:
        ex.parser = "fenced"
        ex.content = _remove_spans(text, spans)
    return ex


def _parse_json(text: str) -> Extraction:
    ex = Extraction()
    found, spans, errs = _scan_json_calls(text)
    ex.errors.extend(errs)
    if found:
        ex.calls = found
        ex.parser = "json"
        ex.content = _remove_spans(text, spans)
    return ex


_PY_LIST_START = re.compile(r"\[\s*[A-Za-z_][\w.]*\s*\(")


def _parse_pythonic(text: str, tool_names: set[str] | None) -> Extraction:
    ex = Extraction()
    spans: list[tuple[int, int]] = []
    for m in _PY_LIST_START.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        end = _balanced_end(text, m.start())
        if end < 0:
            continue
        got = parse_pythonic(text[m.start() : end])
        if got:
            ex.calls.extend(got)
            spans.append((m.start(), end))
    if not ex.calls:
        # a bare call that is the whole output: `get_weather(city="Paris")`
        stripped = _strip_end_tokens(text).strip().rstrip(";").strip()
        for fence in _FENCE_RE.finditer(stripped):
            if fence.start() == 0:
                stripped = fence.group(2).strip()
        got = parse_pythonic(stripped) if re.match(r"[A-Za-z_][\w.]*\s*\(", stripped) else None
        if got and (tool_names is None or all(c["name"] in tool_names for c in got)):
            ex.calls = got
            spans.append((0, len(text)))
    if ex.calls:
        ex.parser = "pythonic"
        ex.content = _remove_spans(text, spans)
    return ex


def _run_parser(name: str, text: str, tool_names: set[str] | None) -> Extraction:
    if name == "hermes":
        return _parse_hermes(text)
    if name == "mistral":
        return _parse_mistral(text)
    if name == "llama":
        return _parse_llama(text)
    if name == "fenced":
        return _parse_fenced(text)
    if name == "json":
        return _parse_json(text)
    if name == "pythonic":
        return _parse_pythonic(text, tool_names)
    raise ValueError(f"unknown parser {name!r}; choose one of: auto, {', '.join(PARSERS)}")


def split_reasoning(text: str) -> tuple[str, str | None]:
    """Remove ``<think>...</think>`` blocks; an unclosed final ``<think>`` swallows the rest."""
    reasoning: list[str] = [m.group(0)[7:-8] for m in _THINK_RE.finditer(text)]
    out = _THINK_RE.sub("", text)
    if "<think>" in out:
        head, _, tail = out.partition("<think>")
        reasoning.append(tail)
        out = head
    if out.lstrip().startswith("</think>"):  # templates that open the think block in the prompt
        before, _, out = out.partition("</think>")
        reasoning.append(before)
    return out, ("\n".join(r.strip() for r in reasoning) if reasoning else None)


def extract_calls(text: str | None, parser: str = "auto", tool_names: Any = None) -> Extraction:
    """Extract tool calls from raw model text.

    ``parser``: ``"auto"`` (tries :data:`AUTO_ORDER` and keeps the first format that yields a call)
    or one of ``hermes`` (``<tool_call>{json}</tool_call>``, several tags, a list in one tag, a final
    open tag), ``mistral`` (``[TOOL_CALLS][...]`` or ``[TOOL_CALLS]name[ARGS]{...}``), ``llama``
    (``<|python_tag|>`` then JSON or ``f(a=1)``), ``fenced`` (```` ```json ```` blocks), ``json``
    (bare JSON objects / lists of calls anywhere in the text, Python-literal dicts too) and
    ``pythonic`` (``[f(a=1), g(b="x")]``, parsed with ``ast``, literals only, never evaluated; a
    bare ``f(a=1)`` only when it is the whole output and, with ``tool_names``, names a known tool).

    Outside the tag formats a JSON object counts as a call only when it has a string ``name`` and
    an ``arguments``/``parameters`` object (or the OpenAI ``{"type": "function", "function": ...}``
    shape), so prose, refusals and unrelated JSON or code yield no call.
    """
    if parser != "auto" and parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r}; choose one of: auto, {', '.join(PARSERS)}")
    if not text:
        return Extraction()
    names = set(tool_names) if tool_names is not None else None
    body, reasoning = split_reasoning(text)
    order = AUTO_ORDER if parser == "auto" else (parser,)
    errors: list[str] = []
    for name in order:
        ex = _run_parser(name, body, names)
        if ex.calls:
            ex.calls = _jsonable(ex.calls)  # Python literals (sets, tuples) as JSON data
            ex.reasoning = reasoning
            ex.errors = errors + ex.errors
            return ex
        errors.extend(e for e in ex.errors if e not in errors)
    return Extraction(calls=[], parser=None, content=body.strip(), errors=errors, reasoning=reasoning)


# ---------------------------------------------------------------------------------------------
# Strict extraction: what a serving stack hands to a client.
# ---------------------------------------------------------------------------------------------

_SERVING_RE = re.compile(r"<tool_call>(.*?)</tool_call>|<tool_call>(.*)", re.DOTALL)


def extract_strict(text: str | None) -> list[dict[str, Any]]:
    """The calls a serving stack's Hermes tool parser returns for ``text``, nothing repaired.

    Mirrors vLLM's ``hermes`` tool parser (``Hermes2ProToolParser.extract_tool_calls``, used for
    Qwen2.5 and other Hermes-style models): the same ``<tool_call>(.*?)</tool_call>|<tool_call>(.*)``
    match, so a final unclosed block is read too; every body must be JSON with a ``name`` and an
    ``arguments`` key, and if any is not, the output carries no calls at all (the client gets it
    back as plain text). One step stricter than vLLM: ``arguments`` that are not an object (vLLM
    would pass a string on JSON-encoded a second time, which no client can use) also void the
    output. Python-literal dicts, ``parameters`` instead of ``arguments`` and bare or fenced JSON
    therefore all count as no call, where :func:`extract_calls` would read them.
    """
    if not text or OPEN_TAG not in text:
        return []
    calls: list[dict[str, Any]] = []
    for closed, unclosed in _SERVING_RE.findall(_strip_end_tokens(text)):
        try:
            obj = json.loads(closed or unclosed)
        except (ValueError, RecursionError):
            return []
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not isinstance(obj.get("arguments"), dict):
            return []
        calls.append({"name": obj["name"], "arguments": obj["arguments"]})
    return calls


__all__ = [
    "AUTO_ORDER",
    "CLOSE_TAG",
    "Extraction",
    "OPEN_TAG",
    "PARSERS",
    "PayloadResult",
    "TagBlock",
    "TagProblem",
    "TagScan",
    "extract_calls",
    "extract_strict",
    "normalize_call",
    "parse_call_payload",
    "parse_pythonic",
    "scan_tool_call_tags",
    "split_reasoning",
]
