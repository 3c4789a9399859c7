"""Honest results (issue 17, items 11-15): an unreadable file is in the JSON report, unparseable
records are counted by `data stats`, an empty dataset is visible, a JSON array saved as .jsonl
gets one clear message, and the messages say what is actually wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main

GOOD = {"id": "g", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# --------------------------------------------------------------------------- item 11


def test_lint_json_carries_the_unreadable_file_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "u16.jsonl"
    p.write_bytes("\ufeff".encode("utf-16") + json.dumps(GOOD).encode("utf-16-le"))
    code, out, _ = run(capsys, "lint", "--format", "json", str(p))
    assert code == 2
    report = json.loads(out)
    assert len(report["errors"]) == 1 and str(p) in report["errors"][0] and "UTF-16" in report["errors"][0]


def test_lint_json_has_an_empty_error_list_when_all_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(GOOD) + "\n")
    code, out, _ = run(capsys, "lint", "--format", "json", str(p))
    assert code == 0 and json.loads(out)["errors"] == []


# --------------------------------------------------------------------------- item 12


def test_data_stats_counts_unparseable_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text('{"a": NaN}\n{"a": NaN}\n{"a": NaN}\n' + json.dumps(GOOD) + "\n")
    code, out, err = run(capsys, "data", "stats", str(p))
    assert code == 1  # not everything was read (issue 18): exit 1 unless --allow-unread
    assert "records: 1" in out and "unparseable records (not counted above): 3" in out
    assert "3 record(s) did not parse" in err and f"{p}:1:" in err
    code, out, _ = run(capsys, "data", "stats", "--json", "--allow-unread", str(p))
    assert code == 0
    stats: dict[str, Any] = json.loads(out)
    assert stats["records"] == 1 and stats["unparseable_records"] == 3


# --------------------------------------------------------------------------- item 13


def test_lint_empty_file_warns_and_fails_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "empty.jsonl"
    p.write_text("\n\n")
    code, out, _ = run(capsys, "lint", str(p))
    assert code == 0 and "no records (empty file)" in out
    code, out, err = run(capsys, "lint", "--format", "json", str(p))
    assert code == 0 and "no records (empty file)" in err
    code, _, _ = run(capsys, "lint", "--fail-on-empty", str(p))
    assert code == 1
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(GOOD) + "\n")
    code, _, _ = run(capsys, "lint", "--fail-on-empty", str(good))
    assert code == 0


def test_score_with_an_empty_test_set_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = tmp_path / "test.jsonl"
    test.write_text("")
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": "a", "output": "x"}) + "\n")
    code, out, err = run(capsys, "score", str(preds), "--data", str(test))
    assert code == 2 and "no records" in err and "0/0" not in out


# --------------------------------------------------------------------------- item 14


PRETTY = json.dumps([GOOD, {**GOOD, "id": "h"}], indent=2) + "\n"


@pytest.mark.parametrize("cmd", [["lint"], ["clean", "-o", "OUT"], ["data", "stats"], ["fix"], ["convert", "-o", "OUT"]])
def test_json_array_saved_as_jsonl_gets_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   cmd: list[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(PRETTY)
    argv = [c.replace("OUT", str(tmp_path / "o.jsonl")) for c in cmd]
    code, out, err = run(capsys, *argv[:1], *(argv[1:2] if cmd[0] == "data" else []), str(p),
                         *([] if cmd[0] == "data" else argv[1:]))
    assert code == 2
    assert (out + err).count("looks like a JSON array") == 1
    assert "TP001" not in out
    assert p.read_text() == PRETTY


def test_json_array_in_jsonl_reads_with_input_format_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(PRETTY)
    code, out, _ = run(capsys, "lint", "--input-format", "json", "--format", "json", str(p))
    assert code == 0 and json.loads(out)["files"][0]["records"] == 2


def test_jsonl_whose_records_are_arrays_is_not_taken_for_a_document(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text('[1, 2]\n[3]\n')
    code, out, err = run(capsys, "lint", str(p))
    assert code == 1 and "TP002" in out and "looks like" not in err


# --------------------------------------------------------------------------- item 15


def test_symlink_loop_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.symlink_to(b)
    b.symlink_to(a)
    for argv in (["lint", str(a)], ["clean", str(a), "-o", str(tmp_path / "o.jsonl")], ["convert", str(a), "-o",
                                                                                          str(tmp_path / "o.jsonl")]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "symbolic link loop" in err and "no such file" not in err, argv


def test_broken_symlink_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = tmp_path / "a.jsonl"
    a.symlink_to(tmp_path / "gone.jsonl")
    code, _, err = run(capsys, "lint", str(a))
    assert code == 2 and "broken symbolic link" in err and "gone.jsonl" in err


def _tp001(capsys: pytest.CaptureFixture[str], path: Path) -> list[str]:
    code, out, _ = run(capsys, "lint", "--format", "json", "--select", "TP001", str(path))
    return [f["message"] for f in json.loads(out)["findings"]]


def test_number_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text('{"a": ' + "9" * 5000 + '}\n{"a": 1e999}\n{"a": NaN}\n{"a": Infinity}\n{"a": -Infinity}\n')
    msgs = _tp001(capsys, p)
    assert "5,000-digit integer" in msgs[0] and "infinity" not in msgs[0].lower()
    assert "1e999" in msgs[1] and "out of the range" in msgs[1]
    assert msgs[2].startswith("invalid JSON: NaN at column 7 is not a JSON value")
    assert "Infinity at column 7" in msgs[3]
    assert "-Infinity at column 7" in msgs[4]


def test_fix_and_lint_describe_a_bad_line_the_same_way(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(b'{"messages": "caf\xe9"}\n{"a": NaN}\n{"a": 1\n')
    lint_msgs = _tp001(capsys, p)
    code, out, _ = run(capsys, "fix", str(p))
    assert code == 0
    for m in lint_msgs:
        assert m in out, (m, out)
    assert "surrogates" not in out
