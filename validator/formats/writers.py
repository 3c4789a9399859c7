"""Canonical records -> the formats trainers read (``toolproof convert --to FORMAT``): the way back out.

Each writer is the inverse of a reader in this package: ``read_record(write_record(rec, X), X)`` gives
``rec`` back for a canonical record whose tool messages carry their call's ``tool_call_id`` and ``name``
(what every reader here writes; tests/test_writers.py checks the round trip per format).

- ``openai``: OpenAI chat fine-tuning JSONL (platform.openai.com/docs/guides/fine-tuning, "function
  calling" examples): ``function.arguments`` as JSON *text*, every ``tool`` message with the
  ``tool_call_id`` of the call it answers (filled in from the calls, oldest unanswered first, preferring
  one of the same name, when the record lacks it), ``tools`` as given.
- ``sharegpt`` / ``llamafactory``: LLaMA-Factory's sharegpt layout (hiyouga/LLaMA-Factory data/README.md):
  ``conversations`` of ``{"from", "value"}`` with ``human`` / ``gpt`` / ``function_call`` / ``observation``,
  a leading system message as ``system``, ``tools`` as JSON text of ``{name, description, parameters}``.
  Parallel calls are one ``function_call`` turn holding a JSON list, their results one ``observation``
  holding a JSON list of the result texts. Call ids that are not the reader's own (``call_1``, ``call_2``
  ... in order) ride along inside the call objects. The ``dataset_info.json`` entry is :func:`dataset_info`.
- ``trl``: TRL's conversational tool-calling layout (``messages`` with ``tool_calls`` whose arguments are
  objects, ``tools`` as JSON Schema functions): the canonical record itself, string arguments decoded.
- ``axolotl``: Axolotl's ``type: chat_template`` with ``field_messages: messages`` and ``field_tools:
  tools`` (the same layout as TRL; the tokenizer's own template renders it). :func:`axolotl_config`
  gives the dataset entry of the YAML config.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from toolproof.validator.formats.common import CallIds


class WriteError(ValueError):
    """A canonical record that the target format cannot hold (the record is quarantined, never altered)."""


def _messages(rec: dict[str, Any]) -> list[dict[str, Any]]:
    msgs = rec.get("messages")
    if not isinstance(msgs, list) or not all(isinstance(m, dict) for m in msgs):
        raise WriteError("the record has no list of message objects")
    return msgs


def _calls(m: dict[str, Any]) -> list[dict[str, Any]]:
    tcs = m.get("tool_calls") or []
    if not isinstance(tcs, list) or not all(isinstance(tc, dict) and isinstance(tc.get("function"), dict) for tc in tcs):
        raise WriteError("tool_calls must be a list of {function: {name, arguments}} objects")
    return tcs


def _args_object(args: Any) -> Any:
    """Arguments as an object (JSON text decoded); anything else as given."""
    if isinstance(args, str):
        try:
            value = json.loads(args)
        except ValueError:
            return args
        return value if isinstance(value, dict) else args
    return args


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------------------------------- OpenAI


def to_openai(rec: dict[str, Any]) -> dict[str, Any]:
    """OpenAI chat fine-tuning: string arguments, ``tool_call_id`` on every tool message."""
    ids = CallIds()
    out_msgs = []
    for m in _messages(rec):
        m = dict(m)
        if m.get("tool_calls"):
            calls = []
            for tc in _calls(m):
                fn = tc["function"]
                args = fn.get("arguments", {})
                cid = ids.new(str(fn.get("name", "")), tc.get("id"))
                calls.append({**tc, "id": cid, "type": tc.get("type", "function"),
                              "function": {**fn, "arguments": args if isinstance(args, str) else _dumps(args)}})
            m["tool_calls"] = calls
        elif m.get("role") == "tool":
            given = m.get("tool_call_id")
            if isinstance(given, str) and given:
                ids.pending = [p for p in ids.pending if p[0] != given]
            else:
                cid, _name = ids.take(m.get("name") if isinstance(m.get("name"), str) else None)
                if cid is None:
                    raise WriteError("a tool message answers no call (OpenAI needs a tool_call_id on each)")
                m["tool_call_id"] = cid
        out_msgs.append(m)
    return {**rec, "messages": out_msgs}


# ----------------------------------------------------------------------------- ShareGPT / LLaMA-Factory


def _sharegpt_call(tc: dict[str, Any], n: int) -> dict[str, Any]:
    fn = tc["function"]
    call: dict[str, Any] = {"name": fn.get("name"), "arguments": _args_object(fn.get("arguments", {}))}
    if tc.get("id") not in (None, f"call_{n}"):
        call["id"] = tc["id"]  # the reader numbers calls call_1, call_2 ...: only another id needs carrying
    return call


def _sharegpt_tool(t: Any) -> Any:
    return t["function"] if isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict) else t


_SHAREGPT_KEYS = frozenset({"role", "content", "tool_calls", "tool_call_id", "name"})


def to_sharegpt(rec: dict[str, Any]) -> dict[str, Any]:
    """LLaMA-Factory sharegpt: ``conversations`` (from / value), ``system``, ``tools`` as JSON text.

    A record the layout cannot hold without loss raises :class:`WriteError` (quarantined, never written
    with something silently dropped): message fields other than role / content / calls (e.g.
    ``reasoning_content``; ``name`` except on tool messages), an assistant turn with both text and calls,
    and tool results the reader would pair with other calls than the record does (it pairs them oldest call
    first). The one change: an empty ``content`` beside calls is read back as null (the layout has no
    text there; every chat template renders both alike)."""
    msgs = _messages(rec)
    turns: list[dict[str, Any]] = []
    system = None
    n_calls = 0
    pending: list[tuple[str, str]] = []  # (id, name) of calls without a result, as the reader queues them
    results: list[str] = []
    for k, m in enumerate(msgs):
        extra = sorted(set(m) - _SHAREGPT_KEYS) or (["name"] if "name" in m and m.get("role") != "tool" else [])
        if extra:
            raise WriteError(f"messages[{k}].{extra[0]}: sharegpt has no place for it (openai, trl and axolotl keep it)")
        role = m.get("role")
        if role != "tool" and results:
            turns.append(_observation(results, len(pending) + len(results)))
            results = []
        content = m.get("content")
        if role == "system" and k == 0 and isinstance(content, str) and content.strip() and not m.keys() & {"name"}:
            system = content  # (the reader drops a blank top-level system: a blank one stays a turn)
        elif role == "tool":
            cid, name = pending.pop(0) if pending else (None, None)
            for key, want in (("tool_call_id", cid), ("name", name)):
                if m.get(key) is not None and m[key] != want:
                    raise WriteError(f"messages[{k}]: answers another call than the oldest open one "
                                     "(sharegpt pairs results with calls in order)")
            results.append(content if isinstance(content, str) else _dumps(content))
        elif role == "assistant" and m.get("tool_calls"):
            if isinstance(content, str) and content:
                raise WriteError("an assistant turn with both text and calls (sharegpt has one or the other)")
            calls = []
            for tc in _calls(m):
                n_calls += 1
                calls.append(_sharegpt_call(tc, n_calls))
                pending.append((tc.get("id") or f"call_{n_calls}", str(tc["function"].get("name"))))
            turns.append({"from": "function_call", "value": _dumps(calls[0] if len(calls) == 1 else calls)})
        elif role in ("user", "assistant", "system") and isinstance(content, str) and not m.keys() & {"tool_calls", "name"}:
            turns.append({"from": {"user": "human", "assistant": "gpt"}.get(role, role), "value": content})
        else:
            raise WriteError(f"messages[{k}]: a {role!r} message sharegpt cannot hold")
    if results:
        turns.append(_observation(results, len(pending) + len(results)))
    out: dict[str, Any] = {k: v for k, v in rec.items() if k not in ("messages", "tools")}
    out["conversations"] = turns
    if system is not None:
        out["system"] = system
    if rec.get("tools"):
        out["tools"] = _dumps([_sharegpt_tool(t) for t in rec["tools"]])
    return out


def _observation(results: list[str], open_calls: int) -> dict[str, Any]:
    """One observation turn: one result as it is, several as a JSON list (the reader splits a list only
    when it has one item per open call, so other counts cannot be written without loss)."""
    if len(results) == 1:
        if open_calls > 1 and _splits(results[0], open_calls):
            raise WriteError("a tool result that is a JSON list with one item per open call would be read as several results")
        return {"from": "observation", "value": results[0]}
    if len(results) != open_calls:
        raise WriteError(f"{len(results)} tool results for {open_calls} open calls in one turn (sharegpt reads one per call)")
    return {"from": "observation", "value": _dumps(results)}


def _splits(text: str, n: int) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, list) and len(value) == n


def dataset_info(file_name: str, name: str | None = None) -> dict[str, Any]:
    """The LLaMA-Factory ``data/dataset_info.json`` entry for a file written by :func:`to_sharegpt`."""
    stem = name or file_name.rsplit(".", 1)[0].removesuffix(".jsonl")
    return {stem: {
        "file_name": file_name,
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
        "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                 "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"},
    }}


# ---------------------------------------------------------------------------------------- TRL / Axolotl


def to_trl(rec: dict[str, Any]) -> dict[str, Any]:
    """TRL conversational tool calling: ``messages`` with argument objects, ``tools``."""
    out_msgs = []
    for m in _messages(rec):
        if m.get("tool_calls"):
            m = {**m, "tool_calls": [{**tc, "function": {**tc["function"], "arguments": _args_object(tc["function"].get("arguments", {}))}}
                                     for tc in _calls(m)]}
        out_msgs.append(m)
    return {**rec, "messages": out_msgs}


def axolotl_config(file_name: str) -> dict[str, Any]:
    """The dataset entry of an Axolotl YAML config for a file written by ``--to axolotl``."""
    return {"datasets": [{"path": file_name, "ds_type": "json", "type": "chat_template",
                          "field_messages": "messages", "field_tools": "tools",
                          "message_property_mappings": {"role": "role", "content": "content"}}]}


@dataclass(frozen=True)
class Writer:
    name: str
    title: str
    write: Callable[[dict[str, Any]], dict[str, Any]]
    reader: str  # the dialect in validator.formats that reads it back
    spec: str
    extra: Callable[[str], dict[str, Any]] | None = None  # what goes beside the file (config entries)


WRITERS: dict[str, Writer] = {
    w.name: w
    for w in (
        Writer("openai", "OpenAI chat fine-tuning", to_openai, "openai",
               "platform.openai.com/docs/guides/fine-tuning (chat format with tools)"),
        Writer("sharegpt", "ShareGPT (LLaMA-Factory sharegpt)", to_sharegpt, "sharegpt",
               "hiyouga/LLaMA-Factory data/README.md", dataset_info),
        Writer("llamafactory", "LLaMA-Factory sharegpt + dataset_info.json", to_sharegpt, "sharegpt",
               "hiyouga/LLaMA-Factory data/README.md", dataset_info),
        Writer("trl", "TRL conversational (messages + tools)", to_trl, "canonical",
               "huggingface.co/docs/trl dataset_formats (tool calling)"),
        Writer("axolotl", "Axolotl chat_template (messages + tools)", to_trl, "canonical",
               "docs.axolotl.ai dataset-formats/conversation (chat_template)", axolotl_config),
    )
}


def write_record(rec: Any, to: str) -> dict[str, Any]:
    """``rec`` (canonical) in format ``to``; raises :class:`WriteError` when the format cannot hold it."""
    if not isinstance(rec, dict):
        raise WriteError(f"a record must be an object, got {type(rec).__name__}")
    return WRITERS[to].write(rec)


__all__ = ["WRITERS", "WriteError", "Writer", "axolotl_config", "dataset_info", "to_openai", "to_sharegpt", "to_trl", "write_record"]
