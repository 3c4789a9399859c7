"""Mix rules (TP701-TP705): what a dataset teaches, beyond whether each record is well formed.

TP701, TP702, TP704 and TP705 are dataset rules on the per-record summaries
(``validator.rules.dataset.summarize``: whether the record trains, its call names, whether a turn
makes parallel calls, whether a no-call record offers a tool related to its request); TP703 is a
record rule. Only records with an assistant turn count: a test record (no answer) teaches nothing,
so test sets get no mix finding. Whole-dataset findings carry record index -1 (line 0) and path ``$``.

Options (``ctx.options``, from ``[tool.toolproof.mix]`` in pyproject.toml, see :data:`MIX_DEFAULTS`).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from toolproof.validator.findings import FixSafety, Hit, Severity, json_path
from toolproof.validator.grounding import record_grounding
from toolproof.validator.rules.base import Context, rule
from toolproof.validator.rules.dataset import NEAR_MISS, NO_CALLS, PARALLEL, TRAINS, RecordSummary, as_table

FAMILY = "mix"

# option key (ctx.options) -> default. The config keys are the same with "-" for "_", without "mix_",
# e.g. ``[tool.toolproof.mix] min-no-call-share = 0.1``.
MIX_DEFAULTS: dict[str, float] = {
    # TP701: least share of training records that answer without a call. Hammer trains on ~11% no-call
    # records (xLAM-60k + xlam-irrelevance-7.5k); When2Call's SFT mixes are of that order.
    "mix_min_no_call_share": 0.10,
    # TP702: least share of training records that are near-miss declines (no call, a related tool offered)
    "mix_min_near_miss_share": 0.05,
    # TP701, TP702, TP704, TP705 judge a dataset with at least this many training records
    "mix_min_records": 20,
    # TP704: the most called tool may have at most this many times the mean calls per tool
    "mix_max_tool_skew": 3.0,
    # TP704: ... and is reported only when it also takes at least this share of all calls (in a long
    # tail of tools called once or twice, 3x the mean is a few percent: not "very uneven")
    "mix_min_top_share": 0.20,
    # TP705: the share of calling records with a parallel-call turn should lie within these bounds
    "mix_min_parallel_share": 0.05,
    "mix_max_parallel_share": 0.60,
}
_SHARES = {k for k in MIX_DEFAULTS if "share" in k}


def mix_options(table: Any, where: str) -> dict[str, float]:
    """``[tool.toolproof.mix]`` as option keys; raises ValueError naming ``where`` and the key."""
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table of option = number")
    out: dict[str, float] = {}
    for key, value in table.items():
        opt = "mix_" + str(key).replace("-", "_")
        if opt not in MIX_DEFAULTS:
            known = ", ".join(k[4:].replace("_", "-") for k in MIX_DEFAULTS)
            raise ValueError(f"{where}.{key}: unknown option (known: {known})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{where}.{key}: expected a number >= 0, got {value!r}")
        if opt in _SHARES and value > 1:
            raise ValueError(f"{where}.{key}: a share is between 0 and 1, got {value!r}")
        out[opt] = float(value)
    return out


def _opt(ctx: Context, key: str) -> float:
    v = ctx.options.get(key, MIX_DEFAULTS[key])
    try:
        return float(v)
    except (TypeError, ValueError):
        return MIX_DEFAULTS[key]


FAR_KEPT = 20  # far-miss record numbers a TP702 finding names (data["far"])


@dataclass
class MixTally:
    """What the mix rules read of a file's summaries, in a form that adds up: the Ray engine makes
    one per byte range in its workers and adds them in file order (:meth:`add`), so no per-record
    summary has to reach its driver. A rule given a tally instead of summaries reads it as is."""

    train: int = 0  # training records (with an assistant turn)
    no_call: int = 0  # of them, those that answer without a call
    near: int = 0  # of those, the near misses (a related tool offered)
    far: list[int] = field(default_factory=list)  # the first FAR_KEPT far misses' record numbers
    calls: Counter[str] = field(default_factory=Counter)  # calls per tool, tools in the order first called
    parallel: int = 0  # calling records with a turn of two or more calls
    answers: int = 0  # assistant turns answering a user turn (TP701)
    no_call_answers: int = 0  # of them, those without a call

    @classmethod
    def of(cls, summaries: Any) -> MixTally:
        """The tally of ``summaries``: computed once per table (TP701-TP705 each ask for it)."""
        if isinstance(summaries, MixTally):
            return summaries
        t = as_table(summaries)
        cached = getattr(t, "mix_tally", None)
        if cached is not None and cached[0] == len(t):
            return cast(MixTally, cached[1])
        counts = t.flag_counts()
        if all(v & TRAINS for v in counts):  # every record trains (nearly every training file): in C
            m = cls._all_training(t, counts)
            t.mix_tally = (len(t), m)
            return m
        m = cls()
        far = m.far
        calls: Counter[bytes] = Counter()  # names as stored, decoded once at the end
        for index, answers, no_call_answers, flags, called in t.training_rows():
            m.train += 1
            m.answers += answers
            m.no_call_answers += no_call_answers
            if called is None:  # no call
                m.no_call += 1
                if flags & NEAR_MISS:
                    m.near += 1
                elif len(far) < FAR_KEPT:
                    far.append(index)
            else:
                calls.update(called)
                if flags & PARALLEL:
                    m.parallel += 1
        for name, n in calls.items():  # (first-called order kept: decoding is one-to-one)
            m.calls[name.decode("utf-8", "surrogatepass")] = n
        t.mix_tally = (len(t), m)
        return m

    @classmethod
    def _all_training(cls, t: Any, counts: dict[int, int]) -> MixTally:
        """The tally of a table whose records all train, from whole-column counts (the loop in
        :meth:`of` gives the same; ``tests/test_mix.py`` compares them)."""
        m = cls()
        m.train = len(t)
        m.answers, m.no_call_answers = t.answer_totals()
        for v, n in counts.items():
            if v & NO_CALLS:
                m.no_call += n
                if v & NEAR_MISS:
                    m.near += n
            elif v & PARALLEL:
                m.parallel += n
        far_values = [v for v in counts if v & NO_CALLS and not v & NEAR_MISS]
        m.far.extend(t.first_with_flags(far_values, FAR_KEPT))
        for name, n in Counter(t.all_call_names()).items():  # (only calling records have names)
            m.calls[name.decode("utf-8", "surrogatepass")] = n
        return m

    def add(self, other: MixTally, records: int = 0) -> None:
        """Add the tally of the records that follow, ``other``'s record numbers moved by ``records``."""
        self.train += other.train
        self.no_call += other.no_call
        self.near += other.near
        self.far.extend(i + records for i in other.far[: FAR_KEPT - len(self.far)])
        self.calls.update(other.calls)
        self.parallel += other.parallel
        self.answers += other.answers
        self.no_call_answers += other.no_call_answers

    @property
    def calling(self) -> int:
        return self.train - self.no_call


def _enough(ctx: Context, n: int) -> bool:
    return n > 0 and n >= _opt(ctx, "mix_min_records")


def _share(k: int, n: int) -> str:
    return f"{k} of {n} ({k / n:.1%})" if n else f"{k} of 0"


@rule("TP701", "few-no-call-records", severity=Severity.WARNING, fix=FixSafety.NONE, family=FAMILY, scope="dataset")
def few_no_call_records(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """Too few answers to a user turn are made without calling a tool.

    ## What it does
    Counts the assistant turns that answer a user turn (the first assistant turn after each user
    turn; turns after a tool result continue the same answer) and those of them that make no call
    (calls typed as text count as calls), and reports the dataset when the no-call share is below
    `min-no-call-share` (default 10%, `[tool.toolproof.mix]`). On agent data every clarifying
    question or final reply to the user counts, not only whole records without a call. Datasets
    with fewer than `min-records` (default 20) training records are not judged; a test set (no
    assistant turn) has nothing to judge.

    ## Why is this bad?
    A model fine-tuned only on calls learns to call a tool for every request: fine-tunes lose BFCL's
    irrelevance set even when every record is correct (measured in `experiments/seed.yaml`: 42% ->
    11%). Published recipes keep about a tenth of the records without a call (Hammer: xLAM-60k plus
    xlam-irrelevance-7.5k, ~11%); When2Call reports that such records raise irrelevance by about 25
    points.

    ## Example
    400 records, each with a tool call.

    ## Use instead
    Add records where the right answer is a plain reply: `toolproof data balance IN -o OUT` adds
    near-miss declines made from the data's own records.

    ## Fix safety
    No fix in `clean` (a finding about the whole file, record -1); `toolproof data balance` or
    `clean --balance` repairs the mix.
    """
    m = MixTally.of(summaries)
    if not _enough(ctx, m.train) or not m.answers:
        return
    n, k = m.answers, m.no_call_answers
    floor = _opt(ctx, "mix_min_no_call_share")
    if k / n < floor:
        yield -1, Hit(
            "$",
            f"{_share(k, n)} assistant turns answering a user turn make no call, below {floor:.0%}: the model learns "
            "to call a tool for every request (toolproof data balance adds declines)",
            data={"no_call": k, "answers": n, "records": m.train},
        )


@rule("TP702", "no-near-miss-negatives", severity=Severity.WARNING, fix=FixSafety.NONE, family=FAMILY, scope="dataset")
def no_near_miss_negatives(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """The records without a call never offer a tool that nearly fits the request.

    ## What it does
    A no-call training record is a *near miss* when one of its offered tools shares a content word
    with the request (user turns vs. the tool's name, description and parameter names; lower-cased,
    snake_case and camelCase split, plural "s" dropped, stop words and tool-doc boilerplate left out;
    see `validator.grounding`). When the data has no-call records but fewer than
    `min-near-miss-share` (default 5%) of its training records are near misses, the dataset is
    reported, with up to five of its far-miss records.

    ## Why is this bad?
    Declining when the offered tools are from another domain ("Name the capital of Norway" with a
    thermostat tool) is easy; what a model must learn is to decline when a tool nearly fits but
    cannot do the job, which is what every BFCL irrelevance record and most real requests offer.
    Data whose declines are all far misses teaches the easy case only.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "What is 6 times 5?"}, {"role": "assistant", "content": "30."}],
     "tools": [{"type": "function", "function": {"name": "calculate_loan_payment", "description": "Monthly payment of a loan."}}]}
    ```

    ## Use instead
    Declines whose tools nearly fit: drop the called tool from a calling record and answer with a
    decline that names what is missing (`toolproof data balance`, the xlam-irrelevance method).

    ## Fix safety
    No fix in `clean` (a finding about the whole file, record -1); `toolproof data balance` adds
    near-miss records.
    """
    m = MixTally.of(summaries)
    n = m.train
    if not _enough(ctx, n):
        return
    if not m.no_call:
        return  # TP701's business
    near = m.near
    floor = _opt(ctx, "mix_min_near_miss_share")
    if near / n < floor:
        far = m.far
        shown = ", ".join(str(i) for i in far[:5]) + (" ..." if m.no_call - near > 5 else "")
        yield -1, Hit(
            "$",
            f"{near} of {m.no_call} no-call records offer a tool related to the request ({near / n:.1%} of {n} "
            f"training records, below {floor:.0%}): {'nothing teaches' if not near else 'too few teach'} declining a "
            "tool that nearly fits "
            f"(far misses: records {shown})",
            data={"near_miss": near, "no_call": m.no_call, "records": n, "far": far[:FAR_KEPT]},
        )


_JSON_ESCAPE = re.compile(r'[\x00-\x1f\\"]')  # what json.dumps(ensure_ascii=False) escapes in a string


def _show(value: Any) -> str:
    if type(value) is str and not _JSON_ESCAPE.search(value):
        s = '"' + value + '"'  # json.dumps' text, without its encoder
    elif type(value) is int or (type(value) is float and math.isfinite(value)):
        s = repr(value)  # as json.dumps writes numbers
    else:
        s = json.dumps(value, ensure_ascii=False) if not isinstance(value, float) or math.isfinite(value) else repr(value)
    return s if len(s) <= 80 else s[:77] + "..."


def _tail(parts: tuple[Any, ...]) -> str:
    """``json_path(*parts)`` without its "$" (a top-level argument name: without building it)."""
    if len(parts) == 1 and type(parts[0]) is str and parts[0].isidentifier():
        return "." + parts[0]
    return json_path(*parts)[1:]


@rule("TP703", "ungrounded-argument-value", severity=Severity.WARNING, fix=FixSafety.NONE, family=FAMILY,
      default_enabled=False)
def ungrounded_argument_value(record: Any, ctx: Context) -> Iterator[Hit]:
    """An argument value that nothing the model could see before the call supports.

    ## What it does
    A value is *grounded* when it appears in anything the model could see before the call: the
    system prompt, the user turns, the tool results, the earlier assistant turns and the arguments
    of earlier calls. The comparison normalises case and whitespace, number forms ("1,000", "1000"
    and "1000.0" are one number; "5%" is also 0.05; "five" is 5) and dates ("2024-05-19" is "May
    19th"); a string also counts when each of its words does (unit words ignored). Not judged:
    booleans, nulls, enum members and schema defaults (choices, not facts), and parameters holding
    text the model writes (a name ending in note, summary, message, thought, reason, query,
    expression, code, content, body, text...; or a description that says free text, natural
    language, a summary, an expression, code). A number that is the sum, difference or product of
    two visible numbers, or a sum of several, is derived, not invented. What is left is reported,
    one finding per value at its JSON path: a warning, or `info` when the value may be a
    normalisation (an ISO date where the conversation names a date relatively, "tomorrow"; a short
    upper-case code such as an airport code for a city). Calls typed as text count as calls.
    `toolproof data stats` counts the calls holding a warned value with the same judgement.

    Opt-in (`--select TP703`): its measured precision on the real sources is below the policy's 90%
    for a warning (`bench/precision.py`; `toolproof rule TP703` shows the number). What it still
    gets wrong are normalisations it cannot see as such: a ticker for a coin ("ethereum" for ETH),
    a sport for a league ("basketball" for NBA), API spellings of the user's words ("1day",
    "close"), unit conversions (3600 for "an hour") and Chinese percentages ("打八折" for 20%).

    ## Why is this bad?
    A fine-tune learns to produce the values it sees. Values a generator invented (today's date as
    "2022-03-15", a full name for "my boss", a translated name) teach the model to make facts up
    instead of asking or leaving the argument out.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "How old am I? I was born on 1990-05-15."},
                  {"role": "assistant", "tool_calls": [{"function": {"name": "calculate_age",
                   "arguments": {"birthdate": "1990-05-15", "current_date": "2022-03-15"}}}]}]}
    ```
    `current_date` is written nowhere.

    ## Use instead
    Write the value into the request (or a tool result) the call is made from, leave an optional
    argument out, or have the assistant ask for it.

    ## Fix safety
    No fix: whether a value is an inference the model should learn or an invention is a judgement.
    """
    for path, name, missing in record_grounding(record):
        if not missing or path[0] != "messages":
            continue  # (a test record's expected calls are data stats' business)
        base, prefix = json_path(*path), f"{name}: " if name else ""
        for parts, value, kind in missing:
            if kind is None:
                msg, sev = f"{prefix}value {_show(value)} appears nowhere the model could see before the call", None
            elif kind == "date":
                msg, sev = (f"{prefix}date {_show(value)} is written nowhere before the call; the conversation names "
                            "a date relatively (check the date it was resolved to)"), Severity.INFO
            else:
                msg, sev = (f"{prefix}code {_show(value)} is written nowhere before the call (a normalised name, "
                            "such as an airport code for a city?)"), Severity.INFO
            yield Hit(base + _tail(parts), msg, None, sev, {"value": value})


# reads the record alone (not ctx.tools): the engine skips building the context when only such rules run
ungrounded_argument_value.context_free = True  # type: ignore[attr-defined]


@rule("TP704", "skewed-tool-calls", severity=Severity.INFO, fix=FixSafety.NONE, family=FAMILY, scope="dataset")
def skewed_tool_calls(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """Calls are spread very unevenly over the tools.

    ## What it does
    Counts the calls of each tool in the training records; when at least three tools are called
    and the most called one has more than `max-tool-skew` (default 3) times the mean calls per
    tool and at least `min-top-share` (default 20%) of all calls, reports the dataset with the top
    tools and how many tools are called once. (In a long tail of tools called once or twice, the
    top tool has 3x the mean with a few percent of the calls: measured on real data, such findings
    were not skews a user would act on.)

    ## Why is this bad?
    A model tends to call the tools it saw most, and learns little about rarely called ones. It is
    information, not an error: some datasets are skewed on purpose.

    ## Example
    `get_weather` 400 calls, nine other tools 5 calls each.

    ## Use instead
    More records for the rare tools, or fewer for the common one.

    ## Fix safety
    No fix.
    """
    m = MixTally.of(summaries)
    if not _enough(ctx, m.train):
        return
    counts = m.calls
    if len(counts) < 3:
        return
    total = sum(counts.values())
    mean = total / len(counts)
    ratio = _opt(ctx, "mix_max_tool_skew")
    (top, top_n), *_ = counts.most_common(1)
    if top_n > ratio * mean and top_n >= _opt(ctx, "mix_min_top_share") * total:
        tops = ", ".join(f"{k} {v}" for k, v in counts.most_common(3))
        once = sum(1 for v in counts.values() if v == 1)
        yield -1, Hit(
            "$",
            f"'{top}' has {top_n} of {total} calls ({top_n / total:.0%}), {top_n / mean:.1f}x the mean of {mean:.1f} "
            f"over {len(counts)} tools (top: {tops}; {once} tool(s) called once)",
            data={"calls_per_tool": dict(counts.most_common())},
        )


@rule("TP705", "parallel-call-share", severity=Severity.INFO, fix=FixSafety.NONE, family=FAMILY, scope="dataset")
def parallel_call_share(summaries: list[RecordSummary], ctx: Context) -> Iterator[tuple[int, Hit]]:
    """Parallel calls (two or more in one turn) are rare or dominant.

    ## What it does
    Among training records with calls, counts those with a turn of two or more calls and reports
    the dataset when the share is below `min-parallel-share` (default 5%) or above
    `max-parallel-share` (default 60%).

    ## Why is this bad?
    With no parallel examples a model answers "weather in Paris and Rome" with one call; with mostly
    parallel examples it splits requests that need one call. It is information: a dataset for one
    use may want either.

    ## Example
    300 calling records, none with two calls in a turn.

    ## Use instead
    Include some requests that need several independent calls, answered in one turn.

    ## Fix safety
    No fix.
    """
    m = MixTally.of(summaries)
    if not _enough(ctx, m.train):
        return
    calling = m.calling
    if not calling:
        return
    k = m.parallel
    share = k / calling
    lo, hi = _opt(ctx, "mix_min_parallel_share"), _opt(ctx, "mix_max_parallel_share")
    if share < lo:
        yield -1, Hit("$", f"{_share(k, calling)} calling records make parallel calls, below {lo:.0%}: "
                      "the model rarely sees two calls in one turn", data={"parallel": k, "calling": calling})
    elif share > hi:
        yield -1, Hit("$", f"{_share(k, calling)} calling records make parallel calls, above {hi:.0%}: "
                      "the model may split requests that need one call", data={"parallel": k, "calling": calling})


__all__ = [
    "FAR_KEPT",
    "MIX_DEFAULTS",
    "MixTally",
    "few_no_call_records",
    "mix_options",
    "no_near_miss_negatives",
    "parallel_call_share",
    "skewed_tool_calls",
    "ungrounded_argument_value",
]
