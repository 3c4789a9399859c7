"""Installed versions of toolproof and the training libraries, probed once here for every part."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

#: The distributions whose versions a training run and a comparison record.
TRAINING_LIBRARIES = ("toolproof", "torch", "transformers", "trl", "peft", "datasets", "accelerate")


def library_versions(dists: Sequence[str] = TRAINING_LIBRARIES) -> dict[str, str | None]:
    """``{distribution: installed version}``; None for one that is not installed."""
    out: dict[str, str | None] = {}
    for dist in dists:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    return out


__all__ = ["TRAINING_LIBRARIES", "library_versions"]
