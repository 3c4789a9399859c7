"""DeepSeek-V3.2 (DSML): ``<｜DSML｜function_calls><｜DSML｜invoke name="f"><｜DSML｜parameter name="k"
string="true">v</｜DSML｜parameter></｜DSML｜invoke></｜DSML｜function_calls>``.

``｜`` is U+FF5C, as in the other DeepSeek tokens. ``string="true"`` marks a value taken as text;
``string="false"`` one written as JSON (a number, an object, ``true``).

Spec: vLLM ``deepseek_v32`` (the strict reader: closed DSML blocks only, every parameter with its
``string`` attribute; with no tool schema at hand a ``string="false"`` value is read as JSON when it
parses, as for the other XML-style syntaxes), SGLang ``deepseekv32`` (the lenient reader also takes
its variants: a JSON object as the invoke body, tags written without ``｜DSML｜`` or with it on one
side only, a parameter without ``string``, a last block left unclosed).
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    args_object,
    iter_blocks,
    param_value,
    read_tagged,
)

DSML = "｜DSML｜"
OPEN, CLOSE = f"<{DSML}function_calls>", f"</{DSML}function_calls>"
_SIMPLE_OPEN, _SIMPLE_CLOSE = "<function_calls>", "</function_calls>"
_INVOKE_NAME = re.compile(r'\s+name="([^"]+)"\s*>')
_PARAM_ATTRS = re.compile(r'\s+name="([^"]+)"(?:\s+string="(true|false)")?\s*>')
_STRICT_PARAM_ATTRS = re.compile(r'\s+name="([^"]+)"\s+string="(true|false)"\s*>')
_SIMPLE_INVOKE = re.compile(r"<function_calls>\s*<invoke\s")


def _without_dsml(text: str) -> str:
    """SGLang's variants in one shape: every DSML tag written as the plain tag."""
    return text.replace(f"<{DSML}", "<").replace(f"</{DSML}", "</")


def _lenient_invokes(body: str) -> list[dict[str, Any]] | str | None:
    calls: list[dict[str, Any]] = []
    for _s, inner, _e, _closed in iter_blocks(body, "<invoke", "</invoke>", unclosed=True):
        m = _INVOKE_NAME.match(inner)
        if not m:
            return 'an <invoke> without name="..."'
        content = inner[m.end() :]
        stripped = content.strip()
        if stripped.startswith("{"):
            args = args_object(stripped, m.group(1))
            if isinstance(args, str):
                return args
        else:
            args = {}
            for _ps, pinner, _pe, _pc in iter_blocks(content, "<parameter", "</parameter>", unclosed=False):
                pm = _PARAM_ATTRS.match(pinner)
                if pm:
                    raw = pinner[pm.end() :]
                    args[pm.group(1)] = raw.strip() if pm.group(2) == "true" else param_value(raw)
        calls.append({"name": m.group(1).strip(), "arguments": args})
    return calls


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(_without_dsml(text), _SIMPLE_OPEN, _SIMPLE_CLOSE, _lenient_invokes, 'no <invoke name="..."> inside')


def strict(text: str) -> list[dict[str, Any]]:
    """vLLM's ``extract_tool_calls``: every closed ``function_calls`` block, every closed invoke in
    it, every parameter that carries ``string``; a ``string="true"`` value exactly as written."""
    if not text or OPEN not in text:
        return []
    calls: list[dict[str, Any]] = []
    for _s, body, _e, _c in iter_blocks(text, OPEN, CLOSE, unclosed=False):
        for _is, inner, _ie, _ic in iter_blocks(body, f"<{DSML}invoke", f"</{DSML}invoke>", unclosed=False):
            m = _INVOKE_NAME.match(inner)
            if not m:
                continue
            args: dict[str, Any] = {}
            param_open, param_close = f"<{DSML}parameter", f"</{DSML}parameter>"
            for _ps, pinner, _pe, _pc in iter_blocks(inner[m.end() :], param_open, param_close, unclosed=False):
                pm = _STRICT_PARAM_ATTRS.match(pinner)
                if pm:
                    raw = pinner[pm.end() :]
                    args[pm.group(1)] = raw if pm.group(2) == "true" else param_value(raw)
            calls.append({"name": m.group(1), "arguments": args})
    return calls


def claims(text: str) -> bool:
    """DSML tags, or SGLang's plain ``<function_calls><invoke`` (OLMo-3's ``<function_calls>`` holds
    pythonic calls instead)."""
    return DSML in text or _SIMPLE_INVOKE.search(text) is not None


FAMILY = Family(
    name="deepseek_v32",
    title="DeepSeek-V3.2 DSML <｜DSML｜function_calls>",
    example=(
        f'{OPEN}\n<{DSML}invoke name="get_weather">\n<{DSML}parameter name="city" string="true">Paris'
        f"</{DSML}parameter>\n</{DSML}invoke>\n{CLOSE}"
    ),
    read=read,
    strict=strict,
    markers=(f"<{DSML}", _SIMPLE_OPEN),
    claims=claims,
    aliases=("deepseekv32", "deepseek_v3_2"),
    serving="vLLM deepseek_v32, SGLang deepseekv32",
)
