"""Issue 32's precision policy: the committed table (bench/labels/precision.json, written by
bench/precision.py from hand labels) agrees with which rules are on by default, and `toolproof
rule CODE` shows the measured precision."""

from __future__ import annotations

import json
from pathlib import Path

from toolproof.commands.rules import PRECISION_TABLE, measured_precision
from toolproof.validator.findings import Severity
from toolproof.validator.rules.base import all_rules, get_rule


def test_default_rules_meet_the_policy_in_the_committed_table() -> None:
    table = json.loads(PRECISION_TABLE.read_text(encoding="utf-8"))
    policy = table["policy"]
    for r in all_rules():
        real = table["rules"].get(r.code, {}).get("real")
        if real is None or not r.default_enabled:
            continue
        floor = policy["warning"] if r.severity is Severity.WARNING else policy["error"]
        assert real["precision"] >= floor, f"{r.code} is on by default at {real['precision']:.0%} (policy {floor:.0%})"


def test_a_rule_below_the_policy_is_opt_in_and_its_doc_says_why() -> None:
    table = json.loads(PRECISION_TABLE.read_text(encoding="utf-8"))
    tp703 = get_rule("TP703")
    assert tp703 is not None and table["rules"]["TP703"]["real"]["precision"] < table["policy"]["warning"]
    assert not tp703.default_enabled
    assert "Opt-in" in tp703.doc and "precision" in tp703.doc


def test_measured_precision_line(tmp_path: Path) -> None:
    table = tmp_path / "precision.json"
    table.write_text(json.dumps({"rules": {"TP001": {"real": {"true": 9, "labelled": 10, "precision": 0.9}}}}))
    assert measured_precision("TP001", table).startswith("Measured precision: 90% on the real sources (9 of 10")
    assert "no finding on the real sources" in measured_precision("TP999", table)
    assert "no table" in measured_precision("TP001", tmp_path / "missing.json")
