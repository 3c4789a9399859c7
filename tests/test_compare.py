"""`toolproof compare`: config, Wilson intervals, reports, resume and failure isolation.

The orchestration tests swap the three backends (lint+clean, train, evaluate) for
small fakes that do real file work, so resume and failure handling are checked in
milliseconds; `test_compare_end_to_end_tiny_model` runs the real validator, trainer
and evaluator on a tiny random-initialised model.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest

from toolproof import compare as cmp
from toolproof.cli import main
from toolproof.compare import (
    CompareConfigError,
    ModelOutcome,
    SetResult,
    load_config,
    run_compare,
    summary_rows,
    wilson_interval,
)
from toolproof.evaluator.run import read_verdicts
from toolproof.trainer.train import CHECKPOINT_PROGRESS

# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        # Reference values: the roots in p of (k/n - p)^2 = z^2 p (1 - p) / n, z = 1.959964
        # (the same as statsmodels' proportion_confint(k, n, method="wilson")).
        (5, 10, 0.236593, 0.763407),
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
        (1, 10, 0.017876, 0.404150),
        (81, 263, 0.255289, 0.366210),
        (29, 40, 0.571650, 0.838920),
        (4, 5, 0.375535, 0.963776),
    ],
)
def test_wilson_interval_known_values(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-5)
    assert got[1] == pytest.approx(hi, abs=1e-5)


def test_wilson_interval_edges() -> None:
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    lo, hi = wilson_interval(3, 7)
    assert lo < 3 / 7 < hi
    with pytest.raises(ValueError):
        wilson_interval(8, 7)


# --------------------------------------------------------------------------- config


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _test_record(i: int) -> dict[str, Any]:
    return {
        "id": f"t{i}",
        "messages": [{"role": "user", "content": f"weather in city {i}?"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Weather for a city.",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            }
        ],
        "expected_calls": [{"name": "get_weather", "arguments": {"city": f"city {i}"}}],
    }


def _config(tmp: Path, **over: Any) -> dict[str, Any]:
    train = _write_jsonl(tmp / "train.jsonl", [_test_record(i) for i in range(6)])
    test = _write_jsonl(tmp / "test.jsonl", [_test_record(100 + i) for i in range(8)])
    cfg: dict[str, Any] = {
        "name": "unit",
        "model": "tiny",
        "data": {"train": str(train)},
        "train": {"max_steps": 2},
        "arms": [{"name": "dirty", "data": "dirty"}, {"name": "clean", "data": "clean"}],
        "eval": {"test_sets": [{"name": "synthetic", "path": str(test), "limit": 5}], "max_new_tokens": 8},
    }
    cfg.update(over)
    return cfg


def test_load_config_yaml_and_defaults(tmp_path: Path) -> None:
    import yaml

    raw = _config(tmp_path)
    raw["data"]["train"] = "train.jsonl"  # relative to the config file's folder
    raw["eval"]["test_sets"].append({"bfcl": "simple_python", "limit": 3})
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    cfg = load_config(p)
    assert cfg.data.train == str((tmp_path / "train.jsonl").resolve())
    assert [t.name for t in cfg.eval.test_sets] == ["synthetic", "bfcl-simple_python"]
    assert cfg.base is True and cfg.device == "auto"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["arms"].append({"name": "dirty", "data": "clean"}), "duplicate arm names"),
        (lambda c: c["arms"].append({"name": "base", "data": "clean"}), "reserved"),
        (lambda c: c["arms"].append({"name": "x", "data": "filthy"}), "arms.2.data"),
        (lambda c: c.update(arms=[]), "arms"),
        (lambda c: c.update(stray=1), "stray"),
        (lambda c: c["arms"][0].update(train={"lr": 1}), "arms.dirty.train: unknown trainer settings lr"),
        (lambda c: c["arms"][0].update(train={"data": "x"}), "cannot be set"),
        (lambda c: c["eval"]["test_sets"].append({"name": "both", "path": "a", "bfcl": "b"}), "exactly one"),
    ],
)
def test_load_config_rejects(tmp_path: Path, change: Any, message: str) -> None:
    raw = _config(tmp_path)
    change(raw)
    with pytest.raises(CompareConfigError, match=message):
        load_config(raw)


def test_shipped_configs_are_valid() -> None:
    root = Path(__file__).resolve().parent.parent / "experiments"
    demo = load_config(root / "demo.yaml")
    seed = load_config(root / "seed.yaml")
    assert demo.model == "smollm2-135m"
    assert {a.name for a in demo.arms} >= {"dirty", "clean"}
    assert {a.data for a in demo.arms} == {"dirty", "clean"}
    assert seed.model == "qwen2.5-coder-0.5b"
    formats = {a.train.get("format") for a in seed.arms}
    assert "markup_in_content" in formats
    assert any(a.data == "clean" for a in seed.arms)
    for cfg in (demo, seed):
        assert Path(cfg.data.train).is_file(), cfg.data.train
    # the CPU-sized seed is the same recipe, smaller: only steps and test-set sizes differ
    cpu = load_config(root / "seed-cpu.yaml")
    assert (cpu.model, cpu.data, cpu.arms, cpu.dtype, cpu.seed) == (seed.model, seed.data, seed.arms, seed.dtype, seed.seed)
    assert {**cpu.train, "max_steps": 0} == {**seed.train, "max_steps": 0}
    assert cpu.train["max_steps"] < seed.train["max_steps"]
    assert [t.name for t in cpu.eval.test_sets] == [t.name for t in seed.eval.test_sets]
    assert all(c.limit <= s.limit for c, s in zip(cpu.eval.test_sets, seed.eval.test_sets))
    # the balanced arm: the clean arm's settings on the balanced data
    arms = {a.name: a for a in seed.arms}
    assert arms["clean-balanced"].data == "balanced" and arms["clean-balanced"].train == arms["clean"].train


# --------------------------------------------------------------------------- reports as data


def _outcomes() -> list[ModelOutcome]:
    return [
        ModelOutcome("base", results={"syn": SetResult(20, 2, 10.0, {"no_call": 18})}),
        ModelOutcome(
            "dirty",
            data="dirty",
            train_records=100,
            train_seconds=60.0,
            results={"syn": SetResult(20, 6, 9.0, {"wrong_arguments": 4, "no_call": 10})},
        ),
        ModelOutcome(
            "clean",
            data="clean",
            train_records=90,
            train_seconds=55.0,
            results={"syn": SetResult(20, 15, 8.0, {"wrong_arguments": 5})},
        ),
        ModelOutcome("broken", data="clean", status="failed", failed_step="train", error="ValueError: boom"),
    ]


def test_summary_rows_and_writers(tmp_path: Path) -> None:
    outcomes = _outcomes()
    rows = summary_rows(outcomes, ["syn"])
    assert [r["arm"] for r in rows] == ["base", "dirty", "clean", "broken"]
    clean = rows[2]
    assert clean["accuracy"] == 0.75
    lo, hi = wilson_interval(15, 20)
    assert clean["ci_low"] == round(lo, 4) and clean["ci_high"] == round(hi, 4)
    assert clean["errors_wrong_arguments"] == 5 and clean["errors_no_call"] == 0
    assert rows[3]["status"] == "failed" and rows[3]["accuracy"] is None and "boom" in rows[3]["error"]

    path = cmp.write_summary_csv(rows, tmp_path / "summary.csv")
    with open(path, newline="") as f:
        got = list(csv.DictReader(f))
    for col in ("arm", "test_set", "n", "accuracy", "ci_low", "ci_high", "train_records", "train_seconds",
                "eval_seconds", "errors_no_call"):
        assert col in got[0]
    assert got[1]["arm"] == "dirty" and got[1]["accuracy"] == "0.3" and got[1]["train_records"] == "100"

    png = cmp.plot_accuracy(outcomes, ["syn"], tmp_path / "acc.png", title="t")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _write_results_csv(path: Path, correct: list[bool], ids: list[str] | None = None) -> Path:
    """An evaluator results CSV (the columns paired comparisons read: id, correct; as evaluate writes them)."""
    ids = ids or [f"r{i}" for i in range(len(correct))]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "prompt", "correct", "strict_correct", "error_type"])
        for k, (i, ok) in enumerate(zip(ids, correct, strict=True)):
            strict = ok and k % 2 == 0  # the strict reading misses every other right answer
            w.writerow([i, "a prompt, with\na newline", str(ok).lower(), str(strict).lower(), "" if ok else "value_error"])
    return path


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (0, 0, 1.0),
        (5, 5, 1.0),
        (0, 5, 0.0625),  # 2 * (1/2)^5
        (1, 3, 0.625),  # 2 * (1 + 4) / 16
        (15, 2, 2 * (1 + 17 + 136) / 2**17),
        (1, 39, 2 * 41 / 2**40),
    ],
)
def test_mcnemar_p_known_values(b: int, c: int, p: float) -> None:
    assert cmp.mcnemar_p(b, c) == pytest.approx(p, rel=1e-12)
    assert cmp.mcnemar_p(c, b) == pytest.approx(p, rel=1e-12)  # two-sided: symmetric


def test_mcnemar_p_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="counts"):
        cmp.mcnemar_p(-1, 3)


def test_paired_change_counts_records_right_for_one_model_only(tmp_path: Path) -> None:
    mine = _write_results_csv(tmp_path / "a.csv", [True, True, False, True, False])
    theirs = _write_results_csv(tmp_path / "b.csv", [False, True, True, False, False])
    c = cmp.paired_change("clean", "base", "syn", read_verdicts(mine), read_verdicts(theirs))
    assert (c.n, c.gained, c.lost) == (5, 2, 1)
    assert c.delta == pytest.approx(0.2) and c.p == pytest.approx(1.0)
    assert c.to_dict()["delta"] == 0.2
    other = _write_results_csv(tmp_path / "c.csv", [True] * 5, ids=["r0", "r1", "r2", "r4", "r3"])
    with pytest.raises(ValueError, match="same records in the same order"):
        cmp.paired_change("clean", "base", "syn", read_verdicts(mine), read_verdicts(other))


def test_paired_changes_pairs_arms_with_the_base_and_clean_with_dirty(tmp_path: Path) -> None:
    def result(name: str, correct: list[bool]) -> SetResult:
        return SetResult(len(correct), sum(correct), results_csv=str(_write_results_csv(tmp_path / f"{name}.csv",
                                                                                        correct)))

    outcomes = [
        ModelOutcome("base", results={"syn": result("base", [False] * 6 + [True] * 2)}),
        ModelOutcome("dirty", data="dirty", results={"syn": result("dirty", [False] * 7 + [True])}),
        ModelOutcome("clean", data="clean", results={"syn": result("clean", [True] * 7 + [False])}),
        ModelOutcome("missing", data="dirty", results={"syn": SetResult(8, 3, results_csv=str(tmp_path / "no.csv"))}),
        ModelOutcome("broken", data="clean", status="failed"),
    ]
    got = {(c.model, c.reference): c for c in cmp.paired_changes(outcomes, ["syn"])}
    assert sorted(got) == [("clean", "base"), ("clean", "dirty"), ("dirty", "base")]
    assert (got["dirty", "base"].gained, got["dirty", "base"].lost) == (0, 1)
    assert (got["clean", "base"].gained, got["clean", "base"].lost) == (6, 1)
    assert (got["clean", "dirty"].gained, got["clean", "dirty"].lost) == (7, 1)
    assert got["clean", "dirty"].p == pytest.approx(2 * (1 + 8) / 2**8)

    res = cmp.CompareResult("unit", tmp_path, cmp.load_config(_config(tmp_path)), None, outcomes, ["syn"], {}, 1.0)
    md = cmp.write_summary_md(res, tmp_path / "summary.md").read_text()
    section = md[md.index("## Paired changes"):md.index("## Errors") if "## Errors" in md else None]
    assert "| `clean` vs `dirty` | +75.0 (+7 / -1, p 0.07) |" in section
    assert "| `clean` vs `base` | +62.5 (+6 / -1, p 0.12) |" in section
    assert "| `dirty` vs `base` | -12.5 (+0 / -1, p 1.00) |" in section


# --------------------------------------------------------------------------- orchestration with fakes


class Stopped(RuntimeError):
    """A stopped run (a real stop kills the process; the checkpoint it left is what matters)."""


class FakeBackends:
    """Stand-ins for the validator, trainer and evaluator that count their calls."""

    def __init__(self, fail_arms: set[str] | None = None, acc: dict[str, int] | None = None) -> None:
        self.fail_arms = fail_arms or set()
        self.acc = acc or {}
        self.trained: list[str] = []
        self.continued: list[str] = []  # arms whose training was told to resume its checkpoint
        self.stop_arms: set[str] = set()  # arms that stop after writing a checkpoint (as a killed run would)
        self.evaluated: list[tuple[str | None, str]] = []
        self.cleaned = 0
        self.balanced: list[dict[str, Any]] = []  # the options of each balance call
        self.balance_error: str | None = None
        self.warnings: dict[str, dict[str, int]] = {}  # arm -> warnings per rule family in its data
        self.train_paths: dict[str, str] = {}
        self.stop_evals: set[str] = set()  # models whose evaluation stops after writing its journal
        self.journal_found: list[bool] = []  # per evaluation: was a stopped run's journal still there

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(cmp.backends, "lint_and_clean", self.lint_and_clean)
        monkeypatch.setattr(cmp.backends, "train", self.train)
        monkeypatch.setattr(cmp.backends, "evaluate", self.evaluate)
        monkeypatch.setattr(cmp.backends, "balance", self.balance)

    def balance(self, src: str, dst: Path, options: dict[str, Any], seed: int) -> dict[str, Any]:
        """Appends `added` (default 2) no-call copies of the first record, as the repair would add records."""
        self.balanced.append(options)
        if self.balance_error:
            raise RuntimeError(self.balance_error)
        lines = Path(src).read_text().splitlines()
        added = int(options.get("added", 2))
        dst.write_text("\n".join(lines + [lines[0]] * added) + "\n")
        return {"added": added, "seed": seed}

    def lint_and_clean(self, src: str, step_dir: Path, opts: dict[str, Any]) -> cmp.PreparedData:
        self.cleaned += 1
        lines = Path(src).read_text().splitlines()
        (step_dir / "lint.json").write_text("{}")
        (step_dir / "clean.html").write_text("<html></html>")
        (step_dir / "train.clean.jsonl").write_text("\n".join(lines[:-1]) + "\n")
        return cmp.PreparedData(src, str(step_dir / "train.clean.jsonl"), len(lines), len(lines) - 1, 1, 3, 2,
                                {"TP105": 2, "TP404": 1}, str(step_dir / "lint.json"), str(step_dir / "clean.html"))

    def train(self, cfg: cmp.CompareConfig, arm: cmp.ArmConfig, path: str, step_dir: Path,
              say: Any = None, *, continuing: bool = False, bars: Any = None) -> dict[str, Any]:
        self.trained.append(arm.name)
        self.train_paths[arm.name] = path
        if bars is not None:
            from toolproof.validator.progress import ProgressUpdate

            bars(ProgressUpdate("train", 10, 10, info="loss 1"))
        if continuing:
            self.continued.append(arm.name)
        if arm.name in self.fail_arms:
            raise RuntimeError(f"cannot train {arm.name}")
        if arm.name in self.stop_arms:
            (step_dir / "checkpoint-10").mkdir()
            (step_dir / "checkpoint-10" / CHECKPOINT_PROGRESS).write_text("{}")
            raise Stopped(f"{arm.name} stopped after step 10")
        (step_dir / "adapter").mkdir()
        out = {"adapter_dir": str(step_dir / "adapter"), "train_records": cmp._count_lines(path), "train_seconds": 1.5}
        if arm.name in self.warnings:
            out["warnings_by_family"] = self.warnings[arm.name]
        return out

    def evaluate(self, cfg: cmp.CompareConfig, ts: cmp.PreparedTestSet, step_dir: Path,
                 adapter: str | None, model: Any = None, progress: Any = None) -> SetResult:
        name = "base" if adapter is None else Path(adapter).parent.parent.name
        self.evaluated.append((name, ts.name))
        if progress is not None:
            from toolproof.validator.progress import ProgressUpdate

            progress(ProgressUpdate(f"eval {ts.name}.jsonl", ts.n, ts.n, tokens=5))
        journal = step_dir / "results.partial.jsonl"
        self.journal_found.append(journal.is_file())
        if name in self.stop_evals:
            journal.write_text('{"fingerprint": "f"}\n')
            raise Stopped(f"{name} stopped while evaluating {ts.name}")
        journal.unlink(missing_ok=True)
        k = self.acc.get(name, 1)
        _write_results_csv(step_dir / "results.csv", [i < k for i in range(ts.n)])
        return SetResult(ts.n, k, 0.5, {"wrong_arguments": ts.n - k}, str(step_dir / "results.csv"),
                         extra={"strict_correct": max(k - 1, 0)})


def test_run_compare_resume_and_failure_isolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    raw["arms"].append({"name": "broken", "data": "clean", "train": {"lora_r": 4}})
    fake = FakeBackends(fail_arms={"broken"}, acc={"base": 0, "dirty": 1, "clean": 4})
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out")
    out = tmp_path / "out" / "unit"
    assert res.exit_code == 1 and res.failed == ["broken"]
    assert fake.trained == ["dirty", "clean", "broken"]
    assert [o.status for o in res.outcomes] == ["ok", "ok", "ok", "failed"]
    assert (out / "arms" / "broken" / "error.txt").read_text().count("cannot train broken")
    for f in ("summary.csv", "summary.md", "accuracy.png", "compare.json", "data/lint.json", "data/clean.html",
              "test_sets/synthetic.jsonl"):
        assert (out / f).is_file(), f
    assert len((out / "test_sets/synthetic.jsonl").read_text().splitlines()) == 5  # limit
    md = (out / "summary.md").read_text()
    assert "80.0% [37.6%, 96.4%] (4/5)" in md and "cannot train broken" in md
    strict = md[md.index("## Strict accuracy"):]
    assert "| `clean` | clean | 60.0% [23.1%, 88.2%] (3/5) |" in strict and "| `base` | – | 0.0%" in strict
    with open(out / "summary.csv", newline="") as f:
        by_arm = {r["arm"]: r for r in csv.DictReader(f)}
    assert by_arm["clean"]["strict_correct"] == "3" and by_arm["clean"]["strict_accuracy"] == "0.6"
    doc = json.loads((out / "compare.json").read_text())
    assert doc["exit_code"] == 1 and doc["versions"]["toolproof"] and doc["machine"]["cpu_count"]
    # Record by record: clean got 4 of 5 right where the base got none (the fakes' first k records).
    assert {(c["model"], c["reference"]): (c["gained"], c["lost"]) for c in doc["paired"]} == {
        ("dirty", "base"): (1, 0), ("clean", "base"): (4, 0), ("clean", "dirty"): (3, 0)}
    assert "| `clean` vs `dirty` | +60.0 (+3 / -0, p 0.25) |" in md
    with open(out / "paired.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 3
    assert {m["name"]: m["status"] for m in doc["models"]} == {"base": "ok", "dirty": "ok", "clean": "ok",
                                                              "broken": "failed"}
    marker = out / "arms" / "clean" / "train" / cmp.MARKER
    mtime = marker.stat().st_mtime_ns

    # Second run: nothing finished is redone; the failed arm is retried.
    fake2 = FakeBackends(acc={"base": 0, "dirty": 1, "clean": 4})
    fake2.install(monkeypatch)
    res2 = run_compare(raw, output_root=tmp_path / "out")
    assert fake2.cleaned == 0 and fake2.trained == ["broken"]
    assert fake2.evaluated == [("broken", "synthetic")]
    assert res2.exit_code == 0 and marker.stat().st_mtime_ns == mtime
    clean = next(o for o in res2.outcomes if o.name == "clean")
    assert clean.resumed == ["train", "eval:synthetic"] and clean.results["synthetic"].correct == 4

    # A changed arm setting re-trains only that arm (and re-evaluates it).
    raw["arms"][1]["train"] = {"max_steps": 3}
    fake3 = FakeBackends()
    fake3.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out")
    assert fake3.trained == ["clean"] and fake3.evaluated == [("clean", "synthetic")]

    # A bumped RESULTS_VERSION of the trainer re-trains and re-evaluates every arm; the data step stays.
    from toolproof import trainer

    monkeypatch.setattr(trainer, "RESULTS_VERSION", trainer.RESULTS_VERSION + 1)
    fake_v = FakeBackends()
    fake_v.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out")
    assert fake_v.cleaned == 0 and fake_v.trained == ["dirty", "clean", "broken"]
    assert ("base", "synthetic") in fake_v.evaluated  # the base evaluation renders prompts with the trainer

    # --no-resume redoes everything.
    fake4 = FakeBackends()
    fake4.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out", resume=False)
    assert fake4.cleaned == 1 and fake4.trained == ["dirty", "clean", "broken"]


def test_a_stopped_arm_continues_from_its_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    fake = FakeBackends()
    fake.stop_arms = {"clean"}
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out")
    step_dir = tmp_path / "out" / "unit" / "arms" / "clean" / "train"
    assert res.failed == ["clean"] and fake.continued == []
    assert (step_dir / "checkpoint-10").is_dir() and (step_dir / cmp.PARTIAL).is_file()

    # The next run hands the checkpoint to the trainer instead of wiping it; the finished arm is reused.
    fake2 = FakeBackends()
    fake2.install(monkeypatch)
    res2 = run_compare(raw, output_root=tmp_path / "out")
    assert res2.exit_code == 0 and fake2.trained == ["clean"] and fake2.continued == ["clean"]
    assert (step_dir / cmp.MARKER).is_file() and not (step_dir / cmp.PARTIAL).exists()

    # A checkpoint of other settings is not continued: the step starts over in an empty folder.
    fake3 = FakeBackends()
    fake3.stop_arms = {"clean"}
    fake3.install(monkeypatch)
    raw["arms"][1]["train"] = {"max_steps": 30}
    run_compare(raw, output_root=tmp_path / "out")
    raw["arms"][1]["train"] = {"max_steps": 40}
    fake4 = FakeBackends()
    fake4.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out")
    assert fake4.trained == ["clean"] and fake4.continued == []
    assert not (step_dir / "checkpoint-10").exists()

    # --no-resume never continues a checkpoint either.
    fake5 = FakeBackends()
    fake5.stop_arms = {"clean"}
    fake5.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out", resume=False)
    fake6 = FakeBackends()
    fake6.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out", resume=False)
    assert fake6.continued == []


def test_a_stopped_evaluation_keeps_its_journal_for_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stopped evaluation step's folder (the evaluator's journal of finished batches) is kept for the
    next run of the same step; a step with another key, or --no-resume, starts in an empty folder."""
    raw = _config(tmp_path)
    fake = FakeBackends()
    fake.stop_evals = {"base"}
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out", only=["base"])
    assert res.exit_code != 0  # the model failed: its step is not finished
    step_dir = tmp_path / "out" / "unit" / "base" / "eval" / "synthetic"
    assert (step_dir / "results.partial.jsonl").is_file() and (step_dir / cmp.PARTIAL).is_file()
    fake2 = FakeBackends()
    fake2.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out", only=["base"])
    assert fake2.journal_found == [True]
    assert (step_dir / cmp.MARKER).is_file() and not (step_dir / cmp.PARTIAL).exists()
    for resume, change in ((True, 64), (False, None)):
        fake3 = FakeBackends()
        fake3.stop_evals = {"base"}
        fake3.install(monkeypatch)
        run_compare(raw, output_root=tmp_path / "out", only=["base"], resume=False)
        if change is not None:
            raw.setdefault("eval", {})["max_new_tokens"] = change  # another key
        fake4 = FakeBackends()
        fake4.install(monkeypatch)
        run_compare(raw, output_root=tmp_path / "out", only=["base"], resume=resume)
        assert fake4.journal_found == [False]


def test_train_step_checkpoints_every_10_steps_and_save_steps_is_not_part_of_the_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolproof.trainer.train as tt

    got: list[Any] = []

    def fake_train(config: Any, on_event: Any = None) -> Any:
        got.append(config)
        raise RuntimeError("stop here")

    monkeypatch.setattr(tt, "train", fake_train)
    cfg = load_config(_config(tmp_path))
    arm = cfg.arms[0]
    with pytest.raises(RuntimeError, match="stop here"):
        cmp._train(cfg, arm, cfg.data.train, tmp_path / "s", continuing=True)
    assert got[-1].save_steps == cmp.CHECKPOINT_STEPS == 10 and got[-1].resume is True
    other = arm.model_copy(update={"train": {**arm.train, "save_steps": 3}})
    with pytest.raises(RuntimeError):
        cmp._train(cfg, other, cfg.data.train, tmp_path / "s")
    assert got[-1].save_steps == 3 and got[-1].resume is False
    assert cmp._train_hash(cfg, other, cfg.data.train) == cmp._train_hash(cfg, arm, cfg.data.train)


def test_run_compare_hands_each_step_a_bar_named_after_its_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBackends()
    fake.install(monkeypatch)
    updates: list[Any] = []
    run_compare(_config(tmp_path), output_root=tmp_path, bars=updates.append)
    labels = [u.label for u in updates]
    assert labels == ["base: eval synthetic"] + [
        label for arm in fake.trained for label in (f"{arm}: train", f"{arm}: eval synthetic")
    ]
    assert fake.trained and all(u.done == u.total for u in updates)
    updates.clear()
    run_compare(_config(tmp_path), output_root=tmp_path, bars=updates.append)  # every step reused: no bars
    assert updates == []


def test_run_compare_only_keeps_finished_arms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    fake = FakeBackends(acc={"clean": 3})
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path, only=["clean"])
    assert fake.trained == ["clean"] and fake.evaluated == [("clean", "synthetic")]
    assert {o.name: o.status for o in res.outcomes} == {"base": "not run", "dirty": "not run", "clean": "ok"}
    assert res.exit_code == 0
    fake2 = FakeBackends()
    fake2.install(monkeypatch)
    res2 = run_compare(raw, output_root=tmp_path, only=["base", "dirty"])
    assert fake2.trained == ["dirty"]
    assert {o.name: o.status for o in res2.outcomes} == {"base": "ok", "dirty": "ok", "clean": "ok"}
    assert next(o for o in res2.outcomes if o.name == "clean").results["synthetic"].correct == 3
    with pytest.raises(CompareConfigError, match="unknown arms"):
        run_compare(raw, output_root=tmp_path, only=["nope"])


def test_run_compare_bad_training_data_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    raw["data"]["train"] = str(tmp_path / "missing.jsonl")
    FakeBackends().install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path)
    assert res.exit_code == 1 and "missing.jsonl" in (res.error or "")
    assert "failed before training" in (tmp_path / "unit" / "summary.md").read_text()


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(tmp_path / "nope.yaml")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmodel: m\n")
    assert main(["compare", str(bad)]) == 2
    assert "invalid config" in capsys.readouterr().err


def test_cli_runs_with_fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    raw = _config(tmp_path)
    raw["arms"].append({"name": "broken", "data": "dirty"})
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(raw))
    FakeBackends(fail_arms={"broken"}).install(monkeypatch)
    rc = main(["compare", str(p), "--output-root", str(tmp_path / "r"), "--only", "clean", "broken"])
    cap = capsys.readouterr()
    assert rc == 1
    assert "arm broken failed in train" in cap.err
    assert "# Comparison `unit`" in cap.out


# --------------------------------------------------------------------------- end to end (tiny model)


def _train_record(i: int, *, markup: bool) -> dict[str, Any]:
    rec = _test_record(i)
    call = {"name": "get_weather", "arguments": {"city": f"city {i}"}}
    rec.pop("expected_calls")
    if markup:  # the documented defect: the call typed as text (TP105, safely repairable)
        rec["messages"].append({"role": "assistant", "content": "<tool_call>\n" + json.dumps(call) + "\n</tool_call>"})
    else:
        rec["messages"].append(
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "call_1", "type": "function", "function": call}]}
        )
    return rec


@pytest.mark.slow
def test_compare_end_to_end_tiny_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml
    from tiny_model import tiny_model_dir

    model = tiny_model_dir()
    train = _write_jsonl(tmp_path / "train.dirty.jsonl", [_train_record(i, markup=i % 2 == 0) for i in range(8)])
    test = _write_jsonl(tmp_path / "test.jsonl", [_test_record(100 + i) for i in range(6)])
    raw = {
        "name": "tiny",
        "model": str(model),
        "dtype": "fp32",
        "data": {"train": str(train)},
        "train": {"max_steps": 2, "per_device_train_batch_size": 2, "max_length": 320, "logging_steps": 1,
                  "disable_tqdm": True},
        "arms": [
            {"name": "dirty", "data": "dirty"},
            {"name": "clean", "data": "clean", "train": {"loss": "completion_only"}},
            {"name": "broken", "data": "clean", "train": {"lora_r": 0}},  # the trainer refuses it
        ],
        "eval": {"test_sets": [{"name": "synthetic", "path": str(test), "limit": 4}], "max_new_tokens": 6,
                 "batch_size": 4, "options": {"progress": False}},
    }
    cfg_path = tmp_path / "tiny.yaml"
    cfg_path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out_root = tmp_path / "reports"
    rc = main(["compare", str(cfg_path), "--output-root", str(out_root)])
    cap = capsys.readouterr()
    out = out_root / "tiny"
    assert rc == 1, cap.err  # the broken arm failed ...
    assert "arm broken failed in train" in cap.err and "lora_r" in cap.err
    # ... and the others are all there.
    with open(out / "summary.csv", newline="") as f:
        rows = {r["arm"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"base", "dirty", "clean", "broken"}
    for name in ("base", "dirty", "clean"):
        r = rows[name]
        assert r["status"] == "ok" and r["n"] == "4" and r["test_set"] == "synthetic"
        acc = float(r["accuracy"])
        lo, hi = wilson_interval(int(r["correct"]), 4)
        assert 0 <= float(r["ci_low"]) <= acc <= float(r["ci_high"]) <= 1
        assert float(r["ci_low"]) == pytest.approx(lo, abs=1e-4) and float(r["ci_high"]) == pytest.approx(hi, abs=1e-4)
        assert (out / ("base" if name == "base" else f"arms/{name}") / "eval/synthetic/results.csv").is_file()
    assert rows["broken"]["status"] == "failed" and rows["broken"]["accuracy"] == ""
    # The dirty arm trained on the data as given (4 markup records), the clean arm on the repaired data.
    assert rows["dirty"]["train_records"] == "8" and rows["clean"]["train_records"] == "8"
    doc = json.loads((out / "compare.json").read_text())
    by_name = {m["name"]: m for m in doc["models"]}
    lint = json.loads((out / "data/lint.json").read_text())
    assert lint["summary"]["by_code"].get("TP105") == 4
    assert doc["data"]["repaired"] == 4 and doc["data"]["quarantined"] == 0
    assert (out / "data/clean.html").read_text().lower().count("<html")
    assert (out / "accuracy.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "arms/dirty/train/adapter_config.json").is_file()
    # The 4 markup records render, so the dirty arm trains on them: 4 of its 8 records carry an error.
    assert "| `clean` | clean | 8 (0 with errors) |" in (out / "summary.md").read_text()
    assert "| `dirty` | dirty | 8 (4 with errors) |" in (out / "summary.md").read_text()
    assert rows["dirty"]["train_records_with_errors"] == "4" and rows["clean"]["train_records_with_errors"] == "0"

    # Resume: a second run trains nothing and evaluates nothing that finished.
    markers = {p: p.stat().st_mtime_ns for p in out.rglob(cmp.MARKER)}
    adapter = out / "arms/clean/train/adapter_model.safetensors"
    adapter_mtime = adapter.stat().st_mtime_ns
    assert len(markers) == 1 + 2 + 3  # data, 2 trainings, 3 evaluations
    rc2 = main(["compare", str(cfg_path), "--output-root", str(out_root), "--only", "base", "dirty", "clean"])
    capsys.readouterr()
    assert rc2 == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob(cmp.MARKER)} == markers
    assert adapter.stat().st_mtime_ns == adapter_mtime
    doc2 = json.loads((out / "compare.json").read_text())
    resumed = {m["name"]: m["resumed"] for m in doc2["models"]}
    assert resumed["clean"] == ["train", "eval:synthetic"] and resumed["base"] == ["eval:synthetic"]
    assert {m["name"]: m["results"]["synthetic"]["correct"] for m in doc2["models"] if m["results"]} == {
        k: v["results"]["synthetic"]["correct"] for k, v in by_name.items() if v["results"]
    }


def test_arms_section_names_the_token_rows_an_arm_trained_or_left(tmp_path: Path) -> None:
    from toolproof.compare import _token_rows_note

    trained, left, plain = (tmp_path / n for n in ("trained", "left", "plain"))
    for d, meta in (
        (trained, {"trained_token_rows": {"<tool_call>": 5, "</tool_call>": 6}, "token_rows_before": []}),
        (left, {"trained_token_rows": {}, "token_rows_before": [{"token": "<tool_call>", "indistinct": True}, {"token": "</tool_call>", "indistinct": False}]}),
        (plain, {"trained_token_rows": {}, "token_rows_before": []}),
    ):
        d.mkdir()
        (d / "toolproof.json").write_text(json.dumps(meta))
    assert _token_rows_note(str(trained)) == "; token rows trained: <tool_call>, </tool_call>"
    assert _token_rows_note(str(left)) == "; untrained token rows left as they were: <tool_call>"
    assert _token_rows_note(str(plain)) == ""
    assert _token_rows_note(str(tmp_path / "missing")) == "" and _token_rows_note(None) == ""


# --------------------------------------------------------------------------- arm kinds


def test_every_arm_kind_is_one_row_that_drives_config_training_pairs_and_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolproof.trainer.train as tt
    from toolproof.compare.arms import fixed_colour

    raw = _config(tmp_path)
    raw["arms"] = [{"name": f"a-{k}", "data": k} for k in cmp.ARM_KINDS]
    cfg = load_config(raw)
    got: list[Any] = []

    def fake_train(config: Any, on_event: Any = None) -> Any:
        got.append(config)
        raise RuntimeError("stop here")

    monkeypatch.setattr(tt, "train", fake_train)
    for arm in cfg.arms:
        with pytest.raises(RuntimeError):
            cmp._train(cfg, arm, cfg.data.train, tmp_path / arm.name)
        assert got[-1].allow_dirty is cmp.ARM_KINDS[arm.data].allow_dirty
    assert [c.allow_dirty for c in got] == [True, False, False]  # dirty, clean, balanced
    outcomes = [ModelOutcome("base")] + [ModelOutcome(a.name, data=a.data) for a in cfg.arms]
    assert cmp.comparison_pairs(outcomes) == [
        ("a-dirty", "base"), ("a-clean", "base"), ("a-balanced", "base"),
        ("a-clean", "a-dirty"), ("a-balanced", "a-dirty"), ("a-balanced", "a-clean"),
    ]  # fmt: skip
    assert [fixed_colour(n) for n in ("base", "clean", "dirty", "balanced", "a-clean")] == [
        "0.6", "tab:green", "tab:red", "darkgreen", None]  # fmt: skip
    assert [k.name for k in cmp.derived_kinds(["dirty", "balanced", "clean", "balanced"])] == ["balanced"]
    with pytest.raises(CompareConfigError, match=r"arms.0.data: .*unknown data kind 'filthy' \(known: dirty, clean"):
        load_config({**raw, "arms": [{"name": "x", "data": "filthy"}]})


def test_balanced_arm_trains_on_the_cleaned_data_balanced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    raw["arms"].append({"name": "clean-balanced", "data": "balanced", "train": {"max_steps": 2}})
    raw["data"]["balance"] = {"added": 3}
    fake = FakeBackends(acc={"base": 0, "dirty": 1, "clean": 3, "clean-balanced": 5})
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out")
    out = tmp_path / "out" / "unit"
    assert res.exit_code == 0 and fake.trained == ["dirty", "clean", "clean-balanced"]
    assert fake.balanced == [{"added": 3}]
    balanced = out / "data" / "balanced" / "train.balanced.jsonl"
    assert fake.train_paths["clean-balanced"] == str(balanced)
    clean_lines = (out / "data" / "train.clean.jsonl").read_text().splitlines()
    assert balanced.read_text().splitlines() == clean_lines + clean_lines[:1] * 3  # made from the cleaned file
    assert json.loads((out / "data" / "balanced" / "balance.json").read_text()) == {"added": 3, "seed": 0}
    by_name = {o.name: o for o in res.outcomes}
    assert by_name["clean-balanced"].train_records == len(clean_lines) + 3
    md = (out / "summary.md").read_text()
    assert f"- balanced: {len(clean_lines) + 3} records made from the clean data (added 3, seed 0)" in md
    assert "| `clean-balanced` vs `clean` | +40.0 (+2 / -0, p 0.50) |" in md
    assert "| `clean-balanced` vs `dirty` | +80.0 (+4 / -0, p 0.12) |" in md
    doc = json.loads((out / "compare.json").read_text())
    assert doc["derived"][0]["kind"] == "balanced" and doc["derived"][0]["records"] == len(clean_lines) + 3

    # Resumed: nothing is made again; new balance options re-make the data and re-train only that arm.
    fake2 = FakeBackends()
    fake2.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out")
    assert fake2.balanced == [] and fake2.trained == []
    raw["data"]["balance"] = {"added": 1}
    fake3 = FakeBackends()
    fake3.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out")
    assert fake3.balanced == [{"added": 1}] and fake3.trained == ["clean-balanced"]


def test_balanced_data_that_cannot_be_made_fails_only_its_arms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    raw["arms"].append({"name": "clean-balanced", "data": "balanced"})
    fake = FakeBackends()
    fake.balance_error = "no record with a call to drop"
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out")
    assert res.exit_code == 1 and res.failed == ["clean-balanced"] and fake.trained == ["dirty", "clean"]
    o = next(o for o in res.outcomes if o.name == "clean-balanced")
    assert o.failed_step == "data" and "no record with a call to drop" in (o.error or "")
    assert "no record with a call to drop" in (tmp_path / "out/unit/data/balanced/error.txt").read_text()


def test_balance_backend_calls_the_validators_repair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import sys
    import types

    calls: list[tuple[Any, ...]] = []

    @dataclasses.dataclass
    class Report:  # the shape of toolproof.validator.balance.BalanceResult: its to_dict counts the records
        added: list[str]
        share: float

        def to_dict(self) -> dict[str, Any]:
            return {"added": len(self.added), "share": self.share}

    def balance_file(src: str, dst: Path, *, share: float = 0.15, seed: int = 0) -> Report:
        calls.append((src, dst, share, seed))
        return Report(added=["r1", "r2"], share=share)

    monkeypatch.setitem(sys.modules, "toolproof.validator.balance", types.SimpleNamespace(balance_file=balance_file))
    got = cmp.backends.balance("in.jsonl", tmp_path / "out.jsonl", {"share": 0.2}, 7)
    assert got == {"added": 2, "share": 0.2} and calls == [("in.jsonl", tmp_path / "out.jsonl", 0.2, 7)]
    assert cmp.backends.as_dict(Report(added=["x"], share=0.1)) == {"added": 1, "share": 0.1}
    assert cmp.backends.as_dict(types.SimpleNamespace()) == {"report": "namespace()"}
    monkeypatch.setitem(sys.modules, "toolproof.validator.balance", None)  # not installed: a clear error
    with pytest.raises(RuntimeError, match="needs the balance repair"):
        cmp.backends.balance("in.jsonl", tmp_path / "out.jsonl", {}, 0)


# --------------------------------------------------------------------------- warnings by family


def test_warnings_by_family_counts_warnings_only() -> None:
    # TP501 duplicate-record: a dataset warning; TP010 byte-order-mark: a reader warning; TP003: an error
    assert cmp.backends.warnings_by_family({"TP003": 2, "TP010": 1, "TP501": 3}, {"TP003": 2}) == {
        "dataset": 3, "reader": 1}  # fmt: skip
    assert cmp.backends.warnings_by_family({"TP999": 5}, {}) == {}  # an unknown code is not counted
    # the mix family: TP702 no-near-miss-negatives and TP703 ungrounded-argument-value warn, TP704 is info
    assert cmp.backends.warnings_by_family({"TP702": 1, "TP703": 4, "TP704": 2}, {}) == {"mix": 5}


def test_arm_table_counts_mix_warnings_when_there_are_some(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    fake = FakeBackends()
    fake.warnings = {"dirty": {"mix": 4, "dataset": 2}, "clean": {"dataset": 1}}
    fake.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out")
    md = (tmp_path / "out/unit/summary.md").read_text()
    assert "| model | data | train records | mix warnings | synthetic |" in md
    assert "| `base` | – | – | – | 20.0%" in md and "| `dirty` | dirty | 6 | 4 | 20.0%" in md
    assert "| `clean` | clean | 5 | 0 | 20.0%" in md
    with open(tmp_path / "out/unit/summary.csv", newline="") as f:
        got = {r["arm"]: r["train_warnings_mix"] for r in csv.DictReader(f)}
    assert got == {"base": "", "dirty": "4", "clean": "0"}
    fake2 = FakeBackends()
    fake2.warnings = {"dirty": {"dataset": 2}}
    fake2.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out2")
    assert "mix warnings" not in (tmp_path / "out2/unit/summary.md").read_text()


# --------------------------------------------------------------------------- published results


def _markers(out: Path) -> dict[str, str]:
    return {str(p.parent.relative_to(out)): json.loads(p.read_text())["hash"] for p in out.rglob(cmp.MARKER)}


def test_publish_then_a_fresh_run_reuses_the_published_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _config(tmp_path)
    docs = tmp_path / "docs" / "results"
    fake = FakeBackends(acc={"base": 0, "dirty": 1, "clean": 4})
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out1", published_root=docs)  # nothing published yet
    assert fake.trained == ["dirty", "clean"] and len(fake.evaluated) == 3
    monkeypatch.chdir(tmp_path)  # as from a checkout's root: the inputs' paths are written relative to it
    pub = cmp.publish_results(res, docs)
    assert pub == docs / "unit"
    for f in ("compare.json", "paired.csv", "summary.csv", "summary.md", "steps.json",
              "verdicts/base/synthetic.csv", "verdicts/dirty/synthetic.csv", "verdicts/clean/synthetic.csv"):
        assert (pub / f).is_file(), f
    out1 = tmp_path / "out1" / "unit"
    assert read_verdicts(pub / "verdicts/clean/synthetic.csv") == \
        read_verdicts(out1 / "arms/clean/eval/synthetic/results.csv")
    assert (pub / "verdicts/base/synthetic.csv").read_text().splitlines()[:2] == [
        "id,correct,strict_correct,error_type", "r0,false,false,value_error"]  # fmt: skip
    clean_rows = (pub / "verdicts/clean/synthetic.csv").read_text().splitlines()[1:]
    assert [r.split(",")[1:3] for r in clean_rows[:4]] == [["true", "true"], ["true", "false"], ["true", "true"],
                                                           ["true", "false"]]  # strict per record, as evaluated
    # The published keys are the local markers' keys; no machine's folder is written into them.
    steps = json.loads((pub / "steps.json").read_text())
    markers = _markers(out1)
    assert steps["models"]["clean"]["train"]["key"] == markers["arms/clean/train"]
    assert steps["models"]["base"]["eval"]["synthetic"]["key"] == markers["base/eval/synthetic"]
    assert "adapter_dir" not in steps["models"]["clean"]["train"]["outcome"]
    assert str(tmp_path) not in (pub / "compare.json").read_text() + (pub / "steps.json").read_text()

    # A new arm, a fresh output folder: the published models are reused, only the new arm runs.
    raw["arms"].append({"name": "clean-balanced", "data": "balanced"})
    fake2 = FakeBackends(acc={"clean-balanced": 5})
    fake2.install(monkeypatch)
    res2 = run_compare(raw, output_root=tmp_path / "out2", published_root=docs)
    assert fake2.trained == ["clean-balanced"] and fake2.evaluated == [("clean-balanced", "synthetic")]
    by_name = {o.name: o for o in res2.outcomes}
    assert by_name["base"].resumed == ["eval:synthetic (published)"]
    assert by_name["clean"].resumed == ["train (published)", "eval:synthetic (published)"]
    assert by_name["clean"].train_records == 5 and by_name["clean"].results["synthetic"].correct == 4
    assert res2.exit_code == 0 and all(o.status == "ok" for o in res2.outcomes)
    md = (tmp_path / "out2/unit/summary.md").read_text()
    assert "reused from the published results" in md and "`clean` (train, eval:synthetic)" in md
    # paired record by record with the published verdicts
    doc2 = json.loads((tmp_path / "out2/unit/compare.json").read_text())
    paired = {(c["model"], c["reference"]): (c["gained"], c["lost"]) for c in doc2["paired"]}
    assert paired[("clean-balanced", "clean")] == (1, 0) and paired[("clean-balanced", "base")] == (5, 0)
    assert paired[("clean", "dirty")] == (3, 0)
    assert "| `clean-balanced` vs `clean` | +20.0 (+1 / -0, p 1.00) |" in md

    # Published again from the run that reused them: every model is kept, verdicts unchanged.
    cmp.publish_results(res2, docs)
    steps2 = json.loads((pub / "steps.json").read_text())
    assert list(steps2["models"]) == ["base", "dirty", "clean", "clean-balanced"]
    assert steps2["models"]["clean"] == steps["models"]["clean"]
    assert "`base` on synthetic: `docs/results/unit/verdicts/base/synthetic.csv`" in (pub / "summary.md").read_text()
    assert str(tmp_path) not in "".join((pub / f).read_text() for f in ("summary.md", "compare.json", "steps.json"))
    assert read_verdicts(pub / "verdicts/clean/synthetic.csv") == \
        read_verdicts(out1 / "arms/clean/eval/synthetic/results.csv")

    # --only: the models left out come from the published results too.
    fake3 = FakeBackends()
    fake3.install(monkeypatch)
    res3 = run_compare(raw, output_root=tmp_path / "out3", published_root=docs, only=["base"])
    assert fake3.trained == [] and fake3.evaluated == []
    assert {o.name: o.status for o in res3.outcomes} == dict.fromkeys(
        ["base", "dirty", "clean", "clean-balanced"], "ok")

    # Other settings (another key) or --no-resume: nothing published is reused.
    raw["eval"]["max_new_tokens"] = 9
    fake4 = FakeBackends()
    fake4.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out4", published_root=docs)
    assert fake4.trained == ["dirty", "clean", "clean-balanced"] and len(fake4.evaluated) == 4
    raw["eval"]["max_new_tokens"] = 8
    fake5 = FakeBackends()
    fake5.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out5", published_root=docs, resume=False)
    assert fake5.trained == ["dirty", "clean", "clean-balanced"] and len(fake5.evaluated) == 4


def test_published_results_that_cannot_be_read_are_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    raw = _config(tmp_path)
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(raw))
    FakeBackends().install(monkeypatch)
    docs = tmp_path / "docs"
    (docs / "unit").mkdir(parents=True)
    (docs / "unit" / "steps.json").write_text("{not json")
    with pytest.raises(cmp.PublishedResultsError, match="steps.json: cannot read"):
        run_compare(raw, output_root=tmp_path / "out", published_root=docs)
    (docs / "unit" / "steps.json").write_text(json.dumps({"format": 1, "models": {}}))
    with pytest.raises(cmp.PublishedResultsError, match="older toolproof .steps format 1"):
        run_compare(raw, output_root=tmp_path / "out", published_root=docs)
    (docs / "unit" / "steps.json").write_text(json.dumps({"format": 2, "models": {}}))
    with pytest.raises(cmp.PublishedResultsError, match="no `precision`"):
        run_compare(raw, output_root=tmp_path / "out", published_root=docs)
    (docs / "unit" / "steps.json").write_text(json.dumps(
        {"format": 2, "precision": {"dtype": "fp32", "device": "cpu"}, "models": {"base": {"eval": {"s": {}}}}}))
    assert main(["compare", str(p), "--output-root", str(tmp_path / "out"), "--results-dir", str(docs)]) == 2
    assert "models.base: malformed entry" in capsys.readouterr().err


def test_cli_publishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    raw = _config(tmp_path)
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(raw))
    FakeBackends().install(monkeypatch)
    docs = tmp_path / "docs"
    assert main(["compare", str(p), "--output-root", str(tmp_path / "r"), "--results-dir", str(docs), "--publish"]) == 0
    assert f"published: {docs / 'unit'}/" in capsys.readouterr().out
    assert set(json.loads((docs / "unit" / "steps.json").read_text())["models"]) == {"base", "dirty", "clean"}
    fake = FakeBackends()
    fake.install(monkeypatch)
    assert main(["compare", str(p), "--output-root", str(tmp_path / "r2"), "--results-dir", str(docs)]) == 0
    assert fake.trained == [] and fake.evaluated == []
    # The default, docs/results, is found beside the config's folder when it is not in the current one.
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "c.yaml").write_text(p.read_text())
    (tmp_path / "docs" / "results").mkdir()
    (docs / "unit").rename(tmp_path / "docs" / "results" / "unit")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    fake2 = FakeBackends()
    fake2.install(monkeypatch)
    assert main(["compare", str(tmp_path / "exp" / "c.yaml"), "--output-root", str(tmp_path / "r3")]) == 0
    assert fake2.trained == [] and fake2.evaluated == []


def test_step_keys_hold_the_resolved_precision_and_mixed_precision_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dtype: auto` resolves to bf16 on a bf16-capable CPU or GPU: such a run must neither reuse nor pair with
    steps published in float32 (issue 36), and the keys must differ though the config text is the same."""
    import yaml

    from toolproof.compare import steps as steps_mod
    from toolproof.trainer import models

    raw = _config(tmp_path)
    docs = tmp_path / "docs"
    monkeypatch.setattr(steps_mod, "_PRECISION", {})
    monkeypatch.setattr(models, "resolved_precision", lambda dtype, device: {"dtype": "fp32", "device": "cpu"})
    FakeBackends().install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out1", published_root=docs)
    cmp.publish_results(res, docs)
    doc = json.loads((docs / "unit" / "steps.json").read_text())
    assert doc["format"] == 2 and doc["precision"] == {"dtype": "fp32", "device": "cpu"}
    fp32_keys = _markers(tmp_path / "out1" / "unit")

    # The same config on a machine where auto means bf16: refused before anything runs, with the way out.
    monkeypatch.setattr(steps_mod, "_PRECISION", {})
    monkeypatch.setattr(models, "resolved_precision", lambda dtype, device: {"dtype": "bf16", "device": "cuda"})
    fake = FakeBackends()
    fake.install(monkeypatch)
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(raw))
    assert main(["compare", str(p), "--output-root", str(tmp_path / "out2"), "--results-dir", str(docs)]) == 2
    err = capsys.readouterr().err
    assert "ran in fp32 on cpu, this run would train and evaluate in bf16 on cuda" in err
    assert "`dtype: fp32` and `device: cpu`" in err and fake.trained == [] and fake.evaluated == []
    assert main(["compare", str(p), "--plan", "--output-root", str(tmp_path / "out2"), "--results-dir", str(docs)]) == 2
    # Elsewhere (no published results) it runs, and none of its keys is a float32 key.
    run_compare(raw, output_root=tmp_path / "out3", published_root=tmp_path / "elsewhere")
    bf16_keys = _markers(tmp_path / "out3" / "unit")
    trained = {k for k in fp32_keys if "/train" in k or "/eval/" in k}
    assert trained and all(fp32_keys[k] != bf16_keys[k] for k in trained)


def test_the_summary_says_in_words_which_changes_are_within_chance() -> None:
    from toolproof.compare.report import _md_in_words
    from toolproof.compare.stats import PairedChange

    text = "\n".join(_md_in_words([
        PairedChange("clean", "dirty", "synthetic", 40, gained=5, lost=2),  # +7.5 points, p 0.45
        PairedChange("clean", "dirty", "irrelevance", 100, gained=20, lost=2),  # p < 0.001
        PairedChange("clean", "base", "synthetic", 40, gained=0, lost=12),
    ]))
    assert "`clean` vs `dirty`: better on irrelevance (+18.0 points, p" in text
    assert "within chance on synthetic (+7.5): these records cannot tell the two apart" in text
    assert "`clean` vs `base`: worse on synthetic (-30.0 points" in text and "base`: worse" in text
    assert "within chance" not in text.split("`clean` vs `base`")[1]
    assert _md_in_words([]) == []


def test_inject_arms_put_one_defect_kind_back_at_a_rate_and_pair_with_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dose-response arms (issue 36): `inject-KIND-PCT` trains on the cleaned file with KIND put into
    PCT% of its records (the real injector), and is paired with the clean arm, its 0% point."""
    from toolproof.compare.arms import arm_kind

    raw = _config(tmp_path)
    raw["data"]["train"] = str(_write_jsonl(tmp_path / "calls.jsonl", [_train_record(i, markup=False) for i in range(11)]))
    raw["arms"] += [{"name": "markup-50", "data": "inject-markup_in_content-50"},
                    {"name": "undeclared-100", "data": "inject-undeclared_tool-100"}]
    fake = FakeBackends(acc={"base": 0, "dirty": 1, "clean": 4, "markup-50": 1, "undeclared-100": 2})
    fake.install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out")
    out = tmp_path / "out" / "unit"
    assert res.exit_code == 0 and fake.trained == ["dirty", "clean", "markup-50", "undeclared-100"]
    clean = (out / "data" / "train.clean.jsonl").read_text().splitlines()  # the fake cleaner keeps 10 of 11
    made = out / "data" / "inject-markup_in_content-50" / "train.inject-markup_in_content-50.jsonl"
    assert fake.train_paths["markup-50"] == str(made)
    lines = made.read_text().splitlines()
    changed = [a for a, b in zip(lines, clean, strict=True) if a != b]
    assert len(lines) == 10 and len(changed) == 5 and all("<tool_call>" in c for c in changed)
    report = json.loads((out / "data" / "inject-markup_in_content-50" / "inject.json").read_text())
    assert (report["changed"], report["actual_rate"], report["codes"]) == (5, 0.5, ["TP105"])
    every = (out / "data" / "inject-undeclared_tool-100" / "train.inject-undeclared_tool-100.jsonl").read_text()
    assert every.count('"get_weather"') == 10 and every.count("getWeather") == 10  # declared, then called wrong
    md = (out / "summary.md").read_text()
    assert "| `markup-50` vs `clean` | -60.0 (+0 / -3, p 0.25) |" in md
    assert "10 records made from the clean data (seed 0, changed 5, eligible 10, actual_rate 0.5)" in md
    with pytest.raises(ValueError, match="inject-KIND-PCT takes a KIND of markup_in_content"):
        arm_kind("inject-typo-50")
    with pytest.raises(ValueError, match="PCT 0-100"):
        arm_kind("inject-empty_calls-150")


def test_inject_file_changes_exactly_the_asked_share_and_lint_sees_each_kind(tmp_path: Path) -> None:
    from toolproof.validator.api import lint
    from toolproof.validator.synth.dose import DOSE_KINDS, inject_file
    from toolproof.validator.synth.generator import generate

    src = _write_jsonl(tmp_path / "clean.jsonl", generate(40, seed=3, defect_rate=0.0, n_test=0).train_clean)
    for kind, (_, codes) in DOSE_KINDS.items():
        dst = tmp_path / f"{kind}.jsonl"
        rep = inject_file(src, dst, kind, 0.25, seed=1)
        assert rep.changed == (round(0.25 * rep.eligible) if kind == "no_no_call" else 10), kind
        assert inject_file(src, tmp_path / "again.jsonl", kind, 0.25, seed=1).ids == rep.ids  # deterministic
        if kind == "no_no_call":
            assert rep.records_out == 40 - rep.changed
            continue
        found = {f.code for f in lint(str(dst)).findings if f.id in rep.ids}
        assert set(codes) & found, (kind, found)
    untouched = [a for a, b in zip(src.read_bytes().splitlines(), (tmp_path / "markup_in_content.jsonl")
                                   .read_bytes().splitlines(), strict=True) if a == b]
    assert len(untouched) == 30  # every other line byte for byte


def test_reuse_published_takes_matching_steps_of_another_comparison(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dose-response config reuses the seed's published clean arm as its 0% point (same key), and
    only that: its own arms run."""
    raw = _config(tmp_path)
    docs = tmp_path / "docs"
    FakeBackends(acc={"clean": 4}).install(monkeypatch)
    cmp.publish_results(run_compare(raw, output_root=tmp_path / "out1"), docs)
    dose = _config(tmp_path, name="dose", base=False, reuse_published=["unit"])
    dose["arms"] = [{"name": "clean", "data": "clean"}, {"name": "dirty-again", "data": "dirty", "train": {"max_steps": 3}}]
    fake = FakeBackends()
    fake.install(monkeypatch)
    res = run_compare(dose, output_root=tmp_path / "out2", published_root=docs)
    assert fake.trained == ["dirty-again"] and fake.evaluated == [("dirty-again", "synthetic")]
    assert {o.name: o.resumed for o in res.outcomes}["clean"] == ["train (published)", "eval:synthetic (published)"]
    assert res.outcomes[0].results["synthetic"].correct == 4
