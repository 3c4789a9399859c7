"""Record formats: convert ShareGPT / LLaMA-Factory, xLAM, Glaive v2 and OpenAI fine-tuning records
into the canonical record (docs/ARCHITECTURE.md). Pure Python; ``datasets`` / ``pyarrow`` are only
imported inside ``validator.formats.hf`` functions.

- ``detect_format(obj) -> str``: ``canonical``, ``sharegpt``, ``xlam``, ``glaive``, ``openai`` or ``unknown``.
- ``convert_record(obj, fmt="auto") -> (canonical_obj, source_format)``; raises ``ConversionError``
  (with a JSON path and a reason) for a record that cannot be converted.
- ``to_hf_dataset(records)``: a ``datasets.Dataset`` without Arrow's null-padded argument keys.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.formats import glaive, openai, sharegpt, xlam
from toolproof.validator.formats.common import ConversionError

FORMATS: tuple[str, ...] = ("auto", "canonical", "sharegpt", "xlam", "glaive", "openai")
_CONVERTERS = {"sharegpt": sharegpt.convert, "xlam": xlam.convert, "glaive": glaive.convert, "openai": openai.convert}


def detect_format(obj: Any) -> str:
    """The shape of one record (cheap: canonical records are recognised from their first message)."""
    if not isinstance(obj, dict):
        return "unknown"
    msgs = obj.get("messages")
    if isinstance(msgs, list):
        first = msgs[0] if msgs else None
        if isinstance(first, dict) and "from" in first and "role" not in first:
            return "sharegpt"
        return "openai" if openai.is_legacy_or_string_args(obj) else "canonical"
    if isinstance(obj.get("conversations"), list):
        return "sharegpt"
    if xlam.looks_like(obj):
        return "xlam"
    if glaive.looks_like(obj):
        return "glaive"
    return "unknown"


def convert_record(obj: Any, fmt: str = "auto") -> tuple[Any, str]:
    """Canonical form of ``obj`` and the format it was read as.

    ``fmt="auto"`` detects the shape per record; a named format is applied as given. Canonical
    records are returned unchanged (the same object). Raises ``ConversionError`` when the record
    cannot be converted (unknown shape, or the named format's fields are missing or broken).
    """
    if fmt not in FORMATS:
        raise ConversionError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if fmt == "canonical":
        return obj, "canonical"
    if not isinstance(obj, dict):
        raise ConversionError(f"a record must be a JSON object, got {type(obj).__name__}")
    source = detect_format(obj) if fmt == "auto" else fmt
    if source == "canonical":
        return obj, "canonical"
    if source == "unknown":
        keys = ", ".join(sorted(map(str, obj))[:8]) or "none"
        raise ConversionError(
            "unrecognised record shape (keys: " + keys + "); expected 'messages' (canonical/OpenAI), "
            "'conversations' (ShareGPT), 'query'+'answers' (xLAM) or 'chat' (Glaive)"
        )
    return _CONVERTERS[source](obj), source


def to_hf_dataset(records: list[dict[str, Any]]) -> Any:
    """See ``validator.formats.hf.to_hf_dataset`` (lazy import of ``datasets``)."""
    from toolproof.validator.formats.hf import to_hf_dataset as _to

    return _to(records)


__all__ = ["FORMATS", "ConversionError", "convert_record", "detect_format", "to_hf_dataset"]
