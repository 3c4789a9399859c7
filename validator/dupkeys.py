"""Duplicate keys in a JSON object (TP011), found without slowing the reader down.

orjson (like ``json``) keeps the last of repeated keys and says nothing. A cheap test runs on
every record: the number of colons in the raw text against the number in the compact
re-serialisation of the parsed value (each key has one; colons inside strings are the same
text in both). They differ when a key was dropped, or when the text escapes a colon inside a
string as ``\u003a``; only then is the record parsed again with ``json``'s
``object_pairs_hook`` to find each repeated key and its path. (A repeat is missed only if the
text also escapes exactly as many string colons as it repeats keys.)
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from toolproof.validator.findings import FixSafety, Hit, json_path


def may_have_duplicates(data: bytes, obj: Any, body: bytes | None = None, data_colons: int | None = None) -> bool:
    """Cheap pre-check: False when the text and the re-serialised value hold as many colons
    (then no key was dropped). ``body``: the value's ``records.body_json`` when the caller has it
    (the same colons less those of the ``"id"`` member, counted here); ``data_colons``: the colons
    of ``data`` when the caller counted them."""
    if not isinstance(obj, (dict, list)):
        return False
    try:
        if body is None:
            return data.count(b":") != orjson.dumps(obj).count(b":")
        colons = body.count(b":")
        if type(obj) is dict and "id" in obj:
            colons += 1 + orjson.dumps(obj["id"]).count(b":")
    except (TypeError, orjson.JSONEncodeError):
        return True
    return (data.count(b":") if data_colons is None else data_colons) != colons


def find_duplicates(text: str | bytes) -> list[tuple[str, str, int, Any]]:
    """Each repeated key: ``(path of the key, key, times it appears, the value kept last)``."""
    marks: dict[int, list[tuple[str, int]]] = {}
    keep: list[Any] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for k, v in pairs:
            seen[k] = seen.get(k, 0) + 1
            d[k] = v
        dups = [(k, n) for k, n in seen.items() if n > 1]
        if dups:
            marks[id(d)] = dups
            keep.append(d)
        return d

    try:
        tree = json.loads(text, object_pairs_hook=hook)
    except (ValueError, RecursionError):
        return []
    if not marks:
        return []
    found: list[tuple[str, str, int, Any]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(tree, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for k, n in marks.get(id(node), ()):
                found.append((json_path(*path, k), k, n, node[k]))
            stack.extend((v, (*path, k)) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(node))))
    return found


def _short(value: Any, limit: int = 60) -> str:
    try:
        s = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        s = repr(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def duplicate_key_hits(data: bytes, obj: Any, body: bytes | None = None, data_colons: int | None = None) -> list[tuple[str, Hit]]:
    """TP011 hits for the repeated keys of a parsed record (empty for nearly every record)."""
    if not may_have_duplicates(data, obj, body, data_colons):
        return []
    hits = []
    for path, key, n, kept in find_duplicates(data):
        msg = (f"key {json.dumps(key, ensure_ascii=False)} appears {n} times in one object; "
               f"this reader keeps the last value ({_short(kept)}), others keep the first")
        hits.append(("TP011", Hit(path=path, message=msg, fix=FixSafety.NONE)))
    return hits


__all__ = ["duplicate_key_hits", "find_duplicates", "may_have_duplicates"]
