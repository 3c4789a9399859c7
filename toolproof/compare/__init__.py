"""Clean-vs-dirty comparison runs (`toolproof compare`).

One config names a base model, the training data, the shared training settings, the
arms (each = which data, of a kind in ``arms.ARM_KINDS``, plus trainer overrides) and the
test sets. `run_compare` then

1. lints the training data and cleans it (lint report JSON, clean report HTML kept), and makes
   the data of the derived kinds the arms use (``balanced``: cleaned, then balanced);
2. writes every test set once to ``test_sets/`` so that every model sees the same records;
3. evaluates the base model and trains + evaluates every arm;
4. writes ``summary.csv``, ``summary.md``, ``accuracy.png``, ``compare.json`` and ``paired.csv``
   (each arm against the base, and each arm against the arms of the kinds its kind is paired
   against — clean-data arms against dirty-data arms —, record by record).

One job per module:

- ``config``: the config's schema and loader;
- ``arms``: the table of arm kinds (which data, allow_dirty, paired tables, colour);
- ``results``: the result types;
- ``stats``: Wilson intervals, McNemar, paired changes;
- ``steps``: step keys (what each step's hash covers), markers, version probes;
- ``backends``: the calls into the validator, trainer and evaluator;
- ``data``: the data steps (lint + clean, derived kinds such as balanced, test sets);
- ``run``: the resumable model steps and the orchestration;
- ``report``: CSV, Markdown, compare.json; ``plot``: accuracy.png;
- ``publish``: results kept under ``docs/results/<name>/`` and reused by key.

A failing arm is recorded with its error and does not stop the others. The library never
prints: pass ``progress`` to hear about steps.
"""

from __future__ import annotations

from toolproof.compare import backends
from toolproof.compare.arms import ARM_KINDS, BASE, ArmKind, derived_kinds
from toolproof.compare.config import (
    RESERVED_TRAIN_KEYS,
    ArmConfig,
    CompareConfig,
    CompareConfigError,
    DataConfig,
    EvalSettings,
    TestSetConfig,
    load_config,
)
from toolproof.compare.data import prepare_data, prepare_derived, prepare_test_sets
from toolproof.compare.plot import plot_accuracy
from toolproof.compare.publish import Published, PublishedResultsError, publish_results
from toolproof.compare.report import (
    COUNTED_FAMILIES,
    machine_info,
    summary_rows,
    write_reports,
    write_summary_csv,
    write_summary_md,
)
from toolproof.compare.results import (
    CompareResult,
    DerivedData,
    ModelOutcome,
    ModelSteps,
    PreparedData,
    PreparedTestSet,
    SetResult,
)
from toolproof.compare.run import evaluate_model, run_compare, train_arm
from toolproof.compare.stats import (
    Z95,
    PairedChange,
    comparison_pairs,
    mcnemar_p,
    paired_change,
    paired_changes,
    wilson_interval,
)
from toolproof.compare.steps import (
    CHECKPOINT_STEPS,
    MARKER,
    PARTIAL,
    read_marker,
    versions,
    write_marker,
)

__all__ = [
    "ARM_KINDS",
    "BASE",
    "CHECKPOINT_STEPS",
    "COUNTED_FAMILIES",
    "MARKER",
    "PARTIAL",
    "RESERVED_TRAIN_KEYS",
    "Z95",
    "ArmConfig",
    "ArmKind",
    "CompareConfig",
    "CompareConfigError",
    "CompareResult",
    "DataConfig",
    "DerivedData",
    "EvalSettings",
    "ModelOutcome",
    "ModelSteps",
    "PairedChange",
    "PreparedData",
    "PreparedTestSet",
    "Published",
    "PublishedResultsError",
    "SetResult",
    "TestSetConfig",
    "backends",
    "comparison_pairs",
    "derived_kinds",
    "evaluate_model",
    "load_config",
    "machine_info",
    "mcnemar_p",
    "paired_change",
    "paired_changes",
    "plot_accuracy",
    "prepare_data",
    "prepare_derived",
    "prepare_test_sets",
    "publish_results",
    "read_marker",
    "run_compare",
    "summary_rows",
    "train_arm",
    "versions",
    "wilson_interval",
    "write_marker",
    "write_reports",
    "write_summary_csv",
    "write_summary_md",
]

# The old private names stay importable (tests call them); swap a backend by patching `toolproof.compare.backends`.
from toolproof.compare.backends import train as _train  # noqa: E402, F401
from toolproof.compare.report import _token_rows_note  # noqa: E402, F401
from toolproof.compare.steps import count_lines as _count_lines  # noqa: E402, F401
from toolproof.compare.steps import train_key as _train_hash  # noqa: E402, F401
