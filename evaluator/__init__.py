"""toolproof evaluator: call extraction, BFCL-grade matching, scoring and (lazily) generation.

``extract``, ``match`` and ``score`` are pure Python (a light install without torch works);
``evaluator.run`` imports torch/transformers only when a model is evaluated.
"""

from __future__ import annotations

from evaluator.extract import Extraction, extract_calls
from evaluator.match import Verdict, match

__all__ = ["Extraction", "Verdict", "extract_calls", "match"]
