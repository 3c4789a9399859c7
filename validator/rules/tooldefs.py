"""Tool-definition rules (TP401-TP406): the record's ``tools`` list and parameter schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from toolproof.validator.findings import FixSafety, Hit, Severity, json_path
from toolproof.validator.formats.common import BUILTIN_TOOL_TYPES
from toolproof.validator.rules._walk import schema_info
from toolproof.validator.rules.base import Context, rule
from toolproof.validator.schema_cache import json_type, short

FAMILY = "tooldefs"


def iter_tool_defs(record: Any) -> Iterator[tuple[int, tuple[str | int, ...], dict[str, Any], bool]]:
    """(index, path parts of the function dict, function dict, is_flat) for usable tool entries."""
    if not isinstance(record, dict):
        return
    tools = record.get("tools")
    if not isinstance(tools, list):
        return
    for k, t in enumerate(tools):
        if not isinstance(t, dict):
            continue
        if "function" in t:
            if isinstance(t["function"], dict):
                yield k, ("tools", k, "function"), t["function"], False
        elif "name" in t:
            yield k, ("tools", k), t, True


@rule("TP401", "invalid-parameters-schema", family=FAMILY)
def invalid_parameters_schema(record: Any, ctx: Context) -> Iterator[Hit]:
    """A tool whose `parameters` is not a valid JSON Schema for an object.

    ## What it does
    Validates each tool's `parameters` against the JSON Schema meta-schema (the draft named by
    `$schema`, Draft 7 otherwise) after mapping non-standard type names (see TP402), and checks that
    it describes an object and that its regular expressions compile.

    ## Why is this bad?
    Templates render the schema to the model as the tool's contract; an invalid schema documents
    nothing reliable and argument checks against it are impossible (they are skipped for that tool).

    ## Example
    ```json
    {"name": "search", "parameters": {"type": "object", "properties": {"limit": {"type": "integer", "minimum": "one"}}}}
    ```

    ## Use instead
    ```json
    {"name": "search", "parameters": {"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1}}}}
    ```

    ## Fix safety
    No fix.
    """
    for _, base, fn, _flat in iter_tool_defs(record):
        if "parameters" not in fn or fn["parameters"] is None:
            continue
        info = schema_info(ctx, record, fn["parameters"])
        for path, message in info.schema_problems:
            yield Hit(json_path(*base, "parameters", *path), message)


@rule("TP402", "non-standard-schema-type", fix=FixSafety.SAFE, family=FAMILY)
def non_standard_schema_type(record: Any, ctx: Context) -> Iterator[Hit]:
    """A parameters schema that uses a non-JSON-Schema type name such as `dict` or `float`.

    ## What it does
    Flags `type` values outside the seven JSON Schema types: Python names (`dict`, `float`, `int`,
    `str`, `bool`, `list`, `tuple`, `any`), Java-ish names (`double`, `long`, `map`) and capitalised
    names (`String`).

    ## Why is this bad?
    Tool servers and validators reject the schema, and the model is taught a type vocabulary that
    no API uses (common in BFCL-derived data).

    ## Example
    ```json
    {"type": "dict", "properties": {"ratio": {"type": "float"}, "tags": {"type": "tuple"}}}
    ```

    ## Use instead
    ```json
    {"type": "object", "properties": {"ratio": {"type": "number"}, "tags": {"type": "array"}}}
    ```

    ## Fix safety
    Safe for known names (`dict`->`object`, `float`->`number`, `tuple`/`list`->`array`, `int`->`integer`,
    `str`->`string`, `bool`->`boolean`, `any`-> no type); the replacement is in `data`. Safe too for
    the Python-style types of APIGen / xLAM tool lists (`"int, optional"`, `"str, default='x'"`,
    `"List[str]"`, `"Optional[float]"`, `"Union[int, str]"`): the type maps the same way (`List[str]`
    -> `array` of `string` items), `optional` (or a default) takes the parameter out of `required`,
    and the default is kept as `default` (`validator.pytypes`). No fix for unknown names.
    """
    for _, base, fn, _flat in iter_tool_defs(record):
        params = fn.get("parameters")
        if not isinstance(params, dict):
            continue
        for tp in schema_info(ctx, record, params).type_problems:
            path = json_path(*base, "parameters", *tp.path)
            if not tp.fixable:
                yield Hit(path, f"type {short(tp.original)} is not a JSON Schema type", fix=FixSafety.NONE)
            elif tp.reading is not None:
                yield Hit(path, f"Python-style type {short(tp.original)} (read as {tp.reading})",
                          data={"replacement": tp.replacement})
            elif tp.replacement is None:
                yield Hit(path, f"non-standard type {short(tp.original)} (drop the type to accept any value)", data={"replacement": None})
            else:
                yield Hit(
                    path,
                    f"non-standard type {short(tp.original)} (use '{tp.replacement}')",
                    data={"replacement": tp.replacement},
                )


@rule("TP403", "duplicate-tool-name", family=FAMILY)
def duplicate_tool_name(record: Any, ctx: Context) -> Iterator[Hit]:
    """Two tools in one record with the same name.

    ## What it does
    Flags the second and later tool definitions whose `name` repeats an earlier one.

    ## Why is this bad?
    Calls cannot say which definition they use; templates render both and the model sees two
    contracts for one name.

    ## Example
    ```json
    {"tools": [{"type": "function", "function": {"name": "search", ...}},
               {"type": "function", "function": {"name": "search", ...}}]}
    ```

    ## Use instead
    One definition per name (rename or merge).

    ## Fix safety
    No fix: the definitions may differ.
    """
    first: dict[str, int] = {}
    for k, base, fn, _flat in iter_tool_defs(record):
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            continue
        if name in first:
            yield Hit(json_path(*base, "name"), f"tool '{name}' already defined at {json_path('tools', first[name])}")
        else:
            first[name] = k


@rule("TP404", "missing-tool-description", severity=Severity.WARNING, family=FAMILY)
def missing_tool_description(record: Any, ctx: Context) -> Iterator[Hit]:
    """A tool definition without a description.

    ## What it does
    Flags tools whose `description` is missing, not a string, or blank.

    ## Why is this bad?
    The description is how the model learns when to pick the tool; without it the choice rests on
    the name alone, and irrelevance detection suffers.

    ## Example
    ```json
    {"type": "function", "function": {"name": "get_weather", "parameters": {...}}}
    ```

    ## Use instead
    ```json
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.", "parameters": {...}}}
    ```

    ## Fix safety
    No fix.
    """
    for _, base, fn, _flat in iter_tool_defs(record):
        name = fn.get("name")
        label = f"tool '{name}'" if isinstance(name, str) else "tool"
        if "description" not in fn or fn["description"] is None:
            yield Hit(json_path(*base), f"{label} has no description")
        elif not isinstance(fn["description"], str):
            yield Hit(json_path(*base, "description"), f"{label} description must be a string, got {json_type(fn['description'])}")
        elif not fn["description"].strip():
            yield Hit(json_path(*base, "description"), f"{label} description is empty")


@rule("TP405", "malformed-tool-definition", family=FAMILY)
def malformed_tool_definition(record: Any, ctx: Context) -> Iterator[Hit]:
    """A `tools` entry that is not a usable tool definition.

    ## What it does
    Flags `tools` that is not a list, entries that are not objects, a `function` that is not an
    object, entries with neither `function` nor `name`, and definitions without a non-empty string
    `name`.

    ## Why is this bad?
    Templates cannot render the tool, and calls to it cannot be checked.

    ## Example
    ```json
    {"tools": ["get_weather", {"type": "function", "function": {"description": "no name"}}]}
    ```

    ## Use instead
    ```json
    {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "...", "parameters": {"type": "object", "properties": {}}}}]}
    ```

    ## Fix safety
    No fix.
    """
    if not isinstance(record, dict) or "tools" not in record:
        return
    tools = record["tools"]
    if tools is None:
        return
    if not isinstance(tools, list):
        yield Hit("$.tools", f"'tools' must be a list, got {json_type(tools)}")
        return
    for k, t in enumerate(tools):
        if not isinstance(t, dict):
            yield Hit(json_path("tools", k), f"tool must be an object, got {json_type(t)} {short(t, 40)}")
            continue
        if "function" in t:
            fn = t["function"]
            if not isinstance(fn, dict):
                yield Hit(json_path("tools", k, "function"), f"'function' must be an object, got {json_type(fn)}")
                continue
            base: tuple[str | int, ...] = ("tools", k, "function")
        elif "name" in t:
            fn, base = t, ("tools", k)
        elif isinstance(t.get("type"), str) and t["type"] in BUILTIN_TOOL_TYPES:
            continue  # a built-in tool ({"type": "code_interpreter"}): nothing to define
        else:
            yield Hit(json_path("tools", k), "tool has neither a 'function' object nor a 'name'")
            continue
        if "name" not in fn:
            yield Hit(json_path(*base), "tool definition has no 'name'")
        elif not isinstance(fn["name"], str) or not fn["name"].strip():
            yield Hit(json_path(*base, "name"), f"tool name must be a non-empty string, got {short(fn['name'])}")


@rule("TP406", "non-canonical-tool-shape", severity=Severity.WARNING, fix=FixSafety.SAFE, family=FAMILY)
def non_canonical_tool_shape(record: Any, ctx: Context) -> Iterator[Hit]:
    """A tool written in the flat `{name, description, parameters}` shape.

    ## What it does
    Flags tools that are not in the canonical `{"type": "function", "function": {...}}` form: flat
    definitions, and wrapped ones without `"type": "function"`.

    ## Why is this bad?
    Chat templates and TRL expect the wrapped form; depending on the template a flat tool renders
    with an empty name or not at all.

    ## Example
    ```json
    {"name": "get_weather", "description": "...", "parameters": {...}}
    ```

    ## Use instead
    ```json
    {"type": "function", "function": {"name": "get_weather", "description": "...", "parameters": {...}}}
    ```

    ## Fix safety
    Safe: the same definition is wrapped (or given `"type": "function"`); nothing is lost. No fix
    when `type` names something other than a function.
    """
    for k, _, fn, flat in iter_tool_defs(record):
        if not flat:
            typ = record["tools"][k].get("type")
            if typ == "function":
                continue
            if typ is None:
                yield Hit(json_path("tools", k), "wrapped tool has no \"type\": \"function\"")
            else:
                yield Hit(json_path("tools", k, "type"), f"tool type {short(typ)} is not 'function'", fix=FixSafety.NONE)
        else:
            name = fn.get("name")
            label = f"tool '{name}'" if isinstance(name, str) else "tool"
            yield Hit(
                json_path("tools", k),
                f"{label} uses the flat {{name, description, parameters}} shape instead of {{type: 'function', function: {{...}}}}",
            )


__all__ = [
    "duplicate_tool_name",
    "invalid_parameters_schema",
    "iter_tool_defs",
    "malformed_tool_definition",
    "missing_tool_description",
    "non_canonical_tool_shape",
    "non_standard_schema_type",
]
