"""The data steps: the training data linted and cleaned, the derived kinds' data (balanced, ...) made
from it, the test sets written once for every model."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from toolproof.compare import backends
from toolproof.compare.arms import ArmKind
from toolproof.compare.config import CompareConfig, TestSetConfig
from toolproof.compare.results import DerivedData, PreparedData, PreparedTestSet
from toolproof.compare.steps import count_lines, data_key, derive_key, fresh_dir, read_marker, write_marker


def prepare_data(cfg: CompareConfig, out_dir: Path, *, resume: bool = True) -> PreparedData:
    """Lint the training data and clean it, keeping both reports (resumable step)."""
    step_dir = out_dir / "data"
    src = cfg.data.train
    if not Path(src).is_file():
        raise FileNotFoundError(f"training data not found: {src}")
    step_hash = data_key(cfg, src)
    if resume:
        got = read_marker(step_dir, step_hash)
        if got is not None and Path(got.get("clean_path", "")).is_file():
            got["resumed"] = True
            got["dirty_path"] = src
            return PreparedData(**got)
    fresh_dir(step_dir)
    t0 = time.perf_counter()
    prepared = backends.lint_and_clean(src, step_dir, cfg.data.clean)
    prepared.seconds = time.perf_counter() - t0
    outcome = dataclasses.asdict(prepared)
    outcome.pop("resumed")
    write_marker(step_dir, step_hash, outcome, prepared.seconds)
    return prepared


def kind_paths(data: PreparedData) -> dict[str, str]:
    """The training file of each arm kind the data step makes."""
    return {"dirty": data.dirty_path, "clean": data.clean_path}


def prepare_derived(cfg: CompareConfig, kind: ArmKind, src: str, out_dir: Path, *, resume: bool = True) -> DerivedData:
    """Make a derived kind's training file from `src` (the file of ``kind.source``) with the backend
    ``kind.derive``, into ``data/<kind>/`` (resumable step; the data step's re-run empties it)."""
    assert kind.derive is not None and kind.source is not None, kind
    step_dir = out_dir / "data" / kind.name
    step_hash = derive_key(cfg, kind, src)
    if resume:
        got = read_marker(step_dir, step_hash)
        if got is not None and Path(got.get("path", "")).is_file():
            return DerivedData(**{**got, "resumed": True})
    fresh_dir(step_dir)
    dst = step_dir / f"train.{kind.name}.jsonl"
    t0 = time.perf_counter()
    options = {**(getattr(cfg.data, kind.derive, None) or {}), **dict(kind.options)}
    report = getattr(backends, kind.derive)(src, dst, options, cfg.seed)
    (step_dir / f"{kind.derive}.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    if not dst.is_file():
        raise RuntimeError(f"{kind.derive} wrote no {dst}")
    made = DerivedData(kind.name, kind.source, str(dst), count_lines(dst), report, time.perf_counter() - t0)
    outcome = dataclasses.asdict(made)
    outcome.pop("resumed")
    write_marker(step_dir, step_hash, outcome, made.seconds)
    return made


def prepare_test_sets(cfg: CompareConfig, out_dir: Path) -> list[PreparedTestSet]:
    """Write each test set (limited) to ``test_sets/<name>.jsonl``: every model reads these files."""
    d = out_dir / "test_sets"
    d.mkdir(parents=True, exist_ok=True)
    out: list[PreparedTestSet] = []
    for ts in cfg.eval.test_sets:
        records = _load_test_records(ts)
        if ts.limit is not None:
            records = records[: ts.limit]
        if not records:
            raise ValueError(f"test set {ts.name!r} is empty")
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        path = d / f"{ts.name}.jsonl"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        out.append(
            PreparedTestSet(ts.name, str(path), len(records), hashlib.sha256(text.encode()).hexdigest())
        )
    return out


def _load_test_records(ts: TestSetConfig) -> list[dict[str, Any]]:
    """The records of one test set: a BFCL category, or a JSONL file read by the scorer's loader
    (the same checks and file:line errors as `toolproof score` / `toolproof eval`)."""
    if ts.bfcl is not None:
        from toolproof.evaluator.bfcl import load_bfcl  # noqa: PLC0415

        return [dict(r) for r in load_bfcl([ts.bfcl], ts.limit)]
    from toolproof.evaluator.score import load_records  # noqa: PLC0415

    records = load_records(str(ts.path), need_messages=True)
    return records if ts.limit is None else records[: ts.limit]
