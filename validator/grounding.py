"""What a record's text supports (pure Python, no rule imports): grounding of argument values and
the relatedness of a request to the offered tools.

Shared by the mix rules (TP702, TP703), ``data stats`` (``calls_with_unstated_values``) and the
balance repair, so that they all count the same thing.

Grounding (:func:`ungrounded_values`): an argument value is *grounded* when the conversation
before the call (user, system and tool text) supports it:

- booleans, nulls and empty strings always are (they are choices, not facts);
- a value listed in the parameter's ``enum`` or equal to its ``default`` is;
- a number is when the text holds it in any common form ("1,000", "1000", "1000.0", "5%" for 0.05,
  "five" for 5; a number glued to a unit, "5km", counts);
- a string is when its lower-cased, whitespace-collapsed form occurs in the text (not inside a longer
  word: "fr" is not in "French"), when it is a number the text holds, a time of day the text gives in
  another form ("10:00" for "10 AM"), or when each of its words (split on anything but letters and digits,
  snake_case and camelCase split; unit words such as "km" or "usd" and fillers such as "and", "the"
  left out) occurs in the text.

Relatedness (:func:`content_words`, :func:`related`): the content words of a text are its words
lower-cased, snake_case and camelCase split, a final plural "s" dropped, without English stop words
and the boilerplate of requests ("please", "help") and tool docs ("function", "parameter"). A
request is related to a tool when they share a content word (the tool's words come from its name,
description and parameter names). No model: cheap, deterministic, and documented.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

# ------------------------------------------------------------------------------------ words

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can cannot could did do does doing done down during each either else
    ever every few for from further get gets getting got had has have having he her here hers herself
    him himself his how i if in into is it its itself just let lets me might mine more most much must
    my myself near need needs no nor not now of off on once one only or other our ours ourselves out
    over own please same shall she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up upon us very via was we were what when
    where which while who whom whose why will with within without would yes yet you your yours
    yourself yourselves
    hi hello hey thanks thank ok okay sure like want wanted know tell give show help find make use
    used using look looking see new also well really kindly able going go s t d ll re ve m
    function functions tool tools api parameter parameters param params value values argument arguments
    string number integer boolean object array type optional required default e g eg etc ie
    specified specific given provided provide returns return information info details detail data
    based certain particular times
    """.split()
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``: letters/digits runs, snake_case and camelCase split."""
    return [w.lower() for w in _WORD.findall(_CAMEL.sub(" ", text))]


def stem_word(w: str) -> str:
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def content_words(text: str) -> set[str]:
    """The content words of ``text`` (see the module doc); digits-only words are left out."""
    out = set()
    for w in words(text):
        if w in STOP_WORDS or w.isdigit() or len(w) < 2:
            continue
        out.add(stem_word(w))
    return out


def tool_words(fn: Mapping[str, Any], *, params: bool = True) -> frozenset[str]:
    """Content words of a tool's ``function`` dict: name, description and (unless ``params=False``)
    parameter names."""
    parts: list[str] = []
    if isinstance(fn.get("name"), str):
        parts.append(fn["name"])
    if isinstance(fn.get("description"), str):
        parts.append(fn["description"])
    schema = fn.get("parameters")
    props = schema.get("properties") if isinstance(schema, dict) and params else None
    if isinstance(props, dict):
        parts.extend(str(k) for k in props)
    return _content_words_cached(" ".join(parts))


@lru_cache(maxsize=4096)
def _content_words_cached(text: str) -> frozenset[str]:
    return frozenset(content_words(text))  # the same tools recur in record after record


def tool_functions(record: Any) -> list[dict[str, Any]]:
    """The ``function`` dicts of a record's tools (canonical or flat form), leniently."""
    tools = record.get("tools") if isinstance(record, dict) else None
    out = []
    for t in tools if isinstance(tools, list) else []:
        if isinstance(t, dict):
            fn = t.get("function") if isinstance(t.get("function"), dict) else t
            if isinstance(fn.get("name"), str):
                out.append(fn)
    return out


def related(request: str, tools: list[dict[str, Any]]) -> list[str]:
    """Names of the tools that share a content word with ``request`` (in the tools' order)."""
    req = content_words(request)
    if not req:
        return []
    return [fn["name"] for fn in tools if req & tool_words(fn)]


# ------------------------------------------------------------------------------------ numbers

_NUMBER = re.compile(r"(?<![\d.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])(\s?(?:%|percent\b|per cent\b))?", re.I)
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000, "dozen": 12, "half": 0.5,
    "single": 1, "once": 1, "twice": 2, "double": 2, "triple": 3, "pair": 2, "couple": 2,
}
UNIT_WORDS = frozenset(
    """
    km kilometer kilometers kilometre kilometres mi mile miles m meter meters metre metres cm mm ft feet foot
    inch inches in yd yard yards kg kilogram kilograms g gram grams lb lbs pound pounds oz ounce ounces
    l liter liters litre litres ml c f k celsius fahrenheit kelvin degree degrees
    usd eur gbp jpy inr cny cad aud chf dollar dollars euro euros yen rupee rupees cent cents
    percent percentage pct
    s sec secs second seconds min mins minute minutes h hr hrs hour hours day days week weeks month months
    year years yr yrs
    """.split()
)


# words a value may add or drop without stating a new fact ("Simon and Garfunkel" for "Simon & Garfunkel")
_FILLER = frozenset("a an and the of in on at to for or & with by".split())


def canonical_number(value: Any) -> str | None:
    """A number's canonical text (``1000.0`` -> "1000", ``0.50`` -> "0.5"); None when not a number."""
    if isinstance(value, bool):
        return None
    if type(value) is int:
        return str(value)
    if type(value) is float and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    try:
        if isinstance(value, Decimal):
            d = value
        elif isinstance(value, str):
            d = Decimal(value.replace(",", "").strip())
        elif isinstance(value, (int, float)):
            d = Decimal(repr(value))
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite():
        return None
    d = d.normalize()
    s = format(d, "f")
    return "0" if s in ("-0", "+0") else s


_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.I)


def text_numbers(text: str) -> set[str]:
    """Canonical forms of every number the text holds (also written as words; "5%" adds 0.05)."""
    out: set[str] = set()
    for m in _NUMBER.finditer(text):
        raw = m.group(0)
        if raw.isdigit():  # the common case, without Decimal
            n: str | None = raw.lstrip("0") or "0"
        else:
            n = canonical_number(raw[: m.start(1) - m.start(0)] if m.group(1) else raw)
        if n is None:
            continue
        out.add(n)
        out.add(n.lstrip("+-"))
        if m.group(1):
            pct = canonical_number(Decimal(n) / 100)
            if pct is not None:
                out.add(pct)
    for w in _NUMBER_WORD.findall(text):
        n = canonical_number(NUMBER_WORDS[w.lower()])
        if n is not None:
            out.add(n)
    return out


# ------------------------------------------------------------------------------------ grounding


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::00)?")
_TIME_OF_DAY = re.compile(r"(?<![\d:])(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?![\d])")


def _wordish(c: str) -> bool:
    """A letter or digit of a script that separates words (CJK, kana and hangul text does not)."""
    return c.isalnum() and ord(c) < 0x2E80


def _occurs(text: str, v: str) -> bool:
    """Whether ``v`` occurs in ``text`` not glued to a letter or digit ("fr" is not in "french")."""
    start = text.find(v)
    while start >= 0:
        end = start + len(v)
        before_ok = start == 0 or not (_wordish(v[0]) and _wordish(text[start - 1]))
        after_ok = end == len(text) or not (_wordish(v[-1]) and _wordish(text[end]))
        if before_ok and after_ok:
            return True
        start = text.find(v, start + 1)
    return False


def _written_as_is(text: str, n: str) -> bool:
    """Whether ``n`` occurs in ``text`` as a whole number (no digit or decimal point glued to it)."""
    start = text.find(n)
    while start >= 0:
        end = start + len(n)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isdigit() or before in ".,") and not (after.isdigit() or (after in ".," and text[end + 1 : end + 2].isdigit())):
            return True
        start = text.find(n, start + 1)
    return False


class Grounds:
    """The text a call may draw on, prepared once: normalised text, its words and numbers."""

    __slots__ = ("_clock", "_numbers", "_words", "text")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split()).lower()
        self._words: set[str] | None = None
        self._numbers: set[str] | None = None
        self._clock: set[str] | None = None

    @property
    def word_set(self) -> set[str]:
        if self._words is None:
            self._words = {_num_word(w) for w in words(self.text)} | {stem_word(w) for w in words(self.text)}
        return self._words

    @property
    def clock_times(self) -> set[str]:
        """Times of day the text holds, as H:MM on a 24-hour clock ("10 AM", "3:30pm", "15:30")."""
        if self._clock is None:
            self._clock = set()
            for m in _TIME_OF_DAY.finditer(self.text):
                h, mins, ampm = int(m.group(1)), m.group(2) or "00", (m.group(3) or "").replace(".", "")
                if ampm == "pm" and h < 12:
                    h += 12
                elif ampm == "am" and h == 12:
                    h = 0
                if h < 24 and (ampm or m.group(2)):
                    self._clock.add(f"{h}:{mins}")
        return self._clock

    @property
    def numbers(self) -> set[str]:
        if self._numbers is None:
            self._numbers = text_numbers(self.text)
        return self._numbers

    def number(self, value: Any) -> bool:
        n = canonical_number(value)
        if n is None:
            return False
        if _written_as_is(self.text, n.lstrip("-")):  # the common case, without reading every number
            return True
        return n in self.numbers or n.lstrip("-") in self.numbers


    def string(self, value: str) -> bool:
        v = " ".join(value.split()).lower()
        if not v or _occurs(self.text, v):
            return True
        clock = _CLOCK.fullmatch(v)
        if clock and f"{int(clock.group(1))}:{clock.group(2)}" in self.clock_times:
            return True
        if canonical_number(v.strip("$€£¥")) is not None and self.number(v.strip("$€£¥")):
            return True
        ws = [w for w in words(value) if w not in UNIT_WORDS and w not in _FILLER]
        if not ws:
            return True
        have = self.word_set
        return all(_num_word(w) in have or stem_word(w) in have or (w.isdigit() and self.number(w)) for w in ws)


def _num_word(w: str) -> str:
    if w.isdigit():
        return w.lstrip("0") or "0"
    return w


def _schema_at(schema: Any, parts: tuple[Any, ...]) -> Any:
    """The sub-schema of ``schema`` (an ``object`` schema) for a value at ``parts``; None if unknown."""
    s = schema
    for p in parts:
        if not isinstance(s, dict):
            return None
        if isinstance(p, int):
            s = s.get("items")
        else:
            props = s.get("properties")
            s = props.get(p) if isinstance(props, dict) else None
    return s if isinstance(s, dict) else None


def _allowed(value: Any, sub: Any) -> bool:
    if not isinstance(sub, dict):
        return False
    enum = sub.get("enum")
    if isinstance(enum, list) and any(value == e and type(value) is type(e) for e in enum):
        return True
    if "default" in sub and sub["default"] == value and type(sub["default"]) is type(value):
        return True
    if "const" in sub and sub["const"] == value:
        return True
    return False


def _leaves(value: Any, parts: tuple[Any, ...] = (), depth: int = 0) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if depth > 50:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*parts, k), depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*parts, i), depth + 1)
    else:
        yield parts, value


def ungrounded_values(
    arguments: Any, grounds: Grounds, schema: Any = None, *, choices: bool = True
) -> list[tuple[tuple[Any, ...], Any]]:
    """``(path parts inside the arguments, value)`` of each scalar the text does not support.

    ``schema`` is the tool's ``parameters``. With ``choices`` (the default), booleans, nulls, enum
    members and schema defaults are grounded; without, only what the text holds is (``data stats``
    counts values the user did not write). Never raises.
    """
    out: list[tuple[tuple[Any, ...], Any]] = []
    if not isinstance(arguments, dict):
        return out
    for parts, v in _leaves(arguments):
        if v is None or isinstance(v, bool):
            if not choices:
                out.append((parts, v))
            continue
        if choices and _allowed(v, _schema_at(schema, parts)):
            continue
        if isinstance(v, (int, float)):
            ok = grounds.number(v)
        elif isinstance(v, str):
            ok = grounds.string(v)
        else:
            ok = True
        if not ok:
            out.append((parts, v))
    return out


def is_grounded(arguments: Any, text: str, schema: Any = None) -> bool:
    """Whether every argument value is supported by ``text`` (see :func:`ungrounded_values`)."""
    return not ungrounded_values(arguments, Grounds(text), schema)


def context_text(messages: Any, upto: int | None = None) -> str:
    """The user, system and tool text of ``messages`` (those before index ``upto`` when given)."""
    parts = []
    for i, m in enumerate(messages if isinstance(messages, list) else []):
        if upto is not None and i >= upto:
            break
        if isinstance(m, dict) and m.get("role") in ("user", "system", "tool") and isinstance(m.get("content"), str):
            parts.append(m["content"])
    return "\n".join(parts)


def record_ungrounded(
    record: Any, *, expected: bool = False, roles: tuple[str, ...] = ("user", "system", "tool"), choices: bool = True
) -> Iterator[tuple[tuple[Any, ...], str, list[tuple[tuple[Any, ...], Any]]]]:
    """Each call of ``record`` that holds arguments, as ``(path of its arguments, tool name, ungrounded
    values)``; the list is empty when every value is grounded. Never raises on odd records.

    A structured call's path is ``("messages", i, "tool_calls", j, "function", "arguments")`` (without
    ``"function"`` for a flat call); a ``<tool_call>`` markup call's is ``("messages", i, "content")``.
    Each call is grounded in the text of the ``roles`` messages before its message (``choices`` as for
    :func:`ungrounded_values`); arguments given as a JSON string are read. With ``expected=True``, a
    record without calling turns yields its ``expected_calls`` (test records), grounded in all the text.
    """
    if not isinstance(record, dict):
        return
    msgs = record.get("messages")
    msgs = msgs if isinstance(msgs, list) else []
    schemas = {fn["name"]: fn.get("parameters") for fn in tool_functions(record)}
    parts: list[str] = []
    grounds: Grounds | None = None
    found = False
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role in roles and isinstance(m.get("content"), str):
            parts.append(m["content"])
            grounds = None
        if role != "assistant":
            continue
        calls: list[tuple[tuple[Any, ...], Any, Any]] = []
        tcs = m.get("tool_calls")
        if isinstance(tcs, list) and tcs:
            for j, tc in enumerate(tcs):
                if not isinstance(tc, dict):
                    continue
                if isinstance(tc.get("function"), dict):
                    fn, path = tc["function"], ("messages", i, "tool_calls", j, "function", "arguments")
                else:
                    fn, path = tc, ("messages", i, "tool_calls", j, "arguments")
                calls.append((path, fn.get("name"), fn.get("arguments")))
        elif isinstance(m.get("content"), str) and "<tool_call>" in m["content"]:
            from toolproof.validator.callsyntax.base import parse_call_payload, scan_tool_call_tags

            for b in scan_tool_call_tags(m["content"]).blocks:
                for c in parse_call_payload(b.inner).calls:
                    calls.append((("messages", i, "content"), c.get("name"), c.get("arguments")))
        for path, name, args in calls:
            found = True
            args = _as_object(args)
            if not args:
                continue
            if grounds is None:
                grounds = Grounds("\n".join(parts))
            schema = schemas.get(name) if isinstance(name, str) else None
            yield path, name if isinstance(name, str) else "", ungrounded_values(args, grounds, schema, choices=choices)
    if expected and not found and isinstance(record.get("expected_calls"), list):
        grounds = Grounds("\n".join(parts))
        for k, ec in enumerate(record["expected_calls"]):
            if not isinstance(ec, dict):
                continue
            fn = ec.get("function") if isinstance(ec.get("function"), dict) else ec
            args, name = _as_object(fn.get("arguments")), fn.get("name")
            if args:
                schema = schemas.get(name) if isinstance(name, str) else None
                yield ("expected_calls", k, "arguments"), name if isinstance(name, str) else "", ungrounded_values(
                    args, grounds, schema, choices=choices)


def _as_object(args: Any) -> dict[str, Any] | None:
    """Arguments as a dict (a JSON string holding an object is read); None otherwise."""
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except (ValueError, RecursionError):
            return None
    return args if isinstance(args, dict) else None


__all__ = [
    "Grounds",
    "record_ungrounded",
    "STOP_WORDS",
    "UNIT_WORDS",
    "canonical_number",
    "stem_word",
    "content_words",
    "context_text",
    "is_grounded",
    "related",
    "text_numbers",
    "tool_functions",
    "tool_words",
    "ungrounded_values",
    "words",
]
