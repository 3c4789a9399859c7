"""Hostile records through lint, clean and fix (issue 30), property-based.

Records are generated as JSON Lines text so that they can hold what Python values cannot carry
cheaply or exactly: nesting hundreds of levels deep (past toolproof's 200 and orjson's 1,024),
integers far past 64 bits, float spellings (``1.0e5``, ``-0.0``, ``1e308``), odd Unicode (lone
surrogates, NUL, bidi controls, non-characters) and wrong types at every level of the record.
For every command: no crash (exit 3 or a traceback), every record accounted for, and the exit code
that the findings call for. A bounded profile: it runs in a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolproof.cli import main
from toolproof.validator.cleaner import clean

PROFILE = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

HOLE = "\x00HOLE\x00"  # replaced by raw JSON text after json.dumps


def deep(kind: str, n: int) -> str:
    if kind == "list":
        return "[" * n + "1" + "]" * n
    if kind == "object":
        return '{"a": ' * n + "1" + "}" * n
    return '{"type": "object", "properties": {"a": ' * n + '{"type": "string"}' + "}}" * n  # a schema


raw_values = st.one_of(
    st.builds(deep, st.sampled_from(["list", "object", "schema"]), st.sampled_from([3, 150, 199, 201, 600, 1100])),
    st.integers(min_value=19, max_value=400).map(lambda k: "-" * (k % 2) + "9" * k),  # past 64 bits, past a float
    st.sampled_from(["1.0e5", "-0.0", "1e308", "1e400", "0.1e-400", "9007199254740993", "-9223372036854775809"]),
    st.sampled_from(['"\\ud800"', '"\\u0000nul"', '"\u202eevil"', '"\ufffe\U0010ffff"', '"a\\r\\n::warning::x"',
                     '"![x](http://evil.example/x.png)"', '"=cmd()"']),
    st.sampled_from(["null", "true", "[]", "{}", '""', "0", '"x"']),  # wrong types
)


def base_record(i: int) -> dict[str, Any]:
    return {
        "id": f"r{i}",
        "messages": [
            {"role": "user", "content": "weather in Paris"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                   "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
            {"role": "tool", "tool_call_id": "c1", "name": "get_weather", "content": "sunny"},
            {"role": "assistant", "content": "It is sunny."},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "weather",
                                                     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    }


def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the record a value can be swapped: each key's value and each list item."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _slots(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _slots(v, (*path, i))
    return out


SLOTS = _slots(base_record(0))


def _put(record: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = record
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return record


@st.composite
def hostile_line(draw: st.DrawFn, i: int) -> str:
    record = base_record(i)
    raws = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        path = draw(st.sampled_from(SLOTS))
        try:
            record = _put(record, path, HOLE)
        except (KeyError, IndexError, TypeError):  # an earlier swap took that place away
            continue
        raws.append(draw(raw_values))
    text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    for raw in raws:
        text = text.replace(json.dumps(HOLE), raw, 1)
    return text


@st.composite
def hostile_files(draw: st.DrawFn) -> list[str]:
    n = draw(st.integers(min_value=1, max_value=5))
    return [draw(hostile_line(i)) for i in range(n)]


def _lint(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["lint", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, json.loads(out)


@PROFILE
@given(lines=hostile_files())
def test_hostile_records_through_lint_clean_and_fix(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
                                                    lines: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("hostile")
    src = tmp / "d.jsonl"
    src.write_bytes("".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass"))
    n = len(lines)

    # lint: never a crash; exit 1 exactly when an error-level finding is reported
    code, report = _lint(src, capsys)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert report["summary"]["records"] == n
    assert code == (1 if errors else 0), (code, errors[:3])

    # clean: every record ends in exactly one place; exit 1 when a record could not be read or none is kept
    res = clean([src], tmp / "o.jsonl", dedupe=False)
    assert not res.internal_errors, res.internal_errors
    assert res.records_in == n == res.written + res.quarantined
    assert len((tmp / "o.jsonl").read_bytes().splitlines()) == res.written
    assert len((tmp / "o.quarantine.jsonl").read_bytes().splitlines()) == res.quarantined
    code = main(["clean", str(src), "-o", str(tmp / "o2.jsonl"), "--no-dedupe", "-q"])
    out, err = capsys.readouterr()
    # exit 1 when a record could not be read, or when nothing is kept (an empty output is an error)
    assert "Traceback" not in err and code == (1 if res.unread or not res.written else 0), (code, err)
    assert (tmp / "o2.jsonl").read_bytes() == (tmp / "o.jsonl").read_bytes()
    # what clean wrote lints without errors
    code, report = _lint(tmp / "o.jsonl", capsys)
    assert code == 0, report["findings"][:3]

    # fix: never a crash, never a record lost; exit 1 exactly when the file changed; untouched lines keep their bytes
    before = src.read_bytes().splitlines(keepends=True)
    code = main(["fix", str(src)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and code in (0, 1), (code, err)
    after = src.read_bytes().splitlines(keepends=True)
    assert len(after) == len(before)
    assert (code == 1) == (after != before)
    for old, new in zip(before, after, strict=True):
        if old != new:  # a repaired record: still one object on one line
            assert isinstance(json.loads(new), dict) and new.endswith(b"\n") == old.endswith(b"\n")
