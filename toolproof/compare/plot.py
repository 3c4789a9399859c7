"""The comparison's plot: accuracy per test set and model, with Wilson whiskers (``accuracy.png``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolproof.compare.arms import fixed_colour
from toolproof.compare.results import ModelOutcome
from toolproof.compare.stats import wilson_interval


def plot_accuracy(
    outcomes: Sequence[ModelOutcome],
    test_sets: Sequence[str],
    path: Path,
    *,
    title: str = "",
) -> Path:
    """Grouped bars: one group per test set, one bar per model, 95% Wilson whiskers; a black
    diamond marks the strict accuracy (the calls a serving parser returns) where it is known."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt  # noqa: PLC0415

    shown = [o for o in outcomes if o.results]
    n_models = max(1, len(shown))
    width = 0.8 / n_models
    fig_w = max(6.0, 1.2 + len(test_sets) * (0.5 + 0.45 * n_models))
    fig, ax = plt.subplots(figsize=(fig_w, 4.2), dpi=120)
    cmap = plt.get_cmap("tab10")
    strict_x: list[float] = []
    strict_y: list[float] = []
    for i, o in enumerate(shown):
        xs, ys, lo_err, hi_err = [], [], [], []
        for j, ts in enumerate(test_sets):
            r = o.results.get(ts)
            if r is None or not r.n:
                continue
            lo, hi = wilson_interval(r.correct, r.n)
            xs.append(j - 0.4 + width * (i + 0.5))
            ys.append(r.accuracy)
            lo_err.append(r.accuracy - lo)
            hi_err.append(hi - r.accuracy)
            if r.strict_correct is not None:
                strict_x.append(xs[-1])
                strict_y.append(r.strict_correct / r.n)
        bars = ax.bar(xs, ys, width * 0.92, label=o.name, color=_color(o.name, i, cmap), yerr=[lo_err, hi_err],
                      capsize=3, error_kw={"elinewidth": 1, "ecolor": "0.2"})  # fmt: skip
        for b, y in zip(bars, ys, strict=True):
            ax.annotate(f"{100 * y:.0f}", (b.get_x() + b.get_width() / 2, 0.01), ha="center", va="bottom",
                        fontsize=7, color="white" if y > 0.08 else "0.2")
    if strict_x:
        ax.scatter(strict_x, strict_y, marker="D", s=14, color="black", zorder=3, label="strict (serving parser)")
    not_shown = [o.name + (" (failed)" if o.status == "failed" else " (not run)") for o in outcomes if not o.results]
    ax.set_xticks(range(len(test_sets)))
    ax.set_xticklabels(list(test_sets))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("call accuracy")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    t = title + (f"\nnot shown: {', '.join(not_shown)}" if not_shown else "")
    if t:
        ax.set_title(t, fontsize=10)
    if shown:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _color(name: str, i: int, cmap: Any) -> Any:
    """The base model's and the arm kinds' fixed colours (toolproof.compare.arms), tab10 for the others."""
    fixed = fixed_colour(name)
    if fixed is not None:
        return fixed
    palette = [c for k, c in enumerate(cmap.colors) if k not in (2, 3, 7)]  # not green/red/grey
    return palette[i % len(palette)]
