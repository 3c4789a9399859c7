"""Extraction of tool calls from raw model text: every format, positive and negative."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolproof.evaluator.extract import AUTO_ORDER, extract_calls, parse_call_payload, scan_tool_call_tags

W = {"name": "get_weather", "arguments": {"city": "Paris"}}
G = {"name": "g", "arguments": {"b": "x"}}
WJ = json.dumps(W)

# (case id, text, expected parser, expected calls)
POSITIVE = [
    ("hermes_one", f"<tool_call>\n{WJ}\n</tool_call>", "hermes", [W]),
    ("hermes_two", f"<tool_call>{WJ}</tool_call>\n<tool_call>{json.dumps(G)}</tool_call>", "hermes", [W, G]),
    ("hermes_list_in_tag", f"<tool_call>[{WJ}, {json.dumps(G)}]</tool_call>", "hermes", [W, G]),
    ("hermes_text_around", f"Let me check.\n<tool_call>{WJ}</tool_call>\nDone.", "hermes", [W]),
    ("hermes_final_open", f"<tool_call>{WJ}</tool_call><tool_call>{json.dumps(G)}", "hermes", [W, G]),
    ("hermes_think_first", f"<think>I should call <tool_call> now</think>\n<tool_call>{WJ}</tool_call>", "hermes", [W]),
    (
        "hermes_tag_inside_string",
        '<tool_call>{"name": "note", "arguments": {"text": "write </tool_call> literally"}}</tool_call>',
        "hermes",
        [{"name": "note", "arguments": {"text": "write </tool_call> literally"}}],
    ),
    ("hermes_python_literal", "<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Paris'}}</tool_call>", "hermes", [W]),
    ("hermes_im_end", f"<tool_call>{WJ}</tool_call><|im_end|>", "hermes", [W]),
    ("bare_json", WJ, "json", [W]),
    ("bare_json_prose", f"Sure! Here is the call: {WJ} Hope it helps.", "json", [W]),
    ("bare_json_list", json.dumps([W, G]), "json", [W, G]),
    ("bare_json_two_lines", WJ + "\n" + json.dumps(G), "json", [W, G]),
    ("parameters_key", '{"name": "get_weather", "parameters": {"city": "Paris"}}', "json", [W]),
    ("openai_shape", json.dumps({"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}), "json", [W]),
    ("openai_string_args", json.dumps({"type": "function", "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}}), "json", [W]),
    ("arguments_json_string", json.dumps({"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}), "json", [W]),
    ("python_literal_dict", "{'name': 'get_weather', 'arguments': {'city': 'Paris', 'metric': True}}", "json",
     [{"name": "get_weather", "arguments": {"city": "Paris", "metric": True}}]),
    ("tool_calls_wrapper", json.dumps({"tool_calls": [W]}), "json", [W]),
    ("fenced_json", f"```json\n{WJ}\n```", "fenced", [W]),
    ("fenced_plain", f"Here:\n```\n{WJ}\n```\nThat's it.", "fenced", [W]),
    ("fenced_list", f"```json\n{json.dumps([W, G], indent=2)}\n```", "fenced", [W, G]),
    ("fenced_parameters", '```json\n{"name": "get_weather", "parameters": {"city": "Paris"}}\n```', "fenced", [W]),
    ("llama_json", '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}<|eom_id|>', "llama3_json", [W]),
    ("llama_pythonic", '<|python_tag|>get_weather(city="Paris")<|eom_id|>', "llama3_json", [W]),
    ("llama_two_json", f"<|python_tag|>{WJ}; {json.dumps(G)}", "llama3_json", [W, G]),
    ("mistral_list", f"[TOOL_CALLS] [{WJ}]</s>", "mistral", [W]),
    ("mistral_v11", '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}', "mistral", [W]),
    ("pythonic_list", '[get_weather(city="Paris"), g(b="x")]', "pythonic", [W, G]),
    ("pythonic_dotted_negative", "[math.hypot(x=-4, y=5.5, z=[1, 2])]", "pythonic",
     [{"name": "math.hypot", "arguments": {"x": -4, "y": 5.5, "z": [1, 2]}}]),
    ("pythonic_bare_whole_output", 'get_weather(city="Paris")', "pythonic", [W]),
    ("pythonic_in_prose", 'I will call [get_weather(city="Paris")] now.', "pythonic", [W]),
]

# (case id, text): no call may come out of these
NEGATIVE = [
    ("empty", ""),
    ("plain_text", "The weather in Paris is sunny."),
    ("refusal", "I'm sorry, I can't help with that request."),
    ("prose_mentions_function", 'You could call get_weather(city="Paris") to find out.'),
    ("prose_mentions_name", "The get_weather function needs a city."),
    ("truncated_json", '{"name": "get_weather", "arguments": {"city": "Par'),
    ("truncated_json_complete_args", '{"name": "get_weather", "arguments": {"city": "Paris"}'),
    ("json_without_arguments", '{"name": "John", "age": 31}'),
    ("json_arguments_not_object", '{"name": "get_weather", "arguments": 5}'),
    ("unrelated_json", '{"result": {"temp": 21}}'),
    ("unrelated_python_block", "```python\nimport os\nprint(os.getcwd())\n```"),
    ("unrelated_json_block", '```json\n{"temp": 21, "unit": "C"}\n```'),
    ("empty_tag", "<tool_call></tool_call>"),
    ("tag_truncated_body", '<tool_call>{"name": "get_weather", "argu'),
    ("tag_not_json", "<tool_call>call the weather tool</tool_call>"),
    ("pythonic_comprehension", '[get_weather(city=c) for c in cities]'),
    ("pythonic_code_in_args", '[get_weather(city=__import__("os").getcwd())]'),
    ("pythonic_positional", '[get_weather("Paris")]'),
    ("only_think", "<think>maybe call get_weather</think>I don't know."),
    ("markdown_list", "[see here](http://example.com) and [1, 2, 3]"),
]


@pytest.mark.parametrize("text,parser,calls", [c[1:] for c in POSITIVE], ids=[c[0] for c in POSITIVE])
def test_extracts_calls(text: str, parser: str, calls: list[dict]) -> None:
    ex = extract_calls(text)
    assert ex.calls == calls
    assert ex.parser == parser
    # the named parser alone finds the same calls
    assert extract_calls(text, parser=parser).calls == calls


@pytest.mark.parametrize("text", [c[1] for c in NEGATIVE], ids=[c[0] for c in NEGATIVE])
def test_no_call(text: str) -> None:
    for parser in ("auto", *AUTO_ORDER):
        ex = extract_calls(text, parser=parser)
        assert ex.calls == [], (parser, ex)
        assert ex.parser is None


def test_content_outside_calls() -> None:
    ex = extract_calls(f"<think>plan</think>Checking.\n<tool_call>{WJ}</tool_call>\nBye")
    assert ex.content == "Checking.\n\nBye"
    assert ex.reasoning == "plan"
    ex = extract_calls(f"Sure: ```json\n{WJ}\n``` ok")
    assert "get_weather" not in ex.content and ex.content.startswith("Sure:")


def test_errors_explain_unreadable_markup() -> None:
    ex = extract_calls('<tool_call>{"name": "f", "arguments": {</tool_call>')
    assert ex.calls == [] and ex.errors and "<tool_call>" in ex.errors[0]


def test_named_parser_does_not_fall_back() -> None:
    assert extract_calls(WJ, parser="hermes").calls == []
    assert extract_calls(f"```json\n{WJ}\n```", parser="pythonic").calls == []
    with pytest.raises(ValueError, match="unknown parser"):
        extract_calls(WJ, parser="xml")


def test_bare_call_respects_tool_names() -> None:
    assert extract_calls('print(value="x")', tool_names=["get_weather"]).calls == []
    assert extract_calls('get_weather(city="Paris")', tool_names=["get_weather"]).calls == [W]


def test_tags_win_over_bare_json_in_auto() -> None:
    text = f'{json.dumps(G)}\n<tool_call>{WJ}</tool_call>'
    ex = extract_calls(text)
    assert ex.parser == "hermes" and ex.calls == [W]


def test_qwen_style_outputs() -> None:
    """The two shapes Qwen2.5-Coder-0.5B actually produced: bare JSON and a ```json fence."""
    bare = '{"name": "get_weather", "arguments": {"city": "Paris"}}'
    fenced = 'Sure!\n```json\n{\n  "name": "get_weather",\n  "arguments": {\n    "city": "Paris"\n  }\n}\n```'
    assert extract_calls(bare).calls == [W] and extract_calls(bare, parser="hermes").calls == []
    assert extract_calls(fenced).calls == [W] and extract_calls(fenced, parser="hermes").calls == []


def test_core_helpers_unchanged() -> None:
    scan = scan_tool_call_tags(f"<tool_call>{WJ}</tool_call></tool_call>")
    assert len(scan.blocks) == 1 and scan.blocks[0].closed
    assert [p.kind for p in scan.problems] == ["stray_close"]
    res = parse_call_payload('{"name": "f", "parameters": "{\\"a\\": 1}"}')
    assert res.calls == [{"name": "f", "arguments": {"a": 1}}]
    assert "parameters" in res.notes and "arguments_string" in res.notes


# ------------------------------------------------------------------ strict (serving parser) extraction
from toolproof.evaluator.extract import extract_strict  # noqa: E402

_W = {"name": "get_weather", "arguments": {"city": "Paris"}}


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', [_W]),
        ('<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call><|im_end|>', [_W]),
        # a final unclosed block is read, as vLLM's hermes parser does
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}', [_W]),
        ('<tool_call>{"name": "a", "arguments": {}}</tool_call>\n<tool_call>{"name": "b", "arguments": {"x": 1}}</tool_call>',
         [{"name": "a", "arguments": {}}, {"name": "b", "arguments": {"x": 1}}]),
        # what the lenient extractor repairs, a serving parser does not
        ("<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Paris'}}</tool_call>", []),
        ('<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}</tool_call>', []),
        ('<tool_call>{"name": "get_weather", "parameters": {"city": "Paris"}}</tool_call>', []),
        ('```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```', []),
        ('{"name": "get_weather", "arguments": {"city": "Paris"}}', []),
        ("<tool_call>\n</tool_call>", []),
        # one bad block loses every call of the output
        ('<tool_call>{"name": "a", "arguments": {}}</tool_call><tool_call>{"name": "b", "arguments": {</tool_call>', []),
        ("no call here", []),
        (None, []),
    ],
)
def test_extract_strict(text: str | None, calls: list[dict[str, Any]]) -> None:
    assert extract_strict(text) == calls
    if calls:  # whatever the strict parser reads, the lenient one reads the same
        assert extract_calls(text).calls == calls


@pytest.mark.parametrize(
    ("text", "arguments"),
    [
        # a model writing Python literals: sets, tuples, non-string keys, bytes must still give JSON data
        ("<tool_call>{'name': 'f', 'arguments': {'tags': {'b', 'a'}, 'xy': (1, 2), 3: b'z'}}</tool_call>",
         {"tags": ["a", "b"], "xy": [1, 2], "3": "b'z'"}),
        ("[f(tags={'b', 'a'}, xy=(1, 2))]", {"tags": ["a", "b"], "xy": [1, 2]}),
    ],
)
def test_python_literals_become_json_data(text: str, arguments: dict[str, Any]) -> None:
    ex = extract_calls(text)
    assert ex.calls == [{"name": "f", "arguments": arguments}]
    json.dumps(ex.calls)  # what the evaluator writes to results.csv
