"""Bad input: each case gives a TP001/TP010 finding or a one-line error naming the file,
never a traceback, and the rest of the file is still checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main

GOOD = {"id": "g", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
GOOD_LINE = json.dumps(GOOD)


def lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["lint", "--format", "json", "--select", "TP001,TP010", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out) if out.strip() else {}, err


def only(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["code"] == code]


def test_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "img.jsonl"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    code, _, err = lint_json(capsys, str(p))
    assert code == 2
    assert str(p) in err and "PNG" in err
    assert len(err.strip().splitlines()) == 1


def test_random_binary_without_magic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "blob.jsonl"
    p.write_bytes(bytes([0, 1, 2, 3, 0, 0, 7, 0]) * 2000)
    code, _, err = lint_json(capsys, str(p))
    assert code == 2 and str(p) in err and "binary" in err


def test_binary_file_does_not_stop_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 100)
    good = tmp_path / "good.jsonl"
    good.write_text(GOOD_LINE + "\n{oops\n")
    code, report, err = lint_json(capsys, str(bad), str(good))
    assert code == 2 and "gzip" in err and str(bad) in err
    assert report["files"] == [{"path": str(good), "records": 2, "dialects": {"canonical": 1, "unread": 1}}]
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(2, "TP001")]


def test_invalid_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(GOOD_LINE.encode() + b'\n{"messages": "caf\xe9"}\n' + GOOD_LINE.encode() + b"\n")
    code, report, _ = lint_json(capsys, str(p))
    assert code == 1
    (f,) = only(report, "TP001")
    assert f["line"] == 2 and "UTF-8" in f["message"] and "0xe9" in f["message"]
    assert report["summary"]["records"] == 3


def test_bom_is_a_warning_and_still_parsed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + GOOD_LINE.encode() + b"\n" + GOOD_LINE.encode() + b"\n")
    code, report, _ = lint_json(capsys, str(p))
    assert code == 0
    assert [(f["code"], f["line"], f["severity"], f["fix"]) for f in report["findings"]] == [("TP010", 1, "warning", "safe")]
    assert report["summary"]["records"] == 2


def test_bom_in_json_array_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = tmp_path / "d.json"
    a.write_bytes(b"\xef\xbb\xbf[" + GOOD_LINE.encode() + b"]")
    c = tmp_path / "d.csv"
    c.write_bytes(b"\xef\xbb\xbfid,messages\nx,\"[]\"\n")
    code, report, _ = lint_json(capsys, str(a), str(c))
    assert [(f["file"], f["code"]) for f in report["findings"]] == [(str(a), "TP010"), (str(c), "TP010")]
    assert report["files"][1]["records"] == 1


def test_nul_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(GOOD_LINE.encode() + b'\n{"messages": "a\x00b"}\n' + GOOD_LINE.encode() + b"\n")
    code, report, _ = lint_json(capsys, str(p))
    assert code == 1
    (f,) = only(report, "TP001")
    assert f["line"] == 2 and "NUL" in f["message"]
    assert report["summary"]["records"] == 3


def test_truncated_last_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(GOOD_LINE + "\n" + GOOD_LINE[:25])
    code, report, _ = lint_json(capsys, str(p))
    assert code == 1
    (f,) = only(report, "TP001")
    assert f["line"] == 2 and "truncated" in f["message"] and "file ends" in f["message"]


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "empty.jsonl"
    p.write_bytes(b"")
    code, report, _ = lint_json(capsys, str(p))
    assert code == 0
    assert report["files"] == [{"path": str(p), "records": 0, "dialects": {}}]
    # the text report says so
    assert main(["lint", str(p)]) == 0
    out = capsys.readouterr().out
    assert f"{p}: no records (empty file)" in out


def test_fifty_megabyte_single_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "huge.jsonl"
    big = {"id": "big", "messages": [{"role": "user", "content": "x" * (50 * 1024 * 1024)}, {"role": "assistant", "content": "ok"}]}
    with open(p, "w") as f:
        f.write(json.dumps(big) + "\n" + '{"broken": \n' + GOOD_LINE + "\n")
    code, report, _ = lint_json(capsys, str(p))
    assert report["summary"]["records"] == 3
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(2, "TP001")]
    assert code == 1


def test_deeply_nested_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "deep.jsonl"
    deep = '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}"
    p.write_text(GOOD_LINE + "\n" + deep + "\n" + GOOD_LINE + "\n")
    code, report, _ = lint_json(capsys, str(p))
    assert code == 1
    (f,) = only(report, "TP001")
    assert f["line"] == 2 and "nested too deeply" in f["message"]
    assert report["summary"]["records"] == 3


def test_deeply_nested_element_in_json_array(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "deep.json"
    p.write_text("[" + GOOD_LINE + ",\n" + "[" * 100_000 + "]" * 100_000 + ",\n" + GOOD_LINE + "]")
    code, report, _ = lint_json(capsys, str(p))
    (f,) = only(report, "TP001")
    assert f["line"] == 2 and "nested too deeply" in f["message"]
    assert report["summary"]["records"] == 3


def test_csv_with_broken_json_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.csv"
    good_cell = json.dumps(GOOD["messages"]).replace('"', '""')
    p.write_text(f'id,messages,tools\na,"{good_cell}",[]\nb,"{good_cell}","[{{""type"": ""function"",]"\nc,"{good_cell}",[]\n')
    code, report, _ = lint_json(capsys, str(p))
    assert code == 1
    (f,) = only(report, "TP001")
    assert f["line"] == 3 and "'tools'" in f["message"]
    assert report["summary"]["records"] == 3


def test_csv_row_with_wrong_cell_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.csv"
    p.write_text('id,messages\na,[]\nb,[],extra\n')
    _, report, _ = lint_json(capsys, str(p))
    (f,) = only(report, "TP001")
    assert f["line"] == 3 and "3 cells" in f["message"]


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    code = main(["lint", str(missing)])
    out, err = capsys.readouterr()
    assert code == 2
    assert str(missing) in err and "no such file" in err
    assert "Traceback" not in out + err


def test_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and str(tmp_path) in err and "directory" in err


def test_every_record_accounted_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [GOOD_LINE, "{", "[]", "null", '"str"', "nan", GOOD_LINE[:-1], "{}{}", GOOD_LINE]
    p = tmp_path / "mixed.jsonl"
    p.write_text("\n".join(lines) + "\n")
    _, report, _ = lint_json(capsys, str(p))
    assert report["summary"]["records"] == len(lines)
    bad_lines = [f["line"] for f in only(report, "TP001")]
    assert bad_lines == [2, 6, 7, 8]
