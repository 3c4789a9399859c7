"""toolproof validator: record models, rules, linting, cleaning and reports (pure Python, no torch)."""

from __future__ import annotations

#: The distribution's version, defined once here in the bottom layer so that every part can read it
#: without importing the command; ``toolproof.__version__`` and pyproject.toml's version read it.
__version__ = "0.1.0"

#: Bump when a change alters what `toolproof clean` writes. ``toolproof compare`` keys its
#: finished steps on it (with the inputs and the library versions): a bump re-runs the steps that
#: depend on this package, while edits that leave results alone keep finished runs resumable.
RESULTS_VERSION = 1
