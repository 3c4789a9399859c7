"""Deterministic synthetic tool-calling data: a clean training set, the same set with realistic
defects injected, a ledger of the defects (with the rule codes each should trigger) and a test set
with partly unseen tools and phrasings. Pure Python: ``random.Random(seed)`` is the only randomness.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolproof.validator.synth.catalog import BY_NAME, CAPITALS, NO_CALL, NO_FIT, TOOLS, UNSEEN_TOOLS, Tool

Record = dict[str, Any]

SYSTEM_PROMPT = "You are a helpful assistant. Call a tool when one fits; otherwise answer directly."

TRAIN_TOOLS: list[Tool] = [t for t in TOOLS if t.name not in UNSEEN_TOOLS]
HELD_OUT_TOOLS: list[Tool] = [BY_NAME[n] for n in UNSEEN_TOOLS]

# Defect kind -> the error codes it triggers (see the code table in docs/ARCHITECTURE.md); the first
# is the defect's own code. Markup defects also count as calls written in content (TP105).
DEFECT_CODES: dict[str, list[str]] = {
    "markup_in_content": ["TP105"],
    "unbalanced_tag": ["TP101", "TP105"],
    "empty_tag": ["TP102", "TP105"],
    "python_literal_call": ["TP104", "TP105"],
    "arguments_string": ["TP203"],
    "arguments_double_encoded": ["TP203"],
    "parameters_for_arguments": ["TP205"],
    "undeclared_tool": ["TP206"],
    "missing_required_argument": ["TP301"],
    "extra_argument": ["TP302"],
    "wrong_argument_type": ["TP303"],
    "enum_violation": ["TP304"],
    "empty_tool_calls": ["TP201"],
    "no_assistant_turn": ["TP006"],
}
# The mix, weighted toward what appears most in scraped data.
DEFECT_WEIGHTS: dict[str, int] = {
    "markup_in_content": 4,
    "unbalanced_tag": 2,
    "empty_tag": 1,
    "python_literal_call": 2,
    "arguments_string": 3,
    "arguments_double_encoded": 2,
    "parameters_for_arguments": 2,
    "undeclared_tool": 2,
    "missing_required_argument": 2,
    "extra_argument": 2,
    "wrong_argument_type": 2,
    "enum_violation": 1,
    "empty_tool_calls": 1,
    "no_assistant_turn": 1,
}


@dataclass
class SynthResult:
    train_clean: list[Record]
    train_dirty: list[Record]
    defects: list[Record]  # {"id", "line", "index", "kind", "codes"}
    test: list[Record]
    params: dict[str, Any] = field(default_factory=dict)


# Records are re-drawn above this estimated length: with the shipped ChatML tools template
# (trainer/templates/chatml_tools.jinja, ~110 tokens of preamble) and the SmolLM2 tokenizer the
# estimate overshoots by 11-24%, so 600 keeps rendered records under ~540 tokens.
MAX_EST_TOKENS = 600
_PIECE = re.compile(r"[A-Za-z]+|\d|[^\sA-Za-z\d]")


def estimate_tokens(rec: Record) -> int:
    """A tokenizer-free upper estimate of a record's rendered length (words, single digits, symbols)."""
    parts = [json.dumps(t) for t in rec.get("tools", [])]
    for m in rec["messages"]:
        parts.append(m.get("content") or "")
        for tc in m.get("tool_calls") or []:
            parts.append(json.dumps(tc["function"]))
    return sum(len(_PIECE.findall(p)) for p in parts) + 12 * len(rec["messages"]) + 110


def _size(rec: Record) -> int:
    return estimate_tokens(rec)


def _lower_first(text: str) -> str:
    """Lower-case the first letter for joining two requests, but not "I", "I'm" or acronyms."""
    first = text.split(" ", 1)[0]
    if first in ("I", "I'm", "I'd") or (len(first) > 1 and first[1].isupper()) or any(c.isdigit() for c in first):
        return text
    return text[:1].lower() + text[1:]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


class _Exhausted(Exception):
    """No unused prompt could be drawn (a tool with few value combinations): draw another record."""


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.seen_prompts: set[str] = set()
        self.usage: Counter[str] = Counter()  # calls per tool in the accepted training records
        self.exhausted: set[str] = set()  # tools whose prompts are used up

    # ---- pieces -------------------------------------------------------------------------------
    def _offer(self, needed: list[Tool], pool: list[Tool], avoid: str = "") -> list[dict[str, Any]]:
        """The needed tools plus a distractor (not always when two are needed), shuffled: 2-3 tools."""
        names = {t.name for t in needed}
        k = 1 if len(needed) < 2 or self.r.random() < 0.25 else 0
        if len(needed) == 0:
            k = 2
        cands = [t for t in pool if t.name not in names and t.name != avoid]
        picked = list(needed) + self.r.sample(cands, k)
        self.r.shuffle(picked)
        return [t.schema() for t in picked]

    def _unique(self, make: Callable[[], tuple[str, Any]]) -> tuple[str, Any]:
        for _ in range(60):
            prompt, payload = make()
            if _norm(prompt) not in self.seen_prompts:
                self.seen_prompts.add(_norm(prompt))
                return prompt, payload
        raise _Exhausted(prompt)

    def _no_call(self) -> tuple[str, tuple[str, str]]:
        """A request no offered tool serves: chit-chat, general knowledge, arithmetic, or an
        action none of the tools can do. Returns (prompt, (answer, tool name to keep out))."""
        r = self.r
        x = r.random()
        if x < 0.35:
            q, a = NO_CALL[r.randrange(len(NO_CALL))]
            return q, (a, "")
        if x < 0.55:
            q, a, avoid = NO_FIT[r.randrange(len(NO_FIT))]
            return q, (a, avoid)
        if x < 0.8:
            i, j = r.randint(3, 40), r.randint(3, 40)
            op = r.choice(["plus", "times", "minus"])
            val = {"plus": i + j, "times": i * j, "minus": i - j}[op]
            form = r.choice(["What is {i} {op} {j}?", "Quick math: {i} {op} {j}?", "Can you tell me {i} {op} {j}?"])
            return form.format(i=i, op=op, j=j), (f"{i} {op} {j} is {val}.", "convert_units")
        country, capital = CAPITALS[r.randrange(len(CAPITALS))]
        form = r.choice(["What is the capital of {c}?", "Which city is the capital of {c}?", "Name the capital of {c}."])
        return form.format(c=country), (f"The capital of {country} is {capital}.", "")

    def _intent(self, tool: Tool, phrasings: list[str]) -> tuple[str, dict[str, Any]]:
        args = tool.sample(self.r)
        return tool.prompt(args, self.r.choice(phrasings)), args

    def _calls_turns(self, calls: list[tuple[Tool, dict[str, Any]]], start_id: int) -> tuple[list[Record], str]:
        """Assistant turn with structured calls, the tool results, and the final answer text."""
        tcs = []
        results = []
        answers = []
        for i, (tool, args) in enumerate(calls):
            cid = f"call_{start_id + i}"
            tcs.append({"id": cid, "type": "function", "function": {"name": tool.name, "arguments": args}})
            res = tool.result(args, self.r)
            results.append({"role": "tool", "tool_call_id": cid, "name": tool.name, "content": json.dumps(res)})
            answers.append(tool.final_answer(args, res))
        turns = [{"role": "assistant", "content": None, "tool_calls": tcs}, *results]
        return turns, " ".join(answers)

    # ---- training records ----------------------------------------------------------------------
    def train_record(self, kind: str, pool: list[Tool]) -> Record:
        r = self.r
        phr = lambda t: t.phrasings[:3]  # noqa: E731  the 4th phrasing is kept for the test set
        sys_msg = {"role": "system", "content": SYSTEM_PROMPT}
        if kind == "no_call":
            q, (a, avoid) = self._unique(self._no_call)
            tools = self._offer([], pool, avoid)
            msgs = [sys_msg, {"role": "user", "content": q}, {"role": "assistant", "content": a}]
            return {"messages": msgs, "tools": tools, "category": "no_call"}
        if kind == "parallel":
            def make() -> tuple[str, Any]:
                t1 = r.choice(pool)
                t2 = t1 if r.random() < 0.4 else r.choice(pool)
                p1, a1 = self._intent(t1, phr(t1))
                p2, a2 = self._intent(t2, phr(t2))
                if t1 is t2 and a1 == a2:
                    a2 = t2.sample(r)
                    p2 = t2.prompt(a2, r.choice(phr(t2)))
                joiner = r.choice(["Also, ", "And ", "Then "])
                return f"{p1} {joiner}{_lower_first(p2)}", [(t1, a1), (t2, a2)]
            prompt, calls = self._unique(make)
            needed = list({t.name: t for t, _ in calls}.values())
            turns, answer = self._calls_turns(calls, 1)
            msgs = [sys_msg, {"role": "user", "content": prompt}, *turns, {"role": "assistant", "content": answer}]
            return {"messages": msgs, "tools": self._offer(needed, pool), "category": "parallel"}
        if kind == "multi_turn":
            t1, t2 = r.sample(pool, 2)
            p1, a1 = self._unique(lambda: self._intent(t1, phr(t1)))
            p2, a2 = self._unique(lambda: self._intent(t2, phr(t2)))
            if _norm(p1) == _norm(p2):
                raise _Exhausted(p2)
            turns1, ans1 = self._calls_turns([(t1, a1)], 1)
            turns2, ans2 = self._calls_turns([(t2, a2)], 2)
            msgs = [sys_msg, {"role": "user", "content": p1}, *turns1, {"role": "assistant", "content": ans1},
                    {"role": "user", "content": p2}, *turns2, {"role": "assistant", "content": ans2}]
            return {"messages": msgs, "tools": self._offer([t1, t2], pool), "category": "multi_turn"}
        # balance calls per tool: the least-used tool that still has unused prompts
        fresh = [t for t in pool if t.name not in self.exhausted] or pool
        tool = min(fresh, key=lambda t: (self.usage[t.name], r.random()))
        try:
            prompt, args = self._unique(lambda: self._intent(tool, phr(tool)))
        except _Exhausted:
            self.exhausted.add(tool.name)
            raise
        turns, answer = self._calls_turns([(tool, args)], 1)
        msgs = [sys_msg, {"role": "user", "content": prompt}, *turns, {"role": "assistant", "content": answer}]
        if r.random() < 0.3:  # some records stop at the call, as in call-only datasets
            msgs = msgs[:3]
        return {"messages": msgs, "tools": self._offer([tool], pool), "category": "single"}

    # ---- test records --------------------------------------------------------------------------
    def test_record(self, category: str) -> Record:
        r = self.r
        sys_msg = {"role": "system", "content": SYSTEM_PROMPT}
        # Mostly the held-out 4th phrasing, sometimes a seen one with fresh values.
        phr = lambda t: [t.phrasings[3]] if r.random() < 0.6 else t.phrasings  # noqa: E731
        if category == "no_call":
            q, (_a, avoid) = self._unique(self._no_call)
            tools = self._offer([], TRAIN_TOOLS + HELD_OUT_TOOLS, avoid)
            return {"messages": [sys_msg, {"role": "user", "content": q}], "tools": tools,
                    "expected_calls": [], "possible_answer": [], "category": "no_call"}
        if category == "parallel":
            def make() -> tuple[str, Any]:
                t1 = r.choice(TRAIN_TOOLS)
                t2 = t1 if r.random() < 0.4 else r.choice(TRAIN_TOOLS)
                p1, a1 = self._intent(t1, phr(t1))
                p2, a2 = self._intent(t2, phr(t2))
                if t1 is t2 and a1 == a2:
                    a2 = t2.sample(r)
                    p2 = t2.prompt(a2, t2.phrasings[3])
                return f"{p1} Also, {_lower_first(p2)}", [(t1, a1), (t2, a2)]
            prompt, calls = self._unique(make)
        else:
            pool = HELD_OUT_TOOLS if category == "unseen_tool" else TRAIN_TOOLS
            tool = r.choice(pool)
            prompt, args = self._unique(lambda: self._intent(tool, phr(tool)))
            calls = [(tool, args)]
        needed = list({t.name: t for t, _ in calls}.values())
        expected = [{"name": t.name, "arguments": copy.deepcopy(a)} for t, a in calls]
        possible = [{t.name: _possible(t, a)} for t, a in calls]
        return {"messages": [sys_msg, {"role": "user", "content": prompt}],
                "tools": self._offer(needed, TRAIN_TOOLS), "expected_calls": expected,
                "possible_answer": possible, "category": category}


def _possible(tool: Tool, args: dict[str, Any]) -> dict[str, list[Any]]:
    """BFCL-style acceptable values: the given value; omitted optional params accept absence ("")."""
    out: dict[str, list[Any]] = {}
    for p in tool.properties:
        if p in args:
            out[p] = [args[p]]
        elif p not in tool.required:
            out[p] = [""]
    return out


# ---- defects ---------------------------------------------------------------------------------
def _call_turn_indices(rec: Record) -> list[int]:
    return [i for i, m in enumerate(rec["messages"]) if m.get("role") == "assistant" and m.get("tool_calls")]


def _call_payload(tc: dict[str, Any]) -> dict[str, Any]:
    return {"name": tc["function"]["name"], "arguments": tc["function"]["arguments"]}


def _py_literal(v: Any) -> str:
    return repr(v)


def _declared(rec: Record, name: str) -> tuple[dict[str, Any], list[str]]:
    """The properties and required names the record's own ``tools`` declare for tool `name` (empty when
    it declares none), so that injection works on any canonical record, not only the catalog's."""
    for t in rec.get("tools") or []:
        fn = t.get("function", t) if isinstance(t, dict) else {}
        if isinstance(fn, dict) and fn.get("name") == name:
            params = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
            props = params.get("properties") if isinstance(params.get("properties"), dict) else {}
            req = params.get("required") if isinstance(params.get("required"), list) else []
            return props, [r for r in req if r in props]
    return {}, []


def _object_calls(rec: Record) -> list[dict[str, Any]]:
    """The structured calls of `rec` whose arguments are an object (what the argument defects alter)."""
    return [tc for i in _call_turn_indices(rec) for tc in rec["messages"][i]["tool_calls"]
            if isinstance(tc.get("function"), dict) and isinstance(tc["function"].get("arguments"), dict)]  # fmt: skip


def _eligible(rec: Record, kind: str) -> bool:
    has_calls = bool(_call_turn_indices(rec))
    if kind == "no_assistant_turn":
        return True
    if not has_calls:
        return False
    calls = _object_calls(rec)
    if kind == "wrong_argument_type":
        return any(_typed_param(rec, tc) for tc in calls)
    if kind == "enum_violation":
        return any(_enum_param(rec, tc) for tc in calls)
    if kind == "missing_required_argument":
        return any(_declared(rec, tc["function"]["name"])[1] for tc in calls)
    if kind == "python_literal_call":
        return any(_has_literal_difference(tc["function"]["arguments"]) for tc in calls)
    if kind in ("arguments_string", "arguments_double_encoded", "parameters_for_arguments", "extra_argument"):
        return bool(calls)
    return True


def _has_literal_difference(args: dict[str, Any]) -> bool:
    """Python repr differs visibly from JSON (single quotes at least): always, for non-empty string keys."""
    return bool(args)


def _typed_param(rec: Record, tc: dict[str, Any]) -> str | None:
    props = _declared(rec, tc["function"]["name"])[0]
    for k, v in tc["function"]["arguments"].items():
        t = props.get(k, {}).get("type") if isinstance(props.get(k), dict) else None
        if t in ("integer", "number", "boolean", "array") and not isinstance(v, str):
            return k
    return None


def _enum_param(rec: Record, tc: dict[str, Any]) -> str | None:
    props = _declared(rec, tc["function"]["name"])[0]
    for k in tc["function"]["arguments"]:
        if isinstance(props.get(k), dict) and "enum" in props[k]:
            return k
    return None


def _inject(rec: Record, kind: str, r: random.Random) -> Record:
    rec = copy.deepcopy(rec)
    msgs: list[Record] = rec["messages"]
    if kind == "no_assistant_turn":
        # An export that lost everything after the first user turn.
        first_user = next(i for i, m in enumerate(msgs) if m["role"] == "user")
        rec["messages"] = msgs[: first_user + 1]
        return rec
    ci = r.choice(_call_turn_indices(rec))
    turn = msgs[ci]
    tcs = turn["tool_calls"]
    if kind in ("markup_in_content", "unbalanced_tag", "empty_tag", "python_literal_call"):
        if kind == "markup_in_content":
            body = "\n".join(f"<tool_call>\n{json.dumps(_call_payload(tc))}\n</tool_call>" for tc in tcs)
        elif kind == "unbalanced_tag":
            parts = [f"<tool_call>\n{json.dumps(_call_payload(tc))}\n</tool_call>" for tc in tcs]
            parts[-1] = parts[-1][: -len("\n</tool_call>")]  # the last block loses its close tag
            body = "\n".join(parts)
        elif kind == "empty_tag":
            body = "<tool_call>\n</tool_call>"
        else:
            body = "\n".join(f"<tool_call>\n{_py_literal(_call_payload(tc))}\n</tool_call>" for tc in tcs)
        msgs[ci] = {"role": "assistant", "content": body}
        # Hermes-style exports: tool results carry no call id once calls live in the text.
        for m in msgs[ci + 1 :]:
            if m["role"] != "tool":
                break
            m.pop("tool_call_id", None)
        return rec
    if kind == "empty_tool_calls":
        # The calls were lost; the results and everything after them went too.
        rec["messages"] = msgs[:ci] + [{"role": "assistant", "content": None, "tool_calls": []}]
        return rec
    preds: dict[str, Callable[[dict[str, Any]], Any]] = {
        "missing_required_argument": lambda c: _declared(rec, c["function"]["name"])[1],
        "wrong_argument_type": functools.partial(_typed_param, rec),
        "enum_violation": functools.partial(_enum_param, rec),
    }
    pred = preds.get(kind, lambda c: True)
    cands = [c for c in _object_calls(rec) if pred(c)]
    tc = r.choice(cands)
    fn = tc["function"]
    props, required = _declared(rec, fn["name"])
    if kind == "arguments_string":
        fn["arguments"] = json.dumps(fn["arguments"])
    elif kind == "arguments_double_encoded":
        fn["arguments"] = json.dumps(json.dumps(fn["arguments"]))
    elif kind == "parameters_for_arguments":
        fn["parameters"] = fn.pop("arguments")
    elif kind == "undeclared_tool":
        declared = {t["function"]["name"] for t in rec["tools"]}
        camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), fn["name"])
        options = [camel, fn["name"].replace("get_", "fetch_").replace("_", "-"), fn["name"] + "_v2"]
        fn["name"] = next(o for o in options if o not in declared)
    elif kind == "missing_required_argument":
        fn["arguments"].pop(r.choice(required), None)
    elif kind == "extra_argument":
        extra = next(k for k in ("verbose", "language", "user_id", "format", "x_extra") if k not in props)
        fn["arguments"][extra] = {"verbose": True, "language": "en", "user_id": "u_123", "format": "json",
                                  "x_extra": 1}[extra]
    elif kind == "wrong_argument_type":
        k = _typed_param(rec, tc)
        assert k is not None
        v = fn["arguments"][k]
        fn["arguments"][k] = ", ".join(map(str, v)) if isinstance(v, list) else str(v).lower()
    elif kind == "enum_violation":
        k = _enum_param(rec, tc)
        assert k is not None
        v = str(fn["arguments"][k])
        enum = props[k]["enum"]
        cand = [v.upper(), v.capitalize() + "s", v + "_mode"]
        fn["arguments"][k] = next(c for c in cand if c not in enum)
    return rec


def _pick_kinds(n: int, r: random.Random) -> list[str]:
    """n defect kinds in the weighted mix: every kind appears once before any repeats (when n allows)."""
    kinds = list(DEFECT_WEIGHTS)
    out = list(kinds[: min(n, len(kinds))])
    bag = [k for k, w in DEFECT_WEIGHTS.items() for _ in range(w)]
    while len(out) < n:
        out.append(r.choice(bag))
    r.shuffle(out)
    return out


# ---- entry points ----------------------------------------------------------------------------
def generate(n: int = 400, *, seed: int = 0, defect_rate: float = 0.35, n_test: int = 150) -> SynthResult:
    """Build the clean/dirty training sets, the defect ledger and the test set (deterministic for a seed)."""
    if n < 0 or n_test < 0:
        raise ValueError("n and n_test must be >= 0")
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError("defect_rate must be between 0 and 1")
    r = random.Random(seed)
    b = _Builder(r)
    # Test set first, so that training prompts never repeat a test prompt.
    test: list[Record] = []
    test_cats = ["single"] * 4 + ["parallel"] * 2 + ["no_call"] * 2 + ["unseen_tool"] * 2
    for i in range(n_test):
        cat = test_cats[i % len(test_cats)] if i < len(test_cats) else r.choice(test_cats)
        rec = _draw(functools.partial(b.test_record, cat))
        test.append({"id": f"synth-test-{i:05d}", **rec})
    test_prompts = {_norm(t["messages"][-1]["content"]) for t in test}

    train_kinds = ["single"] * 11 + ["parallel"] * 4 + ["no_call"] * 3 + ["multi_turn"] * 2
    clean: list[Record] = []
    for i in range(n):
        kind = train_kinds[i % len(train_kinds)] if i < len(train_kinds) else r.choice(train_kinds)
        rec = _draw(functools.partial(b.train_record, kind, TRAIN_TOOLS))
        b.usage.update(tc["function"]["name"] for m in rec["messages"] for tc in m.get("tool_calls") or [])
        clean.append({"id": f"synth-train-{i:05d}", **rec})
    assert not any(_norm(m["content"]) in test_prompts for c in clean for m in c["messages"] if m["role"] == "user")

    n_bad = round(n * defect_rate)
    kinds = _pick_kinds(n_bad, r)
    dirty = copy.deepcopy(clean)
    defects: list[Record] = []
    free = list(range(n))
    r.shuffle(free)
    for kind in kinds:
        idx = next((j for j in free if _eligible(clean[j], kind)), None)
        if idx is None:
            idx = next(j for j in free if _eligible(clean[j], "no_assistant_turn"))
            kind = "no_assistant_turn"
        free.remove(idx)
        dirty[idx] = _inject(clean[idx], kind, r)
        defects.append({"id": clean[idx]["id"], "line": idx + 1, "index": idx, "kind": kind, "codes": DEFECT_CODES[kind]})
    defects.sort(key=lambda d: d["index"])
    params = {"n": n, "seed": seed, "defect_rate": defect_rate, "n_test": n_test}
    return SynthResult(clean, dirty, defects, test, params)


def _shrink(rec: Record) -> Record:
    """Shorten an over-long record without changing its lesson: drop distractor tools first, then
    (single-call records) the tool result and final answer. Keeps heavy tools in the mix."""
    if _size(rec) <= MAX_EST_TOKENS:
        return rec
    used = {tc["function"]["name"] for m in rec["messages"] for tc in m.get("tool_calls") or []}
    if used and len(rec["tools"]) > len(used):
        rec = {**rec, "tools": [t for t in rec["tools"] if t["function"]["name"] in used]}
    if _size(rec) > MAX_EST_TOKENS and rec.get("category") == "single" and "expected_calls" not in rec:
        rec = {**rec, "messages": rec["messages"][:3]}
    return rec


def _draw(make: Callable[[], Record]) -> Record:
    """A record short enough for a ~512-token training length, with an unused prompt."""
    best: Record | None = None
    for _ in range(200):
        try:
            rec = make()
        except _Exhausted:
            continue
        rec = _shrink(rec)
        if _size(rec) <= MAX_EST_TOKENS:
            return rec
        if best is None or _size(rec) < _size(best):
            best = rec
    if best is None:
        raise ValueError("ran out of distinct prompts for the catalog; ask for fewer records (--n / --n-test)")
    return best


def _write_jsonl(path: Path, rows: list[Record]) -> None:
    from toolproof.validator.safeio import atomic_writer

    with atomic_writer(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write(result: SynthResult, out_dir: str | Path) -> dict[str, Path]:
    """Write train.clean.jsonl, train.dirty.jsonl, defects.jsonl and test.jsonl into ``out_dir``."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths = {
        "train_clean": d / "train.clean.jsonl",
        "train_dirty": d / "train.dirty.jsonl",
        "defects": d / "defects.jsonl",
        "test": d / "test.jsonl",
    }
    _write_jsonl(paths["train_clean"], result.train_clean)
    _write_jsonl(paths["train_dirty"], result.train_dirty)
    _write_jsonl(paths["defects"], result.defects)
    _write_jsonl(paths["test"], result.test)
    return paths


__all__ = ["DEFECT_CODES", "SYSTEM_PROMPT", "SynthResult", "generate", "write"]
