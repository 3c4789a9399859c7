"""`toolproof clean` and `toolproof fix` through toolproof.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_clean_invariants import CASES, GOOD, asst, call, read_jsonl, rec, user, write_dirty

from toolproof.cli import main


def test_clean_prints_the_summary_and_writes_both_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_dirty(tmp_path / "train.dirty.jsonl")
    out = tmp_path / "train.clean.jsonl"
    # the dirty set holds a line that is not JSON and records that are no record (not an object, no
    # messages): they could not be read, so clean exits 1 ...
    assert main(["clean", str(src), "-o", str(out)]) == 1
    q = read_jsonl(tmp_path / "train.clean.quarantine.jsonl")
    unread = sum(1 for r in q if {f["code"] for f in r["findings"]} & {"TP001", "TP002", "TP003", "TP012"})
    assert unread >= 1 and f"({unread} could not be read)" in capsys.readouterr().out
    # ... unless --allow-unread says that is expected (the records are quarantined either way)
    assert main(["clean", str(src), "-o", str(out), "--allow-unread"]) == 0
    text = capsys.readouterr().out
    assert f"could not read {unread} record(s)" in text and "read as: canonical" in text
    n_q = sum(1 for c in CASES if c[2] == "quarantined") + 1
    n_rep = sum(1 for c in CASES if c[2] == "repaired")
    n_unch = sum(1 for c in CASES if c[2] == "unchanged")
    assert f"{len(CASES) + 1} records in: {n_unch} passed unchanged, {n_rep} repaired, {n_q} quarantined, 1 duplicates dropped" in text
    assert "TP105 markup-to-tool-calls" in text and "TP301 missing-required-argument" in text
    assert len(read_jsonl(out)) == n_unch + n_rep
    assert len(read_jsonl(tmp_path / "train.clean.quarantine.jsonl")) == n_q


def test_clean_unsafe_fixes_repair_more(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_dirty(tmp_path / "d.jsonl")
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--unsafe-fixes", "--quarantine", str(tmp_path / "q.jsonl"),
                 "--allow-unread"]) == 0
    text = capsys.readouterr().out
    assert "TP303 coerce-argument-type" in text and "TP302 drop-unknown-argument" in text
    ids = {r["id"] for r in read_jsonl(tmp_path / "o.jsonl")}
    assert {"u-coerce", "u-unknown"} <= ids


def test_clean_no_dedupe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--no-dedupe"]) == 0
    assert len(read_jsonl(tmp_path / "o.jsonl")) == 2
    assert "0 duplicates dropped" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv_tail",
    [
        ["-o", "{src}"],
        ["-o", "{tmp}/o.jsonl", "--quarantine", "{src}"],
        ["-o", "{tmp}/o.jsonl", "--report", "r.txt"],
        ["-o", "{tmp}/o.jsonl", "--input-format", "yaml"],
    ],
)
def test_clean_usage_errors_exit_2_and_touch_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv_tail: list[str]
) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text(json.dumps(GOOD) + "\n")
    before = src.read_bytes()
    argv = ["clean", str(src), *(a.format(src=src, tmp=tmp_path) for a in argv_tail)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "toolproof clean: error:" in err and "Traceback" not in err
    assert src.read_bytes() == before
    assert not (tmp_path / "o.jsonl").exists()


def test_clean_missing_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_clean_report_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    src = write_dirty(tmp_path / "d.jsonl")
    for name in ("r.html", "r.md", "r.json"):
        assert main(["clean", str(src), "-o", str(tmp_path / "o.jsonl"), "--report", name, "--allow-unread"]) == 0
        assert (tmp_path / name).stat().st_size > 500  # exactly where asked (issue 34), not under reports/
    assert not (tmp_path / "reports").exists()
    assert "report: r.json" in capsys.readouterr().out


def test_fix_command_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    fixable = rec("f", [user("q"), asst(None, [call("get_weather", '{"city": "P"}')])])
    unfixable = rec("u", [user("q"), asst(None, [call("nope", {})])])
    p.write_text(json.dumps(fixable) + "\n" + json.dumps(unfixable) + "\n")
    assert main(["fix", str(p)]) == 1
    out = capsys.readouterr().out
    assert f"Fixing {p}" in out
    assert f"{p}:2: TP206" in out
    assert main(["fix", str(p)]) == 0
    out = capsys.readouterr().out
    assert "Fixing" not in out and f"{p}:2: TP206" in out
    assert main(["fix", str(tmp_path / "missing.jsonl")]) == 2


def test_fix_leaves_json_arrays_alone(tmp_path: Path) -> None:
    p = tmp_path / "package.json"
    p.write_text('[\n  {"name": "x"}\n]\n')
    assert main(["fix", str(p)]) == 0
    assert p.read_text() == '[\n  {"name": "x"}\n]\n'
