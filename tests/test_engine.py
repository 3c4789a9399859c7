"""The engine: selection, per-file ignores, severity overrides, dataset rules, --jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from toolproof.validator import engine
from toolproof.validator.config import Config, parse_config
from toolproof.validator.engine import check_record, lint_objects, lint_paths, select_rules
from toolproof.validator.findings import FixSafety, Hit, Severity
from toolproof.validator.rules import base
from toolproof.validator.rules.base import Context, rule

# Test-only rules live in a code range no real rule uses; the fixture removes them again.
TEST_CODES = ("TP901", "TP902", "TP903", "TP904", "TP905")


@pytest.fixture
def test_rules() -> Iterator[None]:
    @rule("TP901", "test-no-id", family="test")
    def no_id(record: Any, ctx: Context) -> Iterator[Hit]:
        """Record has no id (test rule)."""
        if "id" not in record:
            yield Hit("$", "record has no id")

    @rule("TP902", "test-user-word", severity=Severity.WARNING, fix=FixSafety.SAFE, family="test")
    def user_word(record: Any, ctx: Context) -> Iterator[Hit]:
        """Flags every message whose content contains 'bad' (test rule)."""
        for i, m in enumerate(record.get("messages") or []):
            if isinstance(m, dict) and "bad" in str(m.get("content")):
                yield Hit(f"$.messages[{i}].content", f"message {i} says bad", fix=FixSafety.UNSAFE if i else None)

    @rule("TP903", "test-dup-content", severity=Severity.WARNING, family="test", scope="dataset")
    def dup_content(summaries: list[Any], ctx: Context) -> Iterator[tuple[int, Hit]]:
        """Same first message as an earlier record (test dataset rule)."""
        seen: dict[str, int] = {}
        for s in summaries:
            key = s["first"]
            if key in seen:
                yield s["index"], Hit("$", f"same as record {seen[key]}")
            else:
                seen[key] = s["index"]

    @rule("TP904", "test-needs-against", family="test", needs="against")
    def needs_against(record: Any, ctx: Context) -> Iterator[Hit]:
        """Off unless selected (test rule)."""
        yield Hit("$", f"against={ctx.options.get('against')}")

    @rule("TP905", "test-crashes", family="test")
    def crashes(record: Any, ctx: Context) -> Iterator[Hit]:
        """Raises on records with 'boom' (test rule)."""
        if record.get("boom"):
            raise RuntimeError("kaboom")
        return iter(())

    def summarize(record: Any, index: int, line: int) -> dict[str, Any]:
        msgs = record.get("messages") if isinstance(record, dict) else None
        first = msgs[0].get("content") if isinstance(msgs, list) and msgs and isinstance(msgs[0], dict) else None
        return {"index": index, "line": line, "first": str(first)}

    old_sum = engine.summarizer
    engine.summarizer = lambda: summarize  # type: ignore[assignment]
    engine._rule_cache.clear()
    try:
        yield
    finally:
        engine.summarizer = old_sum  # type: ignore[assignment]
        engine._rule_cache.clear()
        for code in TEST_CODES:
            r = base.REGISTRY.pop(code, None)
            if r is not None:
                base._NAMES.pop(r.name, None)


def recs(n: int = 40) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        r: dict[str, Any] = {"messages": [{"role": "user", "content": f"q{i % 7}"}, {"role": "assistant", "content": "bad" if i % 5 == 0 else "ok"}]}
        if i % 3:
            r["id"] = f"r{i}"
        if i == 11:
            r["boom"] = True
        out.append(r)
    return out


def write_jsonl(path: Path, records: list[Any], extra_lines: dict[int, str] | None = None) -> Path:
    lines = [json.dumps(r) for r in records]
    for at, text in (extra_lines or {}).items():
        lines.insert(at, text)
    path.write_text("\n".join(lines) + "\n")
    return path


SEL = ["TP001", "TP901", "TP902", "TP903", "TP905"]


def test_findings_lines_ids_and_order(tmp_path: Path, test_rules: None) -> None:
    p = write_jsonl(tmp_path / "d.jsonl", recs(10), {3: "{bad json"})
    res = lint_paths([p], select=SEL)
    assert res.files[0].records == 11
    got = [(f.record, f.line, f.code, f.path) for f in res.findings]
    assert got == sorted(got, key=lambda t: (t[0], t[2]))  # by record, then code
    first = [f for f in res.findings if f.record == 0]
    assert [(f.code, f.message) for f in first] == [("TP901", "record has no id"), ("TP902", "message 1 says bad")]
    assert first[1].fix is FixSafety.UNSAFE  # the hit's fix overrides the rule's
    (bad,) = [f for f in res.findings if f.code == "TP001"]
    assert (bad.line, bad.record) == (4, 3)
    # record index 6 is recs()[5] on line 7 and has an id
    f6 = [f for f in res.findings if f.record == 6]
    assert f6 and all(f.line == 7 and f.id == "r5" for f in f6)


def test_dataset_rule_findings_point_at_the_right_record(tmp_path: Path, test_rules: None) -> None:
    p = write_jsonl(tmp_path / "d.jsonl", recs(10))
    res = lint_paths([p], select=["TP903"])
    dups = [(f.record, f.line, f.message) for f in res.findings]
    # q0..q6 repeat every 7 records: records 7, 8, 9 repeat 0, 1, 2
    assert dups == [(7, 8, "same as record 0"), (8, 9, "same as record 1"), (9, 10, "same as record 2")]
    assert res.findings[1].id == "r8"


def test_jobs_two_gives_identical_output(tmp_path: Path, test_rules: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "BATCH", 16)  # many batches
    p = write_jsonl(tmp_path / "d.jsonl", recs(300), {50: "nope", 200: "{"})
    q = write_jsonl(tmp_path / "e.jsonl", recs(20))
    one = lint_paths([p, q], select=SEL)
    two = lint_paths([p, q], select=SEL, jobs=2)
    assert len(one.findings) > 100
    assert [f.to_dict() for f in one.findings] == [f.to_dict() for f in two.findings]
    assert one.files == two.files
    assert one.internal_errors == two.internal_errors


def test_select_ignore_prefix_and_name(test_rules: None) -> None:
    codes = lambda rs: [r.code for r in rs]  # noqa: E731
    assert codes(select_rules(["TP90"])) == ["TP901", "TP902", "TP903", "TP905"]  # TP904 is opt-in
    assert codes(select_rules(["test-user-word", "TP901"])) == ["TP901", "TP902"]
    assert codes(select_rules(["TP90"], ["TP902", "test-crashes"])) == ["TP901", "TP903"]
    assert "TP904" in codes(select_rules(["TP904"]))  # named exactly: runs
    with pytest.raises(ValueError, match="unknown rule code or name 'TP999x'"):
        select_rules(["TP999x"])


def test_opt_in_rule_comes_on_with_its_option(test_rules: None) -> None:
    assert "TP904" not in [r.code for r in select_rules(["TP90"])]
    assert "TP904" in [r.code for r in select_rules(["TP90"], options={"against": "test.jsonl"})]
    res = lint_objects([{"messages": []}], select=["TP904"], options={"against": "t.jsonl"})
    assert [f.message for f in res.findings] == ["against=t.jsonl"]


def test_severity_override_and_per_file_ignores(tmp_path: Path, test_rules: None) -> None:
    (tmp_path / "legacy").mkdir()
    a = write_jsonl(tmp_path / "legacy" / "old.jsonl", recs(6))
    b = write_jsonl(tmp_path / "new.jsonl", recs(6))
    cfg = parse_config(
        {"select": SEL, "severity": {"test-user-word": "error", "TP9": "info"}, "per-file-ignores": {"legacy/*.jsonl": ["TP901"]}},
        tmp_path / "pyproject.toml",
    )
    res = lint_paths([a, b], config=cfg)
    by_file = {str(a): set(), str(b): set()}  # type: dict[str, set[str]]
    for f in res.findings:
        by_file[f.file].add(f.code)
    assert "TP901" not in by_file[str(a)] and "TP901" in by_file[str(b)]
    sev = {f.code: f.severity for f in res.findings}
    assert sev["TP902"] is Severity.ERROR  # the exact name beats the prefix
    assert sev["TP901"] is Severity.INFO


def test_cli_select_replaces_config_select_and_ignore_adds(tmp_path: Path, test_rules: None) -> None:
    p = write_jsonl(tmp_path / "d.jsonl", recs(10))
    cfg = Config(select=["TP901"], ignore=["TP905"])
    assert {f.code for f in lint_paths([p], config=cfg).findings} == {"TP901"}
    assert {f.code for f in lint_paths([p], config=cfg, select=["TP902"]).findings} == {"TP902"}
    assert {f.code for f in lint_paths([p], config=cfg, select=["TP90"], ignore=["TP902"]).findings} == {"TP901", "TP903"}


def test_a_crashing_rule_is_reported_not_raised(tmp_path: Path, test_rules: None) -> None:
    p = write_jsonl(tmp_path / "d.jsonl", recs(15))
    res = lint_paths([p], select=SEL)
    assert res.files[0].records == 15
    assert len(res.internal_errors) == 1
    assert "d.jsonl:12" in res.internal_errors[0] and "TP905" in res.internal_errors[0] and "kaboom" in res.internal_errors[0]
    assert any(f.record == 12 for f in res.findings)  # records after it are still checked


def test_check_record_non_object_only_gets_tp002(test_rules: None) -> None:
    rules = select_rules(["TP90"])
    assert check_record(["not", "a", "dict"], 0, {}, rules) == []
    hits = check_record({"messages": [{"content": "bad"}]}, 0, {}, rules)
    assert [(r.code, h.path) for r, h in hits] == [("TP901", "$"), ("TP902", "$.messages[0].content")]


def test_exit_code_and_counts(test_rules: None) -> None:
    res = lint_objects(recs(6), select=["TP902"])
    assert res.error_count == 0 and res.warning_count == 2 and res.exit_code == 0
    res = lint_objects(recs(6), select=["TP901"])
    assert res.error_count == 2 and res.records_with_errors == 2 and res.exit_code == 1
    assert res.by_code == {"TP901": 2}


def test_api_lint_options_and_lint_records(tmp_path: Path, test_rules: None) -> None:
    from toolproof.validator.api import lint
    from toolproof.validator.io import iter_records

    p = write_jsonl(tmp_path / "d.jsonl", recs(3))
    res = lint(p, select=["TP90"], against="test.jsonl", config=Config())
    assert [f.message for f in res.findings if f.code == "TP904"] == ["against=test.jsonl"] * 3
    again = engine.lint_records(iter_records(p), file=str(p), select=["TP901", "TP902"])
    direct = lint_paths([p], select=["TP901", "TP902"])
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in direct.findings]
    assert again.files[0].records == 3


def test_rich_text_report(tmp_path: Path, test_rules: None) -> None:
    from toolproof.validator.reporters import render

    res = lint_objects(recs(6), select=["TP901", "TP902"])
    out = render(res, "text", color=True)
    assert "\x1b[" in out and "Findings by rule" in out and "TP901" in out and "test-no-id" in out
    plain = render(res, "text")
    assert "\x1b[" not in plain and "<records>:1  TP901 test-no-id  record has no id" in plain
    with pytest.raises(ValueError, match="unknown format"):
        render(res, "xml")


def test_parallel_reads_ahead_only_a_bounded_window() -> None:
    consumed = 0

    def batches() -> Iterator[tuple[list[Any]]]:
        nonlocal consumed
        for i in range(100):
            consumed += 1
            yield ([(i + 1, i, b'{"messages": []}\n', False)],)

    class Done:
        def __init__(self, value: Any) -> None:
            self.value = value

        def get(self) -> Any:
            return self.value

    class InlinePool:
        def apply_async(self, fn: Any, args: tuple[Any, ...]) -> Done:
            return Done(fn(*args))

    job = engine.LintJob("f.jsonl", "auto", (), frozenset(), {}, {}, True)
    it = engine._ordered_parallel(InlinePool(), engine.run_batch, job, batches(), 4)
    first = next(it)
    assert first.count == 1 and consumed == 4
    rest = list(it)
    assert len(rest) == 99 and consumed == 100
    assert [line for r in [first, *rest] for line in r.meta.lines] == list(range(1, 101))


def test_packed_record_meta_extends_and_widens() -> None:
    """The per-record line/id table the dataset findings read (packed in the workers)."""
    import pickle

    from toolproof.validator.engine import RecordTable

    a = RecordTable()
    a.append(1, "x")
    a.append(2, None)
    b = RecordTable()
    b.append(5, "\ud800y")
    b.append(2**40, "")  # past 2**32 lines: the table widens
    a.extend(pickle.loads(pickle.dumps(b)))
    assert list(a.lines) == [1, 2, 5, 2**40]
    assert [a.id(i) for i in range(len(a))] == ["x", None, "\ud800y", ""]


def test_test_set_is_read_again_when_it_changes(tmp_path: Path) -> None:
    """TP504 reads its test set once per process while the file is unchanged, and again after a change."""
    import os

    from toolproof.validator.rules.leakage import load_test_prompts

    t = tmp_path / "test.jsonl"
    t.write_text(json.dumps({"messages": [{"role": "user", "content": "Weather in Oslo?"}]}) + "\n", encoding="utf-8")
    first = load_test_prompts(str(t))
    assert load_test_prompts(str(t)) is first and list(first) == ["weather in oslo?"]
    t.write_text(json.dumps({"messages": [{"role": "user", "content": "Weather in Lima, please?"}]}) + "\n", encoding="utf-8")
    os.utime(t, ns=(1, 1))  # another stamp even on a coarse clock
    assert list(load_test_prompts(str(t))) == ["weather in lima, please?"]
    train = [{"messages": [{"role": "user", "content": "weather in LIMA, please?"}, {"role": "assistant", "content": "ok"}]}]
    assert [f.code for f in lint_objects(train, select=["TP504"], options={"against": str(t)}).findings] == ["TP504"]
