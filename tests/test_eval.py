"""`toolproof eval` / evaluator.run: a tiny random-init Llama end to end, plus a scripted model."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.evaluator.run import CSV_COLUMNS, EvalConfig, evaluate, generate, prompt_messages, summary_path_for

pytestmark = pytest.mark.slow

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city.", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def _records() -> list[dict[str, Any]]:
    cities = ["Paris", "Rome", "Oslo", "Lima", "Kyiv", "Quito"]
    recs: list[dict[str, Any]] = []
    for k, city in enumerate(cities):
        msgs: list[dict[str, Any]] = [{"role": "user", "content": f"What's the weather in {city}?" + " please" * k}]
        if k == 0:  # a training-style record: the answer turn must be dropped from the prompt
            msgs.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": city}}}]})
        recs.append({"id": f"r{k}", "category": "simple" if k % 2 else "other", "messages": msgs, "tools": TOOLS,
                     "expected_calls": [{"name": "get_weather", "arguments": {"city": city}}]})
    recs.append({"id": "none", "category": "irrelevance", "messages": [{"role": "user", "content": "Hi!"}],
                 "tools": TOOLS, "expected_calls": []})
    return recs


@pytest.fixture(scope="module")
def tiny() -> Path:
    from tiny_model import tiny_model_dir

    return tiny_model_dir()


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    p = tmp_path / "test.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in _records()))
    return p


def test_prompt_drops_trailing_assistant() -> None:
    rec = _records()[0]
    assert [m["role"] for m in prompt_messages(rec)] == ["user"]
    assert summary_path_for("out/results.csv") == Path("out/results.summary.json")


def test_eval_cli_tiny_model(tiny: Path, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res" / "results.csv"
    rc = main(["eval", "--model", str(tiny), "--data", str(data), "-o", str(out), "--batch-size", "4",
               "--max-new-tokens", "6", "--dtype", "fp32", "--limit", "6", "--no-progress"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "accuracy:" in printed and "examples/s" in printed
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == [f"r{k}" for k in range(6)]  # --limit, record order kept
    for r in rows:
        assert "get_weather" in r["prompt"] and r["prompt"].rstrip().endswith("assistant")
        assert json.loads(r["expected_calls"])[0]["name"] == "get_weather"
        assert isinstance(json.loads(r["calls"]), list)
        assert r["correct"] in ("true", "false")
    assert "c1" not in rows[0]["prompt"]  # the answer turn was not shown to the model
    s = json.loads(summary_path_for(out).read_text())
    assert s["n"] == 6 and s["dtype"] == "fp32"
    assert s["correct"] == sum(r["correct"] == "true" for r in rows)
    assert s["accuracy"] == pytest.approx(s["correct"] / 6)
    assert set(s["per_category"]) == {"simple", "other"}
    assert sum(v["outputs"] for v in s["parsers"].values()) == 6
    assert s["generated_tokens"] > 0 and s["generated_tokens"] <= 6 * 6
    assert s["examples_per_s"] > 0 and s["generated_tokens_per_s"] > 0
    assert "hermes_only_accuracy" in s and sum(s["errors"].values()) == 6 - s["correct"]


def test_batched_generation_matches_batch_one(tiny: Path) -> None:
    """Left padding must not change greedy outputs."""
    from toolproof.trainer.models import load

    model, tok = load(str(tiny), dtype="fp32")
    from toolproof.evaluator.run import render_prompts

    prompts = render_prompts(tok, _records())
    one, n1, _ = generate(model, tok, prompts, batch_size=1, max_new_tokens=8)
    many, n4, _ = generate(model, tok, prompts, batch_size=4, max_new_tokens=8)
    assert one == many and n1 == n4


class _Scripted:
    """Wraps the tiny model but 'generates' a scripted answer: a ```json fence for Paris/Rome/Oslo,
    a <tool_call> for Lima, prose otherwise. Exercises decode -> extract -> match -> summary."""

    def __init__(self, model: Any, tok: Any) -> None:
        self.model, self.tok = model, tok

    def parameters(self) -> Any:
        return self.model.parameters()

    def generate(self, input_ids: Any, attention_mask: Any, max_new_tokens: int, **kw: Any) -> Any:
        import torch

        rows = []
        for ids in input_ids.tolist():
            prompt = self.tok.decode(ids)
            city = next((c for c in ("Paris", "Rome", "Oslo", "Lima", "Kyiv", "Quito") if f"weather in {c}" in prompt), None)
            call = json.dumps({"name": "get_weather", "arguments": {"city": city}})
            if city in ("Paris", "Rome", "Oslo"):
                text = f"Sure!\n```json\n{call}\n```"
            elif city == "Lima":
                text = f"<tool_call>\n{call}\n</tool_call>"
            else:
                text = "I am not sure."
            rows.append(ids + self.tok(text + "<|im_end|>", add_special_tokens=False)["input_ids"])
        width = max(map(len, rows))
        pad = self.tok.pad_token_id
        return torch.tensor([r + [pad] * (width - len(r)) for r in rows])


def test_evaluate_scores_extracted_formats(tiny: Path, data: Path, tmp_path: Path) -> None:
    from toolproof.trainer.models import load

    model, tok = load(str(tiny), dtype="fp32")
    cfg = EvalConfig(model="scripted", data=str(data), output=str(tmp_path / "r.csv"), batch_size=3,
                     max_new_tokens=64, progress=False)
    s = evaluate(cfg, model_and_tokenizer=(_Scripted(model, tok), tok))
    assert s.n == 7
    # fenced x3 + tags x1 correct; Kyiv and Quito are missed; the irrelevance record is right
    assert s.correct == 5 and s.errors == {"no_call": 2}
    assert s.parsers["fenced"] == {"outputs": 3, "correct": 3}
    assert s.parsers["hermes"] == {"outputs": 1, "correct": 1}
    assert s.hermes_only_accuracy == pytest.approx(2 / 7)
    assert s.strict_accuracy == pytest.approx(2 / 7)
    assert s.per_category["irrelevance"]["accuracy"] == 1.0
    assert s.truncated == 0


def test_eval_cli_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.jsonl"
    bad.write_text('{"id": "a", "messages": [{"role": "user", "content": "hi"}]}\n')
    assert main(["eval", "--model", "smollm2-135m", "--data", str(bad), "-o", str(tmp_path / "r.csv")]) == 2
    assert "t.jsonl:1: field 'expected_calls'" in capsys.readouterr().err
    assert main(["eval", "--model", "smollm2-135m", "--data", str(bad), "--batch-size", "0"]) == 2
    bad.write_text(json.dumps({"id": "a", "messages": "hi", "expected_calls": []}) + "\n")
    assert main(["eval", "--model", "smollm2-135m", "--data", str(bad), "-o", str(tmp_path / "r.csv")]) == 2
    assert "t.jsonl:1: field 'messages'" in capsys.readouterr().err


def test_evaluate_reports_progress_through_the_callback_and_prints_nothing(
    tiny: Path, data: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from toolproof.trainer.models import load
    from toolproof.validator.progress import ProgressUpdate

    model, tok = load(str(tiny), dtype="fp32")
    capfd.readouterr()  # transformers' own weight-loading bar
    seen: list[ProgressUpdate] = []
    cfg = EvalConfig(model="scripted", data=str(data), output=str(tmp_path / "r.csv"), batch_size=3, max_new_tokens=64)
    s = evaluate(cfg, model_and_tokenizer=(_Scripted(model, tok), tok), progress=seen.append)
    assert [(u.done, u.total) for u in seen] == [(3, 7), (6, 7), (7, 7)]  # one update per batch of 3
    assert {u.label for u in seen} == {"eval test.jsonl"}
    assert seen[-1].tokens == s.generated_tokens > 0
    assert capfd.readouterr() == ("", "")  # the library never prints: the CLI draws the bar
    seen.clear()
    evaluate(EvalConfig(model="scripted", data=str(data), output=str(tmp_path / "q.csv"), progress=False),
             model_and_tokenizer=(_Scripted(model, tok), tok), progress=seen.append)
    assert seen == []


def test_progress_bars_render_updates_on_the_console() -> None:
    import io

    from rich.console import Console

    from toolproof.progress import progress_bars
    from toolproof.validator.progress import ProgressUpdate

    buf = io.StringIO()
    with progress_bars(console=Console(file=buf, width=100, force_terminal=False)) as progress:
        assert progress is not None
        for done in (2, 4):
            progress(ProgressUpdate("eval test.jsonl", done, 4, tokens=10 * done))
    out = buf.getvalue()
    assert "eval test.jsonl" in out and "4/4" in out and "tok/s" in out
    with progress_bars(False) as off:
        assert off is None


def test_progress_lines_when_not_a_terminal() -> None:
    """In a log file a bar shows nothing until the step ends: a plain line per tenth instead."""
    import io
    import time

    from rich.console import Console

    from toolproof.progress import progress_bars
    from toolproof.validator.progress import ProgressUpdate

    buf = io.StringIO()
    with progress_bars(console=Console(file=buf, width=200, force_terminal=False)) as progress:
        assert progress is not None
        for done in range(21):
            progress(ProgressUpdate("eval base/synthetic", done, 20, tokens=5 * done))
            time.sleep(0.001)
        for done in (1, 2):  # the same label again: a new step
            progress(ProgressUpdate("eval base/synthetic", done, 2))
    lines = buf.getvalue().splitlines()
    assert len(lines) == 11 + 2  # the first record done, then each tenth
    assert lines[0].startswith("eval base/synthetic 1/20") and "tok/s" in lines[0]
    assert lines[1].startswith("eval base/synthetic 2/20") and lines[10].startswith("eval base/synthetic 20/20")
    assert lines[11].startswith("eval base/synthetic 1/2") and lines[12].startswith("eval base/synthetic 2/2")


def test_progress_lines_give_the_pace_and_time_left_of_slow_resumed_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """A training resumed at step 70 of 120, 80 s a step: the pace counts the steps done since the
    resume only, slow units read as seconds each, and the line says how long the rest takes."""
    import io

    from rich.console import Console

    import toolproof.progress as prog
    from toolproof.validator.progress import ProgressUpdate

    clock = [1000.0]
    monkeypatch.setattr(prog.time, "monotonic", lambda: clock[0])
    buf = io.StringIO()
    with prog.progress_bars(console=Console(file=buf, width=200, force_terminal=False)) as progress:
        assert progress is not None
        for step in range(71, 121):
            progress(ProgressUpdate("clean: train", step, 120, info="loss 0.4"))
            clock[0] += 80.0
    lines = buf.getvalue().splitlines()
    assert lines[0] == "clean: train 71/120  loss 0.4  0 s"
    # step 72, one step after the resume, 80 s later: 48 steps left
    assert lines[1] == "clean: train 72/120  80.0 s each  ~64 min left  loss 0.4  80 s"
    assert lines[2] == "clean: train 84/120  80.0 s each  ~48 min left  loss 0.4  1040 s"
    assert lines[-1] == "clean: train 120/120  80.0 s each  loss 0.4  3920 s"


class _Counting:
    """The tiny model, counting its generate() calls."""

    def __init__(self, model: Any) -> None:
        self.model, self.calls = model, 0

    def parameters(self) -> Any:
        return self.model.parameters()

    def generate(self, **kw: Any) -> Any:
        self.calls += 1
        return self.model.generate(**kw)


def test_a_stopped_evaluation_continues_from_its_journal(tiny: Path, data: Path, tmp_path: Path) -> None:
    """Stopped after two of three batches, the same evaluation generates only the third, and its CSV is
    the uninterrupted run's; the journal goes once the CSV is written. Another setting starts again."""
    from toolproof.evaluator.run import journal_path_for
    from toolproof.trainer.models import load

    model, tok = load(str(tiny), dtype="fp32")
    whole = tmp_path / "whole" / "results.csv"
    evaluate(EvalConfig(model="tiny", data=str(data), output=str(whole), batch_size=3, max_new_tokens=6),
             model_and_tokenizer=(model, tok))
    out = tmp_path / "stopped" / "results.csv"
    cfg = EvalConfig(model="tiny", data=str(data), output=str(out), batch_size=3, max_new_tokens=6)

    def stop_after_two(u: Any) -> None:
        if u.done == 6:
            raise KeyboardInterrupt

    counting = _Counting(model)
    with pytest.raises(KeyboardInterrupt):
        evaluate(cfg, model_and_tokenizer=(counting, tok), progress=stop_after_two)
    journal = journal_path_for(out)
    assert counting.calls == 2 and journal.is_file() and not out.exists()
    assert len(journal.read_text(encoding="utf-8").splitlines()) == 3  # header + two batches
    with open(journal, "a", encoding="utf-8") as f:
        f.write('{"start": 6, "rows": [[6, "cut sh')  # a line a kill cut short
    counting.calls = 0
    seen: list[Any] = []
    evaluate(cfg, model_and_tokenizer=(counting, tok), progress=seen.append)
    assert counting.calls == 1 and [u.done for u in seen] == [3, 6, 7]
    assert out.read_bytes() == whole.read_bytes() and not journal.exists()
    # another max_new_tokens: the journal of a stopped run does not fit, everything is generated again
    counting.calls = 0
    with pytest.raises(KeyboardInterrupt):
        evaluate(cfg, model_and_tokenizer=(counting, tok), progress=stop_after_two)
    other = EvalConfig(model="tiny", data=str(data), output=str(out), batch_size=3, max_new_tokens=5)
    counting.calls = 0
    evaluate(other, model_and_tokenizer=(counting, tok))
    assert counting.calls == 3


def test_eval_cli_no_resume_keeps_no_journal(tiny: Path, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import toolproof.evaluator.run as run_mod

    made: list[Path] = []

    class Spy(run_mod.Journal):
        def __init__(self, path: Any, fingerprint: str) -> None:
            made.append(Path(path))
            super().__init__(path, fingerprint)

    monkeypatch.setattr(run_mod, "Journal", Spy)
    out = tmp_path / "r" / "results.csv"
    argv = ["eval", "--model", str(tiny), "--data", str(data), "-o", str(out), "--batch-size", "4",
            "--max-new-tokens", "4", "--dtype", "fp32", "--limit", "5", "--no-progress"]
    assert main(argv) == 0 and made == [run_mod.journal_path_for(out)] and not made[0].exists()
    assert main([*argv, "--no-resume"]) == 0 and len(made) == 1
    capsys.readouterr()
