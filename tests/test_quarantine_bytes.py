"""The quarantine keeps every record's exact bytes (issue 17, item 4): from the output and the
quarantine, the input file is rebuilt byte for byte, for lines with invalid UTF-8, a NUL, a bad
line over 10 kB, and records quarantined for rule errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from toolproof.cli import main


def quarantined_bytes(entry: dict) -> bytes | None:  # type: ignore[type-arg]
    b64 = entry.get("raw_base64")
    return base64.b64decode(b64) if isinstance(b64, str) else None


def _canon(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


GOOD = [
    {"id": f"g{i}", "messages": [{"role": "user", "content": f"hi {i}"}, {"role": "assistant", "content": "hello"}]}
    for i in range(3)
]

BAD_LINES = [
    b'{"id": "u", "messages": "caf\xe9 \xff\xfe"}\n',  # invalid UTF-8
    b'{"id": "n", "messages": "a\x00b"}\n',  # NUL
    b'{"id": "big", "messages": "' + b"x" * 20_000 + b'"\x01 oops\n',  # > 10 kB, broken
    b'{"id": "r", "messages": [{"role": "wizard", "content": "x"}],   "extra":  1}\r\n',  # parses, rule error
]


def _input() -> bytes:
    return _canon(GOOD[0]) + BAD_LINES[0] + BAD_LINES[1] + _canon(GOOD[1]) + BAD_LINES[2] + BAD_LINES[3] + _canon(GOOD[2])


def _rebuild(out: Path, q: Path) -> bytes:
    entries = [json.loads(x) for x in q.read_text(encoding="utf-8").splitlines()]
    by_line = {e["line"]: quarantined_bytes(e) for e in entries}
    assert all(v is not None for v in by_line.values())
    good = iter(out.read_bytes().splitlines(keepends=True))
    n_lines = len(_input().splitlines())
    return b"".join(by_line[i] if i in by_line else next(good) for i in range(1, n_lines + 1))  # type: ignore[misc]


def test_clean_input_is_output_plus_quarantine_byte_for_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(_input())
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--no-dedupe"]) == 1  # some records could not be read
    capsys.readouterr()
    q = tmp_path / "out.quarantine.jsonl"
    assert len(q.read_text().splitlines()) == 4
    assert _rebuild(out, q) == src.read_bytes()


def test_convert_quarantine_keeps_the_whole_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(_input())
    out = tmp_path / "out.jsonl"
    assert main(["convert", str(src), "-o", str(out)]) == 1
    capsys.readouterr()
    entries = [json.loads(x) for x in (tmp_path / "out.quarantine.jsonl").read_text().splitlines()]
    got = {e["line"]: base64.b64decode(e["raw_base64"]) for e in entries}
    assert got[2] == BAD_LINES[0] and got[3] == BAD_LINES[1] and got[5] == BAD_LINES[2]
    big = next(e for e in entries if e["line"] == 5)
    assert len(big["record"]) > 20_000  # the readable text is whole too, not cut at 10 kB


DUP = b'{"id": "a", "id": "b", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n'


def test_clean_quarantines_a_record_with_a_repeated_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(_canon(GOOD[0]) + DUP)
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(src), "-o", str(out)]) == 0
    capsys.readouterr()
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["g0"]
    (entry,) = [json.loads(x) for x in (tmp_path / "out.quarantine.jsonl").read_text().splitlines()]
    assert entry["findings"][0]["code"] == "TP011" and entry["findings"][0]["path"] == "$.id"
    assert quarantined_bytes(entry) == DUP


def test_fix_leaves_a_line_with_a_repeated_key_and_reports_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the second key holds stringified arguments, a safe repair, but the line must keep its bytes
    line = (b'{"id": "a", "id": "b", "tools": [{"type": "function", "function": {"name": "f", "description": "d", '
            b'"parameters": {"type": "object", "properties": {}}}}], "messages": [{"role": "user", "content": "x"}, '
            b'{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}\n')
    p = tmp_path / "d.jsonl"
    p.write_bytes(line)
    code = main(["fix", str(p)])
    out, _ = capsys.readouterr()
    assert code == 0 and p.read_bytes() == line
    assert "TP011" in out and "$.id" in out


def test_lint_reports_repeated_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(DUP)
    assert main(["lint", "--format", "json", str(p)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["path"], f["line"]) for f in report["findings"] if f["code"] == "TP011"] == [("TP011", "$.id", 1)]
