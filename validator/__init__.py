"""toolproof validator: record models, rules, linting, cleaning and reports (pure Python, no torch)."""

from __future__ import annotations

#: Bump when a change alters what `toolproof clean` writes. ``toolproof compare`` keys its
#: finished steps on it (with the inputs and the library versions): a bump re-runs the steps that
#: depend on this package, while edits that leave results alone keep finished runs resumable.
RESULTS_VERSION = 1
