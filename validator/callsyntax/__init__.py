"""Every model's call syntax, one registry: read calls typed as text, for data and model output.

One module per family (the way vLLM's ``tool_parsers/`` and SGLang's ``function_call/`` are laid
out; their source is the spec): each defines a :class:`~toolproof.validator.callsyntax.base.Family`
with markers for detection, a lenient reader and a strict reader that returns exactly what that
serving parser hands a client. The lint rules (TP105, TP107), the cleaner's repairs and the
evaluator's scoring all read calls through :func:`read_calls`.

``auto`` detects the family from its markers (most specific first: a ``<tool_call>`` followed by
``<function=`` is Qwen3-Coder's, not Hermes'), reads with that family only, and falls back to the
marker-less syntaxes (fenced JSON, bare JSON, pythonic lists) only when no marker is present, so
one family's reader never claims another's text. Markup that is present but cannot be read is
reported (``markup``), not mistaken for an answer without calls: one table derived from the
registry (:data:`CALL_MARKUP`, every family's call markers in one compiled regex) decides that, for
the score verdict ``unparsed_call_markup`` and for lint's TP105 / TP107 alike, so a family added to
the registry is covered without further code.

Reasoning (``<think>``, ``<seed:think>``, ``<|START_THINKING|>``) is set aside before reading. What
happens to calls written inside it is :data:`REASONING_CALLS`: ``read`` (default) reads them when
the visible answer holds none; ``ignore`` drops them, as a server with a reasoning parser does
(docs/parsers.md, "Calls inside reasoning").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from toolproof.validator.callsyntax import (
    apertus,
    command_r7b,
    deepseek,
    deepseek_v32,
    ernie45,
    fenced,
    functionary_v2,
    functionary_v3,
    functiongemma,
    gemma4,
    gigachat3,
    glm4_moe,
    gpt_oss,
    granite,
    hermes,
    hermes_function,
    hunyuan_a13b,
    internlm,
    jamba,
    json_text,
    kimi_k2,
    lfm2,
    llama3_json,
    llama4_pythonic,
    llama31,
    llama31_builtin,
    longcat,
    minimax,
    minimax_m2,
    mistral,
    olmo3,
    phi4_mini_json,
    pythonic,
    qwen3_coder,
    seed_oss,
    step3,
    xlam,
)
from toolproof.validator.callsyntax.base import (
    CLOSE_TAG,
    MAX_DEPTH,
    OPEN_TAG,
    Budget,
    Family,
    PayloadResult,
    ReadContext,
    Reading,
    jsonable,
    nesting_depth,
    parse_call_payload,
    scan_tool_call_tags,
    split_reasoning,
)

#: ``auto`` tries the families whose markers are present in this order (most specific first),
#: then, when no marker is present, the marker-less ones.
AUTO_FAMILIES: tuple[Family, ...] = (
    gpt_oss.FAMILY,
    kimi_k2.FAMILY,
    deepseek.FAMILY_V3,
    deepseek.FAMILY_V31,
    deepseek_v32.FAMILY,
    step3.FAMILY,
    seed_oss.FAMILY,
    minimax_m2.FAMILY,
    longcat.FAMILY,
    functiongemma.FAMILY,
    gemma4.FAMILY,
    command_r7b.FAMILY,
    qwen3_coder.FAMILY,
    glm4_moe.FAMILY,
    llama31.FAMILY,
    hermes_function.FAMILY,
    functionary_v3.FAMILY,
    functionary_v2.FAMILY,
    internlm.FAMILY,
    granite.FAMILY,
    granite.FAMILY_20B_FC,
    olmo3.FAMILY,
    minimax.FAMILY,
    jamba.FAMILY,
    gigachat3.FAMILY,
    phi4_mini_json.FAMILY,
    apertus.FAMILY,
    lfm2.FAMILY,
    llama4_pythonic.FAMILY,
    hermes.FAMILY,
    mistral.FAMILY,
    llama31_builtin.FAMILY,
    llama3_json.FAMILY,
)
UNMARKED_FAMILIES: tuple[Family, ...] = (fenced.FAMILY, json_text.FAMILY, pythonic.FAMILY)
#: Families that share another's syntax (``same_as``) or have no markers of their own: named
#: with ``--parser``, never chosen by ``auto``.
NAMED_ONLY: tuple[Family, ...] = (ernie45.FAMILY, hunyuan_a13b.FAMILY, xlam.FAMILY)

FAMILIES: dict[str, Family] = {f.name: f for f in (*AUTO_FAMILIES, *UNMARKED_FAMILIES, *NAMED_ONLY)}
ALIASES: dict[str, str] = {a: f.name for f in FAMILIES.values() for a in f.aliases}

#: The order ``auto`` uses, by name.
AUTO_ORDER: tuple[str, ...] = tuple(f.name for f in (*AUTO_FAMILIES, *UNMARKED_FAMILIES))


# ------------------------------------------------------------------------------ the markup table


def _markup_table() -> tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]]:
    """Every registered family's call markers as one regex (no named groups: those keep ``re``
    from skipping quickly to a candidate position, 50 times slower on plain text), plus each
    distinct pattern with the families it stands for (a shared marker names them all)."""
    owners: dict[str, list[str]] = {}
    for f in FAMILIES.values():
        for pat in f.call_marker_patterns():
            owners.setdefault(pat, []).append(f.same_as or f.name)
    regex = re.compile("|".join(f"(?:{p})" for p in owners))
    return regex, tuple((re.compile(p), tuple(dict.fromkeys(names))) for p, names in owners.items())


#: The one markup table: a call marker of any registered family (one search per text).
CALL_MARKUP, _MARKUP_OWNERS = _markup_table()
#: Any literal marker of an ``auto`` family: the one search :func:`detect` makes before it asks
#: each family (most texts hold none, and then no family is asked).
_ANY_MARKER = re.compile("|".join(sorted({re.escape(m) for f in AUTO_FAMILIES for m in f.markers}, key=len, reverse=True)))


def has_call_markup(text: str) -> bool:
    """True when ``text`` holds a call marker of any registered family (:data:`CALL_MARKUP`)."""
    return bool(text) and CALL_MARKUP.search(text) is not None


def call_markup(text: str) -> list[str]:
    """The families whose call markers ``text`` holds, in the order they first occur (linear)."""
    if not text:
        return []
    out: dict[str, None] = {}
    seen: set[int] = set()
    for m in CALL_MARKUP.finditer(text):  # which pattern matched: asked per match, owners once per pattern
        k = next(k for k, (pat, _o) in enumerate(_MARKUP_OWNERS) if pat.match(text, m.start()) is not None)
        if k in seen:
            continue
        seen.add(k)
        owners = _MARKUP_OWNERS[k][1]
        if len(owners) > 1:  # a shared marker: the owners whose own test takes the text, if any
            owners = tuple(n for n in owners if FAMILIES[n].detect(text)) or owners
        out.update(dict.fromkeys(owners))
    return list(out)


def family_names(with_aliases: bool = False) -> tuple[str, ...]:
    return tuple(FAMILIES) + (tuple(ALIASES) if with_aliases else ())


def get_family(name: str) -> Family:
    """The family called ``name`` (or one of its aliases); ValueError naming the choices otherwise."""
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    for cand in (name, key):
        if cand in FAMILIES:
            return FAMILIES[cand]
        if cand in ALIASES:
            return FAMILIES[ALIASES[cand]]
    raise ValueError(f"unknown parser {name!r}; choose one of: auto, {', '.join(FAMILIES)} (see `toolproof parsers`)")


def detect(text: str) -> list[Family]:
    """The families whose markers ``text`` holds, in ``auto`` order (none for the marker-less ones)."""
    if not text or _ANY_MARKER.search(text) is None:
        return []
    return [f for f in AUTO_FAMILIES if f.detect(text)]


@dataclass(slots=True)
class CallReading:
    """What :func:`read_calls` found in one text.

    ``calls`` are flat ``{"name", "arguments"}`` dicts (JSON data); ``family`` names the syntax that
    yielded them (None when none did); ``content`` is the text outside the calls (reasoning
    removed); ``errors`` say why candidate markup could not be read; ``markup`` names the families
    whose markers are present although no call could be read from them.
    """

    calls: list[dict[str, Any]] = field(default_factory=list)
    family: str | None = None
    content: str = ""
    errors: list[str] = field(default_factory=list)
    reasoning: str | None = None
    markup: list[str] = field(default_factory=list)


#: At most this many reasons are kept per text (a hostile output can hold thousands of broken blocks).
MAX_ERRORS = 20


def _finish(calls: list[dict[str, Any]], errors: list[str]) -> list[dict[str, Any]]:
    """JSON data only, and nothing nested deeper than MAX_DEPTH (which would make matching recurse)."""
    out: list[dict[str, Any]] = []
    for c in calls:
        if nesting_depth(c.get("arguments")) > MAX_DEPTH:
            errors.append(f"call {c.get('name')!r}: arguments nested deeper than {MAX_DEPTH}: not read")
            continue
        out.append(jsonable(c))
    return out


#: What :func:`read_calls` does with calls written inside reasoning (``--reasoning-calls``):
#: ``read`` them when the visible answer holds none (llama.cpp extracts Kimi-K2 calls from
#: ``<think>``), or ``ignore`` them (a server whose reasoning parser strips reasoning first).
REASONING_CALLS = ("read", "ignore")


def check_reasoning_calls(policy: str) -> str:
    if policy not in REASONING_CALLS:
        raise ValueError(f"unknown reasoning policy {policy!r}; choose one of: {', '.join(REASONING_CALLS)}")
    return policy


def _read_part(text: str, fam: Family | None, ctx: ReadContext, errors: list[str]) -> tuple[list[dict[str, Any]], Family | None, str]:
    """(calls, the family that read them, content) for one part of an output (answer or reasoning)."""
    candidates = [fam] if fam is not None else (detect(text) or list(UNMARKED_FAMILIES))
    seen: set[str] = set(errors)
    for f in candidates:
        r = f.read(text, ctx)
        for e in r.errors:
            if e not in seen and len(errors) < MAX_ERRORS:
                seen.add(e)
                errors.append(e)
        calls = _finish(r.calls, errors) if r.calls else []
        if calls:
            return calls, f, r.content
    return [], None, ""


def read_calls(
    text: str | None,
    parser: str = "auto",
    tool_names: Any = None,
    budget: Budget | None = None,
    reasoning_calls: str = "read",
) -> CallReading:
    """Read the calls typed into ``text`` (lenient). ``parser``: ``auto`` or a family name/alias.

    Reasoning (``<think>``, ``<seed:think>``, ``<|START_THINKING|>``) is set aside first; with
    ``reasoning_calls="read"`` its calls are read when the answer outside it holds none. A named
    family reads alone (no fallback); ``auto`` is described in the module docstring. With no call
    read, ``markup`` names the families whose call markers (:data:`CALL_MARKUP`) the text holds
    (reasoning included unless ``ignore``). Linear in the length of ``text``: ``budget`` (a fresh
    one per text by default) counts the scanning work.
    """
    fam = None if parser == "auto" else get_family(parser)
    check_reasoning_calls(reasoning_calls)
    if not text:
        return CallReading()
    body, reasoning = split_reasoning(text)
    ctx = ReadContext(budget or Budget(len(text)), set(tool_names) if tool_names is not None else None)
    errors: list[str] = []
    calls, f, content = _read_part(body, fam, ctx, errors)
    if calls and f is not None:
        return CallReading(calls, f.name, content, errors, reasoning)
    read_reasoning = reasoning_calls == "read" and reasoning is not None
    if read_reasoning and (fam is not None or has_call_markup(reasoning)):
        calls, f, _ = _read_part(reasoning, fam, ctx, errors)
        if calls and f is not None:
            return CallReading(calls, f.name, body.strip(), errors, reasoning)
    markup = call_markup(body)
    if read_reasoning:
        markup += [m for m in call_markup(reasoning) if m not in markup]
    return CallReading([], None, body.strip(), errors, reasoning, markup)


def read_strict(text: str | None, parser: str = "auto") -> list[dict[str, Any]]:
    """What the serving parser of ``parser`` (``auto``: of the first family detected, else Hermes')
    would hand a client for ``text``; nothing repaired, reasoning not removed except ``<think>``."""
    if not text:
        return []
    if parser == "auto":
        body, _ = split_reasoning(text)
        found = detect(body)
        fam = found[0] if found else hermes.FAMILY
    else:
        fam = get_family(parser)
        body, _ = split_reasoning(text)
    calls = fam.strict(body)
    if any(nesting_depth(c.get("arguments")) > MAX_DEPTH for c in calls):
        return []
    return calls


# ------------------------------------------------------------------------------ lint: calls typed as text

#: Families whose calls sit inside ``<tool_call>`` tags: the TP101-TP106 rules read those blocks
#: (a block body may be JSON, Qwen3-Coder XML or GLM-4.5 arg pairs); TP107 covers every other syntax.
TAG_FAMILIES = frozenset({"hermes", "ernie45", "qwen3_coder", "glm4_moe"})

def might_hold_calls(text: str) -> bool:
    """False when ``text`` cannot hold a call in any syntax (no ``<``, ``[``, ``{``, ``>``, and no
    closing parenthesis at the end for a bare pythonic call): the cheap test lint runs first."""
    return "<" in text or "[" in text or "{" in text or ">" in text or text.rstrip().endswith(")")


def read_tag_block(inner: str) -> PayloadResult:
    """One ``<tool_call>`` block body: JSON / Python-literal calls, else Qwen3-Coder's
    ``<function=...>`` XML, else GLM-4.5's ``NAME <arg_key>...`` pairs (``kind`` says which)."""
    res = parse_call_payload(inner)
    if res.ok or res.error == "empty":
        return res
    s = inner.strip()
    if s.startswith("<function="):
        calls, _spans, errors = qwen3_coder.function_calls(s, closed_only=True)
        if calls and not errors:
            return PayloadResult(calls=calls, kind="qwen3_coder")
    else:
        c = glm4_moe._block(inner)
        if c is not None and "<arg_key>" in inner:
            return PayloadResult(calls=[c], kind="glm4_moe")
    return res


@dataclass(slots=True)
class TypedCalls:
    """Calls typed as text in one assistant message, in a syntax other than ``<tool_call>`` tags.

    ``exact``: the family's strict reader (what its serving parser returns) reads the very same calls
    and every argument set is a JSON object, so moving them to structured ``tool_calls`` changes
    nothing a parser would see; ``content`` is then the text outside the calls.
    """

    family: str
    calls: list[dict[str, Any]]
    exact: bool
    content: str
    errors: list[str] = field(default_factory=list)


def find_typed_calls(text: str, tool_names: Any = None) -> TypedCalls | None:
    """The calls typed into an assistant ``text`` in any syntax except ``<tool_call>`` tags (those
    are TP101-TP106's), or None when there are none. Marked syntaxes are found by their markers
    (even when unreadable: ``calls`` is then empty, whenever the markup table :data:`CALL_MARKUP`
    holds one of the text's markers, the same test the score verdict makes); bare JSON calls need a string ``name`` and an
    ``arguments``/``parameters`` object; pythonic calls must name one of ``tool_names`` when given."""
    if not isinstance(text, str) or not might_hold_calls(text):
        return None
    names = set(tool_names) if tool_names else None
    ctx = ReadContext(Budget(len(text)), names)
    tagged = scan_tool_call_tags(text).has_markup if "tool_call>" in text else False
    detected = detect(text)
    if tagged and any(f.name in TAG_FAMILIES for f in detected):
        return None  # <tool_call> markup: the TP101-TP106 rules
    # harmony channel text with no recipient (analysis / final channels) holds no call: not call markup
    found = [f for f in detected if not (tagged and f.name in TAG_FAMILIES)
             and not (f.name == "gpt_oss" and "to=" not in text)]
    if found:
        fam = found[0]
        r = fam.read(text, ctx)
        errors = r.errors[:MAX_ERRORS]
        calls = _finish(r.calls, errors)
        if calls:
            return TypedCalls(fam.name, calls, _exact(fam, text, calls), r.content, errors)
        if has_call_markup(text):  # unreadable markup; a marker without a call (final text) is none
            return TypedCalls(fam.name, [], False, text, errors)
        return None
    for fam in UNMARKED_FAMILIES:
        r = fam.read(text, ctx)
        if not r.calls:
            continue
        if fam.name == "pythonic" and names is not None and not all(c["name"] in names for c in r.calls):
            continue
        errors = r.errors[:MAX_ERRORS]
        calls = _finish(r.calls, errors)
        if calls:
            if fam.name == "pythonic":  # read with ast, literals only: one reading
                exact = all(isinstance(c.get("arguments"), dict) for c in calls)
            else:  # bare JSON: what llama3_json's serving parser returns; either: the whole content is a call list
                exact = (fam.name == "json" and _exact(fam, text, calls)) or (
                    names is not None and fenced.whole_content_calls(text, names) == calls)
            return TypedCalls(fam.name, calls, exact, r.content, errors)
    marks = [] if found else call_markup(text)  # a call marker no family's own test took
    if marks:
        return TypedCalls(marks[0], [], False, text, [f"{FAMILIES[marks[0]].title} call markup, but no call of that syntax"])
    return None


def _exact(fam: Family, text: str, calls: list[dict[str, Any]]) -> bool:
    if not all(isinstance(c.get("arguments"), dict) for c in calls):
        return False
    try:
        strict = fam.strict(text)
    except Exception:  # noqa: BLE001 - a strict reader failing means "not exact", never a crash
        return False
    return bool(strict) and jsonable(strict) == calls


def typed_calls_of(text: str, tool_names: frozenset[str] | None) -> TypedCalls | None:
    """:func:`find_typed_calls`, remembered for the last few texts: rule TP107 and TP703's grounding
    (``validator.grounding``) read the same assistant message in one lint run. The result is shared:
    callers do not change it."""
    return _typed_cached(text, tool_names)


_typed_cached = lru_cache(maxsize=256)(find_typed_calls)


__all__ = [
    "ALIASES",
    "typed_calls_of",
    "AUTO_FAMILIES",
    "Budget",
    "AUTO_ORDER",
    "CLOSE_TAG",
    "FAMILIES",
    "MAX_DEPTH",
    "OPEN_TAG",
    "CALL_MARKUP",
    "CallReading",
    "REASONING_CALLS",
    "Family",
    "Reading",
    "TAG_FAMILIES",
    "TypedCalls",
    "call_markup",
    "check_reasoning_calls",
    "detect",
    "has_call_markup",
    "find_typed_calls",
    "might_hold_calls",
    "read_tag_block",
    "family_names",
    "get_family",
    "read_calls",
    "read_strict",
]
