"""The pipeline: prepare the data, evaluate the base model, train and evaluate every arm, write the reports.

Each model's steps are resumable (``toolproof.compare.steps``); a failing arm is recorded with its
error and does not stop the others. The library never prints: pass ``progress`` to hear about steps.
"""

from __future__ import annotations

import gc
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolproof.compare import backends
from toolproof.compare.arms import BASE, derived_kinds
from toolproof.compare.config import ArmConfig, CompareConfig, CompareConfigError, load_config
from toolproof.compare.data import kind_paths, prepare_data, prepare_derived, prepare_test_sets
from toolproof.compare.publish import Published
from toolproof.compare.report import write_reports
from toolproof.compare.results import (
    CompareResult,
    DerivedData,
    ModelOutcome,
    ModelSteps,
    PreparedData,
    PreparedTestSet,
    SetResult,
)
from toolproof.compare.steps import (
    MARKER,
    eval_key,
    now,
    read_marker,
    start_afresh,
    started_hash,
    train_key,
    write_marker,
)
from toolproof.validator.progress import ProgressFn, relabel

Progress = Callable[[str], None]


# --------------------------------------------------------------------------- model steps


def train_arm(
    cfg: CompareConfig,
    arm: ArmConfig,
    train_path: str,
    out_dir: Path,
    *,
    resume: bool = True,
    say: Progress | None = None,
    bars: ProgressFn | None = None,
) -> tuple[dict[str, Any], bool, str]:
    """Train one arm on `train_path` (resumable: a finished arm is reused, a stopped one continues from
    its newest checkpoint). Returns (outcome dict, resumed?, step hash)."""
    step_dir = out_dir / "arms" / arm.name / "train"
    step_hash = train_key(cfg, arm, train_path)
    if resume:
        got = local_training(out_dir, arm, step_hash)
        if got is not None:
            return got, True, step_hash
    continuing = resume and resumable_checkpoint(step_dir, step_hash) is not None
    if not continuing:
        start_afresh(step_dir, step_hash)
    t0 = time.perf_counter()
    step_bar = relabel(bars, f"{arm.name}: train") if bars else None  # the training steps, named after the arm
    got = backends.train(cfg, arm, train_path, step_dir, say, continuing=continuing, bars=step_bar)
    seconds = time.perf_counter() - t0
    got.setdefault("train_seconds", seconds)
    write_marker(step_dir, step_hash, got, seconds)
    return got, False, step_hash


def resumable_checkpoint(step_dir: Path, step_hash: str) -> Path | None:
    """The newest checkpoint of a training stopped under key `step_hash`, which a run continues."""
    from toolproof.trainer.train import latest_checkpoint  # noqa: PLC0415  (no torch at import)

    return latest_checkpoint(step_dir) if started_hash(step_dir) == step_hash else None


def local_training(out_dir: Path, arm: ArmConfig, step_hash: str) -> dict[str, Any] | None:
    """This output folder's finished training of `arm` under key `step_hash`, its adapter still there."""
    got = read_marker(out_dir / "arms" / arm.name / "train", step_hash)
    return got if got is not None and Path(got.get("adapter_dir", "")).exists() else None


def finished_train(
    cfg: CompareConfig, arm: ArmConfig, train_path: str, out_dir: Path
) -> tuple[dict[str, Any] | None, bool, str]:
    """A previous run's training of `arm` when it is still valid (used for arms left out by --only)."""
    step_dir = out_dir / "arms" / arm.name / "train"
    if not (step_dir / MARKER).is_file():
        return None, False, ""
    # The same key as train_arm's, without running anything.
    step_hash = train_key(cfg, arm, train_path)
    got = read_marker(step_dir, step_hash)
    return got, got is not None, step_hash


def evaluate_model(
    cfg: CompareConfig,
    name: str,
    test_sets: Sequence[PreparedTestSet],
    out_dir: Path,
    *,
    adapter_dir: str | None = None,
    upstream_hash: str = "",
    resume: bool = True,
    run: bool = True,
    published: Published | None = None,
    bars: ProgressFn | None = None,
) -> tuple[dict[str, SetResult], list[str]]:
    """Evaluate the base model (adapter_dir None) or an arm's adapter on every test set.

    Each test set is its own resumable step, reused from this output folder or else from the
    `published` results when its key matches. Returns (results, names of reused steps).
    With ``run=False`` nothing is evaluated: only finished steps are collected.
    """
    root = out_dir / (BASE if name == BASE else f"arms/{name}") / "eval"
    lazy: backends.LazyModel | None = None
    results: dict[str, SetResult] = {}
    reused: list[str] = []
    for ts in test_sets:
        step_dir = root / ts.name
        step_hash = eval_key(cfg, ts, upstream_hash)
        if resume:
            got = read_marker(step_dir, step_hash)
            if got is not None:
                results[ts.name] = SetResult.from_dict(got)
                reused.append(f"eval:{ts.name}")
                continue
            pub = published.evaluation(step_hash) if published is not None else None
            if pub is not None:
                results[ts.name] = pub
                reused.append(f"eval:{ts.name} (published)")
                continue
        if not run:
            continue
        if not (resume and started_hash(step_dir) == step_hash):  # else: the evaluator's journal continues
            start_afresh(step_dir, step_hash)
        if lazy is None:
            lazy = backends.LazyModel(cfg, adapter_dir)
        t0 = time.perf_counter()
        try:
            step_bar = relabel(bars, f"{name}: eval {ts.name}") if bars else None
            res = backends.evaluate(cfg, ts, step_dir, adapter_dir, model=lazy, progress=step_bar)
        except BaseException:
            lazy.close()
            raise
        # Wall time of the step: the first set of a model includes loading it.
        res.eval_seconds = time.perf_counter() - t0
        write_marker(step_dir, step_hash, res.to_dict(), res.eval_seconds)
        results[ts.name] = res
    if lazy is not None:
        lazy.close()
    return results, reused


# --------------------------------------------------------------------------- one model


def _opt_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _take_training(o: ModelOutcome, got: dict[str, Any]) -> None:
    """Copy a training step's outcome into the model's outcome."""
    o.adapter_dir = got.get("adapter_dir")
    o.train_records = int(got.get("train_records") or 0)
    o.train_seconds = float(got.get("train_seconds") or 0.0)
    o.train_skipped = _opt_int(got.get("records_skipped"))
    o.train_data_errors = _opt_int(got.get("data_errors"))
    o.train_with_errors = _opt_int(got.get("records_trained_with_errors"))
    o.train_steps = _opt_int(got.get("steps"))
    o.train_loss = None if got.get("train_loss") is None else float(got["train_loss"])
    warnings = got.get("warnings_by_family")
    o.train_warnings = {str(k): int(v) for k, v in warnings.items()} if isinstance(warnings, dict) else None


@dataclass
class _Context:
    """What every model's steps share in one run."""

    cfg: CompareConfig
    out_dir: Path
    paths: dict[str, str]  # arm kind -> its training file
    data_errors: dict[str, str]  # arm kind -> why its data could not be made
    test_sets: Sequence[PreparedTestSet]
    resume: bool
    say: Progress
    published: Published | None = None
    bars: ProgressFn | None = None  # the training steps and the records evaluated (the CLI draws them)


def _published_training(ctx: _Context, arm: ArmConfig, key: str, run_it: bool) -> dict[str, Any] | None:
    """The published training of `arm` (key `key`) when this folder has no finished one: for a run,
    only when every evaluation of it is published too."""
    if ctx.published is None or not ctx.resume or local_training(ctx.out_dir, arm, key) is not None:
        return None
    if not run_it:
        got = ctx.published.trainings.get(key)
        return None if got is None else dict(got)
    return ctx.published.training(key, [eval_key(ctx.cfg, ts, key) for ts in ctx.test_sets])


def _train_step(ctx: _Context, o: ModelOutcome, arm: ArmConfig, steps: ModelSteps, *, run_it: bool) -> str | None:
    """An arm's training (run, resumed, reused from published results, or only collected when `run_it`
    is False). Returns the step's key, or None when the arm has no valid training and was not to run."""
    if arm.data in ctx.data_errors:
        raise RuntimeError(f"its {arm.data} data could not be made: {ctx.data_errors[arm.data]}")
    train_path = ctx.paths[arm.data]
    key = train_key(ctx.cfg, arm, train_path)
    got = _published_training(ctx, arm, key, run_it)
    if got is not None:
        o.resumed.append("train (published)")
        reused = True
    elif run_it:
        ctx.say(f"{o.name}: training on {arm.data} data")
        got, reused, key = train_arm(
            ctx.cfg, arm, train_path, ctx.out_dir, resume=ctx.resume, say=ctx.say, bars=ctx.bars
        )
        if reused:
            o.resumed.append("train")
    else:
        got, reused, key = finished_train(ctx.cfg, arm, train_path, ctx.out_dir)
        if got is None:
            return None
        o.resumed.append("train")
    _take_training(o, got)
    steps.train_key, steps.train = key, got
    if run_it:
        reused_note = " (reused)" if reused else ""
        ctx.say(f"{o.name}: trained on {o.train_records} records in {o.train_seconds:.0f}s{reused_note}")
    return key


def _eval_step(ctx: _Context, o: ModelOutcome, upstream: str, steps: ModelSteps, *, run_it: bool) -> None:
    """A model's evaluations (run or reused, or only collected when `run_it` is False)."""
    if run_it:
        ctx.say(f"{o.name}: evaluating on {', '.join(t.name for t in ctx.test_sets)}")
    o.results, reused_evals = evaluate_model(
        ctx.cfg, o.name, ctx.test_sets, ctx.out_dir, adapter_dir=o.adapter_dir, upstream_hash=upstream,
        resume=ctx.resume if run_it else True, run=run_it, published=ctx.published, bars=ctx.bars,
    )  # fmt: skip
    o.resumed += reused_evals
    steps.eval_keys = {ts.name: eval_key(ctx.cfg, ts, upstream) for ts in ctx.test_sets if ts.name in o.results}
    if not run_it:
        if len(o.results) < len(ctx.test_sets):
            o.status = "not run"
        return
    for ts_name, r in o.results.items():
        ctx.say(f"{o.name}: {ts_name}: {r.correct}/{r.n} = {r.accuracy:.1%} ({r.eval_seconds:.0f}s)")


def _run_model(ctx: _Context, name: str, arm: ArmConfig | None, *, run_it: bool) -> tuple[ModelOutcome, ModelSteps]:
    o = ModelOutcome(
        name=name,
        data=arm.data if arm else "",
        description=arm.description if arm else f"{ctx.cfg.model} without fine-tuning",
    )
    steps = ModelSteps()
    step = "train"
    try:
        upstream = ""
        if arm is not None:
            step = "data" if arm.data in ctx.data_errors else "train"
            got = _train_step(ctx, o, arm, steps, run_it=run_it)
            if got is None:
                o.status = "not run"
                return o, steps
            upstream = got
        step = "eval"
        _eval_step(ctx, o, upstream, steps, run_it=run_it)
    except Exception as e:  # noqa: BLE001 - one arm failing must not lose the others
        o.status = "failed"
        o.failed_step = step
        o.error = f"{type(e).__name__}: {e}"
        err_dir = ctx.out_dir / (BASE if arm is None else f"arms/{name}")
        err_dir.mkdir(parents=True, exist_ok=True)
        (err_dir / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        ctx.say(f"{name}: FAILED in {step}: {o.error}")
    return o, steps


# --------------------------------------------------------------------------- the pipeline


def _check_only(cfg: CompareConfig, only: Iterable[str] | None) -> set[str] | None:
    only_set = set(only) if only else None
    if only_set:
        known = {a.name for a in cfg.arms} | {BASE}
        unknown = sorted(only_set - known)
        if unknown:
            raise CompareConfigError(
                f"--only names unknown arms: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )
    return only_set


def _prepare(
    cfg: CompareConfig, out_dir: Path, resume: bool, say: Progress, timings: dict[str, float]
) -> tuple[PreparedData, list[PreparedTestSet]]:
    say("data: lint and clean " + cfg.data.train)
    data = prepare_data(cfg, out_dir, resume=resume)
    timings["data"] = data.seconds
    if data.dialects:
        say("data: read as " + ", ".join(f"{k} {n}" for k, n in sorted(data.dialects.items(), key=lambda kv: (-kv[1], kv[0]))))
    say(
        f"data: {data.dirty_records} records, {data.findings} findings "
        f"({data.errors} errors); clean: {data.clean_records} records, {data.quarantined} quarantined"
        + (" (reused)" if data.resumed else "")
    )
    t1 = time.perf_counter()
    test_sets = prepare_test_sets(cfg, out_dir)
    timings["test_sets"] = time.perf_counter() - t1
    say("test sets: " + ", ".join(f"{t.name} ({t.n})" for t in test_sets))
    return data, test_sets


def _prepare_derived(
    cfg: CompareConfig, out_dir: Path, paths: dict[str, str], resume: bool, say: Progress
) -> tuple[list[DerivedData], dict[str, str]]:
    """Make the data of every derived kind the arms use (``paths`` gains each file); a kind whose data
    cannot be made fails its arms only. Returns the data made and the errors by kind."""
    made: list[DerivedData] = []
    errors: dict[str, str] = {}
    for kind in derived_kinds([a.data for a in cfg.arms]):
        src = paths.get(str(kind.source))
        if src is None:
            errors[kind.name] = errors.get(str(kind.source), f"no {kind.source} data")
            continue
        say(f"data: {kind.derive} the {kind.source} data into {kind.name} data")
        try:
            d = prepare_derived(cfg, kind, src, out_dir, resume=resume)
        except Exception as e:  # noqa: BLE001 - recorded with the arms of this kind
            errors[kind.name] = f"{type(e).__name__}: {e}"
            err_dir = out_dir / "data" / kind.name
            err_dir.mkdir(parents=True, exist_ok=True)
            (err_dir / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
            say(f"data: {kind.name} data failed: {errors[kind.name]}")
            continue
        paths[kind.name] = d.path
        made.append(d)
        say(f"data: {kind.name}: {d.records} records" + (" (reused)" if d.resumed else ""))
    return made, errors


def run_compare(
    config: CompareConfig | str | os.PathLike[str] | dict[str, Any],
    *,
    output_root: str | os.PathLike[str] = "reports",
    resume: bool = True,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    published_root: str | os.PathLike[str] | None = None,
    bars: ProgressFn | None = None,
) -> CompareResult:
    """Run (or resume) a comparison and write its reports under ``output_root/<name>/``.

    ``only`` restricts which models are run this time (arm names, or ``base``); the
    summary still shows the others when a previous run finished them. With ``published_root``,
    finished steps published under ``published_root/<name>/`` (``compare --publish``) are reused
    when their keys match (not with ``resume=False``). ``progress`` hears a line per step; ``bars``
    hears the training steps and the records evaluated (the CLI draws them).
    """
    cfg = config if isinstance(config, CompareConfig) else load_config(config)
    say = progress or (lambda _msg: None)
    only_set = _check_only(cfg, only)
    published = Published.load_for(published_root, cfg) if published_root is not None and resume else None
    if published is not None:
        published.check_precision(cfg)  # never pair steps of different precision
    out_dir = Path(output_root) / cfg.name
    out_dir.mkdir(parents=True, exist_ok=True)
    started = now()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    result = CompareResult(cfg.name, out_dir, cfg, None, [], [], {}, 0.0)
    result.published_from = str(published.folder) if published is not None else None
    test_sets: list[PreparedTestSet] = []
    try:
        result.data, test_sets = _prepare(cfg, out_dir, resume, say, timings)
    except Exception as e:  # noqa: BLE001 - recorded, reported, exit 1
        result.error = f"{type(e).__name__}: {e}"
        (out_dir / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        say("data preparation failed: " + result.error)
    result.test_sets = [t.name for t in test_sets]

    if result.error is None and result.data is not None:
        paths = kind_paths(result.data)
        result.derived, data_errors = _prepare_derived(cfg, out_dir, paths, resume, say)
        ctx = _Context(cfg, out_dir, paths, data_errors, test_sets, resume, say, published, bars)
        models: list[tuple[str, ArmConfig | None]] = [(BASE, None)] if cfg.base else []
        models += [(a.name, a) for a in cfg.arms]
        for name, arm in models:
            t1 = time.perf_counter()
            outcome, steps = _run_model(ctx, name, arm, run_it=only_set is None or name in only_set)
            result.outcomes.append(outcome)
            result.steps[name] = steps
            timings[name] = time.perf_counter() - t1
            gc.collect()

    result.seconds = time.perf_counter() - t0
    result.files = write_reports(result, started=started, timings=timings, test_sets=test_sets)
    return result
