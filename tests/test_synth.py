"""The synthetic generator: determinism, shape, and the acceptance test that lint flags exactly the
records listed in defects.jsonl (with the listed codes) and nothing in the clean set."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.synth import DEFECT_CODES, generate
from toolproof.validator.synth.catalog import TOOLS, UNSEEN_TOOLS
from toolproof.validator.synth.generator import estimate_tokens


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    assert main(["data", "synth", "--n", "160", "--n-test", "60", "--seed", "7", "--defect-rate", "0.4", "-o", str(out)]) == 0
    return out


def _lint_errors(path: Path, tmp: Path) -> dict[int, set[str]]:
    report = tmp / (path.stem + ".lint.json")
    rc = main(["lint", str(path), "--format", "json", "-o", str(report)])
    assert rc in (0, 1)
    data = json.loads(report.read_text(encoding="utf-8"))
    errors: dict[int, set[str]] = defaultdict(set)
    for f in data["findings"]:
        if f["severity"] == "error":
            errors[f["line"]].add(f["code"])
    return errors


def test_lint_flags_exactly_the_listed_defects(synth_dir: Path, tmp_path: Path) -> None:
    defects = _read(synth_dir / "defects.jsonl")
    dirty = _read(synth_dir / "train.dirty.jsonl")
    assert len(defects) == round(160 * 0.4)
    errors = _lint_errors(synth_dir / "train.dirty.jsonl", tmp_path)
    listed = {d["line"]: d for d in defects}
    for line, d in listed.items():
        assert dirty[line - 1]["id"] == d["id"]
        assert errors.get(line), f"line {line} ({d['kind']}) not flagged"
        assert errors[line] == set(d["codes"]), f"line {line} ({d['kind']}): got {sorted(errors[line])}, ledger {d['codes']}"
    unlisted = sorted(set(errors) - set(listed))
    assert not unlisted, f"clean lines flagged: {[(ln, sorted(errors[ln])) for ln in unlisted]}"


def test_clean_variant_has_no_errors(synth_dir: Path, tmp_path: Path) -> None:
    assert _lint_errors(synth_dir / "train.clean.jsonl", tmp_path) == {}
    assert _lint_errors(synth_dir / "test.jsonl", tmp_path) == {}


def test_shipped_sample_matches_its_ledger(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    defects = _read(sample / "defects.jsonl")
    errors = _lint_errors(sample / "train.dirty.jsonl", tmp_path)
    assert {ln: sorted(c) for ln, c in errors.items()} == {d["line"]: sorted(d["codes"]) for d in defects}
    assert _lint_errors(sample / "train.clean.jsonl", tmp_path) == {}


def test_shipped_sample_is_reproducible(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    assert main(["data", "synth", "--n", "400", "--n-test", "150", "--seed", "0", "--defect-rate", "0.35", "-o", str(tmp_path)]) == 0
    for name in ("train.clean.jsonl", "train.dirty.jsonl", "defects.jsonl", "test.jsonl"):
        assert (tmp_path / name).read_bytes() == (sample / name).read_bytes(), name


def test_deterministic_for_a_seed_and_different_across_seeds() -> None:
    a = generate(60, seed=3, defect_rate=0.3, n_test=20)
    b = generate(60, seed=3, defect_rate=0.3, n_test=20)
    c = generate(60, seed=4, defect_rate=0.3, n_test=20)
    assert a.train_dirty == b.train_dirty and a.test == b.test and a.defects == b.defects
    assert a.train_clean != c.train_clean


def test_every_defect_kind_appears_and_only_marked_records_differ() -> None:
    res = generate(200, seed=1, defect_rate=0.35, n_test=0)
    kinds = Counter(d["kind"] for d in res.defects)
    assert set(kinds) == set(DEFECT_CODES)
    marked = {d["index"] for d in res.defects}
    for i, (c, d) in enumerate(zip(res.train_clean, res.train_dirty, strict=True)):
        assert (c != d) == (i in marked), i
        assert c["id"] == d["id"]


def test_zero_defect_rate_gives_identical_sets() -> None:
    res = generate(30, seed=2, defect_rate=0.0, n_test=5)
    assert res.train_clean == res.train_dirty and res.defects == []


def test_catalog_breadth() -> None:
    assert len(TOOLS) >= 30
    assert len({t.domain for t in TOOLS}) >= 10
    kinds: set[str] = set()

    def walk(s: dict[str, Any]) -> None:
        kinds.add(s.get("type", "?"))
        if "enum" in s:
            kinds.add("enum")
        for p in s.get("properties", {}).values():
            walk(p)
        if isinstance(s.get("items"), dict):
            walk(s["items"])

    for t in TOOLS:
        walk(t.schema()["function"]["parameters"])
        assert len(t.phrasings) >= 3
        assert any(p not in t.required for p in t.properties) or t.name in {"convert_currency", "calculate_loan_payment",
                                                                              "calculate_bmi", "get_time", "book_table",
                                                                              "convert_units"}
    assert {"object", "array", "string", "integer", "number", "boolean", "enum"} <= kinds


def test_train_records_shape_and_length() -> None:
    res = generate(200, seed=5, defect_rate=0.0, n_test=0)
    cats = Counter(r["category"] for r in res.train_clean)
    assert set(cats) == {"single", "parallel", "multi_turn", "no_call"}
    for r in res.train_clean:
        names = [t["function"]["name"] for t in r["tools"]]
        assert 1 <= len(names) <= 4 and len(set(names)) == len(names)
        assert not set(names) & set(UNSEEN_TOOLS)
        assert r["messages"][-1]["role"] == "assistant"
        calls = [tc for m in r["messages"] for tc in m.get("tool_calls") or []]
        assert all(tc["function"]["name"] in names for tc in calls)
        if r["category"] == "no_call":
            assert not calls and isinstance(r["messages"][-1]["content"], str)
        if r["category"] == "parallel":
            assert len(r["messages"][2]["tool_calls"]) == 2
        if r["category"] == "multi_turn":
            assert sum(m["role"] == "user" for m in r["messages"]) == 2
            assert any(m["role"] == "tool" for m in r["messages"])
        assert estimate_tokens(r) <= 700


def test_test_set_shape_and_no_leakage() -> None:
    res = generate(300, seed=9, defect_rate=0.2, n_test=80)
    cats = Counter(r["category"] for r in res.test)
    assert set(cats) == {"single", "parallel", "no_call", "unseen_tool"}
    norm = lambda s: re.sub(r"\s+", " ", s).strip().lower()  # noqa: E731
    train_prompts = {norm(m["content"]) for r in res.train_clean for m in r["messages"] if m["role"] == "user"}
    for r in res.test:
        assert r["messages"][-1]["role"] == "user"
        assert norm(r["messages"][-1]["content"]) not in train_prompts, r["id"]
        names = {t["function"]["name"] for t in r["tools"]}
        assert all(c["name"] in names for c in r["expected_calls"])
        assert len(r["possible_answer"]) == len(r["expected_calls"])
        if r["category"] == "no_call":
            assert r["expected_calls"] == []
        if r["category"] == "parallel":
            assert len(r["expected_calls"]) == 2
        if r["category"] == "unseen_tool":
            assert r["expected_calls"][0]["name"] in UNSEEN_TOOLS
        for call, pa in zip(r["expected_calls"], r["possible_answer"], strict=True):
            for k, v in call["arguments"].items():
                assert pa[call["name"]][k] == [v]


def test_cli_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "synth", "--n", "5", "--defect-rate", "1.5", "-o", str(tmp_path)]) == 2
    assert "defect-rate" in capsys.readouterr().err
