"""Hugging Face datasets as input: a save_to_disk folder, an .arrow file, and hf:// ids (streamed).

Every dataset here is built locally from records written for the test; nothing is downloaded
(the hub loader is exercised by pointing ``load_dataset`` at a local folder).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets  # the training extra brings it
import pytest
from test_scale import record

from toolproof.cli import main
from toolproof.validator import io as vio
from toolproof.validator.engine import lint_paths


def rows() -> list[dict[str, Any]]:
    """Columns as datasets commonly keep them: messages and tools as JSON text."""
    recs = [record(0), record(1), record(1), record(2, q=7)]
    out = [{"id": r["id"], "messages": json.dumps(r["messages"]), "tools": json.dumps(r["tools"])} for r in recs]
    out.append({"id": "bad", "messages": "[{not json", "tools": "[]"})
    return out


def jsonl_twin(tmp_path: Path) -> Path:
    p = tmp_path / "twin.jsonl"
    with open(p, "w", encoding="utf-8") as f:
        for r in rows():
            try:
                f.write(json.dumps({"id": r["id"], "messages": json.loads(r["messages"]), "tools": json.loads(r["tools"])}) + "\n")
            except json.JSONDecodeError:
                f.write('{"id": "bad", "messages": [{not json\n')
    return p


def codes(res: Any) -> list[tuple[int, str]]:
    return [(f.record, f.code) for f in res.findings]


def test_save_to_disk_folder_arrow_file_and_splits(tmp_path: Path) -> None:
    ds = datasets.Dataset.from_list(rows())
    folder = tmp_path / "saved"
    ds.save_to_disk(str(folder))
    res = lint_paths([folder])
    assert vio.hf_source(folder) == "disk" and res.records == 5 and res.files[0].format == "hf"
    twin = lint_paths([jsonl_twin(tmp_path)])
    assert codes(res) == codes(twin)  # same findings as the same records in JSON Lines (rows as lines)
    assert {"TP001", "TP501"} <= {c for _, c in codes(res)}
    arrow = next(folder.glob("*.arrow"))
    assert vio.hf_source(arrow) == "arrow" and codes(lint_paths([arrow])) == codes(res)
    dd = datasets.DatasetDict({"train": ds, "test": datasets.Dataset.from_list(rows()[:2])})
    both = tmp_path / "dd"
    dd.save_to_disk(str(both))
    # several splits and none named: an error naming them, never a silent pick (issue 31)
    unnamed = lint_paths([both])
    assert unnamed.records == 0 and "several splits (splits: train, test)" in unnamed.errors[0]
    assert lint_paths([f"{both}@train"]).records == 5 and lint_paths([f"{both}@test"]).records == 2
    bad = lint_paths([f"{both}@nope"])
    assert bad.errors and "train" in bad.errors[0] and "@SPLIT" in bad.errors[0]


def test_hub_ids_are_streamed_through_load_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "local_hub"
    folder.mkdir()
    (folder / "data.jsonl").write_text("\n".join(json.dumps(r) for r in rows()) + "\n", encoding="utf-8")
    calls: list[tuple[str, Any, Any]] = []
    real = datasets.load_dataset

    def local_only(name: str, split: Any = None, streaming: Any = False, **kw: Any) -> Any:
        calls.append((name, split, streaming))
        assert name == "org/name"
        return real("json", data_files=str(folder / "data.jsonl"), split=split, streaming=streaming)

    monkeypatch.setattr(datasets, "load_dataset", local_only)
    code = main(["lint", "--hf-dataset", "org/name", "--format", "json"])
    rep = json.loads(capsys.readouterr().out)
    assert code == 1 and calls == [("org/name", "train", True)]
    assert [(f["path"], f["records"]) for f in rep["files"]] == [("hf://org/name", 5)]
    assert {f["code"] for f in rep["findings"]} >= {"TP001", "TP501"}


# ------------------------------------------------------------------------------ issue 31: one reading, one way to name a split


def _struct_records() -> list[dict[str, Any]]:
    """Records whose calls carry different argument keys: Arrow pads each with the others' keys."""
    from test_clean_invariants import ADD, asst, call, rec, tool, user

    return [
        rec("a", [user("Weather in Paris?"), asst(None, [call("get_weather", {"city": "Paris"})]), tool("call_1", "18"), asst("18.")]),
        rec("b", [user("Weather in Oslo in c?"), asst(None, [call("get_weather", {"city": "Oslo", "unit": "c"})]),
                  tool("call_1", "3"), asst("3.")]),
        rec("c", [user("1 + 2?"), asst(None, [call("add", {"a": 1, "b": 2})]), tool("call_1", "3", "add"), asst("3.")], tools=[ADD]),
        rec("d", [user("Weather?"), asst(None, [call("get_weather", {"unit": "c"})])]),  # a true TP301
        rec("e", [user("Hi"), asst("Hello")]),
    ]


def test_folder_parquet_and_jsonl_of_the_same_records_give_the_same_findings(tmp_path: Path) -> None:
    recs = _struct_records()
    src = tmp_path / "d.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    ds = datasets.Dataset.from_json(str(src))  # built with datasets from the one file
    ds.save_to_disk(str(tmp_path / "folder"))
    ds.to_parquet(str(tmp_path / "d.parquet"))
    as_text = datasets.Dataset.from_list([{**r, "messages": json.dumps(r["messages"]), "tools": json.dumps(r["tools"])}
                                          for r in recs])
    as_text.to_parquet(str(tmp_path / "text.parquet"))  # messages stored as JSON text
    want = codes(lint_paths([src]))
    assert ("TP301" in {c for _, c in want}) and len(want) >= 1
    for other in ("folder", "d.parquet", "text.parquet"):
        assert codes(lint_paths([tmp_path / other])) == want, other


def test_split_named_the_same_way_for_every_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = _struct_records()
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_list(recs[:3]), "test": datasets.Dataset.from_list(recs[4:])})
    folder = tmp_path / "dd"
    dd.save_to_disk(str(folder))
    out = tmp_path / "o.jsonl"
    for cmd in (["lint", str(folder)], ["clean", str(folder), "-o", str(out)], ["convert", str(folder), "-o", str(out)]):
        assert main(cmd) == 2, cmd  # several splits, none named: never merged
        got = capsys.readouterr()
        assert "several splits" in got.out + got.err, cmd  # lint prints unreadable files in its report
    for cmd in (["clean", f"{folder}@test", "-o", str(out)], ["clean", str(folder), "--split", "test", "-o", str(out)],
                ["convert", f"{folder}@test", "-o", str(out)], ["convert", str(folder), "--split", "test", "-o", str(out)]):
        assert main(cmd) == 0, cmd
        assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["e"], cmd
    assert main(["lint", str(folder), "--split", "train"]) == 0 and main(["lint", f"{folder}@train"]) == 0
    capsys.readouterr()
    assert main(["lint", f"{folder}@train", "--split", "test"]) == 2
    assert "names split 'train' but --split says 'test'" in capsys.readouterr().err
