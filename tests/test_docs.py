"""The README's rule count and family table agree with the rule registry."""

from __future__ import annotations

import re
from pathlib import Path

from toolproof.validator.rules.base import all_rules

README = Path(__file__).resolve().parents[1] / "README.md"


def _registry() -> list[str]:
    import toolproof.trainer.rules  # noqa: F401  (TP601-TP603 register themselves)
    from toolproof.validator.engine import registered_rules

    registered_rules()
    return [r.code for r in all_rules()]


def test_readme_counts_every_rule() -> None:
    codes = _registry()
    text = README.read_text(encoding="utf-8")
    counts = {int(n) for n in re.findall(r"(\d+) rules", text)}
    assert counts == {len(codes)}, f"README says {sorted(counts)} rules, the registry has {len(codes)}"


def test_readme_family_table_covers_every_code() -> None:
    codes = set(_registry())
    ranges = re.findall(r"\| (TP\d{3})-(TP\d{3}) \|", README.read_text(encoding="utf-8"))
    covered = {c for lo, hi in ranges for c in codes if lo <= c <= hi}
    assert ranges and covered == codes, f"not in the README's family table: {sorted(codes - covered)}"
