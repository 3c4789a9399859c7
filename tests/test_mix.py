"""The mix rules (TP701-TP705) end to end: thresholds from [tool.toolproof.mix], whole-file findings
in the reporters, and the shipped sample before and after `data balance`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.config import ConfigError, load_config
from toolproof.validator.engine import lint_paths

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _rec(i: int, call: bool) -> dict[str, Any]:
    msgs: list[dict[str, Any]] = [{"role": "user", "content": f"Weather in City{i}?"}]
    if call:
        msgs.append({"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                          "function": {"name": "get_weather", "arguments": {"city": f"City{i}"}}}]})
    else:
        msgs.append({"role": "assistant", "content": "I cannot look that up."})
    return {"id": f"r{i}", "messages": msgs,
            "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather.",
                                                        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}


def test_thresholds_from_config(tmp_path: Path, capsys: Any) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(_rec(i, i % 10 != 0)) + "\n" for i in range(30)), encoding="utf-8")  # 3 of 30 decline
    res = lint_paths([data], select=["TP7"])
    assert [f.code for f in res.findings] == ["TP705"]  # 10% is not below the default floor; no parallel calls (info)
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text("[tool.toolproof.mix]\nmin-no-call-share = 0.2\nmin-parallel-share = 0\n", encoding="utf-8")
    res = lint_paths([data], select=["TP7"], config=load_config(cfg))
    assert [(f.code, f.record, f.line, f.path) for f in res.findings] == [("TP701", -1, 0, "$")]
    assert "3 of 30 (10.0%) assistant turns answering a user turn make no call, below 20%" in res.findings[0].message
    # through the CLI, in text and SARIF
    assert main(["lint", str(data), "--config", str(cfg), "--select", "TP7"]) == 0  # warnings only
    assert f"{data}:0  TP701 few-no-call-records" in capsys.readouterr().out
    assert main(["lint", str(data), "--config", str(cfg), "--select", "TP7", "--format", "sarif"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["TP701"]


@pytest.mark.parametrize(
    ("body", "msg"),
    [("min-no-call-share = 2", "a share is between 0 and 1"), ("nope = 1", "unknown option"),
     ("min-records = 'x'", "expected a number"), ("", None)],
)
def test_bad_mix_config(tmp_path: Path, body: str, msg: str | None) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text("[tool.toolproof]\nmix = 3\n" if msg is None else f"[tool.toolproof.mix]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(cfg)
    assert str(cfg) in str(e.value) and "mix" in str(e.value)
    if msg:
        assert msg in str(e.value)


def test_sample_before_and_after_balance(tmp_path: Path) -> None:
    """The shipped sample: the cleaned data's declines are far misses (TP702); balanced, it lints clean."""
    cleaned, balanced = tmp_path / "c.jsonl", tmp_path / "b.jsonl"
    assert main(["clean", str(SAMPLE / "train.dirty.jsonl"), "-o", str(cleaned), "-q"]) == 0
    before = lint_paths([cleaned]).findings
    assert [f.code for f in before] == ["TP702"]
    assert main(["data", "balance", str(cleaned), "-o", str(balanced)]) == 0
    assert lint_paths([balanced]).findings == []


def _loop_tally(table: Any) -> Any:
    """MixTally.of's general loop (records that do not train included), whatever the table holds."""
    from toolproof.validator.rules import mix

    m = mix.MixTally()
    calls: dict[bytes, int] = {}
    for index, answers, no_call_answers, flags, names in table.training_rows():
        m.train += 1
        m.answers += answers
        m.no_call_answers += no_call_answers
        if names is None:
            m.no_call += 1
            if flags & 32:
                m.near += 1
            elif len(m.far) < mix.FAR_KEPT:
                m.far.append(index)
        else:
            for n in names:
                calls[n] = calls.get(n, 0) + 1
            m.parallel += bool(flags & 16)
    for k, v in calls.items():
        m.calls[k.decode()] = v
    return m


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_whole_column_tally_is_the_loop_tally(seed: int) -> None:
    """The mix tally of a table whose records all train is counted over whole columns; it must be
    the per-record loop's, far-miss record numbers and first-called order included."""
    import random

    from toolproof.validator.rules.dataset import RecordSummary, SummaryTable
    from toolproof.validator.rules.mix import MixTally

    rnd = random.Random(seed)
    table = SummaryTable()
    for i in range(400):
        calls = tuple(rnd.choice(["a", "b", "c", "dé"]) for _ in range(rnd.choice([0, 0, 1, 1, 2, 3])))
        answers = rnd.randint(1, 3)
        table.append(RecordSummary(index=i, line=i + 1, id=None, digest=bytes(16), no_calls=not calls, trains=True,
                                   parallel=len(calls) >= 2, near_miss=not calls and rnd.random() < 0.3, called=calls,
                                   answers=answers, no_call_answers=rnd.randint(0, answers)))
    fast = MixTally.of(table)
    assert fast == _loop_tally(table)
    assert list(fast.calls) == list(_loop_tally(table).calls)  # first-called order
    assert len(fast.far) == 20 and fast.near > 0 and fast.parallel > 0
