"""TP601-TP603 (lint --model): round trip, loss-mask coverage, length; off without a model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tiny_model import tiny_model_dir

import toolproof.trainer.rules  # noqa: F401  (registers TP601-TP603 for validator.api.lint)
from toolproof.cli import main
from toolproof.validator.api import lint
from toolproof.validator.rules.base import Context, get_rule

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "w", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def _rec(args: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"} if args is None else args}}]},
        ],
        "tools": TOOLS,
        **extra,
    }


def _variant(tmp_path: Path, name: str, template: str) -> str:
    d = tmp_path / name
    shutil.copytree(tiny_model_dir(), d)
    (d / "chat_template.jinja").write_text(template)
    return str(d)


def _codes(path: Path, **opts: Any) -> dict[str, list[str]]:
    res = lint(path, select=["TP601", "TP602", "TP603"], **opts)
    assert not res.internal_errors, res.internal_errors
    out: dict[str, list[str]] = {}
    for f in res.findings:
        out.setdefault(f.code, []).append(f.message)
    return out


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    p = tmp_path / "clean.jsonl"
    p.write_text(json.dumps(_rec()) + "\n" + json.dumps(_rec(args='{"city": "Oslo"}')) + "\n")
    return p


def test_rules_are_registered_off_by_default(clean: Path) -> None:
    for code in ("TP601", "TP602", "TP603"):
        r = get_rule(code)
        assert r is not None and not r.default_enabled and r.family == "template"
    assert not {f.code for f in lint(clean).findings} & {"TP601", "TP602", "TP603"}


def test_clean_records_pass_with_the_tool_template(clean: Path) -> None:
    assert _codes(clean, model=str(tiny_model_dir())) == {}
    assert _codes(clean, model=str(tiny_model_dir()), loss="completion_only") == {}


def test_tp603_reports_the_token_count(clean: Path) -> None:
    found = _codes(clean, model=str(tiny_model_dir()), max_length=50)
    assert list(found) == ["TP603"] and len(found["TP603"]) == 2
    n = int(found["TP603"][0].split()[0])
    assert n > 50 and "over the max length of 50" in found["TP603"][0]


def test_tp601_when_the_template_drops_calls(clean: Path, tmp_path: Path) -> None:
    plain = "{% for m in messages %}### {{ m.role }}: {{ m.content or '' }}\n{% endfor %}"  # not ChatML, no tools
    model = _variant(tmp_path, "plain", plain)
    found = _codes(clean, model=model)
    assert len(found["TP601"]) == 2
    assert "read back as no call instead of get_weather" in found["TP601"][0]


def test_tp601_when_the_template_cannot_render(clean: Path, tmp_path: Path) -> None:
    model = _variant(tmp_path, "raises", "{{ raise_exception('no tool calls here') }}")
    found = _codes(clean, model=model)
    assert "cannot render" in found["TP601"][0] and "no tool calls here" in found["TP601"][0]


def test_tp601_double_encoding_template(clean: Path, tmp_path: Path) -> None:
    enc = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.role == 'assistant' %}{% generation %}{% for c in m.tool_calls %}"
        "<tool_call>\n{\"name\": \"{{ c.function.name }}\", \"arguments\": {{ c.function.arguments | tojson | tojson }}}\n</tool_call>"
        "{% endfor %}<|im_end|>{% endgeneration %}{% else %}{{ m.content }}<|im_end|>{% endif %}\n{% endfor %}{{ tools }}"
    )
    model = _variant(tmp_path, "enc", enc)
    found = _codes(clean, model=model)
    assert list(found) == ["TP601"] and len(found["TP601"]) == 2
    assert "double-encoded" in found["TP601"][0]


def test_tp602_zero_trained_tokens_without_generation_markers(clean: Path, tmp_path: Path) -> None:
    no_markers = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.tool_calls %}{% for c in m.tool_calls %}<tool_call>\n"
        "{\"name\": \"{{ c.function.name }}\", \"arguments\": {{ c.function.arguments | tojson }}}\n</tool_call>{% endfor %}"
        "{% else %}{{ m.content }}{% endif %}<|im_end|>\n{% endfor %}{% if tools %}{{ tools | tojson }}{% endif %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    model = _variant(tmp_path, "nomarkers", no_markers)
    found = _codes(clean, model=model)
    assert "TP601" not in found  # the calls do render...
    assert "no token of this record is trained" in found["TP602"][0]  # ...but assistant-only loss trains nothing
    assert "TP602" not in _codes(clean, model=model, loss="completion_only")


def test_tp602_full_loss_trains_the_prompt_without_complaint(clean: Path) -> None:
    assert _codes(clean, model=str(tiny_model_dir()), loss="full") == {}


def test_unknown_model_is_reported_not_raised(clean: Path) -> None:
    found = _codes(clean, model="no-such-model")
    assert "cannot load the tokenizer" in found["TP601"][0]


@pytest.mark.parametrize(
    "value",
    [None, 3, "x", [], {}, {"messages": "x"}, {"messages": []}, {"messages": [1, None]},
     {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": 1}}]}]},
     {"messages": [{"role": "assistant", "tool_calls": "no"}], "tools": 5},
     {"messages": [{"role": "user", "content": {"a": 1}}, {"role": "assistant", "content": ["x"]}], "tools": [1, "x"]}],
)  # fmt: skip
def test_rules_never_raise(value: Any) -> None:
    ctx = Context(options={"model": str(tiny_model_dir()), "loss": "assistant_only", "max_length": 10})
    for code in ("TP601", "TP602", "TP603"):
        r = get_rule(code)
        assert r is not None
        list(r.func(value, ctx))


def test_lint_cli_with_model(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["lint", str(clean), "--model", str(tiny_model_dir()), "--max-length", "40", "--select", "TP6"])
    assert rc == 1
    assert "TP603" in capsys.readouterr().out
