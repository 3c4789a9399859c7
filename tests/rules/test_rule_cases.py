"""Data-driven rule tests: every ``tests/rules/cases/*.yaml`` file holds ``pass`` and ``fail`` cases
for one rule code, run through the rule registry.

Case file shape::

    code: TP101
    pass:                      # records that must NOT produce this code
      - name: ...
        record: {...}          # record rules ("records: [...]" for dataset rules;
                               # "raw: <file text>" (+ "bom: true", "ext: .json") for reader rules)
        options: {...}         # optional Context.options ("model: '@tiny-model'" = the tiny test model)
    fail:                      # records that must produce it
      - name: ...
        record: {...}
        count: 1               # optional: exact number of hits
        expect:                # each expectation must match at least one hit
          - path: "$.messages[1].content"   # exact JSON path
            message: "opened, 0 closed"     # substring of the message
            fix: safe                       # effective fix safety (hit override or rule default)
            index: 2                        # dataset rules: the record index
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from toolproof.validator.context import build_context
from toolproof.validator.findings import Hit
from toolproof.validator.rules.base import Context, Rule, all_rules, get_rule
from toolproof.validator.rules.dataset import summarize

CASES_DIR = Path(__file__).parent / "cases"


def _case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: top level must be a mapping"
    data.setdefault("code", path.stem)
    return data


def _params() -> list[Any]:
    out = []
    for path in _case_files():
        data = _load(path)
        for kind in ("pass", "fail"):
            for k, case in enumerate(data.get(kind) or []):
                name = case.get("name", str(k))
                out.append(pytest.param(data["code"], kind, case, id=f"{data['code']}-{kind}-{k}-{name}"))
    return out


def _run_reader(code: str, case: dict[str, Any], tmp: Path) -> list[tuple[int, Hit]]:
    """Reader rules (TP001, TP010) are emitted by ``validator.io`` while reading a file."""
    from toolproof.validator.io import read_records

    path = tmp / ("case" + case.get("ext", ".jsonl"))
    data = case["raw"].encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if case.get("bom") else b"") + data)
    hits: list[tuple[int, Hit]] = []
    for r in read_records(path):
        if r.code == code and r.error is not None:
            hits.append((r.index, r.error))
        hits.extend((r.index, h) for c, h in r.extra if c == code)
    return hits


def run_rule(rule: Rule, case: dict[str, Any], tmp: Path | None = None) -> list[tuple[int, Hit]]:
    """Run one rule on a case the way the engine does."""
    options = dict(case.get("options") or {})
    if options.get("model") == "@tiny-model":  # template rules (TP6xx): the cached tiny test model
        from tiny_model import tiny_model_dir

        options["model"] = str(tiny_model_dir())
    if "raw" in case:
        assert tmp is not None
        return _run_reader(rule.code, case, tmp)
    if rule.scope == "dataset":
        records = case["records"]
        summaries = [summarize(r, i, i + 1) for i, r in enumerate(records)]
        return list(rule.func(summaries, Context(options=options)))
    record = case["record"]
    ctx = build_context(record, 0, options)
    return [(0, h) for h in rule.func(record, ctx)]


def _describe(hits: list[tuple[int, Hit]]) -> str:
    return "\n".join(f"  [{i}] {h.path}: {h.message} (fix={h.fix})" for i, h in hits) or "  (no hits)"


@pytest.mark.parametrize(("code", "kind", "case"), _params())
def test_rule_case(code: str, kind: str, case: dict[str, Any], tmp_path: Path) -> None:
    rule = get_rule(code)
    assert rule is not None, f"case file for unregistered rule {code}"
    hits = run_rule(rule, case, tmp_path)
    for _, h in hits:
        assert isinstance(h, Hit)
        assert h.path.startswith("$"), h.path
        assert h.message.strip()
    if kind == "pass":
        assert not hits, f"{code} must not fire on {case.get('name')!r}:\n{_describe(hits)}"
        return
    assert hits, f"{code} must fire on {case.get('name')!r}"
    if "count" in case:
        assert len(hits) == case["count"], f"expected {case['count']} hits:\n{_describe(hits)}"
    for exp in case.get("expect") or []:
        def matches(item: tuple[int, Hit], exp: dict[str, Any] = exp) -> bool:
            i, h = item
            if "index" in exp and i != exp["index"]:
                return False
            if "path" in exp and h.path != exp["path"]:
                return False
            if "message" in exp and exp["message"] not in h.message:
                return False
            if "fix" in exp and (h.fix or rule.fix).value != exp["fix"]:
                return False
            return True

        assert any(matches(item) for item in hits), f"no hit matches {exp}:\n{_describe(hits)}"


def test_every_registered_rule_has_cases() -> None:
    """Meta-test: each rule (including families added later) ships pass and fail cases."""
    missing = []
    for rule in all_rules():
        path = CASES_DIR / f"{rule.code}.yaml"
        if not path.exists():
            missing.append(f"{rule.code}: no {path.name}")
            continue
        data = _load(path)
        if not data.get("pass") or not data.get("fail"):
            missing.append(f"{rule.code}: needs at least one pass and one fail case")
    assert not missing, "\n".join(missing)


def test_rule_docs_have_sections() -> None:
    for rule in all_rules():
        doc = rule.doc
        assert rule.summary and not rule.summary.startswith("#"), rule.code
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section in doc, f"{rule.code} docstring lacks {section!r}"


def test_case_files_name_registered_codes() -> None:
    for path in _case_files():
        data = _load(path)
        assert get_rule(data["code"]) is not None, f"{path.name}: unknown code {data['code']}"
        if "name" in data:
            assert get_rule(data["code"]).name == data["name"], path.name  # type: ignore[union-attr]


def _all_case_records() -> list[Any]:
    out = []
    for path in _case_files():
        data = _load(path)
        for kind in ("pass", "fail"):
            for case in data.get(kind) or []:
                if "record" in case:
                    out.append(case["record"])
                out.extend(case.get("records") or [])
    return out


def test_quick_clean_agrees_with_rules_on_every_case_record() -> None:
    """``quick_clean`` never calls a record clean that a covered rule flags; and it does accept
    some records (it is not trivially False)."""
    from toolproof.validator.rules.quick import QUICK_CODES, quick_clean

    rules = [r for r in all_rules() if r.code in QUICK_CODES]
    accepted = 0
    for record in _all_case_records():
        if not quick_clean(record, build_context(record, 0, {})):
            continue
        accepted += 1
        ctx = build_context(record, 0, {})
        fired = [f"{r.code} {h.path}: {h.message}" for r in rules for h in r.func(record, ctx)]
        assert not fired, f"quick_clean accepted a record with findings: {fired}\n{record}"
    assert accepted >= 10
