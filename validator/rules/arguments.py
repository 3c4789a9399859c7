"""Argument rules (TP301-TP305): call arguments checked against the tool's parameters schema.

All five rules share one pass per record (memoised on the Context): each distinct schema is
compiled once (``validator.schema_cache``), valid arguments take a fastjsonschema fast path, and
only invalid ones are explained with ``jsonschema``'s ``iter_errors``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from toolproof.validator.findings import FixSafety, Hit, json_path
from toolproof.validator.rules._walk import memo, schema_info, view
from toolproof.validator.rules.base import Context, rule
from toolproof.validator.schema_cache import ArgProblem

FAMILY = "arguments"


def _problems(record: Any, ctx: Context) -> list[tuple[tuple[str | int, ...], ArgProblem]]:
    out: list[tuple[tuple[str | int, ...], ArgProblem]] = []
    tools = ctx.tools
    if not tools:
        return out
    functions = view(record, ctx).functions
    ecs = record.get("expected_calls") if isinstance(record, dict) else None
    if not functions and not ecs:
        return out

    def check(name: Any, args: Any, base: tuple[str | int, ...]) -> None:
        if not isinstance(name, str) or not isinstance(args, dict):
            return
        fn = tools.get(name)
        if fn is None or "parameters" not in fn:
            return
        for p in schema_info(ctx, record, fn["parameters"]).check(args):
            out.append((base + p.path, p))

    for i, j, fn in functions:
        check(fn.get("name"), fn.get("arguments"), ("messages", i, "tool_calls", j, "function", "arguments"))
    if isinstance(ecs, list):
        for k, ec in enumerate(ecs):
            if isinstance(ec, dict):
                check(ec.get("name"), ec.get("arguments", {}), ("expected_calls", k, "arguments"))
    return out


def argument_problems(record: Any, ctx: Context) -> list[tuple[tuple[str | int, ...], ArgProblem]]:
    """Every TP301-TP305 problem of the record as (path parts, problem); computed once per record."""
    return memo(ctx, "arguments", record, lambda: _problems(record, ctx))


def _hits(record: Any, ctx: Context, code: str) -> Iterator[Hit]:
    for parts, p in argument_problems(record, ctx):
        if p.code == code:
            yield Hit(json_path(*parts), p.message, fix=p.fix, data=p.data)


@rule("TP301", "missing-required-argument", family=FAMILY)
def missing_required_argument(record: Any, ctx: Context) -> Iterator[Hit]:
    """A call that omits an argument its tool's schema requires.

    ## What it does
    Validates each call's arguments against the declared tool's `parameters` and reports every
    `required` property that is absent (also inside nested objects, and in `expected_calls`).

    ## Why is this bad?
    The model learns incomplete calls that fail when executed.

    ## Example
    ```json
    {"name": "get_weather", "arguments": {"unit": "celsius"}}   // schema requires "city"
    ```

    ## Use instead
    ```json
    {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
    ```

    ## Fix safety
    No fix: the missing value is unknown.
    """
    yield from _hits(record, ctx, "TP301")


@rule("TP302", "unknown-argument", fix=FixSafety.UNSAFE, family=FAMILY)
def unknown_argument(record: Any, ctx: Context) -> Iterator[Hit]:
    """A call argument that the tool's schema does not declare.

    ## What it does
    Flags argument keys that are not in the schema's `properties` (and match no `patternProperties`),
    whether or not the schema says `additionalProperties: false`, unless it explicitly allows
    additional properties. Nested objects are checked where their schema forbids extras.

    ## Why is this bad?
    The model learns to invent parameters; strict tool servers reject such calls.

    ## Example
    ```json
    {"name": "get_weather", "arguments": {"city": "Paris", "country_code": "FR"}}
    ```

    ## Use instead
    ```json
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    ```

    ## Fix safety
    Unsafe: dropping the argument keeps the call valid but may lose meaning (it may be a misspelt
    parameter).
    """
    yield from _hits(record, ctx, "TP302")


@rule("TP303", "argument-type-mismatch", fix=FixSafety.UNSAFE, family=FAMILY)
def argument_type_mismatch(record: Any, ctx: Context) -> Iterator[Hit]:
    """An argument whose JSON type differs from the schema's `type`.

    ## What it does
    Reports arguments such as the string `"12.5"` where the schema says `number`. An integer where
    the schema says `number` is fine.

    ## Why is this bad?
    The model learns to quote numbers and booleans; typed tool servers reject the call.

    ## Example
    ```json
    {"name": "set_temperature", "arguments": {"value": "21.5"}}
    ```

    ## Use instead
    ```json
    {"name": "set_temperature", "arguments": {"value": 21.5}}
    ```

    ## Fix safety
    Unsafe when the coercion is unambiguous (a numeric string for `number`/`integer`, `"true"` /
    `"false"` for `boolean`; the value is in `data["coerced"]`); otherwise no fix.
    """
    yield from _hits(record, ctx, "TP303")


@rule("TP304", "argument-enum-violation", family=FAMILY)
def argument_enum_violation(record: Any, ctx: Context) -> Iterator[Hit]:
    """An argument value outside the schema's `enum`.

    ## What it does
    Reports argument values that are not one of the schema's `enum` values.

    ## Why is this bad?
    The model learns values the tool does not accept (`"kelvin"` for a celsius/fahrenheit switch).

    ## Example
    ```json
    {"name": "get_weather", "arguments": {"city": "Paris", "unit": "kelvin"}}
    ```

    ## Use instead
    ```json
    {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
    ```

    ## Fix safety
    No fix: the intended value is a guess.
    """
    yield from _hits(record, ctx, "TP304")


@rule("TP305", "argument-schema-violation", family=FAMILY)
def argument_schema_violation(record: Any, ctx: Context) -> Iterator[Hit]:
    """An argument that breaks another schema keyword.

    ## What it does
    Reports every other JSON Schema violation of the arguments: `minimum`/`maximum`, `pattern`,
    `minLength`, `format`-free string constraints, `items`, `anyOf`/`oneOf`, `const`, ...

    ## Why is this bad?
    The tool rejects such calls; the model learns values outside the documented range.

    ## Example
    ```json
    {"name": "search", "arguments": {"query": "cats", "limit": 500}}   // schema: "maximum": 50
    ```

    ## Use instead
    ```json
    {"name": "search", "arguments": {"query": "cats", "limit": 50}}
    ```

    ## Fix safety
    No fix.
    """
    yield from _hits(record, ctx, "TP305")


__all__ = [
    "argument_enum_violation",
    "argument_problems",
    "argument_schema_violation",
    "argument_type_mismatch",
    "missing_required_argument",
    "unknown_argument",
]
