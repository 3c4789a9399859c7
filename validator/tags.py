"""The Hermes call tags shared by the data, the training token rows and the model-output parsers.

Defined in the bottom layer so that the trainer (token rows) and the evaluator (extraction) read
the same strings without importing each other.
"""

from __future__ import annotations

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"

__all__ = ["CLOSE_TAG", "OPEN_TAG"]
