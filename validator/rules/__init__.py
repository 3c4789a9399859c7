"""Rule families. Importing this package registers every validator rule (see ``validator.rules.base``).

Each family module is imported here by name: a module that fails to import fails loudly instead of
silently taking its rules away. Rules that need a higher layer register from there when that layer
is loaded (TP601-TP603: ``toolproof.trainer.rules``, imported by the ``toolproof`` command).
"""

from __future__ import annotations

from toolproof.validator.rules import (
    arguments,
    calls,
    dataset,
    dialects,
    leakage,
    markup,
    mix,
    reader,
    structure,
    tooldefs,
)

__all__ = ["arguments", "calls", "dataset", "dialects", "leakage", "markup", "mix", "reader", "structure", "tooldefs"]
