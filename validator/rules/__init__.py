"""Rule families. Importing this package registers every rule (see ``validator.rules.base``)."""

from __future__ import annotations

import contextlib

from toolproof.validator.rules import arguments, calls, dataset, dialects, markup, mix, structure, tooldefs

# Families owned elsewhere register themselves when present (reader: TP001/TP010 docs).
with contextlib.suppress(ImportError):
    from toolproof.validator.rules import reader  # noqa: F401
with contextlib.suppress(ImportError):
    from toolproof.validator.rules import leakage  # noqa: F401
with contextlib.suppress(ImportError):
    from toolproof.validator.rules import template  # noqa: F401

__all__ = ["arguments", "calls", "dataset", "dialects", "markup", "mix", "structure", "tooldefs"]
