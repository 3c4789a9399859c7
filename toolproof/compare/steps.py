"""Finished steps: their keys (hashes of everything a step depends on), markers and version probes.

Each step (data, a base evaluation, an arm's training, an arm's evaluation) writes a completion
marker (``.done.json``) holding its key: a hash of the config it reads, its input files, the
library versions and the ``RESULTS_VERSION`` of the toolproof packages it runs. A later run
reuses a step whose marker holds the same key. The key inputs below must not change without
need: a changed key re-runs finished steps (hours of training on a CPU). Training and evaluation keys
hold the *resolved* precision (:func:`precision`: fp32 or bf16, cpu or cuda), not the configured
``auto``, so steps run at different precisions never share a key.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from toolproof.compare.arms import ArmKind
from toolproof.compare.config import ArmConfig, CompareConfig
from toolproof.compare.results import PreparedTestSet
from toolproof.validator.files import sha256_file
from toolproof.validator.versions import library_versions

MARKER = ".done.json"
PARTIAL = ".started.json"  # a step under way: its hash, so a re-run can resume (checkpoints, eval journal)
CHECKPOINT_STEPS = 10  # compare's training steps save a resumable checkpoint this often (train: save_steps)
_NOT_HASHED = frozenset({"save_steps"})  # trainer settings that do not change what is trained


# --------------------------------------------------------------------------- hashing


def canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def short_hash(obj: Any) -> str:
    return hashlib.sha256(canon(obj).encode()).hexdigest()[:16]


def records_sha256(path: str | os.PathLike[str]) -> str:
    """A hash of the records a JSON Lines file holds, not of how they are spelled: each non-blank line
    parsed and re-serialised canonically (sorted keys, no spaces; exact integers), in file order. A
    training step's key uses it, so a data step that writes the same records with other bytes (an
    unchanged record kept byte for byte, say) does not make finished trainings run again."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                h.update(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
                h.update(b"\n")
    return h.hexdigest()


def versions() -> dict[str, str | None]:
    return library_versions()


_VERSIONS_KEY: str | None = None


def versions_key() -> str:
    """Library versions that change results: a new version re-runs the steps."""
    global _VERSIONS_KEY  # noqa: PLW0603
    if _VERSIONS_KEY is None:
        v = versions()
        _VERSIONS_KEY = short_hash({k: v[k] for k in ("torch", "transformers", "trl", "peft")})
    return _VERSIONS_KEY


def results_versions(*packages: str) -> str:
    """The ``RESULTS_VERSION`` of each of toolproof's packages a step runs (bumped by hand when a
    change alters results), so code edits that change nothing keep finished steps reusable."""
    import importlib  # noqa: PLC0415

    return ",".join(f"{pkg}={getattr(importlib.import_module('toolproof.' + pkg), 'RESULTS_VERSION', 0)}" for pkg in packages)


# --------------------------------------------------------------------------- step keys


_PRECISION: dict[tuple[str, str], dict[str, str]] = {}


def precision(cfg: CompareConfig) -> dict[str, str]:
    """The dtype and device kind the config's ``dtype`` and ``device`` resolve to on this machine
    (``auto`` is bf16 where the CPU or GPU supports it): what a step really ran in, so a bf16 step is
    never reused or paired as the float32 one."""
    k = (str(cfg.dtype), str(cfg.device))
    if k not in _PRECISION:
        from toolproof.trainer.models import resolved_precision  # noqa: PLC0415

        _PRECISION[k] = resolved_precision(cfg.dtype, cfg.device)
    return dict(_PRECISION[k])


def describe_precision(p: dict[str, str] | None) -> str:
    return f"{p.get('dtype', '?')} on {p.get('device', '?')}" if p else "an unrecorded precision"


def data_key(cfg: CompareConfig, src: str) -> str:
    """The data step: lint and clean the training data."""
    return short_hash(
        {"step": "data", "train": sha256_file(src), "clean": cfg.data.clean, "code": results_versions("validator")}
    )


def derive_key(cfg: CompareConfig, kind: ArmKind, src: str) -> str:
    """A derived kind's data step (``ArmKind.derive``): its source file, options and seed."""
    return short_hash(
        {
            "step": kind.derive,
            "kind": kind.name,
            "source": sha256_file(src),
            "options": {**(getattr(cfg.data, kind.derive or "", None) or {}), **dict(kind.options)},
            "seed": cfg.seed,
            "code": results_versions("validator"),
        }
    )


def train_settings(cfg: CompareConfig, arm: ArmConfig) -> dict[str, Any]:
    """The merged trainer settings of one arm (shared, then the arm's own)."""
    return {**cfg.train, **arm.train}


def train_key(cfg: CompareConfig, arm: ArmConfig, train_path: str) -> str:
    """An arm's training, on the data file of its kind."""
    return short_hash(
        {
            "step": "train",
            "model": cfg.model,
            "precision": precision(cfg),
            "seed": cfg.seed,
            "data": arm.data,
            "data_records": records_sha256(train_path),  # the records trained on, however spelled
            "train": {k: v for k, v in train_settings(cfg, arm).items() if k not in _NOT_HASHED},
            "v": versions_key(),
            "code": results_versions("trainer"),
        }
    )


def eval_key(cfg: CompareConfig, ts: PreparedTestSet, upstream: str = "") -> str:
    """One model on one test set: the base model (no upstream) or the adapter trained by the
    training step whose key is `upstream`."""
    return short_hash(
        {
            "step": "eval",
            "model": cfg.model,
            "precision": precision(cfg),
            "adapter": upstream or None,
            "test_set": ts.sha256,
            "max_new_tokens": cfg.eval.max_new_tokens,
            "batch_size": cfg.eval.batch_size,
            "options": cfg.eval.options,
            "v": versions_key(),
            "code": results_versions("evaluator", "trainer"),
        }
    )


# --------------------------------------------------------------------------- markers


def read_marker(step_dir: Path, step_hash: str) -> dict[str, Any] | None:
    """The outcome stored by a finished step whose hash matches, else None."""
    m = step_dir / MARKER
    try:
        data = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("hash") != step_hash:
        return None
    out = data.get("outcome")
    return out if isinstance(out, dict) else None


def write_marker(step_dir: Path, step_hash: str, outcome: dict[str, Any], seconds: float) -> None:
    step_dir.mkdir(parents=True, exist_ok=True)
    tmp = step_dir / (MARKER + ".tmp")
    tmp.write_text(
        json.dumps(
            {
                "hash": step_hash,
                "finished_at": now(),
                "seconds": round(seconds, 3),
                "outcome": outcome,
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    os.replace(tmp, step_dir / MARKER)
    (step_dir / PARTIAL).unlink(missing_ok=True)  # finished: no longer under way


def started_hash(step_dir: Path) -> str | None:
    """The key of a training step under way in `step_dir` (its ``.started.json``), if any."""
    try:
        return json.loads((step_dir / PARTIAL).read_text(encoding="utf-8")).get("hash")
    except (OSError, ValueError, AttributeError):
        return None


def start_afresh(step_dir: Path, step_hash: str) -> None:
    """Empty `step_dir` and mark the step under way with key `step_hash` (its ``.started.json``,
    which lets a stopped step continue and which :func:`write_marker` removes when it finishes)."""
    fresh_dir(step_dir)
    (step_dir / PARTIAL).write_text(json.dumps({"hash": step_hash, "started_at": now()}) + "\n", encoding="utf-8")


def fresh_dir(d: Path) -> None:
    """Empty a step folder before (re)running the step."""
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def count_lines(path: str | os.PathLike[str]) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())
