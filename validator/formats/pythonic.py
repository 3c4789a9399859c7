"""Pythonic call lists, as ToolACE (and BFCL, Llama 3.2/4 "pythonic") write them: ``[f(a=1), g(b="x")]``.

Tool names in ToolACE may hold spaces and punctuation (``[Market Trends API(trend_type="GAINERS")]``),
which Python's grammar does not allow; the name is therefore everything before the call's ``(`` and
only the argument list is parsed, with :mod:`ast` (keyword arguments whose values are literals).
"""

from __future__ import annotations

import ast
from typing import Any

from toolproof.validator.formats.common import is_json_data


class PythonicError(ValueError):
    pass


def _split_top(text: str) -> list[str]:
    """Split ``text`` at top-level commas (outside brackets and string literals)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    cur: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            cur.append(ch)
            if ch == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
            cur.append(ch)
        elif ch in "([{":
            depth += 1
            cur.append(ch)
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise PythonicError(f"unbalanced {ch!r}")
            cur.append(ch)
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if quote:
        raise PythonicError("unterminated string")
    if depth:
        raise PythonicError("unbalanced brackets")
    tail = "".join(cur).strip()
    if tail:
        parts.append(tail)
    return parts


def _literal(node: ast.expr) -> Any:
    value = ast.literal_eval(node)
    if isinstance(value, tuple):
        value = list(value)
    if not is_json_data(value):
        raise PythonicError(f"argument value {ast.unparse(node)[:40]!r} is not JSON data")
    return value


def parse_call(text: str) -> dict[str, Any]:
    """``name(a=1, b="x")`` -> ``{"name", "arguments"}``."""
    text = text.strip()
    if not text.endswith(")") or "(" not in text:
        raise PythonicError(f"not a call: {text[:60]!r}")
    node: ast.expr | None = None
    name = ""
    err = "no argument list"
    open_at = text.find("(")
    while open_at > 0:  # a name may hold "(" itself: "Send SMS (Custom)(otp=1)"
        name = text[:open_at].strip()
        try:
            node = ast.parse("f(" + text[open_at + 1:], mode="eval").body
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "f":
                break
            err, node = "not one call", None
        except SyntaxError as e:
            err = e.msg
            node = None
        open_at = text.find("(", open_at + 1)
    if node is None:
        raise PythonicError(f"arguments of {name[:60]!r} do not parse ({err})")
    if not name or any(c in name for c in "[]{}=\"'\n"):
        raise PythonicError(f"not a call name: {name[:60]!r}")
    if not isinstance(node, ast.Call):
        raise PythonicError(f"not a call: {text[:60]!r}")
    if node.args:
        raise PythonicError(f"{name}: positional arguments have no parameter names")
    args: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise PythonicError(f"{name}: **kwargs cannot be read")
        try:
            args[kw.arg] = _literal(kw.value)
        except (ValueError, SyntaxError, TypeError) as e:
            raise PythonicError(f"{name}: argument {kw.arg!r} is not a literal ({e})") from None
    return {"name": name, "arguments": args}


def parse_calls(text: str) -> list[dict[str, Any]]:
    """``[f(a=1), g(b=2)]`` (the brackets optional for one call) -> calls. Raises PythonicError."""
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1].strip()
    if not body:
        return []
    return [parse_call(p) for p in _split_top(body)]


def looks_pythonic(text: Any) -> bool:
    """Cheap test: the whole text is ``[name(...)...]``."""
    if not isinstance(text, str):
        return False
    t = text.strip()
    return t.startswith("[") and t.endswith(")]") and "(" in t[1:80]


__all__ = ["PythonicError", "looks_pythonic", "parse_call", "parse_calls"]
