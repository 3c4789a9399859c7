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
reported (``markup``), not mistaken for an answer without calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from toolproof.validator.callsyntax import (
    apertus,
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
    hunyuan_a13b,
    internlm,
    jamba,
    json_text,
    kimi_k2,
    lfm2,
    llama3_json,
    llama4_pythonic,
    llama31,
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
    qwen3_coder.FAMILY,
    glm4_moe.FAMILY,
    llama31.FAMILY,
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
    if not text:
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


def read_calls(text: str | None, parser: str = "auto", tool_names: Any = None, budget: Budget | None = None) -> CallReading:
    """Read the calls typed into ``text`` (lenient). ``parser``: ``auto`` or a family name/alias.

    Reasoning (``<think>``, ``<seed:think>``) is set aside first. A named family reads alone (no
    fallback); ``auto`` is described in the module docstring. Linear in the length of ``text``:
    ``budget`` (a fresh one per text by default) counts the scanning work.
    """
    fam = None if parser == "auto" else get_family(parser)
    if not text:
        return CallReading()
    body, reasoning = split_reasoning(text)
    ctx = ReadContext(budget or Budget(len(body)), set(tool_names) if tool_names is not None else None)
    errors: list[str] = []
    if fam is not None:
        candidates: list[Family] = [fam]
    else:
        found = detect(body)
        candidates = found if found else list(UNMARKED_FAMILIES)
    seen: set[str] = set()
    for f in candidates:
        r = f.read(body, ctx)
        for e in r.errors:
            if e not in seen and len(errors) < MAX_ERRORS:
                seen.add(e)
                errors.append(e)
        calls = _finish(r.calls, errors) if r.calls else []
        if calls:
            return CallReading(calls, f.name, r.content, errors, reasoning)
    markup = [f.name for f in detect(body)]
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
    (even when unreadable: ``calls`` is then empty); bare JSON calls need a string ``name`` and an
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
        if not calls:
            return TypedCalls(fam.name, [], False, text, errors)
        return TypedCalls(fam.name, calls, _exact(fam, text, calls), r.content, errors)
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
            else:  # bare JSON: what llama3_json's serving parser returns; a fence: never exact
                exact = fam.name == "json" and _exact(fam, text, calls)
            return TypedCalls(fam.name, calls, exact, r.content, errors)
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
    "CallReading",
    "Family",
    "Reading",
    "TAG_FAMILIES",
    "TypedCalls",
    "detect",
    "find_typed_calls",
    "might_hold_calls",
    "read_tag_block",
    "family_names",
    "get_family",
    "read_calls",
    "read_strict",
]
