"""No injection (issue 30): the same hostile corpus (``tests/hostile/``) through every report format.

Data may hold a Markdown image or link, raw HTML, backticks, GitHub workflow commands, CR/LF and
spreadsheet formulas; each format shows it as data: Markdown in code spans, HTML escaped, text lines
never starting with ``::``, GitHub annotations escaped as the runner reads them, JSON and SARIF valid
JSON that gives the data back as it was, CSV cells that a spreadsheet does not run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main

CORPUS = Path(__file__).parent / "hostile" / "records.jsonl"
ROLE = "![x](http://evil.example/img.png)"  # line 1: TP004 quotes it
TOOL = "[click](http://evil.example/)"  # line 2: TP206 quotes it
ARG = "`x` <script>alert(1)</script>\r\n::notice::y,a:b%25"  # line 3: TP302 quotes it


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The corpus under a file name that is itself a workflow command."""
    p = tmp_path / "::warning::x.jsonl"
    shutil.copy(CORPUS, p)
    return p


def lint(capsys: pytest.CaptureFixture[str], path: Path, fmt: str) -> str:
    assert main(["lint", str(path), "--format", fmt]) == 1
    out, err = capsys.readouterr()
    return out + err


def test_corpus_is_read_and_quoted() -> None:
    """The corpus does what the other tests rely on: each payload is quoted by a finding."""
    from toolproof.validator.api import lint as lint_api

    res = lint_api(CORPUS)
    messages = "\n".join(f.message for f in res.findings)
    assert ROLE in messages and TOOL in messages and ARG in messages


def _no_workflow_command(text: str) -> None:
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line


def test_text(corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus.parent)  # a relative name: the line would start with it
    out = lint(capsys, Path(corpus.name), "text")
    _no_workflow_command(out)
    assert "./::warning::x.jsonl:1  TP004" in out  # the same file, as a path a shell reads
    assert "\r" not in out and "\\r\\n::notice::y" in out  # CR/LF shown as escapes: no new line starts


def test_fix_output(corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus.parent)
    assert main(["fix", corpus.name]) == 0
    out = capsys.readouterr().out
    assert "TP004" in out
    _no_workflow_command(out)


def test_github(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = lint(capsys, corpus, "github")
    lines = out.splitlines()
    command = re.compile(r"::(error|warning|notice) file=([^:,]*),line=\d+,title=([^:,]*)::(.*)")
    for line in lines:
        m = command.fullmatch(line)
        assert m, line  # one command per line, its properties free of ':' and ',' (data '::' stays in the message)
    arg_line = next(x for x in lines if "TP302" in x)
    # GitHub's escaping: % -> %25 (so '%25' in the data reads back as '%25'), CR/LF never raw
    assert "y,a:b%2525" in arg_line and "\r" not in out
    assert "file=%3A%3Awarning%3A%3Ax.jsonl" in out.replace(str(corpus.parent).replace(":", "%3A").replace(",", "%2C") + "/", "")


def _outside_code(md: str) -> str:
    """The Markdown text that renders as Markdown: fenced blocks and code spans taken out."""
    md = re.sub(r"(?ms)^(`{3,})[^\n]*\n.*?^\1`*\s*$", "", md)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", md)


def _clean_report(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], ext: str) -> str:
    rep = tmp_path / f"r.{ext}"
    # every hostile record is quarantined: an empty output is an error (exit 1), the report is still written
    assert main(["clean", str(corpus), "-o", str(tmp_path / "o.jsonl"), "--report", str(rep), "-q"]) == 1
    assert "no record kept" in capsys.readouterr().err
    return rep.read_text(encoding="utf-8")


def test_markdown(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = _clean_report(tmp_path, corpus, capsys, "md")
    assert "evil.example" in md  # the data is shown...
    rendered = _outside_code(md)
    for bad in ("evil.example", "<script", "<img", "![", "](", "::warning::", "::notice::"):
        assert bad not in rendered, bad  # ...only inside code spans, where nothing renders
    assert "\r" not in md


def test_html(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = _clean_report(tmp_path, corpus, capsys, "html")
    assert "evil.example" in page
    assert "<script>alert" not in page and "<img src=http://evil" not in page
    assert 'href="http://evil' not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_clean_json_report(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = json.loads(_clean_report(tmp_path, corpus, capsys, "json"))
    messages = json.dumps(model)
    assert json.dumps(ROLE)[1:-1] in messages  # valid JSON that gives the data back


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif(corpus: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    doc: Any = json.loads(lint(capsys, corpus, fmt).split("\ntoolproof lint:")[0])
    text = json.dumps(doc)
    for payload in (ROLE, TOOL, ARG):
        assert json.dumps(payload)[1:-1] in text  # exact: escaped by JSON's rules, read back the same


def test_csv(tmp_path: Path) -> None:
    """Findings written as CSV through safeio: a cell a spreadsheet would run starts with '."""
    from toolproof.validator.api import lint as lint_api
    from toolproof.validator.safeio import write_csv_dicts

    ids = []
    rows = []
    for f in lint_api(CORPUS).findings:
        ids.append(f.id)
        rows.append({"id": f.id, "code": f.code, "message": f.message})
    assert {"=HYPERLINK(\"http://evil.example/x\",\"ok\")", "+1 %0A::error::x", "@sum"} <= set(ids)
    out = tmp_path / "f.csv"
    write_csv_dicts(out, ["id", "code", "message"], rows)
    with open(out, newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(io.StringIO(fh.read())) for c in row]
    assert all(not c or c[0] not in "=+-@\t\r" for c in cells), cells
    assert "'=HYPERLINK(\"http://evil.example/x\",\"ok\")" in cells and "'@sum" in cells
