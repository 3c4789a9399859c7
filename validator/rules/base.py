"""Rule registry: a rule is a pure function of one record (or, for dataset rules,
of per-record summaries) that yields Hits. The engine adds file/line/record/id.

Codes are stable and never reused; registering a code or a name twice fails.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from toolproof.validator.findings import FixSafety, Hit, Severity


@dataclass
class Context:
    """What a record rule may look at besides the record.

    ``tools`` maps tool name -> the tool's ``function`` dict (name, description,
    parameters), built leniently from the record's ``tools`` (canonical wrapped form
    or flat form). ``options`` holds configuration (e.g. the model for template checks).
    """

    record_index: int = 0
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


RecordRuleFunc = Callable[[Any, Context], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fix: FixSafety
    family: str
    doc: str  # markdown: What it does / Why is this bad? / Example / Use instead / Fix safety
    func: Callable[..., Iterable[Any]]
    scope: str = "record"  # "record" or "dataset"
    default_enabled: bool = True  # False: runs only when selected by its exact code or name
    needs: str | None = None  # the rule option it reads ("against", "model"): off unless that option is given
    fix_partial: bool = False  # the fix applies to some findings only (each finding says which)

    @property
    def fix_label(self) -> str:
        """The fix column of the rule table: ``safe (some)`` when only some findings can be repaired."""
        return f"{self.fix.value} (some)" if self.fix_partial else self.fix.value

    @property
    def summary(self) -> str:
        return (self.doc.strip().splitlines() or [""])[0]


REGISTRY: dict[str, Rule] = {}
_NAMES: dict[str, str] = {}


def _register(r: Rule) -> None:
    if r.code in REGISTRY:
        raise ValueError(f"duplicate rule code {r.code}")
    if r.name in _NAMES:
        raise ValueError(f"duplicate rule name {r.name} ({_NAMES[r.name]} and {r.code})")
    REGISTRY[r.code] = r
    _NAMES[r.name] = r.code


def rule(
    code: str,
    name: str,
    *,
    severity: Severity = Severity.ERROR,
    fix: FixSafety = FixSafety.NONE,
    family: str,
    scope: str = "record",
    default_enabled: bool = True,
    needs: str | None = None,
    fix_partial: bool = False,
) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
    """Register a rule. The function's docstring is the rule's documentation.

    ``needs`` names the rule option the rule reads (``"against"``: a test set, ``"model"``: a
    model's chat template); such a rule is off by default and comes on when that option is given
    (or when it is selected by its exact code or name). ``default_enabled=False`` makes a rule
    opt-in (the precision policy: a rule whose measured precision is below the bar). ``fix_partial``:
    the declared fix applies to some findings only (the others say why not and carry no fix).
    """

    def deco(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        _register(
            Rule(
                code=code,
                name=name,
                severity=severity,
                fix=fix,
                family=family,
                doc=inspect.cleandoc(func.__doc__ or ""),
                func=func,
                scope=scope,
                default_enabled=default_enabled and needs is None,
                needs=needs,
                fix_partial=fix_partial,
            )
        )
        return func

    return deco


def all_rules() -> list[Rule]:
    """Every registered rule, in code order.

    Nothing to import here: this module is ``toolproof.validator.rules.base``, so Python has run the
    package's ``__init__`` (which imports every validator rule family, and so registers it) before
    this module could be imported. Rules owned by a higher layer (the template-aware TP601-TP603 in
    ``toolproof.trainer.rules``) register when their module is imported; the ``toolproof`` command
    imports it.
    """
    return [REGISTRY[c] for c in sorted(REGISTRY)]


def get_rule(code_or_name: str) -> Rule | None:
    all_rules()
    key = code_or_name.strip()
    if key.upper() in REGISTRY:
        return REGISTRY[key.upper()]
    code = _NAMES.get(key)
    return REGISTRY[code] if code else None


def iter_hits(rule_: Rule, record: Any, ctx: Context) -> Iterator[Hit]:
    yield from rule_.func(record, ctx)
