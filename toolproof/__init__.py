"""toolproof: trustworthy tool-calling fine-tuning data.

One import name for the whole product: ``toolproof.validator`` (records, call syntax, rules,
cleaner, reporters; pure Python), ``toolproof.trainer`` (models, templates, training),
``toolproof.evaluator`` (model-output parsing, matching, scoring) and ``toolproof.schemas``. In the
repository those parts are the top-level folders ``validator/``, ``trainer/``, ``evaluator/`` and
``schemas/``; the wheel installs them under ``toolproof/`` (pyproject's package-dir mapping).
This package itself holds the ``toolproof`` command and the pipelines that join the parts.
"""

from __future__ import annotations

from pathlib import Path as _Path

# Run from a source checkout (tests, an editable install, a helper's worktree), the parts sit beside
# this folder rather than inside it: search the checkout's root for them, so that the checkout that
# is running is the one imported. An installed wheel has them inside and never takes this branch.
_root = _Path(__file__).resolve().parent.parent
if not (_Path(__file__).resolve().parent / "validator").is_dir() and (_root / "validator" / "__init__.py").is_file() and (
    _root / "pyproject.toml"
).is_file():
    __path__.append(str(_root))  # type: ignore[name-defined]  # noqa: F821

from toolproof.validator import __version__  # noqa: E402  (after the parts are findable)

__all__ = ["__version__"]
