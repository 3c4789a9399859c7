"""Template-aware lint rules (``toolproof lint --model M``): TP601-TP603.

They render each record with the chat template the trainer would use for model ``M``
(``trainer.models.chat_template_for``) and look at the result: do the calls read back
(TP601), does the chosen loss train them (TP602), does the record fit (TP603). They live in the
trainer layer because they need its templates, and register with the validator's rule registry
when this module is imported (the ``toolproof`` command imports it). Declared with
``needs="model"``: off unless ``ctx.options["model"]`` is set. Importing this module is light:
transformers and the trainer's modules are imported inside the functions; the tokenizer is
cached per model per process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from toolproof.validator.findings import Hit, json_path
from toolproof.validator.rules.base import Context, rule

FAMILY = "template"


@dataclass
class _Model:
    name: str
    tokenizer: Any = None
    template: str = ""
    training_template: str = ""
    error: str | None = None


@lru_cache(maxsize=8)
def _model(name: str) -> _Model:
    try:
        from toolproof.trainer.models import load_tokenizer
        from toolproof.trainer.templates import training_template

        tok = load_tokenizer(name)
        template = str(tok.chat_template)
        return _Model(name, tok, template, training_template(tok, template))
    except Exception as e:  # unknown model, not installed, broken directory: say so on the record
        return _Model(name, error=f"{type(e).__name__}: {e}")


def load_model_error(name: str) -> str | None:
    """Why the tokenizer of ``name`` cannot be loaded (None when it can): the lint command checks
    this first, so a missing library or an unknown model is one usage error, not a finding per record."""
    return _model(name).error


def _norm_args(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return None
    return value if isinstance(value, dict) else None


def _expected_calls(msg: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The structured calls of one assistant message as flat calls; None when they are too broken to compare."""
    out = []
    for c in msg.get("tool_calls") or []:
        if not isinstance(c, dict):
            return None
        fn = c.get("function") if isinstance(c.get("function"), dict) else c
        name = fn.get("name")
        args = _norm_args(fn.get("arguments", {}))
        if not isinstance(name, str) or not name or args is None:
            return None  # TP202 / TP203 / TP204 / TP207 report these
        out.append({"name": name, "arguments": args})
    return out


def _summary(calls: list[dict[str, Any]]) -> str:
    if not calls:
        return "no call"
    return ", ".join(f"{c.get('name')}({json.dumps(c.get('arguments'), sort_keys=True)})" for c in calls)


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    def key(cs: list[dict[str, Any]]) -> list[str]:
        return [json.dumps({"n": c.get("name"), "a": c.get("arguments")}, sort_keys=True) for c in cs]

    return key(a) == key(b)


def _string_arguments(text: str) -> str | None:
    """The name of the first call whose rendered ``arguments`` is a string (double-encoded), if any."""
    from toolproof.validator.callsyntax.base import scan_tool_call_tags

    for block in scan_tool_call_tags(text).blocks:
        try:
            obj = json.loads(block.inner)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("arguments"), str):
            return str(obj.get("name"))
    return None


def _prompt_end(m: _Model, record: dict[str, Any], text: str) -> int:
    from transformers.utils.chat_template_utils import render_jinja_template

    from toolproof.trainer.templates import normalize_messages, record_tools, split_prompt_completion

    prompt, _ = split_prompt_completion(normalize_messages(record["messages"]))
    try:
        rendered, _ = render_jinja_template(
            conversations=[prompt], tools=record_tools(record), chat_template=m.template,
            add_generation_prompt=True, **m.tokenizer.special_tokens_map,
        )  # fmt: skip
    except Exception:
        return 0
    return len(rendered[0]) if text.startswith(rendered[0]) else 0


def _applicable(record: Any, ctx: Context) -> _Model | None:
    name = ctx.options.get("model")
    if not name or not isinstance(record, dict) or not isinstance(record.get("messages"), list):
        return None
    if not record["messages"] or not all(isinstance(m, dict) for m in record["messages"]):
        return None
    return _model(str(name))


def _render_spans(m: _Model, record: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
    """The record rendered with the (training) template, and the char spans of the assistant outputs."""
    from transformers.utils.chat_template_utils import render_jinja_template

    from toolproof.trainer.templates import normalize_messages, record_tools

    rendered, spans = render_jinja_template(
        conversations=[normalize_messages(record["messages"])],
        tools=record_tools(record),
        chat_template=m.training_template,
        return_assistant_tokens_mask=True,
        **m.tokenizer.special_tokens_map,
    )
    return rendered[0], [tuple(s) for s in spans[0]]  # type: ignore[misc]


_RENDER_CACHE: dict[str, Any] = {}


def _rendered(m: _Model, record: dict[str, Any], loss: str, max_length: int | None = None) -> Any:
    """``trainer.templates.render`` for (record, model, loss), remembered for the last record."""
    from toolproof.trainer.templates import render

    key = (m.name, loss)
    if _RENDER_CACHE.get("obj") is record and _RENDER_CACHE.get("key") == key:
        return _RENDER_CACHE["value"]
    try:
        value: Any = render(m.tokenizer, record, loss=loss, chat_template=m.template)
    except Exception as e:
        value = e
    _RENDER_CACHE.update(obj=record, key=key, value=value)
    return value


@rule("TP601", "template-round-trip-mismatch", family=FAMILY, needs="model")
def template_round_trip_mismatch(record: Any, ctx: Context) -> Iterator[Hit]:
    """The calls read back from the record rendered with the model's chat template differ from its structured calls.

    ## What it does
    Renders the record with the chat template the trainer uses for `--model` (toolproof's
    tool-aware ChatML template for SmolLM2, the model's own tools template for Qwen2.5, the
    template stored with an adapter), extracts the calls from each rendered assistant turn with the
    evaluator's Hermes extractor, and compares them with the record's structured `tool_calls`.
    Also reports records the template cannot render at all.

    ## Why is this bad?
    What the model is trained on is the rendered text, not the JSON. A template that drops
    `tool_calls`, double-encodes arguments as a string, or crashes, teaches the model something
    other than the calls in the data, and the evaluator will not read its calls back.

    ## Example
    A template with no tool support renders `{"role": "assistant", "tool_calls": [...]}` as an
    empty assistant turn: the call `get_weather({"city": "Paris"})` reads back as "no call".

    ## Use instead
    Train with a tool-aware template (`toolproof train` picks one; `toolproof inspect` shows the
    rendering), or give the calls a shape the template renders.

    ## Fix safety
    No automatic fix: the template, not the record, has to change.
    """
    m = _applicable(record, ctx)
    if m is None:
        return
    if m.error:
        yield Hit("$", f"cannot load the tokenizer of model {m.name!r}: {m.error}")
        return
    try:
        text, spans = _render_spans(m, record)
    except Exception as e:
        yield Hit("$.messages", f"the {m.name} chat template cannot render this record: {type(e).__name__}: {e}")
        return
    from toolproof.validator.callsyntax import read_calls

    assistants = [i for i, msg in enumerate(record["messages"]) if msg.get("role") == "assistant"]
    if not spans and assistants:  # no {% generation %} markers: everything after the rendered prompt
        spans = [(_prompt_end(m, record, text), len(text))]
    if len(spans) != len(assistants):  # the template merged or dropped turns: compare everything at once
        expected: list[dict[str, Any]] = []
        for i in assistants:
            calls = _expected_calls(record["messages"][i])
            if calls is None:
                return
            expected += calls
        got = [c for s, e in spans for c in read_calls(text[s:e], "hermes").calls]
        if not _same(got, expected):
            yield Hit(
                "$.messages",
                f"rendered with the {m.name} template ({len(spans)} assistant span(s) for {len(assistants)} "
                f"assistant turn(s)), the calls read back as {_summary(got)} instead of {_summary(expected)}",
            )
        return
    for i, (s, e) in zip(assistants, spans):
        msg = record["messages"][i]
        if not msg.get("tool_calls"):
            continue  # markup typed in content is TP105's business
        want = _expected_calls(msg)
        if want is None:
            continue
        got = read_calls(text[s:e], "hermes").calls
        encoded = _string_arguments(text[s:e])
        if encoded:
            yield Hit(
                json_path("messages", i, "tool_calls"),
                f"the {m.name} template renders the arguments of {encoded} as a JSON string "
                "(double-encoded), not as an object",
            )
        elif not _same(got, want):
            yield Hit(
                json_path("messages", i, "tool_calls"),
                f"rendered with the {m.name} template, the calls read back as {_summary(got)} "
                f"instead of {_summary(want)}",
            )


@rule("TP602", "calls-not-trained", family=FAMILY, needs="model")
def calls_not_trained(record: Any, ctx: Context) -> Iterator[Hit]:
    """With the chosen loss, the tokens of a call are not trained, the prompt is, or nothing is.

    ## What it does
    Renders the record with the model's template, computes the loss mask the way `SFTTrainer`
    will for `--loss` (`assistant_only` by default, `completion_only`, `full`), and checks that
    every structured call is inside the trained tokens, that the prompt (system, tools, user turn)
    is not trained (except with `full` loss, which trains everything by design), and that at least
    one token is trained.

    ## Why is this bad?
    A call outside the mask is never learned; a record with zero trained tokens costs compute and
    teaches nothing (TRL drops it, or fails with assistant-only loss); training on the prompt teaches
    the model to write user turns and tool lists.

    ## Example
    With `completion_only` loss and the calls inside the prompt half of the split, or a template
    without `{% generation %}` markers under `assistant_only` loss: no token is trained.

    ## Use instead
    Pick a loss and template that mask the assistant turns (`toolproof inspect DATA --model M
    --loss L` shows the mask).

    ## Fix safety
    No automatic fix.
    """
    m = _applicable(record, ctx)
    if m is None or m.error:
        return  # TP601 reports a model that cannot load
    loss = str(ctx.options.get("loss") or "assistant_only")
    if loss not in ("assistant_only", "completion_only", "full"):
        return
    r = _rendered(m, record, loss)
    if isinstance(r, Exception):
        return  # TP601 reports records the template cannot render
    if r.n_trained == 0:
        yield Hit("$.messages", f"with {loss} loss no token of this record is trained ({r.n_tokens} tokens, all masked)")
        return
    from toolproof.trainer.templates import trained_segments
    from toolproof.validator.callsyntax import read_calls

    trained_calls = []
    for seg, trained in trained_segments(m.tokenizer, r):
        if trained:
            trained_calls += read_calls(seg, "hermes").calls
    expected: list[dict[str, Any]] = []
    for msg in record["messages"]:
        if msg.get("role") == "assistant" and msg.get("tool_calls"):
            calls = _expected_calls(msg)
            if calls is None:
                return
            expected += calls
    keys = [json.dumps(c, sort_keys=True) for c in trained_calls]
    missing = []
    for c in expected:
        k = json.dumps(c, sort_keys=True)
        if k in keys:
            keys.remove(k)
        else:
            missing.append(c)
    if missing:
        yield Hit(
            "$.messages",
            f"with {loss} loss {len(missing)} of {len(expected)} call(s) are not in the trained tokens: {_summary(missing)}",
        )
    if loss != "full":
        from toolproof.trainer.templates import normalize_messages, record_tools, split_prompt_completion

        prompt, _ = split_prompt_completion(normalize_messages(record["messages"]))
        if not prompt:
            return
        try:
            p_ids = list(
                m.tokenizer.apply_chat_template(
                    prompt, tools=record_tools(record), tokenize=True, return_dict=True, add_generation_prompt=True,
                    chat_template=m.template,
                )["input_ids"]
            )  # fmt: skip
        except Exception:
            return
        n = 0
        while n < min(len(p_ids), len(r.input_ids)) and p_ids[n] == r.input_ids[n]:
            n += 1
        # whitespace the template puts inside the generation block (Qwen's "\n" after the role) is harmless
        leaked = sum(
            1 for i in range(n) if r.trained[i] and m.tokenizer.decode([r.input_ids[i]]).strip() != ""
        )
        if leaked:
            yield Hit("$.messages", f"with {loss} loss {leaked} of the {n} prompt tokens are trained")


@rule("TP603", "record-too-long", family=FAMILY, needs="model")
def record_too_long(record: Any, ctx: Context) -> Iterator[Hit]:
    """The record rendered with the model's template has more tokens than the training max length.

    ## What it does
    Counts the tokens of the record rendered with the model's chat template (tools included) and
    compares them with `--max-length` (default 1024, the `toolproof train` default).

    ## Why is this bad?
    The trainer truncates the sequence: calls past the limit are cut mid-JSON or lost, so the model
    learns truncated calls, or the record trains nothing at all.

    ## Example
    A record with 40 tool definitions renders to 3,100 tokens; with `max_length` 1024 its assistant
    turn is never seen.

    ## Use instead
    Raise `--max-length` (memory permitting), list only the tools the record needs, or drop the record.

    ## Fix safety
    No automatic fix.
    """
    m = _applicable(record, ctx)
    if m is None or m.error:
        return
    try:
        limit = int(ctx.options.get("max_length") or 1024)
    except (TypeError, ValueError):
        limit = 1024
    r = _rendered(m, record, "full")
    if isinstance(r, Exception):
        return
    if r.n_tokens > limit:
        yield Hit("$", f"{r.n_tokens} tokens with the {m.name} template, over the max length of {limit}")
