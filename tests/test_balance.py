"""validator.balance and `toolproof data balance` / `clean --balance`: near-miss decline records made
from the data's own records, marked, deterministic, idempotent, lint-clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.balance import DECLINES, balance_file, balance_records
from toolproof.validator.engine import lint_objects

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


def _tool(name: str, desc: str, *params: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": desc, "parameters": {
        "type": "object", "properties": {p: {"type": "string"} for p in params}, "required": list(params)}}}


TOOLS = {
    "get_weather": _tool("get_weather", "Current weather in a city.", "city"),
    "get_forecast": _tool("get_forecast", "Daily weather forecast for a city.", "city", "days"),
    "convert_currency": _tool("convert_currency", "Convert money between currencies.", "amount", "from_currency", "to_currency"),
    "convert_units": _tool("convert_units", "Convert a measurement.", "value", "from_unit", "to_unit"),
    "find_recipes": _tool("find_recipes", "Find recipes by ingredients.", "ingredients"),
    "play_music": _tool("play_music", "Play a song.", "song"),
}


def _calling(i: int, name: str, args: dict[str, Any], request: str, offered: list[str]) -> dict[str, Any]:
    return {
        "id": f"r{i}",
        "messages": [
            SYSTEM,
            {"role": "user", "content": request},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}]},
            {"role": "tool", "tool_call_id": "call_1", "name": name, "content": '{"ok": true}'},
            {"role": "assistant", "content": "Done."},
        ],
        "tools": [TOOLS[t] for t in offered],
    }


def _dataset(n: int = 30) -> list[dict[str, Any]]:
    recs = []
    for i in range(n):
        k = i % 3
        if k == 0:
            recs.append(_calling(i, "convert_currency", {"amount": str(10 + i), "from_currency": "EUR", "to_currency": "USD"},
                                 f"Convert {10 + i} EUR to USD.", ["convert_currency", "play_music"]))
        elif k == 1:
            recs.append(_calling(i, "find_recipes", {"ingredients": f"rice and item{i}"},
                                 f"Recipes with rice and item{i}?", ["find_recipes", "play_music"]))
        else:
            recs.append(_calling(i, "get_weather", {"city": f"City{i}"}, f"Weather in City{i}?",
                                 ["get_weather", "get_forecast"]))
    # two far-miss declines
    recs.append({"id": "d1", "messages": [{"role": "user", "content": "What is 6 times 5?"}, {"role": "assistant", "content": "30."}],
                 "tools": [TOOLS["play_music"]]})
    recs.append({"id": "d2", "messages": [{"role": "user", "content": "Capital of Norway?"}, {"role": "assistant", "content": "Oslo."}],
                 "tools": [TOOLS["find_recipes"]]})
    # a third one, which also brings convert_units into the data's tool pool
    recs.append({"id": "u", "messages": [{"role": "user", "content": "Tell me a joke."}, {"role": "assistant", "content": "No."}],
                 "tools": [TOOLS["convert_units"]]})
    return recs


def _codes(records: list[Any]) -> list[str]:
    return sorted(f.code for f in lint_objects(records).findings)


def test_adds_marked_near_miss_records_up_to_the_share() -> None:
    recs = _dataset()
    added, res = balance_records(recs, share=0.2, seed=1)
    assert res.training_records == 33 and res.no_call_before == 3 and res.near_miss_before == 0
    assert res.wanted == len(added) == 9  # (0.2 * 33 - 0) / 0.8 = 8.25 -> 9; 9 / 42 >= 0.2
    by_id = {r["id"]: r for r in recs}
    for rec in added:
        assert rec["origin"] == "balance" and rec["id"].endswith(":balance")
        src = by_id[rec["source_id"]]
        dropped = rec["balance"]["dropped"]
        names = [t["function"]["name"] for t in rec["tools"]]
        assert dropped and not set(dropped) & set(names)  # the called tool is gone
        assert rec["messages"][:-1] == src["messages"][:2]  # the conversation up to the call
        last = rec["messages"][-1]
        assert last["role"] == "assistant" and "tool_calls" not in last
        desc = TOOLS[dropped[0]]["function"]["description"].rstrip(".")
        assert f'"{desc[0].lower() + desc[1:]}"' in last["content"]  # names what is missing
        assert any(last["content"] == d.format(what=f'"{desc[0].lower() + desc[1:]}"') for d in DECLINES)
    # weather sources keep get_forecast, which takes the call's every argument: it could stand in, never used
    assert not any(r["balance"]["dropped"] == ["get_weather"] for r in added)
    assert res.skipped["a kept tool could stand in for the dropped one"] > 0
    # currency requests borrow convert_units (shares "convert"); recipes keep nothing related and borrow none
    kinds = {tuple(r["balance"]["dropped"]): r["balance"]["borrowed"] for r in added}
    assert kinds == {("convert_currency",): ["convert_units"]}


def test_output_lints_clean_and_balancing_again_adds_nothing() -> None:
    recs = _dataset()
    before = _codes(recs)
    assert "TP702" in before  # all declines are far misses
    added, _ = balance_records(recs, share=0.2, seed=1)
    after = _codes(recs + added)
    assert "TP702" not in after and "TP701" not in after
    assert not set(after) - set(before)  # no new findings of any rule
    again, res = balance_records(recs + added, share=0.2, seed=1)
    assert again == [] and res.wanted == 0
    # a different seed picks differently, the same seed the same
    assert balance_records(recs, share=0.2, seed=1)[0] == added
    assert [r["source_id"] for r in balance_records(recs, share=0.2, seed=2)[0]] != [r["source_id"] for r in added]


def test_shortfall_is_reported_and_still_idempotent() -> None:
    recs = _dataset()
    added, res = balance_records(recs, share=0.6, seed=0)
    assert len(added) == 10 < res.wanted  # only the ten currency records have a related tool to offer
    assert res.skipped["no related tool to offer"] == 10
    again, _ = balance_records(recs + added, share=0.6, seed=0)
    assert again == []


def test_share_bounds_and_zero() -> None:
    assert balance_records(_dataset(), share=0.0)[0] == []
    for bad in (-0.1, 1.0, 2):
        with pytest.raises(ValueError):
            balance_records(_dataset(), share=bad)


def _write(path: Path, recs: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def test_cli_balance(tmp_path: Path, capsys: Any) -> None:
    src = _write(tmp_path / "in.jsonl", _dataset())
    before = src.read_bytes()
    out = tmp_path / "out.jsonl"
    assert main(["data", "balance", str(src), "-o", str(out), "--share", "0.2", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "added 9 near-miss records (wanted 9)" in text and f"wrote 42 records to {out}" in text
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 42 and [json.loads(x)["id"] for x in lines[:33]] == [r["id"] for r in _dataset()]
    assert sum(json.loads(x).get("origin") == "balance" for x in lines) == 9
    # idempotent through the CLI too, and --json
    out2 = tmp_path / "out2.jsonl"
    assert main(["data", "balance", str(out), "-o", str(out2), "--share", "0.2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == 0 and out2.read_bytes() == out.read_bytes()
    # never over the input; a broken record names its line; nothing written then
    assert main(["data", "balance", str(src), "-o", str(src)]) == 2
    assert "is the input" in capsys.readouterr().err
    assert src.read_bytes() == before
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_dataset()[0]) + "\n{not json\n", encoding="utf-8")
    assert main(["data", "balance", str(bad), "-o", str(tmp_path / "x.jsonl")]) == 2
    assert f"{bad}:2" in capsys.readouterr().err and not (tmp_path / "x.jsonl").exists()
    assert main(["data", "balance", str(src), "-o", str(tmp_path / "y.jsonl"), "--share", "1"]) == 2


def test_clean_balance(tmp_path: Path, capsys: Any) -> None:
    src = _write(tmp_path / "in.jsonl", _dataset())
    plain, bal = tmp_path / "plain.jsonl", tmp_path / "bal.jsonl"
    assert main(["clean", str(src), "-o", str(plain), "-q"]) == 0
    report = tmp_path / "r.json"
    assert main(["clean", str(src), "-o", str(bal), "--balance", "0.2", "--seed", "1", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "(9 added by --balance)" in out
    plain_lines = plain.read_bytes().splitlines()
    bal_lines = bal.read_bytes().splitlines()
    assert bal_lines[: len(plain_lines)] == plain_lines and len(bal_lines) == len(plain_lines) + 9
    model = json.loads(report.read_text(encoding="utf-8"))
    assert model["balance"]["added"] == 9 and model["stats"]["records"] == 42
    assert model["mix"]["shares"][1]["records"] == 9  # near misses in the balanced output
    assert not list(tmp_path.glob("*.tmp"))
    # the library writes the same file
    res = balance_file(plain, tmp_path / "lib.jsonl", share=0.2, seed=1)
    assert len(res.added) == 9 and (tmp_path / "lib.jsonl").read_bytes() == bal.read_bytes()


def test_report_shows_the_mix(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _dataset())
    for ext in ("html", "md"):
        rep = tmp_path / f"r.{ext}"
        assert main(["clean", str(src), "-o", str(tmp_path / f"o{ext}.jsonl"), "--balance", "--report", str(rep), "-q"]) == 0
        text = rep.read_text(encoding="utf-8")
        if ext == "html":
            assert 'aria-label="record mix"' in text and 'aria-label="calls per tool"' in text
            assert "Balance repair" in text and "declines, a related tool offered (near miss)" in text
        else:
            assert "## What the output teaches (mix)" in text and "## Balance repair" in text
            assert any(line.startswith("  convert_currency") and "#" in line for line in text.splitlines())


def test_a_tool_that_could_stand_in_is_never_borrowed() -> None:
    """Name words after the verb ("recipe" in find_recipes and fetch_recipe_ideas; "discount" and
    "discounted") mark a tool that might do the dropped call's job: the decline would be wrong."""
    ideas = _tool("fetch_recipe_ideas", "Suggest dishes from ingredients.", "items")
    shop = _tool("calculate_discounted_price", "Price after a discount.", "price", "percent")
    recs = [_calling(i, "find_recipes", {"ingredients": f"rice and item{i}"}, f"Recipes with rice and item{i}?",
                     ["find_recipes"]) for i in range(3)]
    recs.append(_calling(9, "calculate_discount", {"price": "80"}, "Discount on a price of 80?", ["play_music"]))
    recs.append({"id": "d", "messages": [{"role": "user", "content": "Hello."}, {"role": "assistant", "content": "Hi."}],
                 "tools": [ideas, shop]})
    added, res = balance_records(recs, share=0.5, seed=0)
    assert added == [] and res.skipped["no related tool to offer"] == 4
