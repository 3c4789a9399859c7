"""toolproof evaluator: call extraction, BFCL-grade matching, scoring and (lazily) generation.

``extract``, ``match`` and ``score`` are pure Python (a light install without torch works);
``evaluator.run`` imports torch/transformers only when a model is evaluated.
"""

from __future__ import annotations

from toolproof.evaluator.extract import Extraction, extract_calls
from toolproof.evaluator.match import Verdict, match

#: Bump when a change alters how outputs are generated, extracted and scored. ``toolproof compare`` keys its
#: finished steps on it (with the inputs and the library versions): a bump re-runs the steps that
#: depend on this package, while edits that leave results alone keep finished runs resumable.
RESULTS_VERSION = 3

__all__ = ["Extraction", "Verdict", "extract_calls", "match"]
