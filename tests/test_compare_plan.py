"""`toolproof compare CONFIG --plan`: the steps a run would reuse, continue or run, checked against
what the next run then does (the backends are test_compare's fakes: real files, no model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from test_compare import FakeBackends, _config

from toolproof import compare as cmp
from toolproof.cli import main
from toolproof.compare import run_compare
from toolproof.compare.plan import plan_compare


def _states(raw: dict[str, Any], out: Path, **kw: Any) -> dict[str, tuple[str, str]]:
    return {f"{s.model} {s.step}": (s.state, s.detail) for s in plan_compare(raw, output_root=out, **kw).steps}


def test_the_plan_names_what_the_next_run_reuses_continues_and_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw, out = _config(tmp_path), tmp_path / "out"
    watch = FakeBackends()
    watch.install(monkeypatch)
    steps = ["base eval synthetic", "dirty train", "dirty eval synthetic", "clean train", "clean eval synthetic"]
    assert _states(raw, out) == dict.fromkeys(steps, ("to run", ""))
    assert watch.trained == [] and watch.evaluated == []  # the plan runs no model

    # A run stopped part way: clean's training after its step-10 checkpoint, base's evaluation with a journal.
    stopped = FakeBackends()
    stopped.stop_arms, stopped.stop_evals = {"clean"}, {"base"}
    stopped.install(monkeypatch)
    run_compare(raw, output_root=out)
    (out / "unit/base/eval/synthetic/results.partial.jsonl").write_text(
        '{"fingerprint": "f"}\n{"start": 0, "rows": [[0], [1]]}\n{"start": 2, "rows": [[2]]}\n{"sta'
    )  # two finished batches (3 records) and a line cut short by the kill
    got = _states(raw, out)
    assert got == {
        "base eval synthetic": ("under way", "3 of 5 records generated"),
        "dirty train": ("done", ""),
        "dirty eval synthetic": ("done", ""),
        "clean train": ("under way", "from checkpoint-10 of 2 steps"),
        "clean eval synthetic": ("to run", ""),
    }
    # The next run does exactly that: base's evaluation and clean's training continue, clean is evaluated.
    resumed = FakeBackends()
    resumed.install(monkeypatch)
    assert run_compare(raw, output_root=out).exit_code == 0
    assert resumed.trained == ["clean"] and resumed.continued == ["clean"]
    assert resumed.evaluated == [("base", "synthetic"), ("clean", "synthetic")] and resumed.journal_found[0]
    assert _states(raw, out) == dict.fromkeys(steps, ("done", ""))

    # Another evaluation setting: every evaluation runs again, no training does.
    raw["eval"]["max_new_tokens"] = 9
    got = _states(raw, out)
    assert {k: s for k, (s, _) in got.items()} == {k: "done" if k.endswith("train") else "to run" for k in steps}
    assert "changed since the last run" in got["base eval synthetic"][1]
    # --only leaves the others out; --no-resume runs every step.
    watch.install(monkeypatch)  # the plans below run no model either
    only = _states(raw, out, only=["clean"])
    assert only["base eval synthetic"][0] == "not selected" and only["clean eval synthetic"][0] == "to run"
    assert {s for s, _ in _states(raw, out, resume=False).values()} == {"to run"}
    assert watch.trained == []


def test_published_models_are_planned_as_reused_in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw, docs = _config(tmp_path), tmp_path / "docs" / "results"
    FakeBackends().install(monkeypatch)
    res = run_compare(raw, output_root=tmp_path / "out1")
    monkeypatch.chdir(tmp_path)
    cmp.publish_results(res, docs)
    raw["arms"].append({"name": "clean-balanced", "data": "balanced"})
    got = _states(raw, tmp_path / "out2", published_root=docs)
    assert got["clean train"] == ("published", "") and got["base eval synthetic"] == ("published", "")
    assert got["clean-balanced train"] == ("to run", "") and got["clean-balanced eval synthetic"] == ("to run", "")
    fresh = FakeBackends()
    fresh.install(monkeypatch)
    run_compare(raw, output_root=tmp_path / "out2", published_root=docs)
    assert fresh.trained == ["clean-balanced"] and fresh.evaluated == [("clean-balanced", "synthetic")]


def test_cli_plan_prints_the_steps_and_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(_config(tmp_path)))
    fake = FakeBackends()
    fake.install(monkeypatch)
    rc = main(["compare", str(p), "--plan", "--output-root", str(tmp_path / "r"), "--results-dir", str(tmp_path / "none")])
    out = capsys.readouterr().out
    assert rc == 0 and fake.trained == [] and fake.evaluated == []
    assert "clean train           to run" in out
    assert "0 of 5 steps reused (0 published); to run or continue: 2 training(s), 3 evaluation(s)" in out
    assert not (tmp_path / "r" / "unit" / "summary.md").exists()  # a plan writes no report
    assert main(["compare", str(p), "--plan", "--publish"]) == 2
    assert "nothing to --publish" in capsys.readouterr().err
    raw = _config(tmp_path)
    raw["data"]["train"] = str(tmp_path / "missing.jsonl")
    p.write_text(yaml.safe_dump(raw))
    assert main(["compare", str(p), "--plan", "--output-root", str(tmp_path / "r")]) == 1
    assert "a run would stop before training" in capsys.readouterr().err
    assert "missing.jsonl" in plan_compare(raw, output_root=tmp_path / "r").error
