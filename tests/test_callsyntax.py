"""The call-syntax registry: every family's lenient and strict reader on cases written from each
serving parser's spec, auto detection that never lets one family claim another's text, and the
bounds on hostile output (nesting depth, linear work)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.evaluator.extract import extract_calls
from toolproof.evaluator.score import InputError, iter_jsonl, score_one, score_predictions
from toolproof.validator.callsyntax import (
    AUTO_ORDER,
    FAMILIES,
    Budget,
    detect,
    find_typed_calls,
    get_family,
    read_calls,
    read_strict,
)
from toolproof.validator.callsyntax.base import MAX_DEPTH, jsonable, nesting_depth

W = {"name": "get_weather", "arguments": {"city": "Paris"}}
T = {"name": "get_time", "arguments": {"zone": "CET", "hours": 2}}
WJ, TJ = json.dumps(W), json.dumps(T)
DS = "<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>", "<｜tool▁calls▁end｜>"
D = "｜DSML｜"  # DeepSeek-V3.2's tag infix (U+FF5C)
WJ_ARGS = json.dumps(W["arguments"])
DSML_CALLS = (
    f'<{D}function_calls>\n<{D}invoke name="get_weather">\n<{D}parameter name="city" string="true">Paris</{D}parameter>\n</{D}invoke>\n'
    f'<{D}invoke name="get_time">\n<{D}parameter name="zone" string="true">CET</{D}parameter>\n'
    f'<{D}parameter name="hours" string="false">2</{D}parameter>\n</{D}invoke>\n</{D}function_calls>'
)
KIMI = '<|tool_calls_section_begin|><|tool_call_begin|>functions.{n}:{i}<|tool_call_argument_begin|>{a}<|tool_call_end|>'

# (family, text, calls the lenient reader returns, calls the strict reader returns)
GOOD: list[tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    ("hermes", f"Let me check.<tool_call>\n{WJ}\n</tool_call>", [W], [W]),
    ("hermes", f"<tool_call>{WJ}</tool_call><tool_call>{TJ}", [W, T], [W, T]),
    ("ernie45", f"done</think>\n\n<tool_call>\n{WJ}\n</tool_call>\n", [W], [W]),
    ("mistral", f"[TOOL_CALLS][{WJ}, {TJ}]", [W, T], [W, T]),
    ("mistral", '[TOOL_CALLS]get_weather{"city": "Paris"}[TOOL_CALLS]get_time{"zone": "CET", "hours": 2}', [W, T], [W, T]),
    ("mistral", 'ok[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}', [W], [W]),
    ("llama3_json", '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}', [W], [W]),
    ("llama3_json", '{"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "get_time", "parameters": {"zone": "CET", "hours": 2}}', [W, T], [W, T]),
    ("llama31", 'I will call<function=get_weather>{"city": "Paris"}</function><function=get_time>{"zone": "CET", "hours": 2}</function>', [W, T], [W, T]),
    ("llama4_pythonic", "<|python_start|>[get_weather(city='Paris'), get_time(zone='CET', hours=2)]<|python_end|>", [W, T], [W, T]),
    ("pythonic", "[get_weather(city='Paris'), get_time(zone='CET', hours=2)]", [W, T], [W, T]),
    ("lfm2", 'Checking.<|tool_call_start|>[get_weather(city="Paris"), get_time(zone="CET", hours=2)]<|tool_call_end|>', [W, T], [W, T]),
    ("lfm2", '<|tool_call_start|>[get_weather(city="Paris")]', [W], [W]),  # the end token may be missing
    # two blocks: the lenient reader reads both, vLLM's parser the first
    ("lfm2", '<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|><|tool_call_start|>[get_time(zone="CET", hours=2)]<|tool_call_end|>', [W, T], [W]),
    ("qwen3_coder", "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>", [W], [W]),
    ("qwen3_coder", "<tool_call>\n<function=get_time>\n<parameter=zone>\nCET\n</parameter>\n<parameter=hours>\n2\n</parameter>\n</function>\n</tool_call>", [T], [T]),
    ("glm4_moe", "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>", [W], [W]),
    ("glm4_moe", "<tool_call>get_time<arg_key>zone</arg_key><arg_value>CET</arg_value><arg_key>hours</arg_key><arg_value>2</arg_value></tool_call>", [T], [T]),
    ("kimi_k2", "Sure. " + KIMI.format(n="get_weather", i=0, a='{"city": "Paris"}') + "<|tool_calls_section_end|>", [W], [W]),
    ("deepseek_v3", f'{DS[0]}{DS[1]}function{DS[2]}get_weather\n```json\n{{"city": "Paris"}}\n```{DS[3]}{DS[4]}', [W], [W]),
    ("deepseek_v31", f'{DS[0]}{DS[1]}get_weather{DS[2]}{{"city": "Paris"}}{DS[3]}{DS[4]}', [W], [W]),
    ("deepseek_v32", f'Checking.{DSML_CALLS}', [W, T], [W, T]),
    # string="true" keeps a value as text (vLLM: exactly as written); string="false" is JSON
    ("deepseek_v32", f'<{D}function_calls><{D}invoke name="lookup"><{D}parameter name="zip" string="true">02139</{D}parameter><{D}parameter name="exact" string="false">true</{D}parameter></{D}invoke></{D}function_calls>',
     [{"name": "lookup", "arguments": {"zip": "02139", "exact": True}}], [{"name": "lookup", "arguments": {"zip": "02139", "exact": True}}]),
    ("deepseek_v32", f'<{D}function_calls>\n<{D}invoke name="get_time">\n</{D}invoke>\n</{D}function_calls>',
     [{"name": "get_time", "arguments": {}}], [{"name": "get_time", "arguments": {}}]),
    # SGLang's variants: a JSON body, plain tags, a last block left open; vLLM's parser reads none of them
    ("deepseek_v32", f'<{D}function_calls>\n<{D}invoke name="get_weather">\n{WJ_ARGS}\n</{D}invoke>\n</{D}function_calls>', [W], [{"name": "get_weather", "arguments": {}}]),
    ("deepseek_v32", '<function_calls>\n<invoke name="get_weather">\n<parameter name="city" string="true">Paris</parameter>\n</invoke>\n</function_calls>', [W], []),
    ("deepseek_v32", f'<{D}function_calls><{D}invoke name="get_weather"><{D}parameter name="city" string="true">Paris</{D}parameter>', [W], []),
    ("seed_oss", "<seed:think>plan</seed:think><seed:tool_call>\n<function=get_weather>\n<parameter=city>Paris</parameter>\n</function>\n</seed:tool_call>", [W], [W]),
    ("olmo3", "<function_calls>get_weather(city='Paris')\nget_time(zone='CET', hours=2)</function_calls>", [W, T], [W, T]),
    ("olmo3", "<function_calls>get_weather(city='Paris', exact=true, note=null)</function_calls>",
     [{"name": "get_weather", "arguments": {"city": "Paris", "exact": True, "note": None}}],
     [{"name": "get_weather", "arguments": {"city": "Paris", "exact": True, "note": None}}]),
    ("granite", f"<|tool_call|>[{WJ}]", [W], [W]),
    ("granite_20b_fc", f"<function_call> {WJ} <function_call> {TJ}", [W, T], [W, T]),
    ("internlm", '<|action_start|><|plugin|>\n{"name": "get_weather", "parameters": {"city": "Paris"}}<|action_end|>', [W], [W]),
    ("jamba", f"<tool_calls>[{WJ}, {TJ}]</tool_calls>", [W, T], [W, T]),
    ("hunyuan_a13b", f"<tool_calls>[{WJ}]</tool_calls>", [W], [W]),
    ("minimax", f"<tool_calls>\n{WJ}\n{TJ}\n</tool_calls>", [W, T], [W, T]),
    ("minimax_m2", '<minimax:tool_call><invoke name="get_weather"><parameter name="city">Paris</parameter></invoke></minimax:tool_call>', [W], [W]),
    ("xlam", f"```json\n[{WJ}]\n```", [W], [W]),
    ("gigachat3", f"function call{WJ}", [W], [W]),
    ("gigachat3", f"function call<|role_sep|>\n{WJ}", [W], [W]),
    ("phi4_mini_json", f"functools[{WJ}, {TJ}]", [W, T], [W, T]),
    ("apertus", 'Let me see. <|tools_prefix|>[{"get_weather": {"city": "Paris"}}, {"get_time": {"zone": "CET", "hours": 2}}]<|tools_suffix|>', [W, T], [W, T]),
    ("apertus", '<|tools_prefix|>{"get_weather": {"city": "Paris"}}', [W], [W]),
    # two names in one object: two calls to the lenient reader, the first one to vLLM's
    ("apertus", '<|tools_prefix|>[{"get_weather": {"city": "Paris"}, "get_time": {"zone": "CET", "hours": 2}}]<|tools_suffix|>', [W, T], [W]),
    # arguments as a JSON string: repaired by the lenient reader; vLLM hands the string on
    ("apertus", '<|tools_prefix|>[{"get_weather": "{\\"city\\": \\"Paris\\"}"}]<|tools_suffix|>', [W], [{"name": "get_weather", "arguments": '{"city": "Paris"}'}]),
    ("step3", '<｜tool_calls_begin｜><｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name="get_weather"><steptml:parameter name="city">Paris</steptml:parameter></steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>', [W], [W]),
    ("functionary_v3", '>>>all\nChecking.>>>get_weather\n{"city": "Paris"}>>>get_time\n{"zone": "CET", "hours": 2}', [W, T], [W, T]),
    ("functionary_v2", '<|recipient|>all\n<|content|>Checking.\n<|from|>assistant\n<|recipient|>get_weather\n<|content|>{"city": "Paris"}', [W], [W]),
    ("gpt_oss", '<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Paris"}<|call|>', [W], [W]),
    ("gpt_oss", '<|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{"city": "Paris"}<|call|>', [W], [W]),
    ("longcat", f"<longcat_tool_call>{WJ}</longcat_tool_call>", [W], [W]),
    ("functiongemma", "<start_function_call>call:get_time{zone:<escape>CET<escape>,hours:<escape>2<escape>}<end_function_call>", [T], [T]),
    ("gemma4", 'Checking.<|tool_call>call:get_weather{city:<|"|>Paris<|"|>}<tool_call|><|tool_call>call:get_time{zone:<|"|>CET<|"|>,hours:2}<tool_call|>', [W, T], [W, T]),
    # bare values, nesting, a string that looks like a number stays text, a dotted name
    ("gemma4", '<|tool_call>call:db.query{zip:<|"|>02139<|"|>,ratio:0.5,on:true,none:null,tags:[<|"|>a, b<|"|>,2],filter:{op:<|"|>eq<|"|>,n:[1,{x:false}]}}<tool_call|>',
     [{"name": "db.query", "arguments": {"zip": "02139", "ratio": 0.5, "on": True, "none": None, "tags": ["a, b", 2], "filter": {"op": "eq", "n": [1, {"x": False}]}}}],
     [{"name": "db.query", "arguments": {"zip": "02139", "ratio": 0.5, "on": True, "none": None, "tags": ["a, b", 2], "filter": {"op": "eq", "n": [1, {"x": False}]}}}]),
    ("gemma4", '<|tool_call>call:get_time{}<tool_call|>', [{"name": "get_time", "arguments": {}}], [{"name": "get_time", "arguments": {}}]),
    ("gemma4", '<|tool_call>call:get_weather{city:<|"|>Paris<|"|>}', [W], []),  # the end token missing: lenient only
    # llama.cpp's JSON tools for LFM2: a JSON array between the same tokens
    ("lfm2", f"Checking.<|tool_call_start|>[{WJ}, {TJ}]<|tool_call_end|>", [W, T], [W, T]),
    ("command_r7b", f'<|START_THINKING|>plan<|END_THINKING|><|START_ACTION|>[\n {{"tool_call_id": "0", "tool_name": "get_weather", "parameters": {WJ_ARGS}}},\n {{"tool_call_id": "1", "tool_name": "get_time", "parameters": {json.dumps(T["arguments"])}}}\n]<|END_ACTION|>', [W, T], [W, T]),
    # one object instead of a list, and no end token: the lenient reader only
    ("command_r7b", f'<|START_ACTION|>{{"tool_name": "get_weather", "parameters": {WJ_ARGS}}}', [W], []),
    ("hermes_function", f'Checking.<function name="get_weather">\n{WJ_ARGS}\n</function><function name="get_time">{json.dumps(T["arguments"])}</function>', [W, T], [W, T]),
    ("hermes_function", f'<function name="get_weather">{WJ_ARGS}', [W], []),  # never closed: lenient only
    ("llama31_builtin", '<|python_tag|>get_weather.call(city="Paris")', [W], [W]),
    ("llama31_builtin", '<|python_tag|>get_time.call(zone="CET", hours=2)<|eom_id|>', [T], [T]),
    ("llama31_builtin", "<|python_tag|>python.call(code=\"print('hi')\")", [{"name": "python", "arguments": {"code": "print('hi')"}}], [{"name": "python", "arguments": {"code": "print('hi')"}}]),
    ("llama31_builtin", "<|python_tag|>get_weather.call(city='Paris')", [W], []),  # a Python literal: lenient only
    # DeepSeek-R1 distills' short opener, the call-begin token left out (llama.cpp reads both)
    ("deepseek_v3", f'<｜tool▁calls｜>function{DS[2]}get_weather\n```json\n{{"city": "Paris"}}\n```{DS[3]}function{DS[2]}get_time\n```json\n{json.dumps(T["arguments"])}\n```{DS[3]}{DS[4]}', [W, T], [W, T]),
    ("deepseek_v3", f'<｜tool calls begin｜>{DS[1]}function{DS[2]}get_weather\n```json\n{{"city": "Paris"}}\n```{DS[3]}{DS[4]}', [W], [W]),
    # llama.cpp's functionary v3.2: a call after text; python with raw code
    ("functionary_v3", 'all\nLet me check.>>>get_weather\n{"city": "Paris"}\n', [W], [W]),
    ("functionary_v3", ">>>python\nprint('hi')", [{"name": "python", "arguments": {"code": "print('hi')"}}], [{"name": "python", "arguments": {"code": "print('hi')"}}]),
    ("fenced", f"Here:\n```json\n{WJ}\n```", [W], []),
    ("json", f"Sure: {WJ}", [W], [W]),
]

# (family, text): broken or absent markup; the lenient reader finds no call; the strict one neither
BAD: list[tuple[str, str]] = [
    ("hermes", '<tool_call>{"name": "get_weather", "arguments": {"city": '),
    ("hermes", "<tool_call>call the weather tool</tool_call>"),
    ("mistral", '[TOOL_CALLS] [{"name": "get_weather", "argu'),
    ("llama3_json", '<|python_tag|>{"name": "get_weather", "parameters": {invalid}'),
    ("llama3_json", '{"parameters": {}}'),
    ("llama31", "<function=get_weather>not json</function>"),
    ("llama4_pythonic", "<|python_start|>[get_weather(city=x for x in y)]<|python_end|>"),
    ("pythonic", '[get_weather("Paris")]'),
    ("lfm2", '<|tool_call_start|>[get_weather(city=Paris)]<|tool_call_end|>'),
    ("lfm2", '<|tool_call_start|>get the weather<|tool_call_end|>'),
    ("pythonic", "[__import__('os').system(cmd='ls')]"),
    ("qwen3_coder", "<tool_call>\n<function=get weather now>\n</function>\n</tool_call>"),
    ("glm4_moe", "<tool_call>get_weather\n<arg_key>city</arg_key>\n</tool_call>"),
    ("kimi_k2", "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{city: Paris}<|tool_call_end|>"),
    ("deepseek_v3", f"{DS[0]}{DS[1]}function{DS[2]}get_weather\n```json\n{{broken\n```{DS[3]}{DS[4]}"),
    ("deepseek_v31", f"{DS[0]}{DS[1]}get_weather{DS[2]}{{city: Paris}}{DS[3]}{DS[4]}"),
    ("deepseek_v32", f'<{D}function_calls><{D}invoke>no name</{D}invoke></{D}function_calls>'),
    ("deepseek_v32", f'<{D}function_calls>\n</{D}function_calls>'),
    ("seed_oss", "<seed:tool_call>\n<function=>\n</function>\n</seed:tool_call>"),
    ("olmo3", "<function_calls>print('hi')</function_calls>"),
    ("granite", "<|tool_call|>[{broken"),
    ("granite_20b_fc", "<function_call> nothing"),
    ("internlm", "<|action_start|><|plugin|>\n{oops}<|action_end|>"),
    ("jamba", "<tool_calls>[{broken</tool_calls>"),
    ("minimax", '<tool_calls>\n{"name": "get_weather"\n</tool_calls>'),
    ("minimax_m2", "<minimax:tool_call><invoke>no name</invoke></minimax:tool_call>"),
    ("gigachat3", 'function call{"name": "get_weather", "arguments": {'),
    ("phi4_mini_json", "functools[{broken}]"),
    ("apertus", '<|tools_prefix|>[{"get_weather": {"city": "Par'),
    ("apertus", '<|tools_prefix|>[["get_weather", {"city": "Paris"}]]<|tools_suffix|>'),
    ("step3", "<｜tool_calls_begin｜>nothing<｜tool_calls_end｜>"),
    ("functionary_v3", ">>>get_weather\n{not json"),
    ("functionary_v2", "<|recipient|>get_weather\n<|content|>{not json"),
    ("gpt_oss", "<|channel|>commentary to=functions.get_weather<|message|>{not json<|call|>"),
    ("longcat", "<longcat_tool_call>{broken</longcat_tool_call>"),
    ("functiongemma", "<start_function_call>call get_weather(city)<end_function_call>"),
    ("gemma4", '<|tool_call>get_weather(city="Paris")<tool_call|>'),
    ("gemma4", '<|tool_call>call:get weather{city:<|"|>Paris<|"|>}<tool_call|>'),
    ("lfm2", '<|tool_call_start|>[{"name": "get_weather", "arguments": {"city": }]<|tool_call_end|>'),
    ("lfm2", '<|tool_call_start|>[{"city": "Paris"}]<|tool_call_end|>'),
    ("command_r7b", '<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"city": <|END_ACTION|>'),
    ("command_r7b", '<|START_ACTION|>[{"tool_call_id": "0", "parameters": {"city": "Paris"}}]<|END_ACTION|>'),
    ("command_r7b", "<|START_RESPONSE|>It is sunny.<|END_RESPONSE|>"),
    ("hermes_function", '<function name="get_weather">not json</function>'),
    ("hermes_function", '<function name="get_weather">["Paris"]</function>'),
    ("llama31_builtin", "<|python_tag|>brave_search.call(query=)"),
    ("llama31_builtin", '<|python_tag|>print("no call")'),
    ("deepseek_v3", '<｜tool▁calls｜>function<｜tool▁sep｜>get_weather\n```json\n{city}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>'),
    ("functionary_v3", "all\nUse >>> print(1) in the REPL."),
    ("fenced", "```json\n{\"temp\": 21}\n```"),
    ("json", '{"name": "John", "age": 31}'),
]


@pytest.mark.parametrize(("family", "text", "lenient", "strict"), GOOD, ids=[f"{c[0]}-{k}" for k, c in enumerate(GOOD)])
def test_family_reads(family: str, text: str, lenient: list[dict[str, Any]], strict: list[dict[str, Any]]) -> None:
    r = read_calls(text, family)
    assert r.calls == lenient, r.errors
    assert r.family == family
    assert read_strict(text, family) == strict


@pytest.mark.parametrize(("family", "text"), BAD, ids=[f"{c[0]}-{k}" for k, c in enumerate(BAD)])
def test_family_rejects(family: str, text: str) -> None:
    assert read_calls(text, family).calls == []
    assert read_strict(text, family) == []


def test_every_family_has_cases_and_an_example_it_reads() -> None:
    covered = {c[0] for c in GOOD}
    assert set(FAMILIES) <= covered, set(FAMILIES) - covered
    assert set(FAMILIES) <= {c[0] for c in BAD} | {"xlam", "hunyuan_a13b", "ernie45"}
    for fam in FAMILIES.values():
        got = read_calls(fam.example.split("  or  ")[0], fam.name)
        assert got.calls and got.calls[0]["name"] == "get_weather", fam.name


# ------------------------------------------------------------------------------ auto detection

def _auto_case(c: tuple[str, str, Any, Any]) -> bool:
    fam = FAMILIES[c[0]]
    if fam.same_as is not None or fam.name == "xlam":
        return False
    return not fam.markers or any(m in c[1] for m in fam.markers)  # llama3_json without its tag is "json"


@pytest.mark.parametrize(("family", "text", "lenient", "strict"), [c for c in GOOD if _auto_case(c)],
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(GOOD) if _auto_case(c)])
def test_auto_picks_the_family(family: str, text: str, lenient: list[dict[str, Any]], strict: list[dict[str, Any]]) -> None:
    r = read_calls(text)
    assert r.calls == lenient
    assert r.family == family


def test_no_reader_claims_another_familys_text() -> None:
    """A marked family's text yields no call through any other marked family's reader."""
    marked = [c for c in GOOD if FAMILIES[c[0]].markers and FAMILIES[c[0]].same_as is None]
    same_syntax = {frozenset({"hermes", "ernie45"}), frozenset({"jamba", "hunyuan_a13b"}), frozenset({"qwen3_coder", "seed_oss"}),
                   frozenset({"deepseek_v3", "deepseek_v31"}),  # one lenient reader; the strict ones differ (below)
                   frozenset({"lfm2", "llama4_pythonic"})}  # Llama 4's reader takes a pythonic list without its tags
    for fam, text, _l, _s in marked:
        for other in FAMILIES.values():
            if other.name == fam or not other.markers or frozenset({fam, other.name}) in same_syntax:
                continue
            if other.name in ("llama3_json", "xlam"):  # reads bare JSON by design (vLLM's parser does)
                continue
            assert read_calls(text, other.name).calls == [], (fam, other.name)
    for fam, text, _l, strict in marked:
        if fam in ("deepseek_v3", "deepseek_v31"):
            other = "deepseek_v31" if fam == "deepseek_v3" else "deepseek_v3"
            assert strict and read_strict(text, other) == [], fam


def test_unmarked_syntaxes_only_without_markers() -> None:
    text = '<tool_call>{"name": "get_weather", "argu</tool_call> {"name": "get_time", "arguments": {}}'
    r = read_calls(text)
    assert r.calls == [] and r.markup == ["hermes"]
    assert read_calls(WJ).family == "json"


def test_aliases_and_unknown_names() -> None:
    assert get_family("qwen3_xml").name == "qwen3_coder"
    assert get_family("glm45").name == "glm4_moe"
    assert get_family("llama").name == "llama3_json"
    assert get_family("granite-20b-fc").name == "granite_20b_fc"
    with pytest.raises(ValueError, match="unknown parser"):
        get_family("nope")
    assert set(AUTO_ORDER) <= set(FAMILIES)


# ------------------------------------------------------------------------------ scoring


def test_unparsed_markup_is_its_own_verdict() -> None:
    rec = {"id": "a", "expected_calls": [W]}
    v, calls, _p, _h = score_one(rec, '<tool_call>{"name": "get_weather", "arguments": {"city": ')
    assert calls == [] and v.error_type == "unparsed_call_markup" and "hermes" in v.detail
    v, *_ = score_one(rec, "I cannot call tools.")
    assert v.error_type == "no_call"
    # a case that expects no call stays right when broken markup is the only thing present
    v, *_ = score_one({"id": "b", "expected_calls": []}, "[TOOL_CALLS] [{")
    assert v.correct


def test_named_parser_scores_its_syntax_and_strict_follows_it() -> None:
    rec = {"id": "a", "expected_calls": [W]}
    out = "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>"
    s = score_predictions([{"id": "a", "output": out}], [rec], parser="qwen3_xml")
    assert s.correct == 1 and s.strict_correct == 1
    s = score_predictions([{"id": "a", "output": out}], [rec], parser="hermes")
    assert s.correct == 0 and s.errors == {"unparsed_call_markup": 1}


def test_cli_parsers_and_score_parser(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parsers"]) == 0
    out = capsys.readouterr().out
    for name in ("hermes", "mistral", "qwen3_coder", "kimi_k2", "gpt_oss", "olmo3"):
        assert f"\n{name}: " in "\n" + out
    assert main(["parsers", "kimi", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["kimi_k2"]
    assert main(["parsers", "nope"]) == 2
    data = tmp_path / "test.jsonl"
    data.write_text(json.dumps({"id": "a", "expected_calls": [W]}) + "\n")
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"id": "a", "output": "<function_calls>get_weather(city='Paris')</function_calls>"}) + "\n")
    assert main(["score", str(preds), "--data", str(data), "--parser", "olmo3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["correct"] == 1
    assert main(["score", str(preds), "--data", str(data), "--parser", "hermes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["errors"] == {"unparsed_call_markup": 1}


# ------------------------------------------------------------------------------ hostile output


def test_deep_nesting_does_not_crash_and_is_not_read() -> None:
    deep = '<tool_call>{"name":"x","arguments":' + "[" * 100_000 + "]" * 100_000 + "}</tool_call>"
    t0 = time.perf_counter()
    ex = extract_calls(deep)
    assert time.perf_counter() - t0 < 1.0
    assert ex.calls == [] and ex.markup == ["hermes"]
    rec = {"id": "a", "expected_calls": [{"name": "x", "arguments": {}}]}
    assert score_one(rec, deep)[0].error_type == "unparsed_call_markup"
    # the case: 600 deep in a tag (json reads it; depth bound refuses it, no RecursionError)
    v = score_one(rec, '<tool_call>{"name":"x","arguments":{"a":' + "[" * 600 + "]" * 600 + "}}</tool_call>")[0]
    assert v.error_type == "unparsed_call_markup"
    shallow = '<tool_call>{"name":"x","arguments":{"a":' + "[" * 50 + "]" * 50 + "}}</tool_call>"
    assert nesting_depth(extract_calls(shallow).calls) == 53


def test_deep_given_calls_and_answers_are_refused_not_crashed() -> None:
    deep: Any = []
    for _ in range(990):  # as deep as json.loads allows, beyond what matching may recurse into
        deep = [deep]
    rec = {"id": "a", "expected_calls": [{"name": "x", "arguments": {"a": deep}}]}
    s = score_predictions([{"id": "a", "calls": [{"name": "x", "arguments": {"a": deep}}]}], [rec])
    assert s.correct == 0 and s.errors == {"value_error": 1}
    s = score_predictions([{"id": "a", "output": '{"name": "x", "arguments": {"a": [[1]]}}'}], [rec])
    assert s.errors == {"value_error": 1} and "nested deeper" in s.examples[0].detail
    ok = {"id": "b", "expected_calls": [{"name": "x", "arguments": {"a": [[1]]}}]}
    assert score_predictions([{"id": "b", "calls": [{"name": "x", "arguments": {"a": [[1]]}}]}], [ok]).correct == 1


def test_jsonable_is_iterative() -> None:
    v: Any = 1
    for _ in range(50_000):
        v = (v,)
    out = jsonable(v)
    assert nesting_depth(out, limit=10) == 11  # no RecursionError on the way


def test_deep_prediction_line_is_an_input_error(tmp_path: Any) -> None:
    p = tmp_path / "preds.jsonl"
    p.write_text('{"id": "a", "calls": ' + "[" * 5000 + "]" * 5000 + "}\n")
    with pytest.raises(InputError, match=r"preds.jsonl:1: .*nested too deeply"):
        list(iter_jsonl(p))


HOSTILE = {
    "nested_lists": lambda n: "[" * n + "]" * n,
    "unclosed_braces": lambda n: "{" * n,
    "open_tags": lambda n: "<tool_call>" * (n // 11),
    "pythonic": lambda n: "[f(a=" * (n // 5),
    "apostrophes": lambda n: "'[" * (n // 2),
    "json_calls": lambda n: '{"name": "f", "arguments": {"a": 1}} ' * (n // 37),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_scanning_work_is_linear(kind: str) -> None:
    """The scanning work (characters the bracket scanner looks at) grows linearly with the output."""
    spent = []
    for n in (20_000, 80_000):
        b = Budget(n)
        read_calls(HOSTILE[kind](n), "json", budget=b)
        read_calls(HOSTILE[kind](n), "pythonic", budget=b)
        spent.append(b.spent)
    assert spent[1] <= 4 * spent[0] * 1.25 + 1000, spent
    assert spent[1] <= 40 * 80_000


def test_extraction_time_scales_linearly() -> None:
    def once(n: int) -> float:
        t0 = time.process_time()  # CPU time: other processes on a loaded machine do not count
        extract_calls('<tool_call>{"name":"x","arguments":' + "[" * n)
        extract_calls("{" * n + "[f(a=" * (n // 5))
        return time.process_time() - t0

    def cost(n: int) -> float:
        return min(once(n) for _ in range(3))

    small, big = cost(10_000), cost(80_000)
    assert big < max(small, 0.01) * 8 * 4  # 8x the input: linear with slack, quadratic would be 64x


# ------------------------------------------------------------------------------ lint side


def test_typed_calls_ignore_prose() -> None:
    for text in (
        "The options are [a] or [b], see {the docs} (page 2).",
        "Call [print(value=1)] to debug.",
        '{"name": "John", "age": 31}',
        ">>> print('hi')\nhi",
        "I use function calls {often}.",
    ):
        assert find_typed_calls(text, ["get_weather"]) is None, text


def test_typed_calls_exactness() -> None:
    exact = find_typed_calls(f"[TOOL_CALLS][{WJ}]", ["get_weather"])
    assert exact is not None and exact.exact and exact.calls == [W]
    # a fence holding the whole content, every name declared: exact (the APIGen / xLAM SFT convention)
    fenced = find_typed_calls(f"```json\n{WJ}\n```", ["get_weather"])
    assert fenced is not None and fenced.family == "fenced" and fenced.exact and fenced.calls == [W]
    # ... not with prose beside it, an undeclared name, no declared tools, or an extra key
    for text, names in ((f"Here:\n```json\n{WJ}\n```", ["get_weather"]), (f"```json\n{WJ}\n```", ["other"]),
                        (f"```json\n{WJ}\n```", None), ('```json\n{"name": "get_weather", "arguments": {}, "id": 1}\n```',
                                                        ["get_weather"])):
        got = find_typed_calls(text, names)
        assert got is not None and got.family == "fenced" and not got.exact, (text, names)
    lenient_only = find_typed_calls("[TOOL_CALLS][{'name': 'get_weather', 'arguments': {'city': 'Paris'}}]", None)
    assert lenient_only is not None and lenient_only.calls == [W] and not lenient_only.exact
    assert detect(f"<tool_call>{WJ}</tool_call>")[0].name == "hermes"
    assert find_typed_calls(f"<tool_call>{WJ}</tool_call>") is None  # TP105's


def test_depth_bound_constant() -> None:
    assert MAX_DEPTH == 100


# ------------------------------------------------------------------------------ lint and clean


_TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
TYPED = {
    "mistral": f"[TOOL_CALLS][{WJ}]",
    "llama3_json": '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}',
    "pythonic": "[get_weather(city='Paris')]",
    "qwen3_coder": "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>",
    "functionary_v3": '>>>get_weather\n{"city": "Paris"}',
    "kimi_k2": KIMI.format(n="get_weather", i=0, a='{"city": "Paris"}') + "<|tool_calls_section_end|>",
    "deepseek_v32": f'<{D}function_calls>\n<{D}invoke name="get_weather">\n<{D}parameter name="city" string="true">Paris</{D}parameter>\n</{D}invoke>\n</{D}function_calls>',
    "apertus": '<|tools_prefix|>[{"get_weather": {"city": "Paris"}}]<|tools_suffix|>',
    "lfm2": '<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>',
    "gemma4": '<|tool_call>call:get_weather{city:<|"|>Paris<|"|>}<tool_call|>',
}
NOT_EXACT = {
    "fenced": f"See:\n```json\n{WJ}\n```",
    "broken": '[TOOL_CALLS] [{"name": "get_weather", "argu',
}


def _typed_record(rid: str, content: str) -> dict[str, Any]:
    return {"id": rid, "tools": _TOOLS, "messages": [
        {"role": "user", "content": f"Weather in Paris? ({rid})"}, {"role": "assistant", "content": content}]}


def test_lint_finds_and_clean_repairs_typed_calls(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "train.jsonl"
    recs = [_typed_record(k, v) for k, v in {**TYPED, **NOT_EXACT}.items()]
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    main(["lint", str(src), "--format", "json", "-o", str(tmp_path / "lint.json")])
    found = json.loads((tmp_path / "lint.json").read_text())["findings"]
    by_line = {f["line"]: f for f in found if f["code"] in ("TP105", "TP107")}
    assert len(by_line) == len(recs)
    for k, (rid, _text) in enumerate([*TYPED.items(), *NOT_EXACT.items()]):
        msg = by_line[k + 1]["message"]
        title = FAMILIES[rid].title if rid in FAMILIES else "Mistral"
        assert rid in msg or title.split(" ")[0] in msg, (rid, msg)
    out, quar = tmp_path / "clean.jsonl", tmp_path / "q.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--quarantine", str(quar)]) == 0
    capsys.readouterr()
    cleaned = {json.loads(line)["id"]: json.loads(line) for line in out.read_text().splitlines()}
    assert set(cleaned) == set(TYPED)
    for rec in cleaned.values():
        msg = rec["messages"][1]
        assert msg["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": {"city": "Paris"}}
        assert not msg.get("content")
    quarantined = [json.loads(line) for line in quar.read_text().splitlines()]
    assert {q["id"] for q in quarantined} == set(NOT_EXACT)
    assert all({f["code"] for f in q["findings"]} == {"TP107"} for q in quarantined)


def test_acceptance_benchmark_meets_its_targets(capsys: pytest.CaptureFixture[str]) -> None:
    """bench/parsers.py --check on the serving stacks' own parser test cases (../shared/realdata)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "parsers.py"
    spec = importlib.util.spec_from_file_location("bench_parsers", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.DEFAULT_DIR.is_dir(), f"{bench.DEFAULT_DIR}: the shared parser cases are missing"
    assert bench.DEFAULT_LLAMACPP.is_file(), f"{bench.DEFAULT_LLAMACPP}: llama.cpp's parser cases are missing"
    assert bench.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert out.count("outputs scored no_call that hold call markup: 0") == 2  # both sections
    assert "llama.cpp chat parser tests" in out
    assert bench.main(["--check", "--parser", "hermes"]) == 1  # the targets can fail


Q4 = '<|"|>'  # Gemma 4's string delimiter
GEMMA4_ARGS: list[tuple[str, dict[str, Any]]] = [
    ("", {}),
    (f"location:{Q4}Paris, France{Q4}", {"location": "Paris, France"}),
    ("count:42,score:3.14,left:108.,on:false,param:null", {"count": 42, "score": 3.14, "left": 108.0, "on": False, "param": None}),
    (f"record_map:{{{Q4}3{Q4}:{Q4}new text{Q4}}}", {"record_map": {"3": "new text"}}),  # a delimited key
    (f"a:[[{Q4}a]b{Q4},{Q4}c{Q4}],{Q4}tail{Q4}]", {"a": [["a]b", "c"], "tail"]}),  # brackets inside strings
    (f"key:{Q4}unterminated", {"key": "unterminated"}),
    ("key:", {"key": ""}),
    ("a:[42,]trailing", {"a": [42]}),
]


@pytest.mark.parametrize(("text", "expected"), GEMMA4_ARGS)
def test_gemma4_argument_text(text: str, expected: dict[str, Any]) -> None:
    from toolproof.validator.callsyntax.gemma4 import parse_args

    assert parse_args(text) == expected


def test_gemma4_nesting_is_bounded() -> None:
    from toolproof.validator.callsyntax.gemma4 import parse_args

    assert parse_args("a:" + "[" * (MAX_DEPTH + 1)) is None
    assert parse_args("a:" + "{b:" * MAX_DEPTH + "1" + "}" * MAX_DEPTH) is not None


# ------------------------------------------------------------------------------ the markup table

#: Families with no call markers of their own (bare JSON, fences, pythonic lists, xLAM's JSON):
#: a new family lands here only on purpose.
UNMARKED = {"fenced", "json", "pythonic", "xlam"}


def _broken(fam: Any) -> str:
    """The family's example cut just after its first call marker, then garbage: markup no reader reads."""
    from toolproof.validator.callsyntax import CALL_MARKUP

    m = CALL_MARKUP.search(fam.example)
    assert m is not None, f"{fam.name}: its example holds none of its call markers"
    return fam.example[: m.end()] + "{???"


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_is_in_the_markup_table(name: str) -> None:
    """Markup of any registered family is never scored no_call, and lint flags it, readable or not."""
    from toolproof.validator.callsyntax import call_markup, has_call_markup
    from toolproof.validator.engine import lint_objects

    fam = FAMILIES[name]
    if name in UNMARKED:
        assert not fam.call_marker_patterns()
        return
    owner = fam.same_as or name
    assert owner in call_markup(fam.example)
    broken = _broken(fam)
    assert has_call_markup(broken) and read_calls(broken).calls == [], broken
    rec = {"id": "a", "expected_calls": [W]}
    for parser in ("auto", name, "mistral" if name != "mistral" else "hermes"):
        v = score_one(rec, broken, parser=parser)[0]
        assert v.error_type == "unparsed_call_markup", (parser, broken, v)
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": broken}]
    found = lint_objects([{"messages": msgs, "tools": _TOOLS}], select=["TP1"]).findings
    assert found, broken


def test_markers_that_open_text_without_calls_are_not_markup() -> None:
    """A marker that also opens plain answers (gpt-oss final channel, functionary ``>>>all``, the
    words 'function call', a Python prompt) is no call markup: no false verdict, no lint finding."""
    from toolproof.validator.callsyntax import call_markup

    for text in (
        "<|channel|>final<|message|>It is sunny.<|end|>",
        ">>>all\nIt is sunny.",
        "Type >>> print(1) at the prompt.",
        "A function call costs little.",
        "Use <think> tags for reasoning.",
    ):
        assert call_markup(text) == [], text
        assert score_one({"id": "a", "expected_calls": []}, text)[0].correct
        assert find_typed_calls(text) is None, text


# ------------------------------------------------------------------------------ calls inside reasoning

KIMI_CALL = KIMI.format(n="get_weather", i=0, a='{"city": "Paris"}') + "<|tool_calls_section_end|>"


@pytest.mark.parametrize(
    ("text", "read", "ignore"),
    [
        (f"<think>plan{KIMI_CALL}</think>", [W], []),  # llama.cpp reads Kimi-K2 calls in <think>
        (f"<think>plan {KIMI_CALL}", [W], []),  # reasoning never closed
        # thinking forced open (no <think>): the call before </think> is reasoning; the answer's wins
        (f"plan <tool_call>{TJ}</tool_call></think><tool_call>{WJ}</tool_call>", [W], [W]),
        (f"<|START_THINKING|>plan<tool_call>{WJ}</tool_call><|END_THINKING|>done", [W], []),
    ],
)
def test_reasoning_calls_policy(text: str, read: list[dict[str, Any]], ignore: list[dict[str, Any]]) -> None:
    assert read_calls(text).calls == read
    assert read_calls(text, reasoning_calls="read").reasoning
    got = read_calls(text, reasoning_calls="ignore")
    assert got.calls == ignore
    if not ignore:  # ignored: what a server that strips reasoning returns: no call, no markup
        assert got.markup == []
        assert score_one({"id": "a", "expected_calls": [W]}, text, reasoning_calls="ignore")[0].error_type == "no_call"
    assert score_one({"id": "a", "expected_calls": [W]}, text)[0].correct


def test_reasoning_markup_is_never_no_call_by_default() -> None:
    text = "<think>let me call <tool_call>{\"name\": \"get_weather\", \"argu</tool_call></think>Hmm."
    v = score_one({"id": "a", "expected_calls": [W]}, text)[0]
    assert v.error_type == "unparsed_call_markup"
    with pytest.raises(ValueError, match="reasoning policy"):
        read_calls(text, reasoning_calls="skip")


def test_cli_reasoning_calls_flag(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "test.jsonl"
    data.write_text(json.dumps({"id": "a", "expected_calls": [W]}) + "\n")
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"id": "a", "output": f"<think>{KIMI_CALL}</think>"}) + "\n")
    assert main(["score", str(preds), "--data", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["correct"] == 1
    assert main(["score", str(preds), "--data", str(data), "--reasoning-calls", "ignore", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["errors"] == {"no_call": 1}
