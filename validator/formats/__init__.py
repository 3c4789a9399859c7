"""Record dialects: one module per dialect, one registry (:data:`DIALECTS`), one detection for every
command. Pure Python; ``datasets`` / ``pyarrow`` are only imported inside ``validator.formats.hf``.

Every command (lint, clean, fix, convert, data stats, train, inspect, compare) reads a file through
``validator.io``, which calls :func:`read_record` on each parsed value: the record's dialect is detected
(or forced with ``--input-format``), the record is converted to the canonical record by that dialect's
module, and what the conversion did is returned as notes. A record that no dialect understands, or that
its dialect cannot convert, is *not read*: it carries the reason and is never counted as converted.

- ``detect_format(obj) -> str``: a name in :data:`DIALECTS` or ``unknown``.
- ``convert_record(obj, fmt="auto") -> (canonical_obj, dialect)``; raises ``ConversionError``.
- ``read_record(obj, fmt="auto") -> Reading`` (never raises).
- ``to_hf_dataset(records)``: a ``datasets.Dataset`` without Arrow's null-padded argument keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolproof.validator.formats import (
    alpaca,
    anthropic,
    canonical,
    glaive,
    hermes,
    llamafactory,
    nested,
    openai,
    sharegpt,
    toolace,
    xlam,
)
from toolproof.validator.formats.common import ConversionError, Note, Notes


@dataclass(frozen=True)
class Dialect:
    name: str
    title: str
    looks_like: Callable[[dict[str, Any]], bool]
    convert: Callable[..., Any]  # (obj, notes) -> canonical record
    spec: str  # where the shape is defined
    hub: tuple[str, ...] = ()  # HF-hub datasets known to use it


# Detection order: the most specific shapes first (a ToolACE or Hermes record is also ShareGPT; an
# OpenAI or Anthropic record also has "messages").
DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect("llamafactory-v1", "LLaMA-Factory v1 (content parts)", llamafactory.looks_like, llamafactory.convert,
                "hiyouga/LLaMA-Factory src/llamafactory/v1 (extras/types.py, plugins/data_plugins/converter.py)",
                ("llamafactory/reason_tool_use_demo_50",)),
        Dialect("anthropic", "Anthropic Messages", anthropic.looks_like, anthropic.convert,
                "docs.anthropic.com: Messages API, tool use (tool_use / tool_result blocks, input_schema)"),
        Dialect("openai", "OpenAI chat fine-tuning", openai.looks_like, openai.convert,
                "platform.openai.com/docs/guides/fine-tuning (chat format, function calling, legacy functions)"),
        Dialect("canonical", "canonical / TRL-HF", canonical.looks_like, canonical.convert,
                "docs/ARCHITECTURE.md; transformers chat templates (tools, tool_calls with argument objects)"),
        Dialect("toolace", "ToolACE (tools in the system prompt, pythonic calls)", toolace.looks_like, toolace.convert,
                "Team-ACE/ToolACE", ("Team-ACE/ToolACE",)),
        Dialect("hermes", "Hermes function calling (<tools>, <tool_call>)", hermes.looks_like, hermes.convert,
                "NousResearch/Hermes-Function-Calling", ("NousResearch/hermes-function-calling-v1",)),
        Dialect("sharegpt", "ShareGPT / LLaMA-Factory", sharegpt.looks_like, sharegpt.convert,
                "hiyouga/LLaMA-Factory data/README.md (sharegpt: function_call / observation, tools as JSON text)",
                ("llamafactory/glaive_toolcall_en", "llamafactory/glaive_toolcall_zh")),
        Dialect("xlam", "xLAM / APIGen", xlam.looks_like, xlam.convert,
                "Salesforce APIGen (query / tools / answers as JSON text)",
                ("Salesforce/xlam-function-calling-60k", "Salesforce/xlam-irrelevance-7.5k")),
        Dialect("glaive", "Glaive function calling (raw)", glaive.looks_like, glaive.convert,
                "glaiveai/glaive-function-calling-v2 (system + chat text)", ("glaiveai/glaive-function-calling-v2",)),
        Dialect("alpaca", "Alpaca (instruction / input / output, system, history)", alpaca.looks_like, alpaca.convert,
                "hiyouga/LLaMA-Factory data/README.md (alpaca format)"),
        Dialect("conversation-key", "a conversation under another key (traj, conversation, dialog, chat, ...)",
                nested.looks_like, lambda obj, notes: _convert_nested(obj, notes),
                "validator/formats/nested.py (tau-bench historical_trajectories: traj)"),
    )
}


def _convert_nested(obj: dict[str, Any], notes: Notes) -> Any:
    """Read the list under another key as ``messages`` / ``conversations`` with the dialect detected
    there (the registry's own detection, so every dialect's reading applies), and say which key."""
    found = nested.message_key(obj)
    if found is None:
        raise ConversionError("no key holds a message list")
    key, kind = found
    inner = nested.unnest(obj, key, kind)
    source = detect_format(inner)
    if source in ("unknown", "conversation-key"):
        raise ConversionError(f"the conversation under '{key}' is not in a known dialect", f"$.{key}")
    notes.append(Note(f"conversation read from '{key}' (as {source})"))
    return DIALECTS[source].convert(inner, notes)
FORMATS: tuple[str, ...] = ("auto", *DIALECTS)
# "auto" for a file whose calls carry argument objects (the reader sniffs the file's start): string
# arguments there are a canonical record's defect (TP203), not OpenAI's convention. Internal value.
AUTO_OBJECT_ARGS = "auto-object-args"


@dataclass
class Reading:
    """One record as read: the canonical object (None when not read), its dialect, why it could not be
    read, and what the conversion did (notes; a note with a ``code`` is a finding)."""

    obj: Any
    dialect: str | None
    error: ConversionError | None = None
    notes: Notes = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def detect_format(obj: Any, *, string_args_openai: bool = True) -> str:
    """The dialect of one record (the first in :data:`DIALECTS` whose shape matches), else ``unknown``.

    ``string_args_openai=False``: string call arguments alone do not make a record OpenAI."""
    if not isinstance(obj, dict):
        return "unknown"
    if _PLAIN_FIRST and _plain_canonical(obj):
        return "canonical"
    if nested.looks_like(obj) and not alpaca.looks_like(obj):  # before the others: a tools list alone must not make it OpenAI
        return "conversation-key"
    for d in DIALECTS.values():
        try:
            if d.name == "openai" and not string_args_openai:
                if openai.looks_like(obj, string_args=False):
                    return d.name
                continue
            if d.looks_like(obj):
                return d.name
        except Exception:  # a detector must never stop reading
            continue
    return "unknown"


# The dialects tried before "canonical", in order: the fast path below answers for them.
_PLAIN_FIRST = tuple(DIALECTS)[:4] == ("llamafactory-v1", "anthropic", "openai", "canonical")


def _plain_canonical(obj: dict[str, Any]) -> bool:
    """True only for a record :func:`detect_format` would call ``canonical`` in its loop: messages
    whose content is text or null, no legacy OpenAI field, no string call arguments, no Anthropic
    or OpenAI-only tool or field. One pass instead of the llamafactory-v1, anthropic and openai
    detectors in turn (False: not decided here, the loop runs)."""
    msgs = obj.get("messages")
    if type(msgs) is not list or "functions" in obj or "system" in obj:
        return False  # "system": Anthropic's top-level field, decided by its detector
    for m in msgs:
        if type(m) is not dict:
            return False
        c = m.get("content")
        if c is not None and type(c) is not str:
            return False  # content parts or blocks (llamafactory-v1, anthropic, openai)
        if "function_call" in m or m.get("role") == "function":
            return False
        tcs = m.get("tool_calls")
        if tcs is not None:
            if type(tcs) is not list:
                return False
            for tc in tcs:
                if type(tc) is not dict:
                    return False
                fn = tc.get("function")
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                    return False  # OpenAI's string arguments (or a canonical TP203): the loop decides
    tools = obj.get("tools")
    if tools is not None:
        if type(tools) is not list:
            return False
        for t in tools:
            if type(t) is not dict or "input_schema" in t:
                return False
            ty = t.get("type")
            if isinstance(ty, str) and ty in openai.BUILTIN_TOOL_TYPES:
                return False
    return canonical.looks_like(obj)


def _unknown(obj: dict[str, Any]) -> ConversionError:
    keys = ", ".join(sorted(map(str, obj))[:8]) or "none"
    hint = nested.list_like_key(obj)
    return ConversionError(
        "unrecognised record shape (keys: " + keys + "); expected 'messages' (canonical / OpenAI / Anthropic / "
        "LLaMA-Factory v1), 'conversations' (ShareGPT / Hermes / ToolACE), 'query'+'answers' (xLAM), "
        "'chat' (Glaive), 'example' (Hermes prompt text), 'instruction'+'output' (Alpaca) or a message list "
        "under another key (traj, conversation, dialog, ...)" + (f"; {hint}" if hint else "")
    )


def read_record(obj: Any, fmt: str = "auto") -> Reading:
    """Read one parsed value as ``fmt`` (``auto``: detect). Never raises."""
    strict = fmt == AUTO_OBJECT_ARGS
    if strict:
        fmt = "auto"
    if fmt not in FORMATS:
        return Reading(None, None, ConversionError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})"))
    if fmt == "canonical":
        return Reading(obj, "canonical")
    if not isinstance(obj, dict):
        return Reading(None, None, ConversionError(f"a record must be a JSON object, got {type(obj).__name__}"))
    source = detect_format(obj, string_args_openai=not strict) if fmt == "auto" else fmt
    if source == "unknown":
        return Reading(None, None, _unknown(obj))
    notes: Notes = []
    try:
        out = DIALECTS[source].convert(obj, notes)
    except ConversionError as e:
        return Reading(None, source, e, notes)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as e:
        return Reading(None, source, ConversionError(f"cannot be read as {source}: {type(e).__name__}: {e}"), notes)
    return Reading(out, source, None, notes)


def convert_record(obj: Any, fmt: str = "auto") -> tuple[Any, str]:
    """Canonical form of ``obj`` and the dialect it was read as; raises ``ConversionError``.

    ``fmt="auto"`` detects the dialect per record; a named dialect is applied as given. Canonical
    records are returned unchanged (the same object)."""
    r = read_record(obj, fmt)
    if r.error is not None:
        raise r.error
    return r.obj, r.dialect or "canonical"


def to_hf_dataset(records: list[dict[str, Any]]) -> Any:
    """See ``validator.formats.hf.to_hf_dataset`` (lazy import of ``datasets``)."""
    from toolproof.validator.formats.hf import to_hf_dataset as _to

    return _to(records)


__all__ = [
    "AUTO_OBJECT_ARGS",
    "DIALECTS",
    "FORMATS",
    "ConversionError",
    "Dialect",
    "Note",
    "Reading",
    "convert_record",
    "detect_format",
    "read_record",
    "to_hf_dataset",
]
