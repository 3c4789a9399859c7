"""toolproof's trainer: embedded offline models, tool-aware chat templates, gated LoRA SFT.

Import-light: the heavy modules (torch, transformers, trl, peft) load inside the submodules'
functions. Entry points: ``trainer.models.resolve_model`` / ``load`` / ``chat_template_for``,
``trainer.templates.render``, ``trainer.train.train(TrainConfig) -> TrainResult``; the template-aware
lint rules TP601-TP603 in ``trainer.rules`` (they register with the validator when imported).
"""

from __future__ import annotations

#: Bump when a change alters how records are rendered and trained. ``toolproof compare`` keys its
#: finished steps on it (with the inputs and the library versions): a bump re-runs the steps that
#: depend on this package, while edits that leave results alone keep finished runs resumable.
RESULTS_VERSION = 3  # 3: call-tag token rows trained (train_tokens: auto)
