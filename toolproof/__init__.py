"""toolproof: trustworthy tool-calling fine-tuning data.

This package holds only the `toolproof` command and the end-to-end pipelines that
join the validator, the trainer and the evaluator.
"""

__version__ = "0.1.0"
