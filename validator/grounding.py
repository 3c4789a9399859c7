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

import orjson

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
# ASCII characters that are not word characters (``\w``) -> " ", and those that are not letters or digits
_ASCII_NON_W = {c: " " for c in range(128) if not re.match(r"\w", chr(c))}
_ASCII_NON_ALNUM = {c: " " for c in range(128) if not chr(c).isalnum()}


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``: letters/digits runs, snake_case and camelCase split."""
    if text.isascii():
        low = text.lower()
        if text == low:  # nothing upper-case: no camelCase boundary, each word is lower-case
            return low.translate(_ASCII_NON_ALNUM).split()
        # Word by word: a camelCase boundary needs an upper-case letter after a word's first
        # character, so only such words ("getWeather", "NYCTrip") go through the pattern.
        out: list[str] = []
        for tok in text.translate(_ASCII_NON_ALNUM).split():
            rest = tok[1:]
            if rest == rest.lower():
                out.append(tok.lower())
            else:
                out.extend(w.lower() for w in _CAMEL.sub(" ", tok).split())
        return out
    if text == text.lower():
        return _WORD.findall(text)
    return [w.lower() for w in _WORD.findall(_CAMEL.sub(" ", text))]


def stem_word(w: str) -> str:
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def content_words(text: str) -> set[str]:
    """The content words of ``text`` (see the module doc); digits-only words are left out."""
    # (stem_word inlined: this runs on every request of a no-call record)
    return {
        w[:-1] if len(w) > 3 and w[-1] == "s" and w[-2] != "s" else w
        for w in words(text)
        if len(w) >= 2 and w not in STOP_WORDS and not w.isdigit()
    }


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


# Text-keyed caches stay small: a message text can be kilobytes, and what recurs (a system prompt,
# the earlier turns of the same record) is always recent, so memory stays flat as files grow.
@lru_cache(maxsize=512)
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

# (the lookahead is implied by what follows; it lets the scan skip to a sign or digit, ~2x faster)
_NUMBER = re.compile(r"(?=[-+\d])(?<![\d.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])(\s?(?:%|percent\b|per cent\b))?", re.I)
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


_DIGIT = re.compile(r"\d")


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
            if not _DIGIT.search(value):  # no digit: not a finite number (and no costly Decimal error)
                return None
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


_WORDS_FOR: dict[str, tuple[str, ...]] = {}  # canonical number -> the number words for it
for _w, _v in NUMBER_WORDS.items():
    _WORDS_FOR[str(canonical_number(_v))] = (*_WORDS_FOR.get(str(canonical_number(_v)), ()), _w)
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.I)




def _number_words(text: str) -> list[str]:
    """``_NUMBER_WORD.findall(text)``: its matches are the whole ``\\w`` runs that are number words
    (either case), so ASCII text is split on the rest instead (the alternation costs ~15 us a line)."""
    if text.isascii():
        return [w for w in text.translate(_ASCII_NON_W).split() if w.lower() in NUMBER_WORDS]
    return _NUMBER_WORD.findall(text)


_SCALES = {"万": 10_000, "亿": 100_000_000, "千": 1000, "k": 1000, "thousand": 1000, "million": 1_000_000,
           "billion": 1_000_000_000, "m": 1_000_000, "bn": 1_000_000_000}
_SCALED = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?(万|亿|千|k|thousand|million|billion|bn|m)(?![a-z])", re.I)


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
    for m in _SCALED.finditer(text):  # "20万" (200000), "1.5 million", "20k"
        base = canonical_number(m.group(1))
        if base is not None:
            scaled = canonical_number(Decimal(base) * _SCALES[m.group(2).lower()])
            if scaled is not None:
                out.add(scaled)
    for w in _number_words(text):
        n = canonical_number(NUMBER_WORDS[w.lower()])
        if n is not None:
            out.add(n)
    return out


# ------------------------------------------------------------------------------------ grounding


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::00)?")
_CJK_CLOCK = re.compile(r"(上午|下午|早上|晚上|中午)?(\d{1,2})点(半)?")
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

    __slots__ = ("_base", "_clock", "_digits", "_numbers", "_parts", "_words", "text")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split()).lower()
        self._parts: tuple[str, ...] = (self.text,)
        self._words: frozenset[str] | set[str] | None = None
        self._numbers: frozenset[str] | set[str] | None = None
        self._clock: set[str] | None = None
        self._digits: str | None = None
        self._base: Grounds | None = None  # grounds of a prefix of the parts, whose sets are reused

    @classmethod
    def of_parts(cls, parts: list[str], prev: Grounds | None = None) -> Grounds:
        """``Grounds("\\n".join(parts))``, with the words and numbers of each part computed once per
        distinct part (a system prompt or a tool result recurs; a later turn reuses the earlier
        parts). The same sets: words never span a line break, and numbers only do in "5\\n%".

        ``prev``: the grounds of the parts before ``parts`` (a later turn of the same conversation):
        the result is that of all the parts, and reuses the word and number sets ``prev`` computed."""
        g = cls.__new__(cls)
        norms = tuple(n for n in map(_normalised, parts) if n)
        g._words = g._numbers = g._clock = g._digits = g._base = None
        if prev is None or not prev._parts:
            g.text = " ".join(norms)
            g._parts = norms
            return g
        if not norms:
            return prev  # nothing new to read: the same text (grounds are not changed by use, only filled in)
        g._parts = prev._parts + norms
        g.text = prev.text + " " + " ".join(norms)
        g._base = prev
        return g

    @property
    def word_set(self) -> frozenset[str] | set[str]:
        if self._words is None:
            ps = self._parts
            base = self._base
            if base is not None and base._words is not None:  # an earlier turn's words, and the new parts'
                self._words = base._words.union(*map(_part_words, ps[len(base._parts):]))
            else:
                self._words = _part_words(ps[0]) if len(ps) == 1 else frozenset().union(*map(_part_words, ps))
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
            for m in _CJK_CLOCK.finditer(self.text):  # 上午11点, 下午3点半
                h = int(m.group(2))
                if m.group(1) in ("下午", "晚上") and h < 12:
                    h += 12
                if h < 24:
                    self._clock.add(f"{h}:{'30' if m.group(3) else '00'}")
        return self._clock

    @property
    def numbers(self) -> frozenset[str] | set[str]:
        if self._numbers is None:
            ps = self._parts
            if len(ps) == 1:
                self._numbers = _part_numbers(ps[0])
            elif any(p.startswith(_PCT_STARTS) for p in ps[1:]):  # "5\\n%": a percent across parts
                self._numbers = text_numbers(self.text)
            elif (base := self._base) is not None and base._numbers is not None:  # no percent across parts,
                # so the earlier turn's numbers came from its parts too
                self._numbers = base._numbers.union(*map(_part_numbers, ps[len(base._parts):]))
            else:
                self._numbers = frozenset().union(*map(_part_numbers, ps))
        return self._numbers

    def number(self, value: Any) -> bool:
        n = _canonical_cached(value)
        if n is None:
            return False
        if self._has_number(n) or self.derivable(n):
            return True
        return _DECADE.fullmatch(n) is not None and (f"{n[2:]}s" in self.text or f"{n}s" in self.text
                                                      or f"{n[2:]}年代" in self.text)

    def derivable(self, n: str) -> bool:
        """Whether the number ``n`` (canonical text) follows by simple arithmetic from numbers the text
        holds: the sum, difference or product of two of them, or a sum of several (a total of prices).
        Run only for a number the text does not hold, so its cost is paid on misses alone."""
        try:
            target = Decimal(n)
        except InvalidOperation:
            return False
        nums = self._decimals()
        if not nums or not target.is_finite():
            return False
        have = set(nums)
        for a in nums:
            if (target - a) in have or (a - target) in have or (target + a) in have:
                return True
            if a not in (0, 1) and (target / a) in have:
                return True
        return _subset_sum(target, nums)

    def _decimals(self) -> list[Decimal]:
        """The numbers of the text as Decimals, at most :data:`ARITH_NUMBERS`, latest parts first."""
        out: list[Decimal] = []
        seen: set[str] = set()
        for part in reversed(self._all_parts()):
            for n in _part_numbers(part):
                if n not in seen and len(out) < ARITH_NUMBERS:
                    seen.add(n)
                    out.append(Decimal(n))
        return out

    def _all_parts(self) -> tuple[str, ...]:
        return self._parts

    def _has_number(self, n: str) -> bool:
        """Whether the text holds the number whose canonical text is ``n``."""
        bare = n.lstrip("-")
        if _written_as_is(self.text, bare):  # the common case, without reading every number
            return True
        if not self._may_hold(n, bare):  # nor the second, without reading every number
            return False
        nums = self.numbers
        return n in nums or bare in nums

    def _may_hold(self, n: str, bare: str) -> bool:
        """False only when :attr:`numbers` cannot hold ``n`` or ``bare``, decided without reading
        every number. A number the text writes in digits keeps its significant digits ("1,000.50"
        -> 1000.5: "10005"), so they occur in the text once commas and points are dropped; a number
        word is one of the text's words. Not decided here (True): text with a percent (Decimal
        rounding of huge percentages) and non-ASCII text (other scripts' digits, case folding)."""
        digits = self._digits
        if digits is None:
            t = self.text
            if not t.isascii() or "%" in t or "perc" in t or "per c" in t:
                digits = ""
            else:
                digits = t.replace(",", "").replace(".", "") or " "
            self._digits = digits
        if not digits or bare.replace(".", "").strip("0") in digits:
            return True
        names = _WORDS_FOR.get(n, ()) or _WORDS_FOR.get(bare, ())
        if names:
            have = self.word_set
            return any(w in have for w in names)
        return False

    def string(self, value: str) -> bool:
        a = _string_facts(value)
        v = a[0]
        if not v or _occurs(self.text, v):
            return True
        if a[1] is not None and a[1] in self.clock_times:
            return True
        if a[2] is not None and self._has_number(a[2]):
            return True
        if a[2] is not None and self.derivable(a[2]):
            return True
        if _ISO_DATE.match(v) and self.date(v):
            return True
        cjk = _CJK_DATE.match(v)
        if cjk and self.date(f"{cjk.group(1)}-{int(cjk.group(2)):02d}-{int(cjk.group(3)):02d}") and (
                not cjk.group(4) or cjk.group(4).replace(" ", "") in self.clock_times or _occurs(self.text, cjk.group(4).strip())):
            return True  # "2022年5月15日" for "2022-05-15" (a clock time after it, when any, also written)
        if v in ("true", "false"):
            return True  # a boolean written as a string: a choice, not a fact
        if _DECADE.fullmatch(v) and self._has_number(v[2:] + "s") or (
                _DECADE.fullmatch(v) and (f"{v[2:]}s" in self.text or f"{v[2:]}年代" in self.text or f"{v}s" in self.text)):
            return True
        ws = a[3]
        if not ws:
            return True
        have = self.word_set
        for num_word, stem, digits in ws:
            if num_word in have or stem in have or (digits is not None and self._has_number(digits)):
                continue
            return False
        return True


    def date(self, iso: str) -> bool:
        """Whether the text names the date ``iso`` (YYYY-MM-DD...) in another common form: "May 19",
        "19 May", "May 19th", "19th of May", "5/19", "05/19" (the year, when written, may differ only
        by being left out)."""
        m = _ISO_DATE.match(iso)
        if m is None:
            return False
        month, day = int(m.group(2)), int(m.group(3))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return False
        t = self.text
        if _occurs(t, iso[:10]):
            return True
        year = int(m.group(1))
        if _occurs(t, f"{year}年{month}月{day}日") or _occurs(t, f"{month}月{day}日"):
            return True
        if (day == 1 or day >= 28) and str(year) in t and any(_occurs(t, n) for n in _MONTHS[month - 1]):
            return True  # "December 2020" for 2020-12-01, "through February 2021" for 2021-02-28
        for name in _MONTHS[month - 1]:
            for form in (f"{name} {day}", f"{name} {day:02d}", f"{day} {name}", f"{day}{_ordinal(day)} {name}",
                         f"{name} {day}{_ordinal(day)}", f"{day}{_ordinal(day)} of {name}", f"{name}, {day}"):
                if _occurs(t, form):
                    return True
        return any(_occurs(t, f) for f in (f"{month}/{day}", f"{month:02d}/{day:02d}", f"{day:02d}.{month:02d}."))


_CJK_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(\d{1,2}:\d{2})?(?::00)?$")
_DECADE = re.compile(r"(?:19|20)[0-9]0")
ARITH_NUMBERS = 48  # the most visible numbers (latest first) the arithmetic check combines
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTHS = [(full, full[:3]) if len(full) > 3 else (full,) for full in (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december")]


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _subset_sum(target: Decimal, nums: list[Decimal]) -> bool:
    """Whether a sum of several of ``nums`` (each once) is ``target``: a bitset over hundredths,
    for a positive target of at most two decimals and up to 10 million hundredths."""
    scaled = target * 100
    if target <= 0 or scaled != scaled.to_integral_value() or scaled > 10_000_000:
        return False
    goal = int(scaled)
    mask = (1 << (goal + 1)) - 1
    reach = 1
    for a in nums:
        sa = a * 100
        if a <= 0 or sa != sa.to_integral_value() or sa > goal:
            continue
        reach = (reach | (reach << int(sa))) & mask
        if reach >> goal & 1:
            return True
    return False


_CURRENCY = "$€£¥"
_PCT_STARTS = ("%", "percent", "per cent", "cent")


@lru_cache(maxsize=512)
def _normalised(text: str) -> str:
    return " ".join(text.split()).lower()


@lru_cache(maxsize=512)
def _part_words(text: str) -> frozenset[str]:
    """The words of a normalised (lower-cased) text, each also as a number word and stemmed. The
    text is lower-cased already: no camelCase boundary is left to split, and each word is its own
    lower case (so this is ``words(text)`` in one pass). Every word is in the set as it is: only
    all-digit words change as number words, and only words ending in "s" change when stemmed."""
    # the runs of letters and digits; ASCII text split on the rest instead of the regex (same words)
    ws = set(text.translate(_ASCII_NON_ALNUM).split() if text.isascii() else _WORD.findall(text))
    # stem_word and _num_word, inline: a final "s" dropped (not "ss", words of 4+ letters), leading zeros
    extra = [w[:-1] for w in ws if w[-1] == "s" and len(w) > 3 and w[-2] != "s"]
    if "0" in text:  # a word with leading zeros also counts as its number
        extra += [w.lstrip("0") or "0" for w in ws if w[0] == "0" and w.isdigit()]
    ws.update(extra)
    return frozenset(ws)


@lru_cache(maxsize=512)
def _part_numbers(text: str) -> frozenset[str]:
    return frozenset(text_numbers(text))


_Facts = tuple[str, "str | None", "str | None", tuple[tuple[str, str, "str | None"], ...]]


def _string_facts(value: str) -> _Facts:
    """What :meth:`Grounds.string` needs of a value: its normalised form, the clock time it names
    (H:MM), the canonical number it is (currency signs stripped), and for each of its words that
    must occur (unit words and fillers left out): the word as a number word, its stem, and its
    canonical number when all digits. Short values (names, cities, units, dates) recur across
    records and are computed once each; a long one (a free-text query) rarely recurs, and its
    facts take kilobytes, so it is not cached (16k cached queries of 30 words held ~56 MB)."""
    return _short_facts(value) if len(value) <= 48 else _facts(value)


def _facts(value: str) -> _Facts:
    v = " ".join(value.split()).lower()
    clock = _CLOCK.fullmatch(v)
    key = f"{int(clock.group(1))}:{clock.group(2)}" if clock else None
    num = canonical_number(v.strip(_CURRENCY))
    ws = []  # (_num_word(w), stem_word(w), canonical_number(w) if w.isdigit() else None), inline
    for w in words(value):
        if w in UNIT_WORDS or w in _FILLER:
            continue
        if w.isdigit():  # a number word: no final "s" to stem
            ws.append((w.lstrip("0") or "0", w, canonical_number(w)))
        else:
            ws.append((w, w[:-1] if len(w) > 3 and w[-1] == "s" and w[-2] != "s" else w, None))
    return v, key, num, tuple(ws)


_short_facts = lru_cache(maxsize=16384)(_facts)


_FLOAT_CANON: dict[float, str | None] = {}


def _canonical_cached(value: Any) -> str | None:
    """:func:`canonical_number`, with the non-integral floats (Decimal work) remembered."""
    if type(value) is float and not value.is_integer():
        hit = _FLOAT_CANON.get(value, _MISS)
        if hit is _MISS:
            hit = canonical_number(value)
            if len(_FLOAT_CANON) >= 65536:
                _FLOAT_CANON.clear()
            _FLOAT_CANON[value] = hit
        return hit  # type: ignore[return-value]
    return canonical_number(value)


_MISS: Any = object()


def _num_word(w: str) -> str:
    if w.isdigit():
        return w.lstrip("0") or "0"
    return w


# the last word of a parameter name that marks text the model writes rather than a fact it copies
FREE_TEXT_WORDS = frozenset(
    """
    note notes summary summaries message messages thought thoughts reason reasons reasoning rationale
    query queries expression expressions code content contents body text texts comment comments
    description explanation prompt question answer reply response feedback review instructions
    instruction sql script formula keyword keywords search title subject caption story essay letter
    email post tweet draft plan remarks memo details detail
    """.split()
)
_FREE_TEXT_DESC = re.compile(
    r"free[- ]?(?:form|text)|natural[- ]language|in your own words|a (?:short |brief )?summary|"
    r"(?:math(?:ematical)?|arithmetic) expression|\bsql\b|source code|python code|your (?:thoughts?|reasoning)",
    re.I,
)


_FREE_NAMES: dict[Any, bool] = {}  # parameter name -> _free_text_name(name), for the walk


@lru_cache(maxsize=4096)
def _free_text_name(name: str) -> bool:
    ws = words(name)
    return bool(ws) and ws[-1] in FREE_TEXT_WORDS


@lru_cache(maxsize=4096)
def _free_text_description(desc: str) -> bool:
    return _FREE_TEXT_DESC.search(desc) is not None


def free_text_parameter(name: str, sub: Any) -> bool:
    """Whether a parameter holds text the model writes (its name ends in a word such as "note",
    "summary", "message", "thought", "reason", "query", "expression", "code", "content", "body",
    "text"; or its description says free text, natural language, a summary, an expression, code)."""
    if _free_text_name(name):
        return True
    if isinstance(sub, dict) and isinstance(sub.get("description"), str):
        return _free_text_description(sub["description"])
    return False


def _allowed(value: Any, sub: Any) -> bool:
    if not isinstance(sub, dict):
        return False
    enum = sub.get("enum")
    # (``in`` first: most values are not members, and the C scan is ~10x faster than the typed loop)
    if isinstance(enum, list) and value in enum and any(value == e and type(value) is type(e) for e in enum):
        return True
    if "default" in sub and sub["default"] == value and type(sub["default"]) is type(value):
        return True
    if "const" in sub and sub["const"] == value:
        return True
    return False


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
    _visit(arguments, (), schema, 0, grounds, choices, out)
    return out


def _visit(value: Any, parts: tuple[Any, ...], sub: Any, depth: int, grounds: Grounds, choices: bool,
           out: list[tuple[tuple[Any, ...], Any]]) -> None:
    """The leaves of ``value`` in order (depth first, at most 50 deep), each with its sub-schema
    (``properties`` / ``items``), walked together with the schema; the unsupported ones go to ``out``."""
    if depth > 50:
        return
    # A string or number child (exact type) is checked in the loop, as the call for it would (the
    # same order and result, one Python call fewer per leaf); anything else goes through the call.
    inline = depth < 50
    if isinstance(value, dict):
        props = sub.get("properties") if isinstance(sub, dict) else None
        if not isinstance(props, dict):
            props = None
        for k, v in value.items():
            if isinstance(k, int):
                child = sub.get("items") if isinstance(sub, dict) else None
            else:
                child = props.get(k) if props is not None else None
                free = _FREE_NAMES.get(k)
                if free is None:
                    free = _FREE_NAMES[k] = _free_text_name(k) if len(_FREE_NAMES) < 65536 else False
                if free or (type(child) is dict and "description" in child and free_text_parameter(k, child)):
                    continue  # text the model writes (a note, a summary, a query): nothing to ground
            t = type(v)
            if inline and (t is str or t is int or t is float):
                if not (choices and isinstance(child, dict) and _allowed(v, child)) and not (
                    grounds.string(v) if t is str else grounds.number(v)
                ):
                    out.append(((*parts, k), v))
            else:
                _visit(v, (*parts, k), child, depth + 1, grounds, choices, out)
    elif isinstance(value, list):
        child = sub.get("items") if isinstance(sub, dict) else None
        allowed = choices and isinstance(child, dict)
        for i, v in enumerate(value):
            t = type(v)
            if inline and (t is str or t is int or t is float):
                if not (allowed and _allowed(v, child)) and not (grounds.string(v) if t is str else grounds.number(v)):
                    out.append(((*parts, i), v))
            else:
                _visit(v, (*parts, i), child, depth + 1, grounds, choices, out)
    elif value is None or isinstance(value, bool):
        if not choices:
            out.append((parts, value))
    elif choices and isinstance(sub, dict) and _allowed(value, sub):
        return
    elif isinstance(value, (int, float)):
        if not grounds.number(value):
            out.append((parts, value))
    elif isinstance(value, str) and not grounds.string(value):
        out.append((parts, value))


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


SEEN_ROLES = ("system", "user", "tool", "assistant")  # what the model could see before a call


def _text_of(content: Any) -> str | None:
    """A message's text: a string, or the text of a list of content parts (``{"type": "text"}``)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") or p.get("value") for p in content if isinstance(p, dict)]
        joined = "\n".join(t for t in texts if isinstance(t, str))
        return joined or None
    return None


def message_calls(m: dict[str, Any], i: int, tool_names: Any = None) -> list[tuple[tuple[Any, ...], Any, Any]]:
    """``(path, name, arguments)`` of each call of an assistant message: its structured ``tool_calls``,
    else the calls its content types as text (``<tool_call>`` tags, or any syntax TP107 reads)."""
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
        return calls
    content = m.get("content")
    if not isinstance(content, str) or not ("<" in content or "[" in content or "{" in content or ">" in content
                                            or content.rstrip().endswith(")")):
        return calls  # (callsyntax.might_hold_calls, inline: most answers hold no call)
    from toolproof.validator.callsyntax import typed_calls_of
    from toolproof.validator.callsyntax.base import parse_call_payload, scan_tool_call_tags

    if "<tool_call>" in content:
        for b in scan_tool_call_tags(content).blocks:
            for c in parse_call_payload(b.inner).calls:
                calls.append((("messages", i, "content"), c.get("name"), c.get("arguments")))
        if calls:
            return calls
    typed = typed_calls_of(content, tool_names)
    for c in typed.calls if typed is not None else []:
        calls.append((("messages", i, "content"), c.get("name"), c.get("arguments")))
    return calls


def record_ungrounded(
    record: Any, *, expected: bool = False, roles: tuple[str, ...] = SEEN_ROLES, choices: bool = True
) -> Iterator[tuple[tuple[Any, ...], str, list[tuple[tuple[Any, ...], Any]]]]:
    """Each call of ``record`` that holds arguments, as ``(path of its arguments, tool name, ungrounded
    values)``; the list is empty when every value is grounded. Never raises on odd records.

    A structured call's path is ``("messages", i, "tool_calls", j, "function", "arguments")`` (without
    ``"function"`` for a flat call); a call typed as text has its message's content path. Each call
    is grounded in the text of the ``roles`` messages before its message (by default everything the
    model could see: system, user, tool and earlier assistant text) and, when ``"assistant"`` is
    among them, the arguments of earlier calls (``choices`` as for :func:`ungrounded_values`);
    arguments given as a JSON string are read. With ``expected=True``, a record without calling
    turns yields its ``expected_calls`` (test records), grounded in all the text.
    """
    if not isinstance(record, dict):
        return
    msgs = record.get("messages")
    msgs = msgs if isinstance(msgs, list) else []
    fns = tool_functions(record)
    schemas = {fn["name"]: fn.get("parameters") for fn in fns}
    names = frozenset(schemas) or None
    own_calls = "assistant" in roles
    parts: list[str] = []
    pending: list[Any] = []  # earlier calls' values the text lacked, written into parts for a later call
    grounds: Grounds | None = None
    last: Grounds | None = None  # the grounds of parts[:used]
    used = 0
    found = False
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        content = m.get("content")
        if role != "assistant":
            if role in roles and content:
                text = content if type(content) is str else _text_of(content)
                if text:
                    parts.append(text)
                    grounds = None
            continue
        calls = message_calls(m, i, names)
        if content and own_calls and not (calls and not m.get("tool_calls")):
            # (the text of a call typed as text is the call, not what the model saw)
            text = content if type(content) is str else _text_of(content)
            if text:
                parts.append(text)
                grounds = None
        for path, name, args in calls:
            found = True
            args = _as_object(args)
            if not args:
                continue
            if pending:  # an earlier call's values the text lacked
                parts.extend(map(_args_text, pending))
                pending.clear()
                grounds = None
            if grounds is None:
                grounds = Grounds.of_parts(parts[used:], last)  # the parts since the last call's grounds
                last, used = grounds, len(parts)
            schema = schemas.get(name) if isinstance(name, str) else None
            missing = ungrounded_values(args, grounds, schema, choices=choices)
            if missing and own_calls:  # a later call may copy this call's values: those the text lacks
                pending.extend(v for _parts, v in missing)
            yield path, name if isinstance(name, str) else "", missing
    if expected and not found and isinstance(record.get("expected_calls"), list):
        grounds = Grounds.of_parts(parts)
        for k, ec in enumerate(record["expected_calls"]):
            if not isinstance(ec, dict):
                continue
            fn = ec.get("function") if isinstance(ec.get("function"), dict) else ec
            args, name = _as_object(fn.get("arguments")), fn.get("name")
            if args:
                schema = schemas.get(name) if isinstance(name, str) else None
                yield ("expected_calls", k, "arguments"), name if isinstance(name, str) else "", ungrounded_values(
                    args, grounds, schema, choices=choices)


def _args_text(args: Any) -> str:
    if isinstance(args, str):
        return args
    if isinstance(args, (int, float)):
        return str(args)
    try:
        return orjson.dumps(args).decode()
    except (TypeError, orjson.JSONEncodeError):
        return ""


# ------------------------------------------------------------------------------- one judgement


_RELATIVE_DATE = re.compile(
    r"\b(?:today|tomorrow|tonight|yesterday|next|last|this|coming|weekend|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|in \w+ (?:days?|weeks?|months?)|(?:days?|weeks?|months?) (?:from now|later|ago))\b"
    r"|今天|明天|后天|昨天|上周|下周|本周|这周|本月|上个月|下个月|今年|去年|明年"
)
_PLACE_CODE = re.compile(r"[^,]{2,40}, [A-Z]{2,3}")  # "San Francisco, CA": a place with its state code
_CODE = re.compile(r"[A-Z]{2,5}|[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?")  # AAPL, JFK, BR; en, fr, en_INT


def normalisation(value: Any, text: str) -> str | None:
    """What an ungrounded value may be a normalisation of, or None: ``"code"`` (a short upper-case
    code, such as an airport, currency or country code, or a language or locale code, for a name
    the text writes in full), ``"date"`` (an ISO date where ``text`` names a date relatively:
    "tomorrow", "next Friday")."""
    if not isinstance(value, str):
        return None
    if _CODE.fullmatch(value) or _PLACE_CODE.fullmatch(value):
        return "code"
    if (_ISO_DATE.match(value) or _CJK_DATE.match(value)) and _RELATIVE_DATE.search(text.lower()):
        return "date"
    return None


Judged = tuple[tuple[Any, ...], str, list[tuple[tuple[Any, ...], Any, "str | None"]]]
_LAST: list[Any] = [None, None]  # [record, its judgement]: the rule and the summary share one computation


def record_grounding(record: Any) -> list[Judged]:
    """TP703's judgement of a record, computed once: for each call with arguments, ``(path, tool
    name, [(path parts, value, normalisation or None)])`` of the values grounded nowhere the model
    could see. The last record's judgement is kept (keyed on the record object: records are not
    changed between the rule and the summary), so rule TP703 and the dataset summary reading the
    same record compute it once."""
    key = record
    if key is not None and _LAST[0] is key:
        return _LAST[1]  # type: ignore[no-any-return]
    out: list[Judged] = []
    for path, name, missing in record_ungrounded(record, expected=True):
        if not missing:
            out.append((path, name, []))
            continue
        judged = []
        for parts, value in missing:
            kind = None
            if isinstance(value, str):  # (the text is read only for a date)
                dated = _ISO_DATE.match(value) or _CJK_DATE.match(value)
                kind = normalisation(value, _seen_text(record, path) if dated else "")
            judged.append((parts, value, kind))
        out.append((path, name, judged))
    _LAST[0], _LAST[1] = key, out
    return out



def _seen_text(record: Any, path: tuple[Any, ...]) -> str:
    """The text of the messages before the call at ``path`` (for the rare normalisation check)."""
    msgs = record.get("messages") if isinstance(record, dict) else None
    upto = path[1] if len(path) > 1 and path[0] == "messages" and isinstance(path[1], int) else None
    out = []
    for k, m in enumerate(msgs if isinstance(msgs, list) else []):
        if upto is not None and k >= upto:
            break
        if isinstance(m, dict):
            t = _text_of(m.get("content"))
            if t:
                out.append(t)
    return "\n".join(out)


def _as_object(args: Any) -> dict[str, Any] | None:
    """Arguments as a dict (a JSON string holding an object is read); None otherwise."""
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except (ValueError, RecursionError):
            return None
    return args if isinstance(args, dict) else None


__all__ = [
    "FREE_TEXT_WORDS",
    "Grounds",
    "free_text_parameter",
    "message_calls",
    "normalisation",
    "record_grounding",
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
