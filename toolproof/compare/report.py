"""The reports of a comparison: summary.csv, summary.md, compare.json and paired.csv (accuracy.png: ``plot``)."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolproof.compare.arms import BASE
from toolproof.compare.plot import plot_accuracy
from toolproof.compare.results import CompareResult, ModelOutcome, PreparedTestSet
from toolproof.compare.stats import PairedChange, paired_changes, wilson_interval
from toolproof.compare.steps import describe_precision, now, precision, versions
from toolproof.validator.safeio import write_csv_dicts

# The rule families whose warnings in each arm's training data the arm tables count (a column per
# family, shown when an arm's data has any): the dataset-mix and grounding rules.
COUNTED_FAMILIES = ("mix",)

# The numbers of a derived kind's report (`data balance`'s) that summary.md shows, when present.
DERIVED_SHOWN = ("added", "wanted", "share", "seed", "near_miss_share_before", "near_miss_share_after", "changed",
                 "eligible", "actual_rate")

# --------------------------------------------------------------------------- cells


def _pct(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _secs(x: float | None) -> str:
    if x is None:
        return "–"
    x = float(x)
    return f"{x:.0f} s" if x < 120 else f"{x / 60:.1f} min"


def _round(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p {p:.3f}" if p < 0.01 else f"p {p:.2f}"


def _paired_cell(c: PairedChange) -> str:
    """``"-13.0 (+5 / -18, p 0.011)"``: points, records gained / lost, exact McNemar p."""
    return f"{100 * c.delta:+.1f} (+{c.gained} / -{c.lost}, {_p_text(c.p)})"


def _accuracy_cell(correct: int, n: int) -> str:
    """``"75.0% [53.1%, 88.8%] (15/20)"``: accuracy, 95% Wilson interval, counts."""
    lo, hi = wilson_interval(correct, n)
    return f"{_pct(correct / n)} [{_pct(lo)}, {_pct(hi)}] ({correct}/{n})"


def _train_cell(o: ModelOutcome) -> str:
    if o.train_records is None:
        return "–"
    cell = str(o.train_records)
    if o.train_with_errors is not None:  # how many of the trained records the validator reported errors in
        cell += f" ({o.train_with_errors} with errors)"
    elif o.train_data_errors is not None:  # a run from before that was recorded: errors in the whole data
        cell += f" ({o.train_data_errors} errors in the data)"
    if o.train_skipped:
        cell += f", {o.train_skipped} skipped"
    return cell


def counted_families(outcomes: Sequence[ModelOutcome]) -> list[str]:
    """The counted rule families with warnings in some arm's training data."""
    return [f for f in COUNTED_FAMILIES if any((o.train_warnings or {}).get(f) for o in outcomes)]


def _warnings_cell(o: ModelOutcome, family: str) -> str:
    if o.train_warnings is None:
        return "–"
    return str(o.train_warnings.get(family, 0))


def _rel(p: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> str:
    try:
        return str(Path(p).resolve().relative_to(Path(root or Path.cwd()).resolve()))
    except ValueError:
        return str(p)


def _token_rows_note(adapter_dir: str | None) -> str:
    """``"; token rows trained: <tool_call>, </tool_call>"`` from the adapter's toolproof.json, or
    the trainer's warning that the call tags' rows were left untrained."""
    from toolproof.trainer.train import TOOLPROOF_JSON  # noqa: PLC0415  (no torch at import)

    if not adapter_dir:
        return ""
    try:
        meta = json.loads((Path(adapter_dir) / TOOLPROOF_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    trained = meta.get("trained_token_rows") or {}
    if trained:
        return "; token rows trained: " + ", ".join(trained)
    untrained = [r["token"] for r in meta.get("token_rows_before") or [] if r.get("indistinct")]
    return f"; untrained token rows left as they were: {', '.join(untrained)}" if untrained else ""


# --------------------------------------------------------------------------- summary.csv


def summary_rows(outcomes: Sequence[ModelOutcome], test_sets: Sequence[str]) -> list[dict[str, Any]]:
    """One row per (model, test set); a failed or not-run model gets rows with empty results."""
    error_types = sorted({k for o in outcomes for r in o.results.values() for k in r.errors})
    families = counted_families(outcomes)
    rows: list[dict[str, Any]] = []
    for o in outcomes:
        for ts in test_sets:
            r = o.results.get(ts)
            row: dict[str, Any] = {
                "arm": o.name,
                "data": o.data,
                "status": o.status,
                "test_set": ts,
                "n": r.n if r else None,
                "correct": r.correct if r else None,
                "accuracy": None,
                "ci_low": None,
                "ci_high": None,
                "train_records": o.train_records,
                "train_skipped": o.train_skipped,
                "train_data_errors": o.train_data_errors,
                "train_records_with_errors": o.train_with_errors,
                **{f"train_warnings_{f}": None if o.train_warnings is None else o.train_warnings.get(f, 0)
                   for f in families},
                "train_steps": o.train_steps,
                "train_loss": None if o.train_loss is None else round(o.train_loss, 4),
                "train_seconds": _round(o.train_seconds),
                "eval_seconds": _round(r.eval_seconds) if r else None,
            }
            if r and r.n:
                lo, hi = wilson_interval(r.correct, r.n)
                row.update(accuracy=round(r.accuracy, 4), ci_low=round(lo, 4), ci_high=round(hi, 4))
            row.update(strict_correct=None, strict_accuracy=None, strict_ci_low=None, strict_ci_high=None)
            if r and r.n and r.strict_correct is not None:
                lo, hi = wilson_interval(r.strict_correct, r.n)
                row.update(strict_correct=r.strict_correct, strict_accuracy=round(r.strict_correct / r.n, 4),
                           strict_ci_low=round(lo, 4), strict_ci_high=round(hi, 4))  # fmt: skip
            for et in error_types:
                row[f"errors_{et}"] = r.errors.get(et, 0) if r else None
            row["error"] = o.error or ""
            rows.append(row)
    return rows


def write_summary_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    if not cols:
        cols = ["arm", "test_set", "n", "accuracy", "ci_low", "ci_high"]
    # atomic; a cell a spreadsheet would run as a formula (= + - @ TAB CR) gets a leading quote
    write_csv_dicts(path, cols, ({k: ("" if r.get(k) is None else r.get(k)) for k in cols} for r in rows))
    return path


# --------------------------------------------------------------------------- summary.md


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]


def _md_header(result: CompareResult, machine: dict[str, Any] | None) -> list[str]:
    cfg = result.config
    lines: list[str] = [f"# Comparison `{cfg.name}`", ""]
    if cfg.description:
        lines += [cfg.description.strip(), ""]
    ran = describe_precision(machine.get("precision")) if machine else ""
    lines.append(
        f"- base model: `{cfg.model}`; device `{cfg.device}`, dtype `{cfg.dtype}`"
        + (f" (trained and evaluated in {ran})" if machine and machine.get("precision") else "")
        + f", seed {cfg.seed}"
    )
    if machine:
        lines.append(
            f"- machine: {machine.get('cpu_count')} CPU cores, "
            f"{machine.get('accelerator') or 'no GPU'}; {machine.get('platform', '')}"
        )
    steps = sum((o.train_seconds or 0.0) + o.eval_seconds for o in result.outcomes)
    steps += result.data.seconds if result.data is not None else 0.0
    lines.append(
        f"- time: {_secs(steps)} for all steps as each was measured when it ran; "
        f"this invocation {_secs(result.seconds)} (reused steps are not re-run)"
    )
    d = result.data
    if d is not None:
        top = ", ".join(f"{k} x{v}" for k, v in sorted(d.by_code.items(), key=lambda kv: -kv[1])[:8])
        lines += [
            f"- training data `{_rel(d.dirty_path)}`: {d.dirty_records} records, {d.findings} findings "
            f"({d.errors} errors){': ' + top if top else ''}",
            f"- cleaned: {d.clean_records} records kept, {d.quarantined} quarantined "
            f"(reports: `data/lint.json`, `data/clean.html`)",
        ]
    for dd in result.derived:
        made = ", ".join(f"{k} {dd.report[k]}" for k in DERIVED_SHOWN if isinstance(dd.report.get(k), int | float))
        lines.append(
            f"- {dd.kind}: {dd.records} records made from the {dd.source} data"
            + (f" ({made})" if made else "")
            + f" (`data/{dd.kind}/`)"
        )
    reused = []
    for o in result.outcomes:
        steps = [r.removesuffix(" (published)") for r in o.resumed if r.endswith(" (published)")]
        if steps:
            reused.append(f"`{o.name}` ({', '.join(steps)})")
    if reused:
        where = _rel(result.published_from or "")
        lines.append(f"- reused from the published results in `{where}`: {', '.join(reused)}")
    if result.error:
        lines += ["", f"**The run failed before training:** `{result.error}`"]
    return lines


def _md_accuracy(result: CompareResult) -> list[str]:
    ts_names = result.test_sets
    lines = ["", "## Accuracy (95% Wilson interval)", ""]
    families = counted_families(result.outcomes)
    head = ["model", "data", "train records", *(f"{f} warnings" for f in families), *ts_names]
    head += ["train time", "eval time", "status"]
    rows = []
    for o in result.outcomes:
        cells = [f"`{o.name}`", o.data or "–", _train_cell(o), *(_warnings_cell(o, f) for f in families)]
        for ts in ts_names:
            r = o.results.get(ts)
            cells.append("–" if r is None or not r.n else _accuracy_cell(r.correct, r.n))
        cells += [
            _secs(o.train_seconds),
            _secs(o.eval_seconds) if o.results else "–",
            o.status + (f" ({o.failed_step})" if o.failed_step else ""),
        ]
        rows.append(cells)
    return lines + _table(head, rows)


def _md_strict(result: CompareResult) -> list[str]:
    if not any(r.strict_correct is not None for o in result.outcomes for r in o.results.values()):
        return []
    ts_names = result.test_sets
    lines = [
        "",
        "## Strict accuracy: the calls a serving stack returns (95% Wilson interval)",
        "",
        "Only calls that vLLM's `hermes` tool parser would hand to a client count: every `<tool_call>` body "
        "a JSON object with a `name` and an `arguments` object, nothing repaired (no Python literals, no "
        "arguments as strings, no bare or fenced JSON). The table above scores leniently "
        "(`evaluator.extract.extract_calls`, every common format).",
        "",
    ]
    rows = []
    for o in result.outcomes:
        cells = [f"`{o.name}`", o.data or "–"]
        for ts in ts_names:
            r = o.results.get(ts)
            k = r.strict_correct if r is not None else None
            cells.append("–" if r is None or not r.n or k is None else _accuracy_cell(k, r.n))
        rows.append(cells)
    return lines + _table(["model", "data", *ts_names], rows)


def _md_paired(ts_names: Sequence[str], paired: Sequence[PairedChange]) -> list[str]:
    if not paired:
        return []
    lines = [
        "",
        "## Paired changes: the same test records",
        "",
        "Each cell: the first model's accuracy minus the second's, in points; the records only the first "
        "got right (+) and only the second (-); the two-sided exact McNemar p, the chance of a split at "
        "least this uneven if neither model were the better one. Both models answer the same records, so "
        "this test sees differences that the overlap of the intervals above hides (lenient scores).",
        "",
    ]
    cells_by_pair: dict[tuple[str, str], dict[str, str]] = {}
    for c in paired:
        cells_by_pair.setdefault((c.model, c.reference), {})[c.test_set] = _paired_cell(c)
    rows = [[f"`{model}` vs `{ref}`"] + [cells.get(ts, "–") for ts in ts_names]
            for (model, ref), cells in cells_by_pair.items()]  # fmt: skip
    return lines + _table(["model vs reference", *ts_names], rows)


SIGNIFICANT = 0.05  # a paired change is called an effect only below this exact McNemar p


def _md_in_words(paired: Sequence[PairedChange]) -> list[str]:
    """What the paired tests show, in words, so that nobody reads +7.5 points on 40 records as an effect:
    per pair, the test sets where one model is better beyond chance, and those where they are within it."""
    if not paired:
        return []
    by_pair: dict[tuple[str, str], list[PairedChange]] = {}
    for c in paired:
        by_pair.setdefault((c.model, c.reference), []).append(c)
    lines = ["", "## What it shows", ""]
    for (model, ref), cs in by_pair.items():
        beyond = [c for c in cs if c.p < SIGNIFICANT and c.gained != c.lost]
        within = [c for c in cs if c not in beyond]
        parts = [
            f"{'better' if c.delta > 0 else 'worse'} on {c.test_set} ({100 * c.delta:+.1f} points, {_p_text(c.p)})"
            for c in beyond
        ]
        if within:
            sets = ", ".join(f"{c.test_set} ({100 * c.delta:+.1f})" for c in within)
            parts.append(f"within chance on {sets}: these records cannot tell the two apart (p >= {SIGNIFICANT})")
        lines.append(f"- `{model}` vs `{ref}`: " + "; ".join(parts))
    return lines


def _md_errors(result: CompareResult) -> list[str]:
    error_types = sorted({k for o in result.outcomes for r in o.results.values() for k in r.errors})
    if not error_types:
        return []
    rows = []
    for o in result.outcomes:
        for ts in result.test_sets:
            r = o.results.get(ts)
            if r is not None:
                rows.append([f"`{o.name}`", ts] + [str(r.errors.get(et, 0)) for et in error_types])
    return ["", "## Errors (wrong answers by kind)", ""] + _table(["model", "test set", *error_types], rows)


def _md_arms(result: CompareResult) -> list[str]:
    cfg = result.config
    adapters = {o.name: o.adapter_dir for o in result.outcomes}
    lines = ["", "## Arms", ""]
    for a in cfg.arms:
        over = ", ".join(f"{k}={v}" for k, v in a.train.items()) or "shared settings"
        desc = f"{a.description.strip()} " if a.description else ""
        lines.append(f"- `{a.name}`: {desc}({a.data} data; {over}){_token_rows_note(adapters.get(a.name))}")
    shared = ", ".join(f"{k}={v}" for k, v in cfg.train.items())
    if shared:
        lines.append(f"- shared training settings: {shared}")
    lines.append(
        f"- evaluation: max_new_tokens={cfg.eval.max_new_tokens}, batch_size={cfg.eval.batch_size}"
        + "".join(f", {k}={v}" for k, v in cfg.eval.options.items())
    )
    return lines


def _md_failures_and_files(result: CompareResult, paired: Sequence[PairedChange]) -> list[str]:
    lines: list[str] = []
    failed = [o for o in result.outcomes if o.status == "failed"]
    if failed:
        lines += ["", "## Failures", ""]
        for o in failed:
            where = "base" if o.name == BASE else f"arms/{o.name}"
            lines.append(f"- `{o.name}` failed in {o.failed_step}: `{o.error}` (traceback: `{where}/error.txt`)")
    lines += ["", "## Files", ""]
    lines.append(
        "- `summary.csv`, `accuracy.png`, `compare.json`"
        + (", `paired.csv`" if paired else "")
        + "; test sets as evaluated in `test_sets/`"
    )
    for o in result.outcomes:
        for ts, r in o.results.items():
            if r.results_csv:
                rel = _rel(r.results_csv, result.output_dir)
                lines.append(f"- `{o.name}` on {ts}: `{_rel(rel) if Path(rel).is_absolute() else rel}`")
    return lines


def write_summary_md(
    result: CompareResult,
    path: Path,
    *,
    machine: dict[str, Any] | None = None,
    paired: Sequence[PairedChange] | None = None,
) -> Path:
    if paired is None:
        paired = paired_changes(result.outcomes, result.test_sets)
    lines = _md_header(result, machine) + _md_accuracy(result) + _md_strict(result)
    lines += _md_in_words(paired) + _md_paired(result.test_sets, paired) + _md_errors(result) + _md_arms(result)
    lines += _md_failures_and_files(result, paired)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- all of them


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "accelerator": None,
    }
    try:
        import torch  # noqa: PLC0415

        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["accelerator"] = torch.cuda.get_device_name(0)
    except Exception:  # noqa: BLE001 - torch is optional for the report
        pass
    return info


def write_reports(
    result: CompareResult,
    *,
    started: str = "",
    timings: dict[str, float] | None = None,
    test_sets: Sequence[PreparedTestSet] = (),
) -> dict[str, str]:
    """Write summary.csv, summary.md, accuracy.png, compare.json and paired.csv into the output folder."""
    out = result.output_dir
    machine = machine_info()
    try:
        machine["precision"] = precision(result.config)  # what dtype/device `auto` resolved to: in every key
    except Exception:  # noqa: BLE001 - no torch: the config's own words are all there is
        machine["precision"] = None
    files: dict[str, str] = {}
    rows = summary_rows(result.outcomes, result.test_sets)
    files["summary_csv"] = str(write_summary_csv(rows, out / "summary.csv"))
    paired = paired_changes(result.outcomes, result.test_sets)
    if paired:
        files["paired_csv"] = str(write_summary_csv([c.to_dict() for c in paired], out / "paired.csv"))
    files["summary_md"] = str(write_summary_md(result, out / "summary.md", machine=machine, paired=paired))
    if result.test_sets and any(o.results for o in result.outcomes):
        title = f"{result.config.name}: {result.config.model}"
        files["accuracy_png"] = str(plot_accuracy(result.outcomes, result.test_sets, out / "accuracy.png", title=title))
    if result.data is not None:
        files["lint_report"] = result.data.lint_report
        files["clean_report"] = result.data.clean_report
    compare_json = out / "compare.json"
    files["compare_json"] = str(compare_json)
    doc = {
        "name": result.config.name,
        "started": started,
        "finished": now(),
        "seconds": round(result.seconds, 2),
        "exit_code": result.exit_code,
        "error": result.error,
        "config": result.config.model_dump(mode="json"),
        "versions": versions(),
        "machine": machine,
        "timings": {k: round(v, 2) for k, v in (timings or {}).items()},
        "data": dataclasses.asdict(result.data) if result.data else None,
        "test_sets": [dataclasses.asdict(t) for t in test_sets],
        "models": [o.to_dict() for o in result.outcomes],
        "paired": [c.to_dict() for c in paired],
        "files": files,
    }
    if result.derived:
        doc["derived"] = [dataclasses.asdict(d) for d in result.derived]
    if result.published_from:
        doc["published_from"] = result.published_from
    compare_json.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    return files
