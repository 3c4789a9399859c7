"""Fail closed (issue 30): a crash is never a pass, and nothing a record holds makes a command crash.

Exit codes: 0 clean, 1 findings, 2 usage / unreadable, 3 toolproof failed on a record (internal error).
Too-deep records (TP013, or TP001 past the parser's 1,024 levels) are findings in lint, clean and fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main

USER = {"role": "user", "content": "weather in Paris"}


def call_record(args: dict[str, Any], parameters: dict[str, Any] | None = None, rid: str = "r1") -> dict[str, Any]:
    params = parameters if parameters is not None else {"type": "object", "properties": {"city": {"type": "string"}}}
    return {
        "id": rid,
        "messages": [USER, {"role": "assistant", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": args}}]}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "weather", "parameters": params}}],
    }


def deep_schema_line(levels: int) -> str:
    """A parameters schema nested ``levels`` times (2 JSON levels each), written as text (no recursion)."""
    head = json.dumps(call_record({"city": "Paris"}, {"type": "object", "properties": {}}))
    inner = '{"type": "object", "properties": {"a": ' * levels + '{"type": "string"}' + "}}" * levels
    return head.replace('"parameters": {"type": "object", "properties": {}}', f'"parameters": {inner}')


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, *lines: str, name: str = "d.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return p


GOOD = json.dumps(call_record({"city": "Paris"}))


@pytest.mark.parametrize("levels", [120, 480, 600])  # 240, 960 and 1,200 JSON levels: TP013 / TP013 / TP001
def test_a_deep_schema_is_a_finding_in_lint_clean_and_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str], levels: int) -> None:
    p = write(tmp_path, GOOD, deep_schema_line(levels))
    expect = "TP001" if levels * 2 > 1024 else "TP013"
    code, out, err = run(capsys, "lint", str(p))
    assert code == 1, (out, err)
    assert f":2  {expect} " in out and "internal error" not in out + err and "Traceback" not in err
    before = p.read_bytes()
    code, out, err = run(capsys, "clean", str(p), "-o", str(tmp_path / "o.jsonl"))
    assert code == 1 and "Traceback" not in err, err  # an unread record: exit 1 (not 3: no crash)
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text().splitlines()]
    assert [(e["line"], e["findings"][0]["code"]) for e in q] == [(2, expect)]
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 1
    code, out, err = run(capsys, "fix", str(p))
    assert code == 0 and f"d.jsonl:2: {expect}" in out and "Traceback" not in err
    assert p.read_bytes() == before


def test_a_deep_argument_value_is_tp013(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = GOOD.replace('"Paris"', "[" * 300 + "]" * 300)
    code, out, _ = run(capsys, "lint", str(write(tmp_path, line)), "--format", "json")
    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["TP013"]


def test_lint_objects_bounds_depth_too() -> None:
    from toolproof.validator.engine import lint_objects

    v: Any = "x"
    for _ in range(400):
        v = [v]
    res = lint_objects([call_record({"city": v})])
    assert [f.code for f in res.findings] == ["TP013"] and not res.internal_errors


@pytest.fixture
def crashing_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """TP703's helper raises on a record whose city is "BOOM" (a stand-in for any rule bug)."""
    import toolproof.validator.rules.mix as mix
    from toolproof.validator.rules.base import REGISTRY

    real = mix.record_grounding
    import dataclasses

    # TP703 is opt-in by the precision policy: on for this test
    monkeypatch.setitem(REGISTRY, "TP703", dataclasses.replace(REGISTRY["TP703"], default_enabled=True))

    def boom(record: Any, *a: Any, **kw: Any) -> Any:
        if "BOOM" in json.dumps(record):
            raise RuntimeError("simulated rule bug")
        return real(record, *a, **kw)

    monkeypatch.setattr(mix, "record_grounding", boom)


@pytest.mark.usefixtures("crashing_rule")
@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_a_rule_crash_fails_lint_closed(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    p = write(tmp_path, GOOD, json.dumps(call_record({"city": "BOOM"}, rid="r2")))
    code, out, err = run(capsys, "lint", str(p), "--format", fmt)
    assert code == 3
    assert f"{p}:2: rule TP703" in err  # names the file and the record's line
    assert "All checks passed" not in out + err and "Found 0 error(s)" not in out + err
    if fmt == "text":
        assert "Not all checks ran: 1 internal error(s)" in out


@pytest.mark.usefixtures("crashing_rule")
def test_a_rule_crash_quarantines_the_record_in_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, GOOD, json.dumps(call_record({"city": "BOOM"}, rid="r2")))
    code, out, err = run(capsys, "clean", str(p), "-o", str(tmp_path / "o.jsonl"))
    assert code == 3, (out, err)
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text().splitlines()]
    assert [(e["line"], [f["code"] for f in e["findings"]]) for e in q] == [(2, ["TP000"])]
    assert "simulated rule bug" in q[0]["findings"][0]["message"]
    assert [json.loads(x)["id"] for x in (tmp_path / "o.jsonl").read_text().splitlines()] == ["r1"]


@pytest.mark.usefixtures("crashing_rule")
def test_a_rule_crash_leaves_the_line_in_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the crashing record also has a safe fix (arguments as a JSON string): it must not be rewritten
    bad = json.dumps(call_record(json.dumps({"city": "BOOM"}), rid="r2"))
    p = write(tmp_path, GOOD, bad)
    before = p.read_bytes()
    code, out, err = run(capsys, "fix", str(p))
    assert code == 3 and "d.jsonl:2: TP000 [internal-error]" in out and "Traceback" not in err
    assert p.read_bytes() == before


def test_a_reader_crash_fails_closed(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import toolproof.validator.io as io

    real = io.read_record

    def boom(obj: Any, fmt: str = "auto") -> Any:
        if isinstance(obj, dict) and obj.get("id") == "r2":
            raise ValueError("simulated reader bug")
        return real(obj, fmt)

    monkeypatch.setattr(io, "read_record", boom)
    # string arguments: a record the fast path cannot take as it stands, so the dialect reader reads it
    p = write(tmp_path, GOOD, json.dumps(call_record('{"city": "Paris"}', rid="r2")))  # type: ignore[arg-type]
    code, out, err = run(capsys, "lint", str(p))
    assert code == 3 and f"{p}:2: reading the record raised ValueError" in err and "All checks passed" not in out
    code, out, err = run(capsys, "clean", str(p), "-o", str(tmp_path / "o.jsonl"))
    assert code == 3
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text().splitlines()]
    assert [e["findings"][0]["code"] for e in q] == ["TP000"]


def test_a_reporter_crash_exits_3_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from toolproof.validator.reporters import text

    def boom(self: Any, result: Any) -> None:
        raise KeyError("simulated reporter bug")

    monkeypatch.setattr(text.PlainStream, "close", boom)
    code, out, err = run(capsys, "lint", str(write(tmp_path, GOOD)))
    assert code == 3
    assert "internal error (please report): KeyError" in err and "Traceback" not in err
    assert "All checks passed" not in out


def test_fail_on_empty_does_not_say_passed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, name="empty.jsonl")
    code, out, _ = run(capsys, "lint", str(p), "--fail-on-empty")
    assert code == 1 and "All checks passed" not in out and "--fail-on-empty" in out
    code, out, _ = run(capsys, "lint", str(p))
    assert code == 0 and "All checks passed" in out


# --------------------------------------------------------------------------- fix and a file changed meanwhile

FIXABLE = json.dumps(call_record(json.dumps({"city": "Paris"}), rid="s1"))  # TP203: safe fix


def _replace_during_fix(monkeypatch: pytest.MonkeyPatch, p: Path, at_line: int, how: str) -> bytes:
    """Make ``fix`` meet another writer when it reaches ``at_line``; returns that writer's bytes."""
    import toolproof.validator.cleaner as cleaner

    theirs = b"".join(json.dumps(call_record({"city": f"T{i}"}, rid=f"t{i}")).encode() + b"\n" for i in range(5))
    real = cleaner._fix_line

    def hook(line: bytes, lineno: int, *a: Any) -> bytes:
        if lineno == at_line:
            if how == "rename":  # an editor's save: a new file renamed over the path
                tmp = p.with_name("editor.tmp")
                tmp.write_bytes(theirs)
                tmp.replace(p)
            else:  # written in place (same inode)
                with open(p, "ab") as f:
                    f.write(theirs)
        return real(line, lineno, *a)

    monkeypatch.setattr(cleaner, "_fix_line", hook)
    return theirs


@pytest.mark.parametrize(("at_line", "how"), [(1, "rename"), (3, "rename"), (3, "append")])
def test_fix_never_splices_or_overwrites_another_writer(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch, at_line: int, how: str) -> None:
    # line 2 is the first change: at line 1 the file is replaced before fix copies the head, at line 3 after
    p = write(tmp_path, GOOD, FIXABLE, GOOD, FIXABLE)
    mine = p.read_bytes()
    theirs = _replace_during_fix(monkeypatch, p, at_line, how)
    code, out, err = run(capsys, "fix", str(p))
    assert code == 2 and "changed while fix ran" in err and "Traceback" not in err
    assert p.read_bytes() == (theirs if how == "rename" else mine + theirs)  # the other writer's version, whole
    assert sorted(x.name for x in tmp_path.iterdir()) == ["d.jsonl"]  # no temporary file left


def test_fix_still_rewrites_an_undisturbed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, GOOD, FIXABLE)
    code, out, _ = run(capsys, "fix", str(p))
    assert code == 1 and "Fixing" in out
    lines = p.read_text().splitlines()
    assert lines[0] == GOOD and json.loads(lines[1])["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}


# --------------------------------------------------------------------------- numbers survive every command

BIG = 123456789012345678901234567890  # past 64 bits: orjson alone reads it as a rounded float
NUMBERS = '{"n": 123456789012345678901234567890, "m": 9007199254740993, "x": 1.0e5, "z": -0.0, "k": -123456789012345678901}'
SCHEMA = {"type": "object", "properties": {k: {"type": "number"} for k in "nmxzk"}}


def number_lines() -> tuple[str, str]:
    """An unchanged record (spaced, odd number spellings) and one with a safe repair (TP203)."""
    plain = json.dumps(call_record({"city": "x"}, SCHEMA, rid="n1")).replace('{"city": "x"}', NUMBERS)
    repair = json.dumps(call_record(NUMBERS, SCHEMA, rid="n2"))
    return plain, repair


def _args(line: str) -> dict[str, Any]:
    return json.loads(line)["messages"][1]["tool_calls"][0]["function"]["arguments"]


def test_numbers_survive_lint_clean_and_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain, repair = number_lines()
    p = write(tmp_path, plain, repair)
    code, out, _ = run(capsys, "lint", str(p), "--select", "TP0,TP2,TP3")
    assert code == 1 and "TP001" not in out and ":2  TP203" in out  # only the string arguments
    code, out, err = run(capsys, "clean", str(p), "-o", str(tmp_path / "o.jsonl"), "--no-dedupe")  # the repair equals line 1
    assert code == 0, (out, err)
    written = (tmp_path / "o.jsonl").read_text().splitlines()
    assert written[0] == plain  # passed unchanged: byte for byte
    assert _args(written[1]) == {"n": BIG, "m": 2**53 + 1, "x": 100000.0, "z": -0.0, "k": -123456789012345678901}
    assert "123456789012345678901234567890" in written[1] and "e+29" not in written[1]
    code, out, _ = run(capsys, "fix", str(p))
    assert code == 1
    fixed = p.read_text().splitlines()
    assert fixed[0] == plain and _args(fixed[1])["n"] == BIG and _args(fixed[1])["k"] == -123456789012345678901


def test_balance_keeps_the_input_bytes(tmp_path: Path) -> None:
    from toolproof.validator.balance import balance_file

    plain, _ = number_lines()
    p = write(tmp_path, plain)
    balance_file(p, tmp_path / "b.jsonl", share=0.0)
    assert (tmp_path / "b.jsonl").read_text().splitlines()[0] == plain


# --------------------------------------------------------------------------- unlucky environments: no traceback

def _disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every temporary output file's writes fail as on a full disk (ENOSPC)."""
    import errno
    import os

    import toolproof.validator.safeio as safeio

    real = os.fdopen

    class Full:
        def __init__(self, f: Any) -> None:
            self.f = f

        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.f, name)

    monkeypatch.setattr(safeio.os, "fdopen", lambda *a, **kw: Full(real(*a, **kw)))


@pytest.mark.parametrize("command", ["clean", "convert", "fix", "lint"])
def test_disk_full_names_the_users_path(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    p = write(tmp_path, GOOD, FIXABLE)
    before = p.read_bytes()
    out_path = tmp_path / "out.jsonl"
    _disk_full(monkeypatch)
    argv = {"clean": ["clean", str(p), "-o", str(out_path)], "convert": ["convert", str(p), "-o", str(out_path)],
            "fix": ["fix", str(p)], "lint": ["lint", str(p), "-o", str(out_path)]}[command]
    code, out, err = run(capsys, *argv)
    target = p if command == "fix" else out_path
    assert code == 2 and "Traceback" not in err
    assert f"error: {target}: cannot write (No space left on device)" in err
    assert p.read_bytes() == before and sorted(x.name for x in tmp_path.iterdir()) == ["d.jsonl"]  # nothing left


def test_a_device_output_is_written_not_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import stat

    p = write(tmp_path, GOOD)
    code, _, err = run(capsys, "convert", str(p), "-o", "/dev/full")
    assert code == 2 and "error: /dev/full: cannot write (No space left on device)" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # still the device
    assert run(capsys, "lint", str(p), "-o", "/dev/null")[0] == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_read_only_target_names_the_users_path(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import toolproof.validator.safeio as safeio

    def read_only(target: Path) -> Any:
        raise OSError(errno.EROFS, "Read-only file system", f"{target.parent}/.{target.name}.XXXX.tmp")

    p = write(tmp_path, GOOD, FIXABLE)
    monkeypatch.setattr(safeio, "_create_temporary", read_only)
    code, _, err = run(capsys, "fix", str(p))
    assert code == 2 and err.strip() == f"toolproof fix: error: {p}: cannot write (Read-only file system)"
    code, _, err = run(capsys, "clean", str(p), "-o", str(tmp_path / "o.jsonl"))
    assert code == 2 and f"{tmp_path / 'o.jsonl'}: cannot write (Read-only file system)" in err and ".tmp" not in err


@pytest.mark.parametrize("command", [["lint", "IN"], ["data", "stats", "IN"], ["fix", "IN"],
                                     ["clean", "IN", "-o", "OUT"], ["convert", "IN", "-o", "OUT"]])
def test_pipes_and_fifos_are_refused_not_waited_on(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    import os

    fifo = tmp_path / "data.jsonl"
    os.mkfifo(fifo)  # no writer: opening it would block forever (`<(cat f)` is a pipe too)
    argv = [str(fifo) if a == "IN" else str(tmp_path / "o.jsonl") if a == "OUT" else a for a in command]
    code, _, err = run(capsys, *argv)
    assert code == 2 and f"{fifo}: a pipe or FIFO, not a regular file" in err and "Traceback" not in err


def test_the_same_non_object_line_gets_the_same_code_in_lint_and_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, GOOD, "[1, 2]")  # GOOD has an argument object: the file is read as such
    code, out, _ = run(capsys, "lint", str(p), "--select", "TP0")
    assert code == 1 and ":2  TP002 record-not-object" in out
    code, out, _ = run(capsys, "fix", str(p))
    assert ":2: TP002 [record-not-object]" in out


@pytest.mark.parametrize("command", ["clean", "fix"])
def test_sigterm_cleans_temporary_files_like_ctrl_c(tmp_path: Path, command: str) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    n = 40_000
    p = tmp_path / "big.jsonl"
    with open(p, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write((FIXABLE if i == 0 else GOOD).replace('"r1"', f'"r{i}"').replace('"s1"', f'"s{i}"') + "\n")
    before = p.read_bytes()
    argv = ["clean", str(p), "-o", str(tmp_path / "o.jsonl")] if command == "clean" else ["fix", str(p)]
    proc = subprocess.Popen([sys.executable, "-m", "toolproof", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".*.tmp")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before its temporary file was seen: make the input bigger"
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and b"terminated" in err and b"Traceback" not in err
    assert sorted(x.name for x in tmp_path.iterdir()) == ["big.jsonl"]  # no temporary file, no partial output
    assert p.read_bytes() == before


@pytest.mark.parametrize("levels", [250, 600, 960])
@pytest.mark.parametrize(("object_args_first", "code"), [(True, "TP204"), (False, "TP013")])  # (past json's own limit: TP012)
def test_deep_json_inside_an_arguments_string_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           levels: int, object_args_first: bool, code: str) -> None:
    """Decoding string arguments (TP203's repair, the OpenAI dialect's conversion) never builds a
    record past the nesting bound: TP204 (the string does not decode to a usable value) or TP013."""
    deep = json.dumps(call_record('{"city": ' + "[" * levels + "]" * levels + "}", rid="d"))
    p = write(tmp_path, *([GOOD] if object_args_first else []), deep)
    code_, out, err = run(capsys, "lint", str(p), "--format", "json")
    assert code_ == 1 and "internal error" not in err
    if not object_args_first and levels > 900:
        code = "TP012"  # json itself refuses to decode the arguments: the dialect cannot read the record
    assert code in {f["code"] for f in json.loads(out)["findings"]}
    code_, out, err = run(capsys, "clean", str(p), "-o", str(tmp_path / "o.jsonl"))
    assert code_ in (0, 1) and "internal error" not in err + out
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text().splitlines()]
    assert [e["findings"][0]["code"] for e in q] == [code]
    before = p.read_bytes()
    code_, out, err = run(capsys, "fix", str(p))  # (an OpenAI-dialect file is left to `convert`)
    assert code_ == 0 and (f": {code} [" in out if object_args_first else "read as openai" in out)
    assert p.read_bytes() == before


@pytest.mark.parametrize("container", ["json", "csv"])
def test_a_deep_record_of_a_json_array_or_csv_is_quarantined_with_its_text(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                          container: str) -> None:
    import base64
    import csv

    messages = '[{"role": "user", "content": ' + "[" * 300 + "]" * 300 + "}]"
    if container == "json":
        element = '{"messages": ' + messages + "}"
        p = tmp_path / "d.json"
        p.write_text("[" + GOOD + ", " + element + "]", encoding="utf-8")
    else:
        p = tmp_path / "d.csv"
        with open(p, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([["messages"], [messages]])
    code, _, err = run(capsys, "clean", str(p), "-o", str(tmp_path / "o.jsonl"))
    assert code == 1 and "internal error" not in err
    [entry] = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text().splitlines()]
    assert entry["findings"][0]["code"] == "TP013" and "[[[[" in entry["record"]
    if container == "json":  # the element's exact text, as for one that does not parse
        assert base64.b64decode(entry["raw_base64"]).decode() == element
