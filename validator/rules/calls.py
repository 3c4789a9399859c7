"""Call rules (TP201-TP207): the shape of structured ``tool_calls`` (and ``expected_calls``)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any

from toolproof.validator.callsyntax.base import nesting_depth
from toolproof.validator.findings import FixSafety, Hit, json_path
from toolproof.validator.io import MAX_NESTING
from toolproof.validator.rules._walk import view
from toolproof.validator.rules.base import Context, rule
from toolproof.validator.rules.dialects import is_code_interpreter_call
from toolproof.validator.schema_cache import json_type, short

FAMILY = "calls"


def decode_arguments(args: str) -> tuple[Any, int, str | None]:
    """Decode an ``arguments`` string: (value, times decoded, error of the first decode or None).

    Double-encoded strings (a JSON string holding a JSON string holding an object) are decoded up to
    three times.
    """
    try:
        value: Any = json.loads(args)
    except (ValueError, RecursionError) as e:
        return None, 0, str(e)
    depth = 1
    while isinstance(value, str) and depth < 3:
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            break
        depth += 1
    if isinstance(value, dict | list) and nesting_depth(value, MAX_NESTING) > MAX_NESTING:  # never walked (as TP013)
        return None, 0, f"nested more than {MAX_NESTING} levels deep"
    return value, depth, None


@rule("TP201", "empty-tool-calls", family=FAMILY)
def empty_tool_calls(record: Any, ctx: Context) -> Iterator[Hit]:
    """An assistant message with an empty `tool_calls` list and no content.

    ## What it does
    Flags assistant messages whose `tool_calls` is `[]` while `content` is missing, null or blank.

    ## Why is this bad?
    The turn renders as nothing: the model learns to end its turn without saying or doing anything.
    Usually a converter dropped the calls.

    ## Example
    ```json
    {"role": "assistant", "content": null, "tool_calls": []}
    ```

    ## Use instead
    The calls that were meant, or a text answer.

    ## Fix safety
    No fix: the lost calls are unknown.
    """
    for i, m in view(record, ctx).assistants:
        tcs = m.get("tool_calls")
        if not isinstance(tcs, list) or tcs:
            continue
        c = m.get("content")
        if not isinstance(c, str) or not c.strip():
            yield Hit(json_path("messages", i, "tool_calls"), "empty 'tool_calls' list and no content")


@rule("TP202", "missing-function-name", family=FAMILY)
def missing_function_name(record: Any, ctx: Context) -> Iterator[Hit]:
    """A tool call whose function has no usable `name`.

    ## What it does
    Flags calls whose `function.name` is missing, not a string, or empty (also in `expected_calls`).

    ## Why is this bad?
    A call without a name cannot be rendered, executed or scored.

    ## Example
    ```json
    {"type": "function", "function": {"arguments": {"city": "Paris"}}}
    ```

    ## Use instead
    ```json
    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    ```

    ## Fix safety
    No fix: which tool was meant is a guess.
    """
    for i, j, fn in view(record, ctx).functions:
        base = ("messages", i, "tool_calls", j, "function")
        if "name" not in fn:
            yield Hit(json_path(*base), "function has no 'name'")
        elif not isinstance(fn["name"], str) or not fn["name"].strip():
            yield Hit(json_path(*base, "name"), f"function name must be a non-empty string, got {short(fn['name'])}")
    ecs = record.get("expected_calls") if isinstance(record, dict) else None
    if isinstance(ecs, list):
        for k, ec in enumerate(ecs):
            if isinstance(ec, dict) and "name" in ec and (not isinstance(ec["name"], str) or not ec["name"].strip()):
                yield Hit(json_path("expected_calls", k, "name"), f"call name must be a non-empty string, got {short(ec['name'])}")


@rule("TP203", "arguments-not-object", fix=FixSafety.SAFE, fix_partial=True, family=FAMILY)
def arguments_not_object(record: Any, ctx: Context) -> Iterator[Hit]:
    """Call `arguments` that are not a JSON object.

    ## What it does
    Flags `function.arguments` that is a JSON string (OpenAI wire format, possibly double-encoded),
    an array, a number, a boolean, null, or missing.

    ## Why is this bad?
    Chat templates iterate over the arguments object (`arguments | items`) or re-serialise it; a
    string is rendered escaped (`"{\\"city\\": ...}"`), so the model learns doubly-quoted calls.

    ## Example
    ```json
    {"function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}
    ```

    ## Use instead
    ```json
    {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    ```

    ## Fix safety
    Safe when the value is a JSON string (or double-encoded string) holding an object: it is
    replaced by that object (in `data`). No fix for arrays, scalars or missing arguments.
    """
    for i, j, fn in view(record, ctx).functions:
        if is_code_interpreter_call(record, ctx, fn):
            continue  # TP208: raw code is what a code-interpreter call carries
        if "arguments" not in fn:
            if "parameters" not in fn:  # TP205 otherwise
                yield Hit(json_path("messages", i, "tool_calls", j, "function"), "function has no 'arguments' (use {} for none)", fix=FixSafety.NONE)
            continue
        args = fn["arguments"]
        if isinstance(args, dict):
            continue
        path = json_path("messages", i, "tool_calls", j, "function", "arguments")
        if isinstance(args, str):
            value, depth, err = decode_arguments(args)
            if err is not None:
                continue  # TP204
            if isinstance(value, dict):
                what = "a JSON string" if depth == 1 else f"a JSON string encoded {depth} times"
                yield Hit(path, f"arguments is {what} holding an object", fix=FixSafety.SAFE, data=value)
            else:
                yield Hit(path, f"arguments string holds {json_type(value)} {short(value, 40)}, not an object", fix=FixSafety.NONE)
            continue
        yield Hit(path, f"arguments must be an object, got {json_type(args)} {short(args, 40)}", fix=FixSafety.NONE)


@rule("TP204", "unparseable-arguments", family=FAMILY)
def unparseable_arguments(record: Any, ctx: Context) -> Iterator[Hit]:
    """An `arguments` string that is not valid JSON.

    ## What it does
    Flags string `function.arguments` that `json.loads` rejects (truncated JSON, single quotes,
    empty string).

    ## Why is this bad?
    The call cannot be rendered or executed; the model learns to emit broken arguments.

    ## Example
    ```json
    {"function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Par"}}
    ```

    ## Use instead
    ```json
    {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    ```

    ## Fix safety
    No fix: truncated or malformed arguments have no single reading.
    """
    for i, j, fn in view(record, ctx).functions:
        args = fn.get("arguments")
        if not isinstance(args, str) or is_code_interpreter_call(record, ctx, fn):
            continue
        _, _, err = decode_arguments(args)
        if err is not None:
            yield Hit(
                json_path("messages", i, "tool_calls", j, "function", "arguments"),
                f"arguments string is not valid JSON ({err}): {short(args, 50)}",
            )


@rule("TP205", "parameters-instead-of-arguments", fix=FixSafety.SAFE, family=FAMILY)
def parameters_instead_of_arguments(record: Any, ctx: Context) -> Iterator[Hit]:
    """A call that names its arguments `parameters`.

    ## What it does
    Flags calls whose `function` has `parameters` but no `arguments` (a common converter slip: the
    tool *definition* has `parameters`, a *call* has `arguments`).

    ## Why is this bad?
    Templates read `arguments`; the call renders with no arguments at all.

    ## Example
    ```json
    {"function": {"name": "get_weather", "parameters": {"city": "Paris"}}}
    ```

    ## Use instead
    ```json
    {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    ```

    ## Fix safety
    Safe: the key is renamed, the value kept.
    """
    for i, j, fn in view(record, ctx).functions:
        if "parameters" in fn and "arguments" not in fn:
            yield Hit(
                json_path("messages", i, "tool_calls", j, "function", "parameters"),
                "call uses 'parameters' instead of 'arguments'",
                data=fn["parameters"],
            )


@rule("TP206", "undeclared-tool", family=FAMILY)
def undeclared_tool(record: Any, ctx: Context) -> Iterator[Hit]:
    """A call to a tool that the record does not declare.

    ## What it does
    Checks the name of every structured call (and every `expected_calls` entry) against the names
    in the record's `tools` (which include a tool list the reader found in the system prompt: Hermes
    `<tools>`, Glaive, ToolACE). The message says which case it is: no tools declared anywhere, or a
    name that is not among the declared ones, with the closest declared name when there is one (a
    name cut to its last word, 'API' for 'Market Trends API', or a near spelling; among several, the
    one whose parameters fit the call's arguments). Calls to a declared code interpreter are TP208.

    ## Why is this bad?
    The model learns to call tools it was not offered (hallucinated tools), the most common
    tool-calling failure at inference.

    ## Example
    ```json
    {"tools": [{"type": "function", "function": {"name": "get_weather", ...}}],
     "messages": [..., {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_wether", "arguments": {}}}]}]}
    ```

    ## Use instead
    Call a declared tool, or add the tool's definition to `tools`.

    ## Fix safety
    No fix: a close name is only a suggestion.
    """
    if not isinstance(record, dict):
        return
    tools = record.get("tools")
    if tools is not None and not isinstance(tools, list):
        return  # TP405: the tool list itself is broken
    declared = ctx.tools

    def hit(path: str, name: str, args: Any) -> Hit:
        if not declared:
            return Hit(path, f"call to '{name}' but no tools are declared anywhere (no 'tools' field, no tool list in the system prompt)")
        close = closest_tool(name, args, declared)
        hint = f"; did you mean '{close}'?" if close else f"; declared: {short(sorted(declared), 80)}"
        return Hit(path, f"'{name}' is not declared{hint}")

    for i, j, fn in view(record, ctx).functions:
        name = fn.get("name")
        if isinstance(name, str) and name.strip() and name not in declared and not is_code_interpreter_call(record, ctx, fn):
            yield hit(json_path("messages", i, "tool_calls", j, "function", "name"), name, fn.get("arguments"))
    ecs = record.get("expected_calls")
    if isinstance(ecs, list):
        for k, ec in enumerate(ecs):
            if isinstance(ec, dict):
                name = ec.get("name")
                if isinstance(name, str) and name.strip() and name not in declared:
                    yield hit(json_path("expected_calls", k, "name"), name, ec.get("arguments"))


_WORDS = re.compile(r"[\s_.\-/:]+")


def _last_word(name: str) -> str:
    parts = [p for p in _WORDS.split(name.strip()) if p]
    return parts[-1].lower() if parts else ""


def closest_tool(name: str, arguments: Any, declared: dict[str, dict[str, Any]]) -> str | None:
    """The declared tool a call to the undeclared ``name`` most likely meant, or None.

    Candidates: declared names whose last word is ``name`` (a converter that kept only the last word:
    'API' for 'Market Trends API'), or whose end is ``name``, then difflib's close matches. Among
    several, the one whose parameters hold the most of the call's argument names wins (then the
    closer spelling).
    """
    low = name.strip().lower()
    names = list(declared)
    cands = [n for n in names if _last_word(n) == low or n.lower().endswith(low) and len(low) >= 3]
    if not cands:
        cands = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if not cands:
        return None
    keys = set(arguments) if isinstance(arguments, dict) else set()

    def score(n: str) -> tuple[int, float]:
        params = declared[n].get("parameters") if isinstance(declared[n], dict) else None
        props = params.get("properties") if isinstance(params, dict) else None
        overlap = len(keys & set(props)) - len(keys - set(props)) if isinstance(props, dict) else 0
        return overlap, difflib.SequenceMatcher(None, low, n.lower()).ratio()

    return max(cands, key=score)


@rule("TP207", "malformed-tool-call", family=FAMILY)
def malformed_tool_call(record: Any, ctx: Context) -> Iterator[Hit]:
    """A `tool_calls` entry that is not an object with a `function` object.

    ## What it does
    Flags `tool_calls` that is not a list, entries that are not objects, entries without a
    `function` object (e.g. the flat `{name, arguments}` form), and `expected_calls` entries that are
    not `{name, arguments}` objects.

    ## Why is this bad?
    Templates read `call.function.name` / `call.function.arguments`; anything else renders as an
    empty call or crashes the template.

    ## Example
    ```json
    {"role": "assistant", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}
    ```

    ## Use instead
    ```json
    {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}
    ```

    ## Fix safety
    No fix here (`toolproof convert` handles known source formats).
    """
    for i, m in view(record, ctx).assistants:
        tcs = m.get("tool_calls")
        if tcs is not None and not isinstance(tcs, list):
            yield Hit(json_path("messages", i, "tool_calls"), f"'tool_calls' must be a list, got {json_type(tcs)}")
    for i, j, call in view(record, ctx).calls:
        if isinstance(call, dict) and isinstance(call.get("function"), dict):
            continue
        path = json_path("messages", i, "tool_calls", j)
        if not isinstance(call, dict):
            yield Hit(path, f"tool call must be an object, got {json_type(call)} {short(call, 40)}")
            continue
        fn = call.get("function")
        if fn is None:
            shape = " (flat {name, arguments} form)" if "name" in call else ""
            yield Hit(path, f"tool call has no 'function' object{shape}")
        elif not isinstance(fn, dict):
            yield Hit(path + ".function", f"'function' must be an object, got {json_type(fn)}")
    if not isinstance(record, dict) or "expected_calls" not in record:
        return
    ecs = record["expected_calls"]
    if ecs is None:
        return
    if not isinstance(ecs, list):
        yield Hit("$.expected_calls", f"'expected_calls' must be a list, got {json_type(ecs)}")
        return
    for k, ec in enumerate(ecs):
        if isinstance(ec, dict) and "name" in ec and isinstance(ec.get("arguments", {}), dict):
            continue
        path = json_path("expected_calls", k)
        if not isinstance(ec, dict):
            yield Hit(path, f"expected call must be an object, got {json_type(ec)}")
        elif "name" not in ec:
            yield Hit(path, "expected call has no 'name'")
        elif "arguments" in ec and not isinstance(ec["arguments"], dict):
            yield Hit(path + ".arguments", f"expected call arguments must be an object, got {json_type(ec['arguments'])}")


__all__ = [
    "arguments_not_object",
    "closest_tool",
    "decode_arguments",
    "empty_tool_calls",
    "malformed_tool_call",
    "missing_function_name",
    "parameters_instead_of_arguments",
    "undeclared_tool",
    "unparseable_arguments",
]
