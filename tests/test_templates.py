"""The shipped tool-aware template: tools, calls, results, generation prompt, masks; template choice."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from tiny_model import tiny_model_dir

from toolproof.evaluator.extract import extract_calls, extract_strict
from toolproof.trainer.models import chat_template_for, load_tokenizer
from toolproof.trainer.templates import (
    normalize_messages,
    render,
    render_prompt,
    shipped_template,
    to_markup_in_content,
    trained_segments,
)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
                "required": ["city"],
            },
        },
    },
    {"type": "function", "function": {"name": "add", "description": "Add", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}},
]


def _record(arguments: Any = None, content: Any = None) -> dict[str, Any]:
    args = {"city": "Paris", "unit": "c"} if arguments is None else arguments
    return {
        "messages": [
            {"role": "user", "content": "Weather in Paris, and 2+3?"},
            {
                "role": "assistant",
                "content": content,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": args}},
                    {"id": "c2", "type": "function", "function": {"name": "add", "arguments": {"a": 2, "b": 3}}},
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "name": "get_weather", "content": '{"temp": 12}'},
            {"role": "tool", "tool_call_id": "c2", "name": "add", "content": "5"},
            {"role": "assistant", "content": "12 degrees; 2+3=5."},
        ],
        "tools": TOOLS,
    }


EXPECTED = [{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}, {"name": "add", "arguments": {"a": 2, "b": 3}}]


@pytest.fixture(scope="module")
def tok() -> Any:
    return load_tokenizer(str(tiny_model_dir()))


def _text(tok: Any, rec: dict[str, Any]) -> str:
    return str(tok.apply_chat_template(normalize_messages(rec["messages"]), tools=rec["tools"], tokenize=False))


def test_tools_are_listed_as_json_in_the_system_turn(tok: Any) -> None:
    text = _text(tok, _record())
    system = text.split("<|im_end|>")[0]
    assert system.startswith("<|im_start|>system\n")
    block = re.search(r"<tools>\n(.*)\n</tools>", system, re.S)
    assert block is not None
    assert [json.loads(line) for line in block.group(1).splitlines()] == TOOLS


def test_calls_render_as_hermes_blocks_and_round_trip(tok: Any) -> None:
    text = _text(tok, _record())
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}\n</tool_call>' in text
    assistant = text.split("<|im_start|>assistant\n")[1].split("<|im_end|>")[0]
    assert extract_calls(assistant, parser="hermes").calls == EXPECTED


@pytest.mark.parametrize(
    "args",
    [
        '{"city": "Paris", "unit": "c"}',  # JSON text
        json.dumps(json.dumps({"city": "Paris", "unit": "c"})),  # double-encoded
    ],
)
def test_arguments_given_as_json_text_render_as_objects(tok: Any, args: str) -> None:
    text = _text(tok, _record(arguments=args))
    assert '"arguments": "' not in text  # never a string
    assistant = text.split("<|im_start|>assistant\n")[1].split("<|im_end|>")[0]
    assert extract_calls(assistant, parser="hermes").calls == EXPECTED


def test_string_arguments_are_emitted_once_even_without_normalising(tok: Any) -> None:
    rec = _record(arguments='{"city": "Paris", "unit": "c"}')
    text = str(tok.apply_chat_template(rec["messages"], tools=rec["tools"], tokenize=False))
    assert '"arguments": {"city": "Paris", "unit": "c"}}' in text


def test_tool_results_and_generation_prompt(tok: Any) -> None:
    rec = _record()
    text = _text(tok, rec)
    assert '<|im_start|>user\n<tool_response>\n{"temp": 12}\n</tool_response>\n<tool_response>\n5\n</tool_response><|im_end|>' in text
    prompt = render_prompt(tok, rec)
    assert prompt.endswith("<|im_start|>user\nWeather in Paris, and 2+3?<|im_end|>\n<|im_start|>assistant\n")
    assert text.startswith(prompt)


def test_assistant_turn_with_content_and_calls_and_no_tools(tok: Any) -> None:
    rec = _record(content="Let me check.")
    text = _text(tok, rec)
    assert "<|im_start|>assistant\nLet me check.\n<tool_call>\n" in text
    no_tools = str(tok.apply_chat_template([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}], tokenize=False))
    assert "<tools>" not in no_tools and no_tools.endswith("<|im_start|>assistant\nhello<|im_end|>\n")


def test_masks_per_loss(tok: Any) -> None:
    rec = _record()
    a = render(tok, rec, loss="assistant_only")
    runs = [s for s, t in trained_segments(tok, a) if t]
    assert runs[0].startswith("<tool_call>") and runs[0].endswith("</tool_call><|im_end|>")
    assert runs[1] == "12 degrees; 2+3=5.<|im_end|>"
    assert len(runs) == 2 and "<tool_response>" not in "".join(runs)
    c = render(tok, rec, loss="completion_only")
    prompt_len = len(tok(render_prompt(tok, rec), add_special_tokens=False)["input_ids"])
    assert c.trained[:prompt_len] == [0] * prompt_len and all(c.trained[prompt_len:])
    f = render(tok, rec, loss="full")
    assert f.n_trained == f.n_tokens == c.n_tokens
    assert 0 < a.n_trained < c.n_trained < f.n_trained
    with pytest.raises(ValueError, match="unknown loss"):
        render(tok, rec, loss="half")


def test_markup_in_content_moves_calls_into_text(tok: Any) -> None:
    msgs = to_markup_in_content(normalize_messages(_record()["messages"]))
    assert "tool_calls" not in msgs[1]
    assert msgs[1]["content"].count("<tool_call>") == 2
    r = render(tok, _record(), loss="assistant_only", fmt="markup_in_content")
    trained = "".join(s for s, t in trained_segments(tok, r) if t)
    assert '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}</tool_call>' in trained
    assert extract_calls(trained, parser="hermes").calls[:2] == EXPECTED


def test_template_choice(tmp_path: Path) -> None:
    assert chat_template_for("smollm2-135m") == shipped_template()
    assert chat_template_for(str(tiny_model_dir())) == shipped_template()
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "chat_template.jinja").write_text("{{ 'stored' }}")
    assert chat_template_for(str(adapter)) == "{{ 'stored' }}"
    # a model whose own template renders tools keeps it
    own = tmp_path / "own"
    shutil.copytree(tiny_model_dir(), own)
    native = "{% for m in messages %}{{ m.role }}{% if m.tool_calls %}{{ m.tool_calls | tojson }}{% endif %}{% endfor %}{{ tools | tojson }}"
    (own / "chat_template.jinja").write_text(native)
    assert chat_template_for(str(own)) == native


# The trainer renders records as given: a dirty arm must train the defects, not silently repaired copies.
QWEN_STYLE_CALLS = (
    "{% for m in messages %}{% for c in m.tool_calls or [] %}"
    '<tool_call>{"name": "{{ c.function.name }}", "arguments": {{ c.function.arguments | tojson }}}</tool_call>'
    "{% endfor %}{% endfor %}"
)


def test_string_arguments_are_rendered_as_given(tok: Any) -> None:
    encoded = json.dumps({"city": "Paris", "unit": "c"})
    rec = _record(arguments=encoded)
    # our template emits a JSON string verbatim; a `tojson` template (Qwen's) encodes it a second time
    ours = render(tok, rec, loss="full").text
    assert '"arguments": {"city": "Paris", "unit": "c"}}' in ours
    tojson = render(tok, rec, loss="full", chat_template=QWEN_STYLE_CALLS).text
    assert '"arguments": ' + json.dumps(encoded) in tojson
    # the lenient extractor decodes it; a serving parser (strict) does not hand such a call over
    assert extract_calls(tojson, parser="hermes").calls[0]["arguments"] == EXPECTED[0]["arguments"]
    assert extract_strict(tojson) == []
    # the same record with object arguments renders the object once in both
    assert '"arguments": {"city": "Paris", "unit": "c"}}' in render(tok, _record(), loss="full", chat_template=QWEN_STYLE_CALLS).text
    assert rec["messages"][1]["tool_calls"][0]["function"]["arguments"] == encoded  # the record is not changed


def test_markup_in_content_keeps_defects(tok: Any) -> None:
    encoded = json.dumps({"city": "Paris", "unit": "c"})
    trained = render(tok, _record(arguments=encoded), loss="full", fmt="markup_in_content").text
    assert '<tool_call>{"name": "get_weather", "arguments": ' + json.dumps(encoded) + "}</tool_call>" in trained
    rec = _record()
    rec["messages"][1]["tool_calls"][0]["function"] = {"name": "get_weather", "parameters": {"city": "Paris"}}
    trained = render(tok, rec, loss="full", fmt="markup_in_content").text
    assert '<tool_call>{"name": "get_weather", "parameters": {"city": "Paris"}}</tool_call>' in trained
