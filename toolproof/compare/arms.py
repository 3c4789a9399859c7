"""The arm kinds: what an arm's ``data:`` value means, in one table.

An arm kind says which training data an arm sees, whether the trainer is told to train on data
the validator reports errors in (``allow_dirty``), which other kinds the paired tables hold it
against, and its colour in the plot. Adding a kind is adding one row to ``ARM_KINDS``; a kind
whose data is made from another kind's file names the backend that makes it (``derive``: a function
of ``toolproof.compare.backends`` called as ``f(src, dst, options, seed)``), whose options are the
config's ``data.<derive>`` mapping merged with the kind's own ``options``.

Besides the table, one family of kinds is named by pattern: ``inject-KIND-PCT`` (for example
``inject-markup_in_content-50``) is the cleaned data with one defect kind of
``toolproof.validator.synth.dose.DOSE_KINDS`` put back into PCT% of its records, for dose-response
experiments (``experiments/dose.yaml``); each is paired record by record with the ``clean`` arm, its
0% point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

BASE = "base"  # the base model's name in every table (no arm may take it)
BASE_COLOUR = "0.6"  # grey


@dataclass(frozen=True)
class ArmKind:
    name: str  # the arm's `data:` value
    summary: str  # what the data is (docs, error messages)
    allow_dirty: bool  # the trainer trains on it even where the validator reports errors
    paired_against: tuple[str, ...]  # kinds this one is compared with record by record (besides the base)
    colour: str  # the bar colour of an arm named after its kind (other arms take the palette)
    derive: str | None = None  # None: a file of the data step; else the backend that makes it ...
    source: str | None = None  # ... from this kind's file
    options: tuple[tuple[str, Any], ...] = ()  # the kind's own options for its backend (over the config's)


ARM_KINDS: dict[str, ArmKind] = {
    k.name: k
    for k in (
        ArmKind("dirty", "the training data as given", allow_dirty=True, paired_against=(), colour="tab:red"),
        ArmKind("clean", "the training data after `toolproof clean`", allow_dirty=False,
                paired_against=("dirty",), colour="tab:green"),
        ArmKind("balanced", "the cleaned data with near-miss no-call records added by `toolproof data balance`",
                allow_dirty=False, paired_against=("dirty", "clean"), colour="darkgreen",
                derive="balance", source="clean"),
    )
}  # fmt: skip


INJECT = re.compile(r"inject-([a-z_]+)-(\d{1,3})")


def _inject_kind(name: str) -> ArmKind | None:
    """The ``inject-KIND-PCT`` kind named `name`, None when `name` is not of that form; ValueError for an
    unknown defect kind or a share over 100."""
    m = INJECT.fullmatch(name)
    if m is None:
        return None
    from toolproof.validator.synth.dose import DOSE_KINDS  # noqa: PLC0415

    defect, pct = m.group(1), int(m.group(2))
    if defect not in DOSE_KINDS or pct > 100:
        raise ValueError(
            f"unknown data kind {name!r}: inject-KIND-PCT takes a KIND of {', '.join(DOSE_KINDS)} and PCT 0-100"
        )
    what = "of the no-call records dropped" if defect == "no_no_call" else f"{defect} put into {pct}% of the records"
    return ArmKind(
        name, f"the cleaned data with {what}" if defect != "no_no_call" else f"the cleaned data with {pct}% {what}",
        allow_dirty=True, paired_against=("clean",), colour="tab:orange", derive="inject", source="clean",
        options=(("kind", defect), ("rate", pct / 100)),
    )  # fmt: skip


def arm_kind(name: str) -> ArmKind:
    """The kind named `name`; ValueError naming the known kinds otherwise."""
    try:
        return ARM_KINDS[name]
    except KeyError:
        pass
    kind = _inject_kind(name)
    if kind is None:
        raise ValueError(f"unknown data kind {name!r} (known: {', '.join(ARM_KINDS)}, inject-KIND-PCT)")
    return kind


def find_kind(name: str | None) -> ArmKind | None:
    """The kind named `name`, or None (no data, or not a kind)."""
    try:
        return arm_kind(name) if name else None
    except ValueError:
        return None


def fixed_colour(model: str) -> str | None:
    """Grey for the base model, the kind's colour for an arm named after a kind, else None (palette)."""
    if model == BASE:
        return BASE_COLOUR
    kind = ARM_KINDS.get(model)
    return kind.colour if kind else None


def derived_kinds(used: list[str]) -> list[ArmKind]:
    """The derived kinds that the kinds in `used` need, each after the kind it is made from."""
    out: list[ArmKind] = []

    def need(name: str) -> None:
        kind = arm_kind(name)
        if kind.derive is None or kind in out:
            return
        if kind.source is not None:
            need(kind.source)
        out.append(kind)

    for name in used:
        need(name)
    return out
