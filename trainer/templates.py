"""Chat templates: which one a model trains and evaluates with, and rendering records with it.

- SmolLM2's own template drops ``tools`` and crashes on assistant turns that only have
  ``tool_calls``: toolproof ships ``templates/chatml_tools.jinja`` (Hermes-style ChatML, the same
  text layout as Qwen2.5's tools template, with ``{% generation %}`` markers).
- Models whose own template renders tools keep it; for assistant-only loss TRL swaps in its
  training variant (``trl.chat_template_utils.get_training_chat_template``) and so do we when
  computing masks.
- A trained adapter directory stores the template it was trained with in ``chat_template.jinja``;
  evaluation uses that file.

All rendering goes through ``tokenizer.apply_chat_template``: no template logic lives here.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

Loss = Literal["assistant_only", "completion_only", "full"]
LOSSES: tuple[str, ...] = ("assistant_only", "completion_only", "full")
TEMPLATE_FILE = "chat_template.jinja"


def shipped_template(name: str = "chatml_tools") -> str:
    """The text of a template shipped in ``trainer/templates/<name>.jinja``."""
    return (resources.files("toolproof.trainer") / "templates" / f"{name}.jinja").read_text(encoding="utf-8")


def supports_tools(template: str | None) -> bool:
    """Whether a template renders a ``tools`` list and ``tool_calls`` (a textual check)."""
    return bool(template) and "tools" in template and "tool_calls" in template  # type: ignore[operator]


def adapter_template(path: str | Path) -> str | None:
    p = Path(path) / TEMPLATE_FILE
    return p.read_text(encoding="utf-8") if p.is_file() else None


def training_template(tokenizer: Any, template: str | None = None) -> str:
    """The template with ``{% generation %}`` markers that assistant-only loss uses (TRL's choice)."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    template = template or tokenizer.chat_template
    if has_generation_markers(template):
        return str(template)
    saved = tokenizer.chat_template
    try:
        tokenizer.chat_template = template
        patched = get_training_chat_template(tokenizer)
    except ValueError:
        patched = None
    finally:
        tokenizer.chat_template = saved
    return str(patched or template)


# --------------------------------------------------------------------------- data shaping


def _maybe_json_object(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, str):  # double-encoded
            try:
                parsed = json.loads(parsed)
            except ValueError:
                return value
        return parsed if isinstance(parsed, dict) else value
    return value


def as_given(messages: list[Any]) -> list[Any]:
    """A deep copy of the messages, nothing repaired: what the trainer renders.

    The trainer only sees data that passed validation (already canonical) or data it was told to
    take as it is (``allow_dirty``, the dirty arm of a comparison): arguments stored as strings stay
    strings (a template's ``tojson`` then encodes them twice), ``parameters`` stays ``parameters``,
    flat calls stay flat. A record the template cannot render is skipped by the trainer.
    """
    return copy.deepcopy(list(messages))


def normalize_messages(messages: list[Any]) -> list[dict[str, Any]]:
    """A copy of the messages in the shape every template expects (prompts, lint rules; not training).

    Arguments that arrive as JSON text (or double-encoded JSON) become objects, so they render once;
    a call given flat (``{"name", "arguments"}``) gets the ``{"type", "function"}`` wrapper;
    ``content: None`` on an assistant turn with calls stays None (templates treat it as empty).
    """
    out: list[dict[str, Any]] = []
    for m in messages:
        if not isinstance(m, dict):
            continue
        m = copy.deepcopy(m)
        calls = m.get("tool_calls")
        if isinstance(calls, list):
            fixed = []
            for c in calls:
                if not isinstance(c, dict):
                    continue
                fn = c.get("function") if isinstance(c.get("function"), dict) else None
                if fn is None and "name" in c:
                    fn = {"name": c.get("name"), "arguments": c.get("arguments", c.get("parameters", {}))}
                    c = {"type": "function", "function": fn, **({"id": c["id"]} if "id" in c else {})}
                if fn is None:
                    continue
                fn = dict(fn)
                fn["arguments"] = _maybe_json_object(fn.get("arguments", {}))
                c = {**c, "function": fn}
                c.setdefault("type", "function")
                fixed.append(c)
            m["tool_calls"] = fixed
        out.append(m)
    return out


def calls_as_markup(calls: list[Any]) -> str:
    """Calls typed by hand as markup text (the documented failure mode: no structure, compact JSON).

    Each call is written as it is given: arguments stored as a string stay a (JSON-encoded) string.
    """
    parts = []
    for c in calls:
        fn = c.get("function", c) if isinstance(c, dict) else {}
        fn = fn if isinstance(fn, dict) else {}
        body = {"name": fn.get("name")}
        for key in ("arguments", "parameters"):
            if key in fn:
                body[key] = fn[key]
        parts.append("<tool_call>" + json.dumps(body) + "</tool_call>")
    return "\n".join(parts)


def to_markup_in_content(messages: list[Any]) -> list[Any]:
    """Move structured calls into the assistant text as ``<tool_call>`` markup (``--format markup_in_content``)."""
    out = []
    for m in messages:
        if isinstance(m, dict) and m.get("role") == "assistant" and isinstance(m.get("tool_calls"), list) and m["tool_calls"]:
            text = m.get("content") if isinstance(m.get("content"), str) else ""
            markup = calls_as_markup(m["tool_calls"])
            m = {k: v for k, v in m.items() if k != "tool_calls"}
            m["content"] = (text + "\n" if text else "") + markup
        out.append(m)
    return out


def split_prompt_completion(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Prompt = everything before the first assistant turn; completion = the rest (all calls trained)."""
    for i, m in enumerate(messages):
        if isinstance(m, dict) and m.get("role") == "assistant":
            return messages[:i], messages[i:]
    return messages, []


def record_tools(record: dict[str, Any]) -> list[Any] | None:
    tools = record.get("tools")
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except ValueError:
            return None
    if not isinstance(tools, list) or not tools:
        return None
    return [t if isinstance(t, dict) and "function" in t else {"type": "function", "function": t} for t in tools]


# --------------------------------------------------------------------------- rendering + masks


@dataclass
class Rendered:
    """One record rendered with a template: the token ids and which of them the loss trains."""

    text: str
    input_ids: list[int]
    trained: list[int]  # 1 = contributes to the loss
    prompt_text: str = ""
    assistant_spans: list[tuple[int, int]] = field(default_factory=list)  # char spans of assistant output
    messages: list[Any] = field(default_factory=list)  # the messages rendered (as given, in the chosen format)

    @property
    def n_tokens(self) -> int:
        return len(self.input_ids)

    @property
    def n_trained(self) -> int:
        return sum(self.trained)


def _ids(tokenizer: Any, messages: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    out = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, **kw)
    return {k: list(v) for k, v in out.items()}


def render(
    tokenizer: Any,
    record: dict[str, Any],
    *,
    loss: Loss | str = "assistant_only",
    chat_template: str | None = None,
    fmt: str = "structured",
) -> Rendered:
    """Render a record and compute its loss mask the way ``SFTTrainer`` will.

    The messages are rendered as given (:func:`as_given`), exactly as the trainer passes them on.

    ``assistant_only``: the assistant-token mask of the (training) template. ``completion_only``:
    prompt/completion split at the first assistant turn, the mask starting where the tokenised
    prompt stops being a prefix. ``full``: every token. Raises jinja/Type/Value errors for records
    the template cannot render.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r} (use {', '.join(LOSSES)})")
    template = chat_template or tokenizer.chat_template
    messages = as_given(record.get("messages") or [])
    if fmt == "markup_in_content":
        messages = to_markup_in_content(messages)
    tools = record_tools(record)
    kw: dict[str, Any] = {"tools": tools}
    if loss == "assistant_only":
        tmpl = training_template(tokenizer, template)
        out = _ids(tokenizer, messages, chat_template=tmpl, return_assistant_tokens_mask=True, **kw)
        ids = out["input_ids"]
        trained = [int(x) for x in out.get("assistant_masks", [0] * len(ids))]
        text = tokenizer.apply_chat_template(messages, tokenize=False, chat_template=tmpl, **kw)
        prompt_text = ""
    elif loss == "completion_only":
        prompt, completion = split_prompt_completion(messages)
        p_ids = _ids(tokenizer, prompt, chat_template=template, add_generation_prompt=True, **kw)["input_ids"]
        ids = _ids(tokenizer, prompt + completion, chat_template=template, **kw)["input_ids"]
        n = 0
        while n < min(len(p_ids), len(ids)) and p_ids[n] == ids[n]:
            n += 1
        trained = [0] * n + [1] * (len(ids) - n)
        text = tokenizer.apply_chat_template(prompt + completion, tokenize=False, chat_template=template, **kw)
        prompt_text = tokenizer.apply_chat_template(
            prompt, tokenize=False, chat_template=template, add_generation_prompt=True, **kw
        )
    else:
        ids = _ids(tokenizer, messages, chat_template=template, **kw)["input_ids"]
        trained = [1] * len(ids)
        text = tokenizer.apply_chat_template(messages, tokenize=False, chat_template=template, **kw)
        prompt_text = ""
    return Rendered(text=str(text), input_ids=ids, trained=trained, prompt_text=str(prompt_text), messages=messages)


def render_prompt(tokenizer: Any, record: dict[str, Any], *, chat_template: str | None = None) -> str:
    """The generation prompt for an eval record: messages before the first assistant turn + tools."""
    messages = normalize_messages(record.get("messages") or [])
    prompt, _ = split_prompt_completion(messages)
    return str(
        tokenizer.apply_chat_template(
            prompt,
            tools=record_tools(record),
            tokenize=False,
            add_generation_prompt=True,
            chat_template=chat_template or tokenizer.chat_template,
        )
    )


def trained_segments(tokenizer: Any, r: Rendered) -> list[tuple[str, bool]]:
    """The rendered ids decoded into consecutive (text, trained) runs (for `toolproof inspect`)."""
    segs: list[tuple[str, bool]] = []
    start = 0
    for i in range(1, len(r.input_ids) + 1):
        if i == len(r.input_ids) or bool(r.trained[i]) != bool(r.trained[start]):
            segs.append((tokenizer.decode(r.input_ids[start:i]), bool(r.trained[start])))
            start = i
    return segs


__all__ = [
    "LOSSES",
    "TEMPLATE_FILE",
    "Rendered",
    "adapter_template",
    "as_given",
    "calls_as_markup",
    "normalize_messages",
    "record_tools",
    "render",
    "render_prompt",
    "shipped_template",
    "split_prompt_completion",
    "supports_tools",
    "to_markup_in_content",
    "trained_segments",
    "training_template",
]
