"""How much of a dataset a run kept, and when that is too little to hand on.

A cleaner that writes an empty file and exits 0 hands a training job nothing to learn from, and the
job only finds out later (or never). ``clean``, ``convert`` and ``data balance`` therefore ask
:func:`kept_problem` once their output is written: an empty output is always a failure, and a kept
share under ``min_kept`` (the ``--min-kept`` flag, or ``min-kept`` in ``[tool.toolproof]``) is one
too. The message names the top reasons for the quarantine with a count each, so the user sees why
without opening the quarantine file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

TOP_REASONS = 3


def check_share(value: object, where: str) -> float:
    """A share in [0, 1] (the flag and the config key share this check); raises ValueError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{where}: expected a share between 0 and 1 (e.g. 0.9), got {value!r}")
    return float(value)


def rule_label(code: str) -> str:
    """``TP008 duplicate-call-id`` for a registered rule, else the code (a reader reason as given)."""
    from toolproof.validator.rules.base import REGISTRY

    r = REGISTRY.get(code)
    return f"{code} {r.name}" if r is not None else code


def top_reasons(reasons: Mapping[str, int], n: int = TOP_REASONS) -> list[tuple[str, int]]:
    """The ``n`` most frequent reasons, most frequent first (ties by name, so the order is stable)."""
    return sorted(Counter(reasons).items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def reasons_text(reasons: Mapping[str, int], n: int = TOP_REASONS) -> str:
    """``TP008 duplicate-call-id 9, TP003 missing-messages 3`` (rule names added to codes)."""
    return ", ".join(f"{rule_label(k)} {v}" for k, v in top_reasons(reasons, n))


def kept_problem(records_in: int, kept: int, reasons: Mapping[str, int], min_kept: float | None = None) -> str | None:
    """Why this output should not be handed on, or None when it may.

    ``kept``: records written (duplicates dropped on purpose do not count against the share: the
    share is ``kept / (records_in - duplicates)`` when the caller passes ``records_in`` that way).
    ``reasons``: quarantined records per rule code (or per reader reason)."""
    why = f" (top reasons for quarantine: {reasons_text(reasons)})" if reasons else ""
    if records_in == 0:
        return "no records in the input: the output is empty"
    if kept == 0:
        return f"no record kept: all {records_in} quarantined, the output is empty{why}"
    if min_kept is not None and kept / records_in < min_kept:
        return (f"kept {kept} of {records_in} records ({kept / records_in:.1%}), below the minimum kept share "
                f"{min_kept:g}{why}")
    return None


__all__ = ["check_share", "kept_problem", "reasons_text", "rule_label", "top_reasons"]
