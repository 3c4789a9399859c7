"""Which tool result answers which call, read in conversation order (TP008 and its repair).

Real agent logs reuse a call id for a later, different call in the same conversation (an API that
numbers calls per turn, a log that copies ids). The conversation stays unambiguous as long as every
result follows its own call: a result answers the one call with its id that is still waiting for a
result. It becomes ambiguous when a result arrives while two calls with its id wait (two calls in
one message sharing an id, or a second call before the first one's result): the result could belong
to either. Calls that share an id but never get a result are not ambiguous (nothing to misplace).
:func:`pair_calls` tells the two apart; the rule (TP008) marks the first kind safe to repair, and
the repair (``fixes.renumber_call_ids``) gives each later call its own id and moves its results with it.

Pure Python, no rule or repair imports: both sides read the same pairing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallPairing:
    """The calls and results of one record, paired by id in order.

    ``calls``: ``(message index, call index, id)`` of every structured call with a string id.
    ``results``: tool message index -> the position in ``calls`` it answers (results that answer no
    waiting call are left out: TP007 or a repeated result). ``ambiguous``: ids of which some result
    could belong to more than one call."""

    calls: list[tuple[int, int, str]] = field(default_factory=list)
    results: dict[int, int] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)
    repeated_results: set[str] = field(default_factory=set)  # ids answered more often than called


def pair_calls(messages: Any) -> CallPairing:
    """Pair every tool result with the call it answers (see the module doc)."""
    out = CallPairing()
    if not isinstance(messages, list):
        return out
    waiting: dict[str, list[int]] = {}  # id -> positions in out.calls still without a result
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role == "assistant" and isinstance(m.get("tool_calls"), list):
            for j, call in enumerate(m["tool_calls"]):
                cid = call.get("id") if isinstance(call, dict) else None
                if not isinstance(cid, str) or not cid:
                    continue
                waiting.setdefault(cid, []).append(len(out.calls))
                out.calls.append((i, j, cid))
        elif role == "tool":
            cid = m.get("tool_call_id")
            if not isinstance(cid, str) or not cid:
                continue
            queue = waiting.get(cid)
            if queue:
                if len(queue) > 1:
                    out.ambiguous.add(cid)  # two calls wait for this id: the result could be either's
                out.results[i] = queue.pop(0)
            elif any(c[2] == cid for c in out.calls):
                out.repeated_results.add(cid)  # a second result for an answered call: which one is meant?
    return out


def renumber_safe(pairing: CallPairing, cid: str) -> bool:
    """True when the calls sharing ``cid`` can each get their own id with no doubt about their results."""
    return cid not in pairing.ambiguous and cid not in pairing.repeated_results


def fresh_id(base: str, used: set[str]) -> str:
    """``base_2``, ``base_3``, ...: the first not in ``used`` (deterministic; added to ``used``)."""
    k = 2
    while f"{base}_{k}" in used:
        k += 1
    new = f"{base}_{k}"
    used.add(new)
    return new


__all__ = ["CallPairing", "fresh_id", "pair_calls", "renumber_safe"]
