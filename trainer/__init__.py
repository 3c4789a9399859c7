"""toolproof's trainer: embedded offline models, tool-aware chat templates, gated LoRA SFT.

Import-light: the heavy modules (torch, transformers, trl, peft) load inside the submodules'
functions. Entry points: ``trainer.models.resolve_model`` / ``load``, ``trainer.templates.
chat_template_for`` / ``render``, ``trainer.train.train(TrainConfig) -> TrainResult``.
"""

from __future__ import annotations
