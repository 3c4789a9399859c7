"""The statistics of a comparison: Wilson intervals and paired (McNemar) changes, record by record."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from toolproof.compare.arms import BASE, find_kind
from toolproof.compare.results import ModelOutcome

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    Returns ``(nan, nan)`` for ``n == 0``.
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    if not 0 <= correct <= n:
        raise ValueError(f"correct={correct} outside 0..{n}")
    p = correct / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # Exact ends at 0 and n (floating point leaves ~1e-17 otherwise).
    if correct == 0:
        lo = 0.0
    if correct == n:
        hi = 1.0
    return (lo, hi)


def mcnemar_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p: of the ``b + c`` records on which two models disagree, one got
    ``b`` right and the other ``c``; the chance of a split at least this uneven if neither model
    were the better one (each disagreement a fair coin)."""
    if b < 0 or c < 0:
        raise ValueError(f"counts must be >= 0, got {b}, {c}")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2**n)


@dataclass
class PairedChange:
    """``model`` against ``reference`` on the same records of one test set."""

    model: str
    reference: str
    test_set: str
    n: int
    gained: int  # right for `model`, wrong for `reference`
    lost: int  # wrong for `model`, right for `reference`

    @property
    def delta(self) -> float:
        """Accuracy of `model` minus that of `reference` (a fraction)."""
        return (self.gained - self.lost) / self.n if self.n else float("nan")

    @property
    def p(self) -> float:
        return mcnemar_p(self.gained, self.lost)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "delta": round(self.delta, 4), "p": float(f"{self.p:.4g}")}


def paired_change(
    model: str, reference: str, test_set: str, mine: list[tuple[str, bool]], theirs: list[tuple[str, bool]]
) -> PairedChange:
    """Compare two models' ``(id, correct)`` verdicts on the same test set record by record.

    Raises ValueError when they do not hold the same records in the same order."""
    if [i for i, _ in mine] != [i for i, _ in theirs]:
        raise ValueError(f"{model} and {reference} were not scored on the same records in the same order ({test_set})")
    gained = lost = 0
    for (_, x), (_, y) in zip(mine, theirs, strict=True):
        gained += x and not y
        lost += y and not x
    return PairedChange(model, reference, test_set, len(mine), gained, lost)


def comparison_pairs(outcomes: Sequence[ModelOutcome]) -> list[tuple[str, str]]:
    """Every arm against the base model, then every arm against each arm of a kind its kind is
    paired against (``ArmKind.paired_against``: clean-data arms against dirty-data arms, ...)."""
    names = [o.name for o in outcomes]
    pairs = [(n, BASE) for n in names if n != BASE and BASE in names]
    for o in outcomes:
        kind = find_kind(o.data)
        if kind is not None:
            pairs += [(o.name, r.name) for r in outcomes if r.data and r.data in kind.paired_against]
    return pairs


def paired_changes(outcomes: Sequence[ModelOutcome], test_sets: Sequence[str]) -> list[PairedChange]:
    """The changes of every pair of `comparison_pairs` on each test set both were evaluated on (from
    their results CSVs, each read once; a pair whose files are missing or do not match is left out)."""
    from toolproof.evaluator.run import read_verdicts  # noqa: PLC0415  (the CSV's reader lives beside its writer)

    by_name = {o.name: o for o in outcomes}
    pairs = comparison_pairs(outcomes)

    def read(name: str, ts: str) -> list[tuple[str, bool]] | None:
        r = by_name[name].results.get(ts)
        try:
            return read_verdicts(r.results_csv) if r and r.results_csv else None
        except (OSError, KeyError):
            return None

    verdicts = {(name, ts): read(name, ts) for name in {n for pair in pairs for n in pair} for ts in test_sets}
    out = []
    for model, ref in pairs:
        for ts in test_sets:
            mine, theirs = verdicts[model, ts], verdicts[ref, ts]
            if not mine or not theirs:
                continue
            try:
                out.append(paired_change(model, ref, ts, mine, theirs))
            except ValueError:
                continue
    return out
