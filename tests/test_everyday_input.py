"""Everyday input (issue 34): `lint -` reads standard input, `.jsonl.gz` / `.jsonl.zst` are read as they
are (streamed, for lint, clean and convert), and an unknown `[tool.toolproof]` key is an error naming
the nearest valid key."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.config import ConfigError, load_config
from toolproof.validator.io import detect_container, iter_records

GOOD = {"id": "g", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
NO_ANSWER = {"id": "n", "messages": [{"role": "user", "content": "hello?"}]}
BOM = b"\xef\xbb\xbf"


def _jsonl(*recs: dict[str, Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in recs).encode()


def _lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["lint", "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _findings(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["code"]) for f in report["findings"]]


def test_gzip_jsonl_is_linted_like_the_plain_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "d.jsonl"
    plain.write_bytes(_jsonl(GOOD, NO_ANSWER))
    gz = tmp_path / "d.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    code_p, rep_p, _ = _lint_json(capsys, str(plain))
    code_g, rep_g, err = _lint_json(capsys, str(gz))
    assert code_g == code_p == 1, err
    assert [(line, c) for _f, line, c in _findings(rep_g)] == [(line, c) for _f, line, c in _findings(rep_p)]
    assert ("d.jsonl.gz", 2, "TP006") in [(Path(f).name, line, c) for f, line, c in _findings(rep_g)]
    assert rep_g["files"][0]["records"] == 2


def test_gzip_with_jobs_and_a_bom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gz = tmp_path / "d.jsonl.gz"
    gz.write_bytes(gzip.compress(BOM + _jsonl(GOOD, NO_ANSWER, {**GOOD, "id": "g2"})))
    code, rep, err = _lint_json(capsys, "-j", "2", str(gz), "--select", "TP006,TP010")
    assert code == 1, err
    assert sorted((line, c) for _f, line, c in _findings(rep)) == [(1, "TP010"), (2, "TP006")]


def test_gzip_container_comes_from_the_inner_suffix(tmp_path: Path) -> None:
    assert detect_container("x/data.jsonl.gz") == "jsonl"
    assert detect_container("x/data.json.zst") == "json"
    p = tmp_path / "arr.json.gz"
    p.write_bytes(gzip.compress(json.dumps([GOOD, NO_ANSWER], indent=2).encode()))
    assert [r.obj["id"] for r in iter_records(p)] == ["g", "n"]


def test_truncated_gzip_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(gzip.compress(_jsonl(*[{**GOOD, "id": str(i)} for i in range(2000)]))[:-40])
    code, _rep, err = _lint_json(capsys, str(p))
    assert code == 2 and "truncated or corrupt" in err and str(p) in err


def test_gzip_bytes_under_a_plain_name_say_how_to_read_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.jsonl"
    p.write_bytes(gzip.compress(_jsonl(GOOD)))
    code, _rep, err = _lint_json(capsys, str(p))
    assert code == 2 and "gzip" in err and ".jsonl.gz" in err


@pytest.fixture
def zst_file(tmp_path: Path) -> Path:
    p = tmp_path / "d.jsonl.zst"
    if shutil.which("zstd"):
        src = tmp_path / "src.jsonl"
        src.write_bytes(_jsonl(GOOD, NO_ANSWER))
        subprocess.run(["zstd", "-q", str(src), "-o", str(p)], check=True)
    else:  # the frame magic is enough for the missing-module path
        p.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 32)
    return p


def test_zstd_without_zstandard_names_the_package(zst_file: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)
    code, _rep, err = _lint_json(capsys, str(zst_file))
    assert code == 2 and "zstandard" in err and "pip install zstandard" in err and str(zst_file) in err


def test_zstd_goes_through_zstandard_stream_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The plumbing with a stand-in codec (this environment has no zstandard): whatever its stream
    reader returns is read as the file's bytes, line by line."""
    calls: list[bool] = []

    class Decompressor:
        def stream_reader(self, raw: Any, closefd: bool = False) -> Any:
            calls.append(closefd)
            return _Identity(raw)

    class _Identity(io.RawIOBase):
        def __init__(self, raw: Any) -> None:
            self.raw = raw

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            data = self.raw.read(len(b))
            b[: len(data)] = data
            return len(data)

        def close(self) -> None:
            self.raw.close()
            super().close()

    monkeypatch.setitem(sys.modules, "zstandard", types.SimpleNamespace(ZstdDecompressor=Decompressor))
    p = tmp_path / "d.jsonl.zst"
    p.write_bytes(_jsonl(GOOD, NO_ANSWER))  # "decompressed" by the identity codec
    code, rep, err = _lint_json(capsys, str(p), "--select", "TP006")
    assert code == 1, err
    assert [(line, c) for _f, line, c in _findings(rep)] == [(2, "TP006")]
    assert calls and all(calls)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_lint_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    big = {**GOOD, "messages": [{"role": "user", "content": "x" * 9000}, {"role": "assistant", "content": "ok"}]}
    _stdin(monkeypatch, _jsonl(big, NO_ANSWER, {**GOOD, "id": "g3"}))  # the first line is longer than the head read
    code, rep, err = _lint_json(capsys, "-", "--select", "TP006")
    assert code == 1, err
    assert _findings(rep) == [("<stdin>", 2, "TP006")]
    assert rep["files"][0]["records"] == 3


def test_lint_stdin_text_report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, BOM + _jsonl(GOOD))
    assert main(["lint", "-", "--select", "TP010"]) == 0
    assert "<stdin>:1" in capsys.readouterr().out


def test_clean_and_convert_read_gzip_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    gz = tmp_path / "d.jsonl.gz"
    gz.write_bytes(gzip.compress(_jsonl(GOOD, NO_ANSWER)))
    assert main(["clean", str(gz), "-o", str(tmp_path / "c.jsonl"), "-q"]) == 0
    assert [json.loads(x)["id"] for x in (tmp_path / "c.jsonl").read_text().splitlines()] == ["g"]
    assert main(["convert", str(gz), "-o", str(tmp_path / "o.jsonl"), "--to", "openai"]) == 0
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 2
    _stdin(monkeypatch, _jsonl(GOOD, NO_ANSWER))
    assert main(["clean", "-", "-o", str(tmp_path / "s.jsonl"), "-q"]) == 0
    q = json.loads((tmp_path / "s.quarantine.jsonl").read_text())
    assert q["file"] == "<stdin>" and q["line"] == 2
    _stdin(monkeypatch, _jsonl(GOOD))
    assert main(["convert", "-", "-o", str(tmp_path / "t.jsonl"), "--to", "trl"]) == 0
    assert json.loads((tmp_path / "t.jsonl").read_text()) == GOOD
    capsys.readouterr()


@pytest.mark.parametrize(("key", "near"), [("ingore", "ignore"), ("selct", "select"), ("per-file-ignore", "per-file-ignores"),
                                           ("severities", "severity"), ("mixes", "mix")])
def test_unknown_config_key_names_the_nearest(tmp_path: Path, key: str, near: str) -> None:
    p = tmp_path / "pyproject.toml"
    p.write_text(f'[tool.toolproof]\n"{key}" = ["TP404"]\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert f"unknown key {key!r}" in str(e.value) and f"did you mean {near!r}" in str(e.value) and str(p) in str(e.value)


def test_unknown_config_key_far_from_any_lists_the_valid_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "pyproject.toml"
    p.write_text("[tool.toolproof]\nzzz = 1\n")
    d = tmp_path / "d.jsonl"
    d.write_bytes(_jsonl(GOOD))
    assert main(["lint", str(d), "--config", str(p)]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'zzz'" in err and "valid keys: select, ignore, per-file-ignores, severity, mix" in err
