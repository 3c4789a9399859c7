"""The reader: every record accounted for, right line numbers, every container format."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import toolproof.validator.io as vio
from toolproof.validator.io import InputError, iter_records, split_format


def rec(i: int) -> dict[str, Any]:
    return {"id": f"r{i}", "messages": [{"role": "user", "content": f"q{i} [x] {{y}}"}, {"role": "assistant", "content": "a"}]}


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def test_jsonl_lines_indexes_and_blank_lines(tmp_path: Path) -> None:
    p = write(tmp_path / "d.jsonl", "\n".join([json.dumps(rec(0)), "", "   ", json.dumps(rec(1)), "{bad", json.dumps(rec(2))]) + "\n")
    rs = list(iter_records(p))
    assert [(r.line, r.index) for r in rs] == [(1, 0), (4, 1), (5, 2), (6, 3)]
    assert rs[0].obj == rec(0) and rs[3].obj == rec(2)
    assert rs[2].obj is None and rs[2].code == "TP001" and rs[2].raw == "{bad\n"
    assert rs[2].error is not None and "column" in rs[2].error.message
    assert all(r.file == str(p) for r in rs)


def test_crlf_line_endings(tmp_path: Path) -> None:
    p = write(tmp_path / "d.jsonl", json.dumps(rec(0)) + "\r\n" + json.dumps(rec(1)) + "\r\n")
    assert [r.obj for r in iter_records(p)] == [rec(0), rec(1)]


def test_json_array_streamed_with_start_lines(tmp_path: Path) -> None:
    elems = [rec(0), {"s": "a \" ] } [ { string", "n": [1, [2, {"x": "]"}]]}, 7, "text", None, rec(1)]
    text = "[\n" + ",\n".join(json.dumps(e, indent=2) for e in elems) + "\n]\n"
    p = write(tmp_path / "d.json", text)
    rs = list(iter_records(p))
    assert [r.obj for r in rs] == elems
    lines = text.splitlines()
    # each record's line is where its element starts
    for r in rs:
        assert lines[r.line - 1].strip().startswith(json.dumps(r.obj)[:1] if r.obj is not None else "null")
    assert rs[0].line == 2
    assert all(not r.extra for r in rs)


def test_json_array_across_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vio, "_CHUNK", 7)
    elems = [rec(i) for i in range(30)]
    p = write(tmp_path / "d.json", json.dumps(elems, indent=1))
    rs = list(iter_records(p))
    assert [r.obj for r in rs] == elems
    assert [r.index for r in rs] == list(range(30))
    assert all(r.ok for r in rs)


def test_json_array_bad_element_does_not_stop_the_rest(tmp_path: Path) -> None:
    p = write(tmp_path / "d.json", '[{"a": 1},\n {"b": ,},\n {"c": 3}]')
    rs = list(iter_records(p))
    assert [r.obj for r in rs] == [{"a": 1}, None, {"c": 3}]
    assert rs[1].line == 2 and rs[1].code == "TP001"


def test_json_array_not_closed(tmp_path: Path) -> None:
    p = write(tmp_path / "d.json", '[{"a": 1},\n{"b": 2}\n')
    rs = list(iter_records(p))
    assert [r.obj for r in rs] == [{"a": 1}, {"b": 2}]
    assert [c for c, _ in rs[1].extra] == ["TP001"]
    assert "not closed" in rs[1].extra[0][1].message


def test_json_array_truncated_element(tmp_path: Path) -> None:
    p = write(tmp_path / "d.json", '[{"a": 1},\n{"b": "unterminated')
    rs = list(iter_records(p))
    assert rs[0].obj == {"a": 1}
    assert rs[1].obj is None and rs[1].line == 2 and "truncated" in (rs[1].error.message if rs[1].error else "")


def test_json_file_with_one_object_per_line_reads_as_jsonl(tmp_path: Path) -> None:
    p = write(tmp_path / "d.json", json.dumps(rec(0)) + "\n" + json.dumps(rec(1)) + "\n")
    container, _, _ = vio.iter_units(p)
    assert container == "jsonl"
    assert [r.obj for r in iter_records(p)] == [rec(0), rec(1)]


def test_pretty_printed_concatenated_values(tmp_path: Path) -> None:
    p = write(tmp_path / "d.json", json.dumps(rec(0), indent=2) + "\n" + json.dumps(rec(1), indent=2))
    rs = list(iter_records(p))
    assert [r.obj for r in rs] == [rec(0), rec(1)]
    assert rs[1].line == len(json.dumps(rec(0), indent=2).splitlines()) + 1


def test_csv_json_cells_and_physical_lines(tmp_path: Path) -> None:
    msgs = json.dumps([{"role": "user", "content": "line1\nline2"}])
    tools = json.dumps([{"type": "function", "function": {"name": "f"}}])
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "messages", "tools", "category"])
    w.writerow(["a", msgs, tools, "simple\nmulti-line"])  # spans two physical lines
    w.writerow(["b", msgs, "", "x"])
    p = write(tmp_path / "d.csv", buf.getvalue())
    rs = list(iter_records(p))
    assert [r.line for r in rs] == [2, 4]
    assert rs[0].obj == {"id": "a", "messages": json.loads(msgs), "tools": json.loads(tools), "category": "simple\nmulti-line"}
    assert "tools" not in rs[1].obj  # an empty cell is an absent field


def test_parquet_rows(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [rec(i) for i in range(5)]
    table = pa.table({"id": [r["id"] for r in rows], "messages": [json.dumps(r["messages"]) for r in rows]})
    p = tmp_path / "d.parquet"
    pq.write_table(table, p)
    rs = list(iter_records(p))
    assert [r.obj for r in rs] == rows
    assert [r.line for r in rs] == [1, 2, 3, 4, 5]


def test_parquet_without_pyarrow_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def fake(name: str, *a: Any, **k: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError("no pyarrow")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    p = write(tmp_path / "d.parquet", b"PAR1....PAR1")
    with pytest.raises(InputError, match=r"d\.parquet.*pyarrow"):
        list(iter_records(p))


def test_input_format_override(tmp_path: Path) -> None:
    p = write(tmp_path / "d.txt", json.dumps([rec(0), rec(1)]))
    assert [r.obj for r in iter_records(p, "json")] == [rec(0), rec(1)]
    assert split_format("csv:sharegpt") == ("csv", "sharegpt")
    assert split_format("xlam") == (None, "xlam")
    with pytest.raises(ValueError, match="unknown input format"):
        split_format("yaml")


def test_reader_reads_each_record_by_its_dialect(tmp_path: Path) -> None:
    share = {"conversations": [{"from": "human", "value": "hi"}]}
    p = write(tmp_path / "d.jsonl", json.dumps(rec(0)) + "\n" + json.dumps(share) + "\n")
    rs = list(iter_records(p))
    assert rs[0].obj == rec(0) and rs[0].source_format == "canonical"
    assert rs[1].obj == {"messages": [{"role": "user", "content": "hi"}]} and rs[1].source_format == "sharegpt"


def test_unknown_shape_is_left_to_the_rules_and_a_broken_dialect_record_is_not_read(tmp_path: Path) -> None:
    broken = {"conversations": [{"from": "human", "value": "hi"}, {"from": "narrator", "value": "?"}]}
    p = write(tmp_path / "d.jsonl", '{"weird": 1}\n' + json.dumps(broken) + "\n")
    rs = list(iter_records(p))
    assert rs[0].obj == {"weird": 1} and rs[0].source_format is None and rs[0].ok
    assert rs[1].obj is None and rs[1].original == broken and rs[1].code == "TP012"
    assert rs[1].source_format == "sharegpt" and rs[1].error is not None
    assert "cannot be read as sharegpt" in rs[1].error.message and "narrator" in rs[1].error.message
    assert rs[1].error.path == "$.conversations[1].from"


def test_jsonl_memory_stays_flat(tmp_path: Path) -> None:
    p = tmp_path / "big.jsonl"
    line = json.dumps(rec(0)) + "\n"
    n = 60_000
    with open(p, "w") as f:
        for _ in range(n):
            f.write(line)
    size = p.stat().st_size
    tracemalloc.start()
    count = sum(1 for _ in iter_records(p))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    assert peak < size / 10, (peak, size)


def test_json_array_memory_stays_flat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vio, "_CHUNK", 1 << 16)  # peak memory is a few chunks, not the file
    p = tmp_path / "big.json"
    n = 40_000
    with open(p, "w") as f:
        f.write("[")
        for i in range(n):
            f.write(("," if i else "") + json.dumps(rec(i)) + "\n")
        f.write("]")
    size = p.stat().st_size
    tracemalloc.start()
    count = sum(1 for r in iter_records(p) if r.ok)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    assert peak < size / 10, (peak, size)


def test_real_converter_in_auto_mode(tmp_path: Path) -> None:
    share = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
    factory = {"messages": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
    p = write(tmp_path / "d.jsonl", "\n".join(json.dumps(x) for x in (share, factory, rec(0))) + "\n")
    rs = list(iter_records(p))
    assert [r.source_format for r in rs] == ["sharegpt", "sharegpt", "canonical"]
    for r in rs[:2]:
        assert [m["role"] for m in r.obj["messages"]] == ["user", "assistant"]
    assert rs[2].obj == rec(0)
    # canonical as input format: no conversion, the rules see the raw shape
    assert [r.source_format for r in iter_records(p, "canonical")] == ["canonical"] * 3
    assert list(iter_records(p, "canonical"))[0].obj == share


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from(list('ab "\\[]{},:\n\té😀')), max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet='ab"[]{}', max_size=4), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(elems=st.lists(_json_values, max_size=8), indent=st.sampled_from([None, 0, 1, 2]), chunk=st.integers(1, 40))
def test_json_array_reader_round_trips(tmp_path: Path, elems: list[Any], indent: int | None, chunk: int) -> None:
    text = json.dumps(elems, indent=indent, ensure_ascii=False)
    p = tmp_path / "h.json"
    p.write_text(text, encoding="utf-8")
    old = vio._CHUNK
    vio._CHUNK = chunk
    try:
        rs = list(iter_records(p, "json:canonical"))
    finally:
        vio._CHUNK = old
    assert [r.obj for r in rs] == elems
    assert all(r.ok and not r.extra for r in rs)
    assert [r.index for r in rs] == list(range(len(elems)))
    lines = text.split("\n")
    for r in rs:  # the start line holds the start of the element's text
        assert r.line <= len(lines)


def test_json_array_number_split_at_a_chunk_boundary_after_a_parsable_prefix(tmp_path: Path) -> None:
    """``1.35e+16`` cut after the ``e``: "1.35" parses alone, but the number goes on in the next chunk."""
    elems = [1.3510798882109884e16, [], 7]
    text = json.dumps(elems, indent=1)
    cut = text.index("e+16") + 1
    p = tmp_path / "n.json"
    p.write_text(text, encoding="utf-8")
    old = vio._CHUNK
    vio._CHUNK = cut
    try:
        rs = list(iter_records(p, "json:canonical"))
    finally:
        vio._CHUNK = old
    assert [r.obj for r in rs] == elems
