"""Markup rules (TP101-TP107): tool calls typed as text in assistant content.

TP101-TP106 read ``<tool_call>`` tags (bodies in JSON, Qwen3-Coder XML or GLM-4.5 arg pairs);
TP107 every other call syntax of the registry (Mistral ``[TOOL_CALLS]``, Llama JSON, pythonic
lists, Kimi, DeepSeek, functionary, harmony, bare JSON calls, ...). Only assistant ``content``
strings are scanned, with the call-syntax registry in ``validator.callsyntax`` (the same code the
cleaner's repairs and the evaluator's output parsing use). Tag-like text in user messages, tool
results or argument values is never flagged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from toolproof.validator.callsyntax import FAMILIES, TypedCalls, might_hold_calls, read_tag_block, typed_calls_of
from toolproof.validator.callsyntax.base import (
    CLOSE_TAG,
    OPEN_TAG,
    PayloadResult,
    TagScan,
    normalize_call,
    parse_call_payload,
    scan_tool_call_tags,
)
from toolproof.validator.findings import FixSafety, Hit, json_path
from toolproof.validator.rules._walk import has_structured_calls, memo, view
from toolproof.validator.rules.base import Context, rule

FAMILY = "markup"


@dataclass(slots=True)
class MarkupView:
    index: int  # message index
    message: dict[str, Any]
    text: str
    scan: TagScan
    payloads: list[PayloadResult] = field(default_factory=list)  # one per block (closed or not)

    @property
    def path(self) -> str:
        return json_path("messages", self.index, "content")

    def closed_payloads(self) -> Iterator[tuple[int, PayloadResult]]:
        for k, (b, p) in enumerate(zip(self.scan.blocks, self.payloads)):
            if b.closed:
                yield k, p

    @property
    def all_ok(self) -> bool:
        return not self.scan.problems and bool(self.payloads) and all(p.ok for p in self.payloads)

    def calls(self) -> list[dict[str, Any]]:
        return [c for p in self.payloads if p.ok for c in p.calls]


def _views(record: Any, ctx: Context) -> list[MarkupView]:
    out: list[MarkupView] = []
    for i, m in view(record, ctx).assistants:
        text = m.get("content")
        if not isinstance(text, str) or "tool_call>" not in text:
            continue
        scan = scan_tool_call_tags(text)
        if not scan.has_markup:
            continue
        out.append(MarkupView(i, m, text, scan, [read_tag_block(b.inner) for b in scan.blocks]))
    return out


def markup_views(record: Any, ctx: Context) -> list[MarkupView]:
    """Assistant messages whose content holds ``<tool_call>`` markup, scanned once per record."""
    return memo(ctx, "markup", record, lambda: _views(record, ctx))


def _before_stray(view: MarkupView, offset: int) -> PayloadResult | None:
    prev = 0
    for b in view.scan.blocks:
        if b.end <= offset:
            prev = max(prev, b.end)
    seg = view.text[prev:offset]
    starts = [k for k in (seg.find("{"), seg.find("[")) if k >= 0]
    if not starts:
        return None
    res = parse_call_payload(seg[min(starts) :])
    return res if res.ok and res.kind == "json" else None


_XML_KINDS = ("qwen3_coder", "glm4_moe")


@rule("TP101", "unbalanced-tool-call-tag", fix=FixSafety.SAFE, fix_partial=True, family=FAMILY)
def unbalanced_tool_call_tag(record: Any, ctx: Context) -> Iterator[Hit]:
    """Assistant text whose `<tool_call>` tags do not pair up.

    ## What it does
    Scans assistant `content` for `<tool_call>` / `</tool_call>` and flags an open tag that is never
    closed, a close tag with no open tag, and an open tag inside an open block.

    ## Why is this bad?
    Extractors split on these tags: a missing close drops the call or merges it with the following
    text, so the model learns to emit markup its own parser cannot read.

    ## Example
    ```json
    {"role": "assistant", "content": "<tool_call>{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\"}}"}
    ```

    ## Use instead
    ```json
    {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}
    ```

    ## Fix safety
    Safe when the only problems are a final open tag holding a complete JSON call (close it) or a
    complete JSON call followed by a stray close tag (open it); otherwise no fix.
    """
    for v in markup_views(record, ctx):
        if not v.scan.problems:
            continue
        safe = True
        kinds: list[str] = []
        for prob in v.scan.problems:
            kinds.append(prob.kind)
            if prob.kind == "unclosed":
                last = v.payloads[-1] if v.payloads else None
                if last is None or not last.ok or last.kind != "json":
                    safe = False
            elif prob.kind == "stray_close":
                if _before_stray(v, prob.offset) is None:
                    safe = False
            else:
                safe = False
        detail = "; ".join(p.message for p in v.scan.problems[:3])
        yield Hit(
            v.path,
            f"{v.scan.opens} '{OPEN_TAG}' opened, {v.scan.closes} closed ({detail})",
            fix=FixSafety.SAFE if safe else FixSafety.NONE,
            data={"problems": kinds, "offsets": [p.offset for p in v.scan.problems]},
        )


@rule("TP102", "empty-tool-call-tag", family=FAMILY)
def empty_tool_call_tag(record: Any, ctx: Context) -> Iterator[Hit]:
    """A `<tool_call></tool_call>` block with nothing inside.

    ## What it does
    Flags closed tag pairs in assistant content whose body is empty or whitespace.

    ## Why is this bad?
    The model learns to emit an empty call, which every parser rejects, usually because a converter
    lost the call body.

    ## Example
    ```json
    {"role": "assistant", "content": "<tool_call>\\n</tool_call>"}
    ```

    ## Use instead
    The call itself, as structured `tool_calls`, or a plain-text answer.

    ## Fix safety
    No fix: the intended call is unknown.
    """
    for v in markup_views(record, ctx):
        for k, b in enumerate(v.scan.blocks):
            if b.closed and not b.inner.strip():
                yield Hit(v.path, f"tool call block {k + 1} at offset {b.start} is empty")


@rule("TP103", "invalid-tool-call-payload", family=FAMILY)
def invalid_tool_call_payload(record: Any, ctx: Context) -> Iterator[Hit]:
    """A `<tool_call>` block whose body is not a JSON call.

    ## What it does
    Parses each closed block with the shared call parser and flags bodies that are not JSON (nor a
    Python literal, see TP104) or that are JSON but not a call object with a string `name`.

    ## Why is this bad?
    The model learns to produce calls no parser can read: at inference these become failed calls.

    ## Example
    ```json
    {"role": "assistant", "content": "<tool_call>{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": Paris}}</tool_call>"}
    ```

    ## Use instead
    ```json
    {"role": "assistant", "content": "<tool_call>{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\"}}</tool_call>"}
    ```

    ## Fix safety
    No fix: a broken payload has no single reading.
    """
    for v in markup_views(record, ctx):
        n = len(v.scan.blocks)
        for k, p in v.closed_payloads():
            if p.error is None or p.error == "empty":
                continue
            yield Hit(v.path, f"tool call block {k + 1} of {n} is not a JSON call: {p.error}")


@rule("TP104", "python-literal-tool-call", fix=FixSafety.SAFE, family=FAMILY)
def python_literal_tool_call(record: Any, ctx: Context) -> Iterator[Hit]:
    """A `<tool_call>` body written as a Python dict instead of JSON.

    ## What it does
    Flags blocks that are not JSON but parse as a Python literal (single quotes, `True`, `None`).

    ## Why is this bad?
    JSON-based parsers (and the model's chat template) expect JSON; the model learns to emit
    single-quoted dicts that fail `json.loads` at inference.

    ## Example
    ```json
    {"role": "assistant", "content": "<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Paris', 'metric': True}}</tool_call>"}
    ```

    ## Use instead
    ```json
    {"role": "assistant", "content": "<tool_call>{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\", \\"metric\\": true}}</tool_call>"}
    ```

    ## Fix safety
    Safe: the literal is read with `ast.literal_eval` (never evaluated) and re-written as JSON with the
    same values.
    """
    for v in markup_views(record, ctx):
        n = len(v.scan.blocks)
        for k, p in v.closed_payloads():
            if p.ok and p.kind == "python_literal":
                yield Hit(
                    v.path,
                    f"tool call block {k + 1} of {n} is a Python literal, not JSON",
                    data={"block": k, "calls": p.calls},
                )


@rule("TP105", "tool-call-markup-in-content", fix=FixSafety.SAFE, fix_partial=True, family=FAMILY)
def tool_call_markup_in_content(record: Any, ctx: Context) -> Iterator[Hit]:
    """Tool calls written as `<tool_call>` markup in assistant content.

    ## What it does
    Flags assistant messages without structured `tool_calls` whose content holds `<tool_call>` markup.

    ## Why is this bad?
    The chat template renders structured `tool_calls` in the model's own call format; markup pasted
    into content is rendered as plain text, often in another model's format, and TRL's tool-call
    handling (and the loss mask) never sees a call.

    ## Example
    ```json
    {"role": "assistant", "content": "<tool_call>{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\"}}</tool_call>"}
    ```

    ## Use instead
    ```json
    {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}
    ```

    ## Fix safety
    Safe when every block parses to calls and the tags are balanced: the calls move to `tool_calls`
    and the text outside the tags stays as content. Otherwise no fix (see TP101-TP104).
    """
    for v in markup_views(record, ctx):
        if has_structured_calls(v.message):
            continue
        ok = v.all_ok
        calls = v.calls()
        kinds = sorted({p.kind for p in v.payloads if p.ok and p.kind in _XML_KINDS})
        syntax = f" ({', '.join(FAMILIES[k].title for k in kinds)})" if kinds else ""
        yield Hit(
            v.path,
            f"{len(v.scan.blocks)} tool call block(s) written as '{OPEN_TAG}' markup{syntax} in content "
            "instead of structured tool_calls",
            fix=FixSafety.SAFE if ok else FixSafety.NONE,
            data={"calls": calls, "content": v.scan.outside_text(v.text)} if ok else None,
        )


def _structured_as_calls(msg: dict[str, Any]) -> list[dict[str, Any] | None]:
    tcs = msg.get("tool_calls")
    return [normalize_call(c) for c in tcs] if isinstance(tcs, list) else []


@rule("TP106", "markup-and-structured-calls", fix=FixSafety.SAFE, fix_partial=True, family=FAMILY)
def markup_and_structured_calls(record: Any, ctx: Context) -> Iterator[Hit]:
    """An assistant message with both structured `tool_calls` and `<tool_call>` markup in content.

    ## What it does
    Flags assistant messages that carry structured `tool_calls` while their content also holds
    `<tool_call>` markup.

    ## Why is this bad?
    The template renders the structured calls itself, so the calls appear twice in the training text
    (or two different calls appear), teaching the model to repeat itself.

    ## Example
    ```json
    {"role": "assistant", "content": "<tool_call>{\\"name\\": \\"f\\", \\"arguments\\": {}}</tool_call>",
     "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {}}}]}
    ```

    ## Use instead
    ```json
    {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {}}}]}
    ```

    ## Fix safety
    Safe when the markup repeats the structured calls exactly (the markup is dropped); otherwise no
    fix, since which of the two is right is unknown.
    """
    for v in markup_views(record, ctx):
        if not has_structured_calls(v.message):
            continue
        structured = _structured_as_calls(v.message)
        markup = v.calls()
        same = v.all_ok and structured == markup
        if same:
            msg = f"content repeats the {len(markup)} structured tool call(s) as '{OPEN_TAG}' markup"
        else:
            msg = (
                f"content holds {len(v.scan.blocks)} '{OPEN_TAG}' block(s) that differ from the "
                f"{len(structured)} structured tool call(s)"
            )
        yield Hit(
            v.path,
            msg,
            fix=FixSafety.SAFE if same else FixSafety.NONE,
            data={"content": v.scan.outside_text(v.text)} if same else None,
        )


def _typed_views(record: Any, ctx: Context) -> list[tuple[int, dict[str, Any], TypedCalls]]:
    out: list[tuple[int, dict[str, Any], TypedCalls]] = []
    msgs = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(msgs, list):
        return out
    names: frozenset[str] | None = None
    named = False
    for i, m in enumerate(msgs):  # a direct walk: most records have nothing here (no view needed)
        if not isinstance(m, dict) or m.get("role") != "assistant":
            continue
        text = m.get("content")
        if not isinstance(text, str) or not might_hold_calls(text):
            continue
        if not named:
            names, named = _tool_names(record), True
        found = typed_calls_of(text, names)
        if found is not None:
            out.append((i, m, found))
    return out


def _tool_names(record: dict[str, Any]) -> frozenset[str] | None:
    """The record's tool names (wrapped or flat tool objects), read here so TP107 needs no Context."""
    tools = record.get("tools")
    names: set[str] = set()
    for t in tools if isinstance(tools, list) else []:
        fn = t.get("function") if isinstance(t, dict) and isinstance(t.get("function"), dict) else t
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            names.add(fn["name"])
    return frozenset(names) or None


def typed_call_views(record: Any, ctx: Context) -> list[tuple[int, dict[str, Any], TypedCalls]]:
    """Assistant messages whose content holds calls typed in a syntax other than ``<tool_call>``."""
    return memo(ctx, "typed_calls", record, lambda: _typed_views(record, ctx))


@rule("TP107", "calls-typed-as-text", fix=FixSafety.SAFE, fix_partial=True, family=FAMILY)
def calls_typed_as_text(record: Any, ctx: Context) -> Iterator[Hit]:
    """Tool calls typed into assistant content in a model's call syntax (other than `<tool_call>`).

    ## What it does
    Reads assistant `content` with every call syntax of the registry (`toolproof parsers`):
    Mistral `[TOOL_CALLS]`, Llama `<|python_tag|>` JSON, `<function=NAME>{...}</function>`, pythonic
    `[f(a=1)]` lists, OLMo `<function_calls>`, Kimi, DeepSeek, Step-3, Seed-OSS, MiniMax, Granite,
    InternLM, functionary `>>>` / `<|recipient|>`, gpt-oss harmony, GigaChat, Phi-4, Command R7B
    `<|START_ACTION|>`, LFM2, Llama 3.1 built-ins `<|python_tag|>NAME.call(...)`, and a bare JSON
    object with a string `name` and an `arguments`/`parameters` object. The message names the syntax.
    Pythonic calls count only when they name one of the record's tools (prose with brackets does not).
    Markup no call can be read from is flagged whenever it holds a call marker of any family in the
    registry (the same markup table that scores such model output `unparsed_call_markup`); calls
    inside `<think>` count too.

    ## Why is this bad?
    The chat template renders structured `tool_calls` in the model's own call format; a call typed
    as text is trained as plain text, often in another model's syntax, so the model learns to write
    calls its serving parser does not read (or never to call at all).

    ## Example
    ```json
    {"role": "assistant", "content": "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]"}
    ```

    ## Use instead
    ```json
    {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}
    ```

    ## Fix safety
    Safe when the parse is exact (the family's serving parser reads the very same calls, every
    argument set is a JSON object; or the whole content is a strict JSON list or object of
    `{"name", "arguments"}` (or `"parameters"`), bare or in one ```` ```json ```` fence, and every
    name is a declared tool: the APIGen / xLAM / Hammer SFT convention) and the message has no
    structured calls: the calls move to
    `tool_calls`, the text outside them stays as content. When the message already has structured
    calls, safe only if the typed calls repeat them exactly (the text is dropped). Otherwise no fix:
    the cleaner quarantines the record.
    """
    for i, m, t in typed_call_views(record, ctx):
        path = json_path("messages", i, "content")
        title = FAMILIES[t.family].title
        if not t.calls:
            why = f": {t.errors[0]}" if t.errors else ""
            yield Hit(path, f"call markup in {title} syntax ({t.family}) that no call can be read from{why}",
                      fix=FixSafety.NONE, data={"family": t.family})
            continue
        if has_structured_calls(m):
            same = t.exact and _structured_as_calls(m) == t.calls
            yield Hit(
                path,
                f"content repeats {len(t.calls)} call(s) typed as text in {title} syntax ({t.family}) "
                "beside the structured tool_calls" if same else
                f"content holds {len(t.calls)} call(s) typed as text in {title} syntax ({t.family}) "
                "that differ from the structured tool_calls",
                fix=FixSafety.SAFE if same else FixSafety.NONE,
                data={"family": t.family},
            )
            continue
        names = ", ".join(c["name"] for c in t.calls[:5])
        yield Hit(
            path,
            f"{len(t.calls)} call(s) ({names}) typed as text in {title} syntax ({t.family}) instead of "
            "structured tool_calls" + ("" if t.exact else ": the parse is not exact, no safe repair"),
            fix=FixSafety.SAFE if t.exact else FixSafety.NONE,
            data={"family": t.family, "calls": t.calls, "content": t.content} if t.exact else {"family": t.family},
        )


calls_typed_as_text.context_free = True  # type: ignore[attr-defined]  # reads the record alone


__all__ = [
    "CLOSE_TAG",
    "MarkupView",
    "empty_tool_call_tag",
    "invalid_tool_call_payload",
    "markup_and_structured_calls",
    "markup_views",
    "calls_typed_as_text",
    "python_literal_tool_call",
    "typed_call_views",
    "tool_call_markup_in_content",
    "unbalanced_tool_call_tag",
]
