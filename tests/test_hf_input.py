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
    assert lint_paths([both]).records == 5 and lint_paths([f"{both}@test"]).records == 2
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
