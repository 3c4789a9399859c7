"""Clean reports: JSON model, Markdown, and a self-contained HTML file that escapes dataset text."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from test_clean_invariants import asst, call, rec, tagged, user, write_dirty

from toolproof.validator.cleaner import clean
from toolproof.validator.reporters.clean_report import render, to_dict

EVIL_TOOL = 'evil"><img src=x onerror=alert(1)>'


def evil_dataset(path: Path) -> Path:
    script = "<script>alert(1)</script>"
    tools = [{"type": "function", "function": {"name": EVIL_TOOL, "description": script, "parameters": {"type": "dict", "properties": {}}}}]
    rows = [
        rec("x1", [user(script), asst(script + tagged(json.dumps({"name": EVIL_TOOL, "arguments": {}})))], tools=tools),
        rec("x2", [user(script), asst(None, [call(EVIL_TOOL, '{"a": "</pre><script>alert(2)</script>"}')])], tools=tools),
        rec("x3", [user(script), asst(None, [call("undeclared" + script, {})])], tools=tools),
        '{"broken": "<script>alert(3)</script>"',
    ]
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_html_escapes_untrusted_text_and_attributes(tmp_path: Path) -> None:
    src = evil_dataset(tmp_path / "evil.jsonl")
    res = clean([src], tmp_path / "o.jsonl", report=tmp_path / "r.html")
    assert res.repaired >= 1 and res.quarantined >= 2
    html = (tmp_path / "r.html").read_text()
    assert "<script" not in html.lower()
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parser = _Collect()
    parser.feed(html)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"script", "img", "iframe", "link"}
    for tag, attrs in parser.tags:
        for name, _value in attrs:
            assert name in {"lang", "charset", "name", "content", "class", "id", "href", "open", "xmlns", "role",
                            "aria-label", "width", "height", "viewbox", "x", "y", "font-size", "font-family", "fill"}, (tag, name)
        for name, value in attrs:
            if name == "href":
                assert value is not None and value.startswith("#")


def test_html_is_self_contained_with_chart_examples_and_before_after(tmp_path: Path) -> None:
    src = write_dirty(tmp_path / "d.jsonl")
    clean([src], tmp_path / "o.jsonl", report=tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    # the findings chart, then the output's mix: record shares and calls per tool
    assert html.count("<svg") == 3 and "<rect" in html
    assert html.index('aria-label="findings by rule"') < html.index('aria-label="record mix"') < html.index('aria-label="calls per tool"')
    for section in ("summary", "findings", "repairs", "quarantine", "mix"):
        assert f'id="{section}"' in html
    assert "TP105 markup-to-tool-calls" in html and "Before" in html and "After" in html
    assert "d.jsonl:4" in html  # a finding example with file:line
    assert "$.messages[1].content" in html  # ... and its JSON path


def test_json_and_markdown_models_agree(tmp_path: Path) -> None:
    src = write_dirty(tmp_path / "d.jsonl")
    res = clean([src], tmp_path / "o.jsonl")
    model = to_dict(res)
    assert model["summary"]["records_in"] == res.records_in
    by_code = {f["code"]: f for f in model["findings_by_rule"]}
    assert by_code["TP301"]["count"] >= 1 and by_code["TP301"]["quarantined"] == 1
    assert by_code["TP301"]["examples"][0]["path"].startswith("$.messages[1].tool_calls[0]")
    repairs = {(r["code"], r["fix"]): r for r in model["repairs"]}
    ex = repairs[("TP203", "decode-arguments")]["example"]
    assert '"{\\"city\\"' in ex["before"] and '"arguments":{"city"' in ex["after"]
    assert json.loads(render(res, "json"))["summary"] == model["summary"]
    md = render(res, "markdown")
    assert f"| records in | {res.records_in} |" in md and f"| quarantined | {res.quarantined} |" in md
    assert "### TP203 decode-arguments" in md


def test_markdown_neutralises_table_breakers(tmp_path: Path) -> None:
    src = evil_dataset(tmp_path / "evil.jsonl")
    md = render(clean([src], tmp_path / "o.jsonl"), "markdown")
    outside_fences = re.sub(r"(`{3,})json\n.*?\n\1", "", md, flags=re.S)  # code blocks render literally
    rendered = re.sub(r"(`+)(?:(?!\1).)+?\1", "", outside_fences)  # so do code spans (issue 30: data goes in them)
    assert "<script" not in rendered and "<img" not in rendered
    assert "<script" in outside_fences  # shown, inside a code span
    for line in md.splitlines():
        if line.startswith("- `"):
            assert "\n" not in line


def test_stats_section_when_validator_stats_exists(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys
    import types

    fake = types.ModuleType("toolproof.validator.stats")
    fake.dataset_balance = lambda records: {"records": sum(1 for _ in records), "no_call_share": 0.25}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "toolproof.validator.stats", fake)
    src = write_dirty(tmp_path / "d.jsonl")
    res = clean([src], tmp_path / "o.jsonl", report=tmp_path / "r.html")
    assert res.stats == {"records": res.written, "no_call_share": 0.25}
    html = (tmp_path / "r.html").read_text()
    assert 'id="balance"' in html and "no_call_share" in html


def test_real_dataset_balance_is_in_the_report(tmp_path: Path) -> None:
    from toolproof.validator.stats import dataset_balance

    src = write_dirty(tmp_path / "d.jsonl")
    res = clean([src], tmp_path / "o.jsonl", report=tmp_path / "r.json")
    expected = dataset_balance(json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines())
    assert res.stats == expected
    assert json.loads((tmp_path / "r.json").read_text())["stats"] == json.loads(json.dumps(expected))
    res_no_report = clean([src], tmp_path / "o2.jsonl")
    assert res_no_report.stats is None  # only computed for a report
