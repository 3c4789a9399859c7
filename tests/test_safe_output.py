"""Nothing lost, nothing overwritten: every command that writes refuses an output that is
one of its inputs (symlinks included) or another of its outputs, writes atomically (an
unreadable input or a crash leaves the old output as it was), keeps the mode of a file it
rewrites and writes through symlinks (issue 17, items 1-3 and 6)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from toolproof.cli import main
from toolproof.validator import safeio

GOOD = {"id": "g1", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
# Fixable by `fix`: `parameters` written for `arguments` is a safe repair (TP205). (Arguments as JSON
# text in every call would be OpenAI's format, which `fix` leaves as it is.)
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "w",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]
FIXABLE = {"id": "f1", "tools": TOOLS, "messages": [
    {"role": "user", "content": "weather in Paris?"},
    {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather",
                                                                          "parameters": {"city": "Paris"}}}]},
]}


def lines(*objs: object) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# --------------------------------------------------------------------------- item 1: convert


def interrupt_second_call(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
    """Make ``owner.name`` raise KeyboardInterrupt on its second call (Ctrl-C in mid-write)."""
    real = getattr(owner, name)
    calls = {"n": 0}

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, boom)


def test_convert_quarantine_equal_to_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    body = lines(GOOD, {"bad": 1})
    src.write_text(body)
    code, _, err = run(capsys, "convert", str(src), "-o", str(tmp_path / "out.jsonl"), "--quarantine", str(src))
    assert code == 2 and "refusing" in err
    assert src.read_text() == body
    assert not (tmp_path / "out.jsonl").exists()


def test_convert_default_quarantine_name_equal_to_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "data.quarantine.jsonl"
    body = lines(GOOD)
    src.write_text(body)
    code, _, err = run(capsys, "convert", str(src), "-o", str(tmp_path / "data.jsonl"))
    assert code == 2 and "refusing" in err
    assert src.read_text() == body


def test_convert_quarantine_equal_to_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(lines(GOOD))
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "convert", str(src), "-o", str(out), "--quarantine", str(out))
    assert code == 2 and "same file" in err


def test_convert_empty_quarantine_never_deletes_a_file_it_did_not_write(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(lines(GOOD))
    q = tmp_path / "q.jsonl"
    q.write_text("old quarantine\n")
    code, _, _ = run(capsys, "convert", str(src), "-o", str(tmp_path / "out.jsonl"), "--quarantine", str(q))
    assert code == 0
    # nothing quarantined: no new quarantine written, the old file is left alone
    assert q.read_text() == "old quarantine\n"


def test_convert_output_through_symlink_to_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    body = lines(GOOD)
    src.write_text(body)
    link = tmp_path / "link.jsonl"
    link.symlink_to(src)
    code, _, err = run(capsys, "convert", str(src), "-o", str(link))
    assert code == 2 and "refusing" in err
    assert src.read_text() == body


# --------------------------------------------------------------------------- item 2: atomic


def test_convert_unreadable_input_keeps_old_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes("\ufeff".encode("utf-16") + lines(GOOD).encode("utf-16-le"))
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    code, _, err = run(capsys, "convert", str(src), "-o", str(out))
    assert code == 2 and "UTF-16" in err
    assert out.read_text() == "precious\n"


def test_convert_interrupted_leaves_old_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(lines(GOOD, {**GOOD, "id": "g2"}, {**GOOD, "id": "g3"}))
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    import toolproof.validator.formats as formats

    interrupt_second_call(monkeypatch, formats, "read_record")
    code, _, _ = run(capsys, "convert", str(src), "-o", str(out))
    assert code == 130
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # no temp file left


def test_score_output_is_atomic(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Interrupted while writing the verdicts: the old file is intact and no temp file is left."""
    test = tmp_path / "test.jsonl"
    test.write_text(lines(*({"id": f"t{i}", "messages": [{"role": "user", "content": "x"}], "expected_calls": []}
                            for i in range(3))))
    preds = tmp_path / "preds.jsonl"
    preds.write_text(lines(*({"id": f"t{i}", "output": "no call"} for i in range(3))))
    out = tmp_path / "v.jsonl"
    out.write_text("precious\n")
    from toolproof.evaluator.score import ScoredExample

    interrupt_second_call(monkeypatch, ScoredExample, "to_dict")
    code, _, _ = run(capsys, "score", str(preds), "--data", str(test), "-o", str(out))
    assert code == 130
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["preds.jsonl", "test.jsonl", "v.jsonl"]


# --------------------------------------------------------------------------- item 3: -o over an input


def test_lint_output_over_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "d.jsonl"
    body = lines(GOOD)
    src.write_text(body)
    code, _, err = run(capsys, "lint", str(src), "-o", str(src))
    assert code == 2 and "refusing" in err
    assert src.read_text() == body


def test_lint_output_over_against_via_symlink_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text(lines(GOOD))
    test = tmp_path / "test.jsonl"
    body = lines({**GOOD, "id": "t"})
    test.write_text(body)
    link = tmp_path / "report.json"
    link.symlink_to(test)
    code, _, err = run(capsys, "lint", str(src), "--against", str(test), "--format", "json", "-o", str(link))
    assert code == 2 and "refusing" in err
    assert test.read_text() == body


@pytest.mark.parametrize("which", ["predictions", "data"])
def test_score_output_over_an_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str) -> None:
    test = tmp_path / "test.jsonl"
    tbody = lines({"id": "t1", "messages": [{"role": "user", "content": "x"}], "expected_calls": []})
    test.write_text(tbody)
    preds = tmp_path / "preds.jsonl"
    pbody = lines({"id": "t1", "output": "no call"})
    preds.write_text(pbody)
    target = preds if which == "predictions" else test
    code, _, err = run(capsys, "score", str(preds), "--data", str(test), "-o", str(target))
    assert code == 2 and "refusing" in err
    assert test.read_text() == tbody and preds.read_text() == pbody


def test_refuse_overwrite_compares_real_paths(tmp_path: Path) -> None:
    with pytest.raises(safeio.OutputError):
        safeio.refuse_overwrite([("-o", tmp_path / "a")], [tmp_path / "a"])
    (tmp_path / "a").write_text("x")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(safeio.OutputError, match="same file"):
        safeio.refuse_overwrite([("-o", tmp_path / "a"), ("--quarantine", tmp_path / "b")], [])
    os.link(tmp_path / "a", tmp_path / "hard")
    with pytest.raises(safeio.OutputError):
        safeio.refuse_overwrite([("-o", tmp_path / "hard")], [tmp_path / "a"])
    safeio.refuse_overwrite([("-o", tmp_path / "c")], [tmp_path / "a"])  # a different path is fine


def test_clean_quarantine_equal_to_output_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(lines(GOOD))
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "clean", str(src), "-o", str(out), "--quarantine", str(out))
    assert code == 2 and "same file" in err


# --------------------------------------------------------------------------- item 6: modes and symlinks


@pytest.fixture
def umask022():  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("mode", [0o644, 0o755, 0o664])
def test_fix_keeps_the_file_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(lines(FIXABLE))
    p.chmod(mode)
    code, out, _ = run(capsys, "fix", str(p))
    assert code == 1 and "Fixing" in out
    assert stat.S_IMODE(p.stat().st_mode) == mode


def test_fix_writes_through_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "real.jsonl"
    target.write_text(lines(FIXABLE))
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    code, _, _ = run(capsys, "fix", str(link))
    assert code == 1
    assert link.is_symlink()
    fixed = json.loads(target.read_text())
    assert fixed["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}


def test_clean_writes_new_files_per_umask(tmp_path: Path, capsys: pytest.CaptureFixture[str], umask022: None) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(lines(GOOD, {"id": "x", "messages": [{"role": "user", "content": "hi"}]}))  # the second is quarantined (TP006)
    out = tmp_path / "out.jsonl"
    code, _, _ = run(capsys, "clean", str(src), "-o", str(out))
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out.quarantine.jsonl").stat().st_mode) == 0o644


def test_atomic_writer_keeps_mode_and_cleans_up(tmp_path: Path, umask022: None) -> None:
    p = tmp_path / "f.txt"
    p.write_text("old")
    p.chmod(0o600)
    safeio.write_atomic(p, "new")
    assert p.read_text() == "new" and stat.S_IMODE(p.stat().st_mode) == 0o600
    with pytest.raises(RuntimeError):
        with safeio.atomic_writer(p, "w") as f:
            f.write("partial")
            raise RuntimeError("boom")
    assert p.read_text() == "new"
    assert [q.name for q in tmp_path.iterdir()] == ["f.txt"]
