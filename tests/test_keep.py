"""Issue 31: no silent empty output. `clean`, `convert` and `data balance` fail (non-zero, a clear
message naming the top reasons for quarantine) when their output would be empty, and `clean` /
`convert` when they keep less than `--min-kept` (or `min-kept` in `[tool.toolproof]`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_clean_invariants import GOOD, asst, call, rec, user

from toolproof.cli import main
from toolproof.validator.config import ConfigError, parse_config
from toolproof.validator.keep import kept_problem, reasons_text, top_reasons

UNDECLARED = rec("bad-1", [user("Book a taxi"), asst(None, [call("book_taxi", {"to": "airport"})])])
NO_ASSISTANT = rec("bad-2", [user("Weather in Paris?")])


def write(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def good(n: int) -> list[dict[str, Any]]:
    return [rec(f"g{i}", [user(f"Weather in city {i}?"), asst(f"Sunny in city {i}.")]) for i in range(n)]


def bad(n: int) -> list[dict[str, Any]]:
    return [rec(f"b{i}", [user(f"Book taxi {i}"), asst(None, [call("book_taxi", {"to": f"a{i}"})])]) for i in range(n)]


# ------------------------------------------------------------------------------ the library check


def test_kept_problem_cases() -> None:
    assert kept_problem(10, 10, {}) is None
    assert kept_problem(10, 1, {"TP206": 9}) is None  # no threshold: only an empty output fails
    empty = kept_problem(3, 0, {"TP206": 2, "TP006": 1})
    assert empty is not None and "no record kept" in empty and "TP206 undeclared-tool 2, TP006 no-assistant-turn 1" in empty
    assert kept_problem(0, 0, {}) == "no records in the input: the output is empty"
    low = kept_problem(10, 4, {"TP206": 6}, 0.5)
    assert low is not None and "kept 4 of 10 records (40.0%)" in low and "0.5" in low and "TP206" in low
    assert kept_problem(10, 5, {"TP206": 5}, 0.5) is None  # the share itself is enough


def test_top_reasons_most_frequent_first_ties_by_name() -> None:
    assert top_reasons({"TP301": 2, "TP206": 5, "TP008": 2, "TP004": 1}) == [("TP206", 5), ("TP008", 2), ("TP301", 2)]
    assert reasons_text({"unknown-shape": 3}) == "unknown-shape 3"  # a reader reason that is no rule code


@pytest.mark.parametrize("value", [1.5, -0.1, "0.9", True])
def test_min_kept_config_key_is_checked(value: Any) -> None:
    with pytest.raises(ConfigError, match="min-kept"):
        parse_config({"min-kept": value})


def test_min_kept_config_key_is_read() -> None:
    assert parse_config({"min-kept": 0.75}).min_kept == 0.75
    assert parse_config({}).min_kept is None


# ------------------------------------------------------------------------------ clean


def test_clean_all_quarantined_exits_1_and_names_the_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "d.jsonl", [*bad(2), NO_ASSISTANT])
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--allow-unread"]) == 1
    out, err = capsys.readouterr()
    assert "toolproof clean: error: no record kept: all 3 quarantined, the output is empty" in err
    assert "TP206 undeclared-tool 2, TP006 no-assistant-turn 1" in err
    # the summary lists the reasons, most frequent first, with a count each
    lines = out.splitlines()
    start = lines.index("quarantined (records, by rule, most frequent first):")
    assert lines[start + 1].split()[::2] == ["TP206", "2"] and lines[start + 2].split()[::2] == ["TP006", "1"]
    assert len((tmp_path / "o.quarantine.jsonl").read_text().splitlines()) == 3  # the quarantine is still written


def test_clean_empty_input_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text("")
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl")]) == 1
    assert "no records in the input" in capsys.readouterr().err


def test_clean_min_kept_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "d.jsonl", [*good(6), *bad(4)])
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl")]) == 0  # no threshold
    capsys.readouterr()
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--min-kept", "0.6"]) == 0
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--min-kept", "0.7"]) == 1
    err = capsys.readouterr().err
    assert "kept 6 of 10 records (60.0%), below the minimum kept share 0.7" in err and "TP206 undeclared-tool 4" in err


def test_clean_duplicates_do_not_count_as_lost(tmp_path: Path) -> None:
    src = write(tmp_path / "d.jsonl", [GOOD, GOOD, GOOD, *bad(1)])
    # 4 in, 2 duplicates dropped on purpose: 1 of the 2 distinct records kept
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--min-kept", "0.5"]) == 0
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--min-kept", "0.51"]) == 1


def test_clean_min_kept_from_pyproject(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "d.jsonl", [*good(1), *bad(3)])
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text("[tool.toolproof]\nmin-kept = 0.5\n")
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--config", str(cfg)]) == 1
    assert "below the minimum kept share 0.5" in capsys.readouterr().err
    # the flag wins over the file
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--config", str(cfg), "--min-kept", "0.2"]) == 0


@pytest.mark.parametrize("value", ["1.5", "-1", "most"])
def test_clean_min_kept_bad_value_is_a_usage_error(tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "d.jsonl", good(1))
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--min-kept", value]) == 2
    assert f"--min-kept: expected a share between 0 and 1 (e.g. 0.9), got '{value}'" in capsys.readouterr().err


# ------------------------------------------------------------------------------ convert and data balance


def test_convert_nothing_converted_exits_1_even_with_allow_unread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "d.jsonl", [{"question": "q", "reply": "a"}, {"question": "r", "reply": "b"}])
    assert main(["convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--allow-unread"]) == 1
    err = capsys.readouterr().err
    assert "toolproof convert: error: no record kept: all 2 quarantined" in err and "unknown-shape 2" in err


def test_convert_min_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "d.jsonl", [*good(3), {"question": "q"}])
    assert main(["convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--allow-unread", "--min-kept", "0.75"]) == 0
    assert main(["convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--allow-unread", "--min-kept", "0.8"]) == 1
    assert "kept 3 of 4 records (75.0%)" in capsys.readouterr().err


def test_balance_of_an_empty_file_fails_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text("")
    out = tmp_path / "o.jsonl"
    assert main(["data", "balance", str(src), "-o", str(out)]) == 2
    assert "the output would be empty" in capsys.readouterr().err and not out.exists()
