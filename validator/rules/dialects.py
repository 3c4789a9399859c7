"""Rules about reading records in their dialect (``validator.formats``).

- TP012 unreadable-record and TP407 unparseable-tool-list are emitted by the reader
  (``validator.io.read_value``); their functions here never yield and only carry the docs.
- TP208 code-interpreter-call is a record rule: a call to a built-in (non-function) tool.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from toolproof.validator.findings import FixSafety, Hit, Severity, json_path
from toolproof.validator.formats.common import BUILTIN_TOOL_TYPES
from toolproof.validator.rules._walk import view
from toolproof.validator.rules.base import Context, rule

# Names under which chat formats call their code interpreter (functionary: "python"; OpenAI: the type).
CODE_INTERPRETER_NAMES = frozenset({"python", "code_interpreter", "ipython"})


def builtin_tool_types(record: Any) -> set[str]:
    """The types of the record's non-function tools (``{"type": "code_interpreter"}`` ...)."""
    tools = record.get("tools") if isinstance(record, dict) else None
    out: set[str] = set()
    for t in tools if isinstance(tools, list) else []:
        if isinstance(t, dict) and isinstance(t.get("type"), str) and t["type"] in BUILTIN_TOOL_TYPES and "function" not in t and "name" not in t:
            out.add(t["type"])
    return out


def is_code_interpreter_call(record: Any, ctx: Context, fn: dict[str, Any]) -> bool:
    """A call to the code interpreter: the record declares a ``code_interpreter`` tool, no function of
    that name, and the call is named ``python`` / ``code_interpreter`` (functionary's convention)."""
    name = fn.get("name")
    if not isinstance(name, str) or name not in CODE_INTERPRETER_NAMES or name in ctx.tools:
        return False
    return "code_interpreter" in builtin_tool_types(record)


@rule("TP012", "unreadable-record", severity=Severity.ERROR, fix=FixSafety.NONE, family="reader")
def unreadable_record(record: Any, ctx: Context) -> Iterator[Hit]:
    """A record whose dialect was recognised but whose shape that dialect's spec does not allow.

    ## What it does
    Every record is read through the dialect registry (`validator.formats`): ShareGPT, LLaMA-Factory
    v1, OpenAI, Anthropic, Hermes, ToolACE, xLAM, Glaive or canonical. When the record's dialect is
    recognised (or forced with `--input-format`) but the record breaks that dialect's spec (a ShareGPT
    turn from an unknown speaker, a content part of an unknown type, a call without a name), the record
    is not read: this finding gives the dialect, the JSON path in the *source* record and the reason,
    and no other rule runs on it.

    ## Why is this bad?
    A record that is not understood cannot be converted honestly: passing it on as it is makes every
    later step (lint, clean, train, stats) judge a shape it was never meant to have.

    ## Example
    ```json
    {"conversations": [{"from": "human", "value": "hi"}, {"from": "narrator", "value": "..."}]}
    ```

    ## Use instead
    A record that follows its dialect's spec, e.g. speakers `human` / `gpt` / `function_call` /
    `observation` / `system` in ShareGPT.

    ## Fix safety
    No fix: `toolproof clean` and `toolproof convert` quarantine the record with the reason.
    """
    return iter(())


@rule("TP407", "unparseable-tool-list", severity=Severity.ERROR, fix=FixSafety.NONE, family="reader")
def unparseable_tool_list(record: Any, ctx: Context) -> Iterator[Hit]:
    """A system prompt that announces a tool list which does not parse.

    ## What it does
    Tools written into the system text are read like declared tools: Hermes `<tools>[...]</tools>`,
    Glaive's "with access to the following functions. Use them if required -", ToolACE's "Here is a
    list of functions in JSON format that you can invoke:", and any JSON list of `{name, parameters}`
    objects. When the text announces such a list but the JSON after it does not parse, this finding
    says where and why.

    ## Why is this bad?
    The model is trained to call tools whose definitions it is shown as broken text; the calls in the
    record cannot be checked against them either (every call looks undeclared).

    ## Example
    ```json
    {"system": "<tools>[{\"name\": \"get_weather\", \"parameters\": {</tools>", "conversations": [...]}
    ```

    ## Use instead
    Valid JSON inside the tool block, or the tools in a `tools` field.

    ## Fix safety
    No fix.
    """
    return iter(())


@rule("TP208", "code-interpreter-call", severity=Severity.ERROR, fix=FixSafety.NONE, family="calls")
def code_interpreter_call(record: Any, ctx: Context) -> Iterator[Hit]:
    """A call to the built-in code interpreter (raw code as the arguments), not to a function.

    ## What it does
    Flags calls named `python` (functionary's convention) or `code_interpreter` in a record that
    declares `{"type": "code_interpreter"}` among its tools and no function of that name. Such calls
    carry raw code as their `arguments` string, not a JSON object.

    ## Why is this bad?
    Function-calling chat templates (the HF / TRL training target) render every call as a function
    with an arguments object and the tool list as function schemas; a code-interpreter call has
    neither, so the template renders it wrongly or not at all. It is not a hallucinated tool and its
    arguments are not broken JSON: it is a different kind of tool the template cannot express.

    ## Example
    ```json
    {"tools": [{"type": "code_interpreter"}],
     "messages": [..., {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "python", "arguments": "print(1 + 1)"}}]}]}
    ```

    ## Use instead
    Train with a template that has a code-interpreter section (functionary's own), or declare a
    function (`{"name": "python", "parameters": {"type": "object", "properties": {"code": {"type": "string"}}}}`)
    and call it with `{"code": "..."}`.

    ## Fix safety
    No fix: which template and tool shape to use is a choice.
    """
    if "code_interpreter" not in builtin_tool_types(record):
        return
    for i, j, fn in view(record, ctx).functions:
        if is_code_interpreter_call(record, ctx, fn):
            yield Hit(
                json_path("messages", i, "tool_calls", j, "function"),
                f"call to the code interpreter ('{fn['name']}', raw code as arguments): function-calling chat "
                "templates cannot render it",
            )


__all__ = [
    "CODE_INTERPRETER_NAMES",
    "builtin_tool_types",
    "code_interpreter_call",
    "is_code_interpreter_call",
    "unparseable_tool_list",
    "unreadable_record",
]
