"""Markup rules (TP101-TP106): ``<tool_call>`` tags in assistant text.

Only assistant ``content`` strings are scanned, with the shared parser in ``evaluator.extract``
(the same code the cleaner's repair and the evaluator's output parsing use). Tag-like text in user
messages, tool results or argument values is never flagged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from toolproof.evaluator.extract import (
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
        out.append(MarkupView(i, m, text, scan, [parse_call_payload(b.inner) for b in scan.blocks]))
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


@rule("TP101", "unbalanced-tool-call-tag", fix=FixSafety.SAFE, family=FAMILY)
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


@rule("TP105", "tool-call-markup-in-content", fix=FixSafety.SAFE, family=FAMILY)
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
        yield Hit(
            v.path,
            f"{len(v.scan.blocks)} tool call block(s) written as '{OPEN_TAG}' markup in content "
            "instead of structured tool_calls",
            fix=FixSafety.SAFE if ok else FixSafety.NONE,
            data={"calls": calls, "content": v.scan.outside_text(v.text)} if ok else None,
        )


def _structured_as_calls(msg: dict[str, Any]) -> list[dict[str, Any] | None]:
    tcs = msg.get("tool_calls")
    return [normalize_call(c) for c in tcs] if isinstance(tcs, list) else []


@rule("TP106", "markup-and-structured-calls", fix=FixSafety.SAFE, family=FAMILY)
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


__all__ = [
    "CLOSE_TAG",
    "MarkupView",
    "empty_tool_call_tag",
    "invalid_tool_call_payload",
    "markup_and_structured_calls",
    "markup_views",
    "python_literal_tool_call",
    "tool_call_markup_in_content",
    "unbalanced_tool_call_tag",
]
