"""`toolproof inspect`: the rendered training text with trained tokens marked, and token counts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tiny_model import tiny_model_dir

from toolproof.cli import main

REC = {
    "messages": [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "3C"},
        {"role": "assistant", "content": "It is 3C in Oslo."},
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "w", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("inspect") / "d.jsonl"
    p.write_text(json.dumps(REC) + "\n" + json.dumps({"messages": [{"role": "user", "content": 5}], "tools": "nope"}) + "\n" + "{broken\n")
    return p


def test_plain_markers_and_counts(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(data), "-m", str(tiny_model_dir())]) == 0
    out = capsys.readouterr().out
    marked = re.findall(r"\[\[(.*?)\]\]", out, re.S)
    assert marked == ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call><|im_end|>', "It is 3C in Oslo.<|im_end|>"]
    assert "<tool_response>\n3C\n</tool_response>" in out and "[[<tool_response>" not in out
    m = re.search(r"tokens: (\d+) total, (\d+) trained \(([\d.]+)%\), (\d+) masked", out)
    assert m is not None
    total, trained, _, masked = (float(x) for x in m.groups())
    assert 0 < trained < total and trained + masked == total


def test_completion_only_marks_everything_after_the_prompt(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(data), "-m", str(tiny_model_dir()), "--loss", "completion_only"]) == 0
    out = capsys.readouterr().out
    marked = re.findall(r"\[\[(.*?)\]\]", out, re.S)
    assert len(marked) == 1 and marked[0].startswith("<tool_call>") and "<tool_response>" in marked[0]


def test_color_always_uses_styles_not_markers(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(data), "-m", str(tiny_model_dir()), "--color", "always"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" in out and "[[" not in out


def test_bad_records_and_indexes(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(data), "-m", str(tiny_model_dir()), "-r", "2"]) == 1
    assert "not a readable JSON object" in capsys.readouterr().out
    assert main(["inspect", str(data), "-m", str(tiny_model_dir()), "-r", "9"]) == 2
    assert "no record 9" in capsys.readouterr().err
    assert main(["inspect", str(data), "-m", "no-such-model"]) == 2
    assert main(["inspect", "/nonexistent.jsonl", "-m", str(tiny_model_dir())]) == 2


def test_layout_flag_and_the_deprecated_format_alias(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["inspect", str(data), "-m", str(tiny_model_dir())]
    assert main([*base, "--layout", "markup_in_content"]) == 0
    cap = capsys.readouterr()
    assert "· markup_in_content" in cap.out and "deprecated" not in cap.err
    markup = cap.out
    assert main([*base, "--format", "markup_in_content"]) == 0  # the old flag still works, with a warning
    cap = capsys.readouterr()
    assert cap.out == markup
    assert "toolproof inspect: warning: --format is deprecated here, use --layout markup_in_content" in cap.err
    assert main([*base, "--layout", "structured", "--format", "markup_in_content"]) == 0  # --layout wins
    assert "· structured" in capsys.readouterr().out
    assert main([*base, "--layout", "nope"]) == 2
