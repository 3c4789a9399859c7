"""The cleaner library: paths, quarantine lines, dedupe, ids, atomic writes, formats."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_clean_invariants import GOOD, WEATHER, asst, call, read_jsonl, rec, tagged, user, write_dirty

from toolproof.validator.cleaner import CleanError, clean, fix_file, resolve_report_path


def write_lines(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_default_quarantine_beside_output(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD, "{oops"])
    out = tmp_path / "sub" / "train.clean.jsonl"
    res = clean([src], out)
    assert res.quarantine == os.fspath(tmp_path / "sub" / "train.clean.quarantine.jsonl")
    q = read_jsonl(Path(res.quarantine))
    assert len(q) == 1
    assert set(q[0]) == {"file", "line", "id", "findings", "record", "raw_base64"}
    assert q[0]["line"] == 2 and q[0]["record"] == "{oops" and q[0]["findings"][0]["code"] == "TP001"


def test_quarantine_line_keeps_the_original_record_and_reasons(tmp_path: Path) -> None:
    bad = rec("bad", [user("Weather?"), asst(None, [call("get_weather", {"unit": "c"})])])
    src = write_lines(tmp_path / "in.jsonl", [bad])
    res = clean([src], tmp_path / "o.jsonl", tmp_path / "q.jsonl")
    q = read_jsonl(tmp_path / "q.jsonl")
    assert q[0]["record"] == bad and q[0]["id"] == "bad" and q[0]["file"] == os.fspath(src)
    f = q[0]["findings"][0]
    assert f["code"] == "TP301" and f["path"].startswith("$.messages[1].tool_calls[0]") and f["severity"] == "error"
    assert res.quarantined_by_rule == {"TP301": 1}


def test_repaired_record_that_still_has_errors_is_quarantined_as_original(tmp_path: Path) -> None:
    # markup is repairable, but the call then misses a required argument
    payload = json.dumps({"name": "get_weather", "arguments": {"unit": "c"}})
    bad = rec("r", [user("Weather?"), asst(tagged(payload))])
    src = write_lines(tmp_path / "in.jsonl", [bad])
    res = clean([src], tmp_path / "o.jsonl")
    q = read_jsonl(tmp_path / "o.quarantine.jsonl")
    assert q[0]["record"] == bad
    assert [f["code"] for f in q[0]["findings"]] == ["TP301"]
    assert res.repaired == 0 and res.quarantined == 1 and res.written == 0


def test_duplicates_dropped_first_kept_and_no_dedupe_keeps_them(tmp_path: Path) -> None:
    other_id = dict(GOOD, id="copy-with-other-id")
    src = write_lines(tmp_path / "in.jsonl", [GOOD, GOOD, other_id])
    res = clean([src], tmp_path / "o.jsonl")
    assert res.duplicates_dropped == 2 and [r["id"] for r in read_jsonl(tmp_path / "o.jsonl")] == ["good-1"]
    res2 = clean([src], tmp_path / "o2.jsonl", dedupe=False)
    ids = [r["id"] for r in read_jsonl(tmp_path / "o2.jsonl")]
    assert res2.duplicates_dropped == 0 and ids == ["good-1", "good-1#2", "copy-with-other-id"]
    assert res2.ids_suffixed == 1


def test_duplicates_across_input_files_and_a_dirty_copy_of_a_clean_record(tmp_path: Path) -> None:
    clean_one = rec("a", [user("Weather in Paris?"), asst(None, [call("get_weather", {"city": "Paris"})])])
    dirty_one = rec("b", [user("Weather in Paris?"), asst(tagged(json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})))])
    dirty_one["messages"][0] = clean_one["messages"][0]  # same prompt
    a = write_lines(tmp_path / "a.jsonl", [clean_one])
    b = write_lines(tmp_path / "b.jsonl", [dirty_one])
    res = clean([a, b], tmp_path / "o.jsonl")
    assert res.records_in == 2 and res.duplicates_dropped == 1 and res.written == 1
    assert [f.path for f in res.files] == [os.fspath(a), os.fspath(b)]


def test_missing_ids_are_derived_from_stem_and_line(tmp_path: Path) -> None:
    r = rec(None, [user("hi"), asst("hello")])
    src = write_lines(tmp_path / "train.dirty.jsonl", [r, r | {"messages": [user("x"), asst("y")]}])
    clean([src], tmp_path / "o.jsonl")
    assert [x["id"] for x in read_jsonl(tmp_path / "o.jsonl")] == ["train.dirty:1", "train.dirty:2"]


def test_extra_fields_and_key_order_are_kept(tmp_path: Path) -> None:
    r = {"category": "x", "id": "k", "messages": [user("hi"), asst(None, [call("get_weather", '{"city": "P"}')])], "tools": [WEATHER], "meta": {"a": [1, 2]}}
    src = write_lines(tmp_path / "in.jsonl", [r])
    clean([src], tmp_path / "o.jsonl")
    out = read_jsonl(tmp_path / "o.jsonl")[0]
    assert list(out) == ["category", "id", "messages", "tools", "meta"] and out["meta"] == {"a": [1, 2]}
    assert out["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "P"}


def test_refuses_to_write_over_an_input(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD])
    before = src.read_bytes()
    with pytest.raises(CleanError, match="refusing to write over"):
        clean([src], src)
    with pytest.raises(CleanError, match="refusing to write over"):
        clean([src], tmp_path / "o.jsonl", quarantine=src)
    with pytest.raises(CleanError, match="two outputs"):
        clean([src], tmp_path / "o.jsonl", quarantine=tmp_path / "o.jsonl")
    assert src.read_bytes() == before
    with pytest.raises(CleanError, match="no such file"):
        clean([tmp_path / "missing.jsonl"], tmp_path / "o.jsonl")


def test_failed_run_leaves_no_partial_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD, GOOD | {"id": "x", "messages": [user("b"), asst("c")]}])
    out = tmp_path / "o.jsonl"
    out.write_text("previous\n")
    import toolproof.validator.cleaner as cl

    calls = {"n": 0}
    real = cl.dumps_line

    def boom(obj: Any) -> bytes:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(obj)

    monkeypatch.setattr(cl, "dumps_line", boom)
    with pytest.raises(RuntimeError):
        clean([src], out)
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "o.jsonl"]


def test_report_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_report_path("r.html") == Path("r.html")  # where asked, not under reports/ (issue 34)
    assert resolve_report_path("out/r.md") == Path("out/r.md")
    with pytest.raises(CleanError):
        resolve_report_path("r.txt")
    src = write_dirty(tmp_path / "d.jsonl")
    res = clean([src], tmp_path / "o.jsonl", report="run.json")
    data = json.loads((tmp_path / "run.json").read_text())
    assert res.report == "run.json" and not (tmp_path / "reports").exists()
    assert data["summary"]["records_in"] == res.records_in
    assert data["summary"]["repairs"] == dict(sorted(res.repairs.items()))


def test_csv_input_is_cleaned_to_canonical_jsonl(tmp_path: Path) -> None:
    import csv

    src = tmp_path / "d.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "messages", "tools"])
        msgs = [user("Weather in Paris?"), asst(tagged(json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})))]
        w.writerow(["c1", json.dumps(msgs), json.dumps([WEATHER])])
        w.writerow(["c2", "[not json", "[]"])
    res = clean([src], tmp_path / "o.jsonl")
    assert res.records_in == 2 and res.repaired == 1 and res.quarantined == 1
    out = read_jsonl(tmp_path / "o.jsonl")[0]
    assert out["id"] == "c1" and out["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}


def test_fix_file_rewrites_only_fixable_lines(tmp_path: Path) -> None:
    fixable = json.dumps(rec("f", [user("q"), asst(None, [call("get_weather", '{"city": "P"}')])]), indent=None)
    broken = '{"id": "b", "messages": ['
    unfixable = json.dumps(rec("u", [user("q"), asst(None, [call("nope", {})])]))
    good = json.dumps(GOOD, separators=(", ", ": "))  # not canonical spacing: must stay byte-identical
    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + "\n".join([good, fixable, "", broken, unfixable]).encode() + b"\n")
    res = fix_file(p)
    assert res.changed and res.fixed_records == 1
    lines = p.read_text(encoding="utf-8").split("\n")
    assert lines[0] == good and lines[2] == "" and lines[3] == broken and lines[4] == unfixable
    assert json.loads(lines[1])["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "P"}
    assert not p.read_bytes().startswith(b"\xef\xbb\xbf")
    assert {f.code for f in res.unfixed} == {"TP001", "TP206"}
    again = fix_file(p)
    assert not again.changed


def test_other_formats_are_converted_counted_and_cleaned(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "sharegpt.jsonl"
    res = clean([src], tmp_path / "o.jsonl")
    # the fixture's Hermes record (tools in <tools>) is read as hermes; converted counts records written
    assert res.written > 0 and res.converted["sharegpt"] + res.converted["hermes"] == res.written
    # its truncated function_call turn cannot be read: quarantined as TP012, not counted as converted
    assert res.read_as["sharegpt"] + res.read_as["hermes"] + res.read_as["unread"] == res.records_in
    assert res.read_as["unread"] == res.unread == 1 and res.quarantined_by_rule["TP012"] == 1
    for r in read_jsonl(tmp_path / "o.jsonl"):
        assert isinstance(r["messages"], list) and "conversations" not in r
        for m in r["messages"]:
            for c in m.get("tool_calls") or []:
                assert c["type"] == "function" and isinstance(c["function"]["arguments"], dict)


def test_python_literal_that_is_not_json_data_is_quarantined_not_repaired(tmp_path: Path) -> None:
    """TP104's safe repair reads `<tool_call>` Python literals; a set or tuple inside is not JSON data,
    so the record goes to the quarantine (the evaluator, reading model output, turns them into lists)."""
    tools = [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {
        "type": "object", "properties": {"a": {"type": "array"}}}}}]  # fmt: skip
    record = {"messages": [{"role": "user", "content": "q"},
                           {"role": "assistant", "content": "<tool_call>{'name': 'f', 'arguments': {'a': {1, 2}}}</tool_call>"}],
              "tools": tools}  # fmt: skip
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps(record) + "\n", encoding="utf-8")
    res = clean(str(src), str(tmp_path / "o.jsonl"))
    assert (res.repaired, res.quarantined) == (0, 1)
    assert (tmp_path / "o.jsonl").read_text() == ""


def test_ids_settled_root_by_root_are_the_ids_settled_in_one_pass() -> None:
    """The Ray engine settles repeated ids per id root (validator/ray_clean.py): the same ids as one
    pass over all records, for ids that look like suffixes, numbers and their text included."""
    import random

    from toolproof.validator.cleaner import id_root, suffix_id

    pool: list[Any] = ["a", "a#2", "a#2#2", "a#3", "a#02", "b", "b#2", 5, "5", "5#2", 5.0, "#2", "a#", True, "True#2"]
    rnd = random.Random(3)
    for _ in range(300):
        ids = [rnd.choice(pool) for _ in range(rnd.randint(1, 12))]
        seen: set[str] = set()
        one_pass = [suffix_id({"id": rid}, b"", seen)[0]["id"] for rid in ids]
        by_root: dict[str, set[str]] = {}
        grouped = [suffix_id({"id": rid}, b"", by_root.setdefault(id_root(rid), set()))[0]["id"] for rid in ids]
        assert grouped == one_pass, ids
    assert id_root("a#2#10") == "a" and id_root(5) == "5" and id_root("#2") == "" and id_root("a#") == "a#"


@pytest.mark.parametrize("ending", ["\n", "\r\n", ""])
def test_unparsed_line_example_drops_only_the_line_ending(tmp_path: Path, ending: str) -> None:
    # A truncated last line ending in "n" (and one with a trailing backslash): the report's example
    # and the quarantine keep every character of the record; only the line ending goes.
    src = tmp_path / "d.jsonl"
    lines = ['{"messages": [{"role": "user", "content": "x\\\\', '{"messages": [{"role": "assistan']
    src.write_text("\n".join(lines) + ending, encoding="utf-8")
    res = clean([src], tmp_path / "o.jsonl")
    assert res.quarantined == 2
    assert [ex.snippet for ex in res.finding_examples["TP001"]] == lines
    assert [q["record"] for q in read_jsonl(tmp_path / "o.quarantine.jsonl")] == lines
