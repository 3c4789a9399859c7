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
from typing import Any

from toolproof.validator.callsyntax import (
    deepseek,
    ernie45,
    fenced,
    functionary_v2,
    functionary_v3,
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
    ReadContext,
    Reading,
    jsonable,
    nesting_depth,
    split_reasoning,
)

#: ``auto`` tries the families whose markers are present in this order (most specific first),
#: then, when no marker is present, the marker-less ones.
AUTO_FAMILIES: tuple[Family, ...] = (
    gpt_oss.FAMILY,
    kimi_k2.FAMILY,
    deepseek.FAMILY_V3,
    deepseek.FAMILY_V31,
    step3.FAMILY,
    seed_oss.FAMILY,
    minimax_m2.FAMILY,
    longcat.FAMILY,
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


def _finish(calls: list[dict[str, Any]], errors: list[str]) -> list[dict[str, Any]]:
    """JSON data only, and nothing nested deeper than MAX_DEPTH (which would make matching recurse)."""
    out: list[dict[str, Any]] = []
    for c in calls:
        if nesting_depth(c.get("arguments")) > MAX_DEPTH:
            errors.append(f"call {c.get('name')!r}: arguments nested deeper than {MAX_DEPTH}: not read")
            continue
        out.append(jsonable(c))
    return out


def read_calls(text: str | None, parser: str = "auto", tool_names: Any = None) -> CallReading:
    """Read the calls typed into ``text`` (lenient). ``parser``: ``auto`` or a family name/alias.

    Reasoning (``<think>``, ``<seed:think>``) is set aside first. A named family reads alone (no
    fallback); ``auto`` is described in the module docstring. Linear in the length of ``text``.
    """
    fam = None if parser == "auto" else get_family(parser)
    if not text:
        return CallReading()
    body, reasoning = split_reasoning(text)
    ctx = ReadContext(Budget(len(body)), set(tool_names) if tool_names is not None else None)
    errors: list[str] = []
    if fam is not None:
        candidates: list[Family] = [fam]
    else:
        found = detect(body)
        candidates = found if found else list(UNMARKED_FAMILIES)
    for f in candidates:
        r = f.read(body, ctx)
        errors.extend(e for e in r.errors if e not in errors)
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


__all__ = [
    "ALIASES",
    "AUTO_FAMILIES",
    "AUTO_ORDER",
    "CLOSE_TAG",
    "FAMILIES",
    "MAX_DEPTH",
    "OPEN_TAG",
    "CallReading",
    "Family",
    "Reading",
    "detect",
    "family_names",
    "get_family",
    "read_calls",
    "read_strict",
]
