"""One error base class for the whole product, and the kinds of failure every part shares.

Everything toolproof raises on purpose (bad input, bad configuration, a model that cannot load, a
training run that cannot start, ...) is a :class:`ToolproofError`; its message names the file,
line and field when there is one. The ``toolproof`` command turns any ``ToolproofError`` that a
command did not handle itself into ``toolproof CMD: error: MESSAGE`` and exit code 2, never a
traceback. Library users can catch the base class, or one kind.

Kinds defined here (the bottom layer, so every part raises the same class):

- :class:`InputError`: an input file that cannot be read or parsed (``validator.io``,
  ``evaluator.score``);
- :class:`ConfigError`: a configuration value or file that is wrong (``validator.config``,
  ``trainer.config``, ``toolproof.compare``).

Kinds owned by one part subclass the base there: ``validator.cleaner.CleanError`` /
``FixFileError``, ``trainer.models.ModelError``, ``trainer.train.TrainError`` /
``DirtyDataError``, ``evaluator.bfcl.BfclError``, ``toolproof.commands._common.UsageError``,
``toolproof.compare.CompareConfigError``.
"""

from __future__ import annotations


class ToolproofError(Exception):
    """Base of every error toolproof raises on purpose; the message is meant for the user."""


class ClusterError(ToolproofError, RuntimeError):
    """No usable Ray cluster: none at the address, a token it wants, or files its workers cannot see.
    Not an OSError on purpose (the commands tell it from an unwritable output); the CLI exits 3, apart
    from findings (1) and usage errors (2)."""

    exit_code = 3


class InputError(ToolproofError, ValueError):
    """An input file (dataset, test set, predictions) cannot be read or parsed: the message names file and line."""


class ConfigError(ToolproofError, ValueError):
    """A configuration file or value is wrong: the message names the key and what is allowed."""


__all__ = ["ClusterError", "ConfigError", "InputError", "ToolproofError"]
