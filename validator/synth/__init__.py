"""Synthetic tool-calling data with known defects (pure Python, deterministic for a seed).

``generate(n, seed=, defect_rate=, n_test=) -> SynthResult`` and ``write(result, out_dir)``.
"""

from __future__ import annotations

from toolproof.validator.synth.generator import DEFECT_CODES, SYSTEM_PROMPT, SynthResult, generate, write

__all__ = ["DEFECT_CODES", "SYSTEM_PROMPT", "SynthResult", "generate", "write"]
