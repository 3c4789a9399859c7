"""The Ray Data engine (`toolproof[ray]`) on a local Ray with 2 CPUs: the same findings as the local engine.

One Ray per module (starting it costs seconds); one small file with every kind of finding the
engine handles: broken lines, a BOM, blank lines, record-rule errors, exact duplicates (TP501),
duplicate ids (TP502) and near duplicates (TP503), cut into many byte ranges.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from ray_netns import ray_in_netns
from test_scale import TOOLS, awkward_file, record

from toolproof.cli import main
from toolproof.validator.cleaner import clean
from toolproof.validator.engine import lint_paths
from toolproof.validator.ray_engine import lint_files_ray

pytestmark = ray_in_netns  # run in a loopback-only network namespace by tests/test_ray_netns.py

@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def key(f: Any) -> tuple[str, int, str, str]:
    return (f.file, f.line, f.code, f.path)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("ray")
    a = awkward_file(d / "a.jsonl", n=150)
    near = record(1)
    near["messages"][0]["content"] = "Look up, thing 1!"  # TP503: same prompt once punctuation and case go
    near["id"] = "n1"
    b = d / "b.jsonl"
    b.write_text("\n".join(json.dumps(r) for r in (record(1), near, record(2), record(2))) + "\n", encoding="utf-8")
    return a, b


def test_same_findings_as_the_local_engine(data: tuple[Path, Path]) -> None:
    local = lint_paths(list(data))
    remote = lint_files_ray(list(data), range_bytes=2000, partitions=2)
    assert {f.code for f in local.findings} >= {"TP001", "TP010", "TP501", "TP502", "TP503"}
    assert set(map(key, remote.findings)) == set(map(key, local.findings))
    assert len(remote.findings) == len(local.findings)
    assert [(f.path, f.records) for f in remote.files] == [(f.path, f.records) for f in local.files]
    assert remote.findings == local.findings  # messages, ids and report order too
    assert remote.internal_errors == local.internal_errors == []


def test_cli_engine_ray_prints_the_local_report(data: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code_l = main(["lint", *map(str, data), "--format", "json"])
    local = capsys.readouterr().out
    code_r = main(["lint", *map(str, data), "--format", "json", "--engine", "ray"])
    remote = capsys.readouterr().out
    assert code_l == code_r == 1 and remote == local


# --------------------------------------------------------------------------- clean, partitioned findings, Dataset API

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


def parts(folder: Path) -> bytes:
    """The part files of a folder concatenated in name order."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("part-*.jsonl")))


def clean_input(d: Path) -> tuple[Path, Path]:
    """awkward_file plus a file with what only clean decides: copies of records of the first file
    (duplicates across files), an id that a suffix would make (``r1#2``), ids repeated with other
    content, a record without an id, repairs (TP203, TP406; one record twice), a repeated key (TP011),
    a ShareGPT record."""
    a = awkward_file(d / "a.jsonl", n=150)
    no_id = {k: v for k, v in record(5).items() if k != "id"}
    text_args = record(206, rid="p6")
    fn = text_args["messages"][1]["tool_calls"][0]["function"]
    fn["arguments"] = json.dumps(fn["arguments"])  # TP203: decoded
    flat = record(207, rid="p7")
    flat["tools"] = [t["function"] for t in flat["tools"]]  # TP406: wrapped
    sharegpt = (FIXTURES / "sharegpt.jsonl").read_text(encoding="utf-8").splitlines()[0]
    lines = [json.dumps(record(1)), json.dumps(record(308, rid="r1")), json.dumps(record(301, rid="r1#2")), json.dumps(no_id),
             json.dumps(record(5, rid="zz")), json.dumps(text_args), json.dumps(flat), json.dumps(flat),
             json.dumps(record(309, rid="r1")), "",
             '{"id": "k", "id": "k2", "messages": []}', sharegpt, json.dumps(record(1))]
    b = d / "b.jsonl"
    b.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return a, b


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One local clean and one `clean --engine ray` through the CLI (ranges of 5,000 bytes)."""
    from toolproof.validator import ray_clean

    d = tmp_path_factory.mktemp("rayclean")
    a, b = clean_input(d)
    local = clean([a, b], d / "local.jsonl", report=d / "local-report.json")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ray_clean, "RANGE_BYTES", 5000)
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["clean", str(a), str(b), "-o", str(d / "out"), "--engine", "ray", "--report", str(d / "report.json")])
    return {"d": d, "a": a, "b": b, "local": local, "code": code, "stdout": out.getvalue(), "out": d / "out"}


def test_clean_ray_writes_the_local_output_and_quarantine_as_parts(cleaned: dict[str, Any]) -> None:
    d, out, local = cleaned["d"], cleaned["out"], cleaned["local"]
    assert len(list((out / "cleaned").glob("part-*.jsonl"))) > 5  # many ranges, so the grouping was exercised
    assert parts(out / "cleaned") == (d / "local.jsonl").read_bytes()
    assert parts(out / "quarantine") == (d / "local.quarantine.jsonl").read_bytes()
    # what the test data is for: each decision made at least once
    assert local.duplicates_dropped and local.ids_suffixed and local.ids_derived and local.converted and local.quarantined
    assert local.repairs["TP203 decode-arguments"] == local.repairs["TP406 wrap-flat-tool"] == 1
    assert local.quarantined_by_rule["TP011"] == 1
    assert b'"id":"r1#2#2"' in parts(out / "cleaned") and b'"id":"r1#3"' in parts(out / "cleaned")  # r1 -> r1#2, then the input id r1#2 is suffixed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in summary.items() if k not in ("files", "parts", "faults")} == local.summary()
    assert summary["faults"] == {"retried": 0, "restarted": 0}
    assert cleaned["code"] == 1  # broken lines could not be read, as the local clean says
    # the report: the same counts, and the same examples (the first by position, merged range by range)
    mine, theirs = (json.loads((d / name).read_text(encoding="utf-8")) for name in ("report.json", "local-report.json"))
    for part in ("summary", "files", "findings_by_rule", "repairs", "quarantined_by_rule"):
        assert mine[part] == theirs[part], part


def test_clean_ray_checks_and_reports_conservation(cleaned: dict[str, Any]) -> None:
    out, local = cleaned["out"], cleaned["local"]
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["files"]
    assert [(r["records_in"], r["written"], r["quarantined"], r["duplicates_dropped"]) for r in rows] == [
        (c.records, c.written, c.quarantined, c.duplicates) for c in local.files]
    assert all(r["ok"] and r["records_in"] == r["written"] + r["quarantined"] + r["duplicates_dropped"] for r in rows)
    assert sum(r["written"] for r in rows) == parts(out / "cleaned").count(b"\n")
    assert sum(r["quarantined"] for r in rows) == parts(out / "quarantine").count(b"\n")
    a = local.files[0]
    assert f"{cleaned['a']} {a.records} = {a.written} + {a.quarantined} + {a.duplicates}" in cleaned["stdout"]


def test_clean_ray_findings_parts_are_the_record_findings(cleaned: dict[str, Any]) -> None:
    from collections import Counter

    from toolproof.validator.rules.base import REGISTRY

    found = [json.loads(x) for x in parts(cleaned["out"] / "findings").splitlines()]
    local = cleaned["local"]
    # the local clean's counts: these findings, and one TP501 / TP502 per dropped copy / suffixed id
    assert Counter(f["code"] for f in found) + Counter({"TP501": local.duplicates_dropped, "TP502": local.ids_suffixed}) == local.findings_by_rule
    # lint's record findings, but for the record with a repeated key: quarantined before its rules run
    linted = lint_paths([cleaned["a"], cleaned["b"]])
    held = {(f.file, f.line) for f in linted.findings if f.code == "TP011"}
    want = {key(f) for f in linted.findings if REGISTRY[f.code].scope != "dataset" and ((f.file, f.line) not in held or f.code == "TP011")}
    assert {(f["file"], f["line"], f["code"], f["path"]) for f in found} == want


def test_clean_ray_quarantine_keeps_the_raw_bytes(cleaned: dict[str, Any]) -> None:
    from toolproof.validator.cleaner import quarantined_bytes

    entries = [json.loads(x) for x in parts(cleaned["out"] / "quarantine").splitlines()]
    raw = cleaned["a"].read_bytes() + cleaned["b"].read_bytes()
    assert entries and all(quarantined_bytes(e) in raw for e in entries)
    assert any(e["findings"][0]["code"] == "TP011" and quarantined_bytes(e) == b'{"id": "k", "id": "k2", "messages": []}\n' for e in entries)


def test_clean_ray_refuses_its_input_and_a_used_folder(cleaned: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    a = str(cleaned["a"])
    assert main(["clean", a, "-o", a, "--engine", "ray"]) == 2
    assert "refusing to write over the input" in capsys.readouterr().err
    assert main(["clean", a, "-o", str(cleaned["out"]), "--engine", "ray"]) == 2  # the first run's parts are there
    assert "not empty" in capsys.readouterr().err
    assert main(["clean", a, "-o", str(cleaned["d"] / "x"), "--engine", "ray", "--quarantine", "q.jsonl"]) == 2
    assert not (cleaned["d"] / "x").exists()


def test_lint_findings_dir_writes_the_local_findings_as_parts(data: tuple[Path, Path], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from toolproof.validator import ray_engine

    local = lint_paths(list(data))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ray_engine, "RANGE_BYTES", 5000)
        code = main(["lint", *map(str, data), "--engine", "ray", "--findings-dir", str(tmp_path / "f"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["findings"] == []
    assert report["summary"]["errors"] == local.error_count and report["summary"]["warnings"] == local.warning_count
    found = [json.loads(x) for x in parts(tmp_path / "f").splitlines()]
    assert len(list((tmp_path / "f").glob("part-*.jsonl"))) > 5
    assert {(f["file"], f["line"], f["code"], f["path"]) for f in found} == set(map(key, local.findings))
    assert found == [f.to_dict() for f in local.findings]  # report order, range after range


def mix_file(path: Path) -> Path:
    """60 records that trip the mix rules (TP701, TP702, TP704, TP705) and two that leak into a test set."""
    def call(i: int, name: str) -> dict[str, Any]:
        r = record(i)
        r["messages"][1]["tool_calls"][0]["function"]["name"] = name
        return r

    recs = [call(i, "lookup" if i % 10 else ("alpha", "beta", "gamma", "delta")[i // 10 % 4]) for i in range(58)]
    recs += [{"id": f"d{i}", "messages": [{"role": "user", "content": f"Name the capital of country {i}"},
                                          {"role": "assistant", "content": "I cannot look that up."}], "tools": TOOLS}
             for i in range(2)]
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    return path


def test_mix_rules_and_leakage_run_in_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TP504 runs on each range in its worker and the mix rules on the sum of the ranges' tallies:
    the same findings as the local engine, and no per-record summary gathered on the driver."""
    import toolproof.validator.ray_engine as engine_ray

    p = mix_file(tmp_path / "mix.jsonl")
    test = tmp_path / "test.jsonl"
    test.write_text("\n".join(json.dumps({"messages": [{"role": "user", "content": f"Look up thing {i}"}]}) for i in (3, 44))
                    + "\n", encoding="utf-8")
    opts = {"against": str(test)}
    local = lint_paths([p], options=opts)
    assert {"TP504", "TP701", "TP702", "TP704", "TP705"} <= {f.code for f in local.findings}

    def gathered(*_: Any) -> Any:
        raise AssertionError("per-record summaries gathered on the driver")

    monkeypatch.setattr(engine_ray, "_driver_dataset_findings", gathered)
    remote = lint_files_ray([p], options=opts, range_bytes=1500, partitions=2)
    assert remote.findings == local.findings  # messages (counts, far-miss record numbers) and order too
    assert remote.internal_errors == local.internal_errors == []
    ds_rows = engine_ray.lint_dataset(ray.data.read_text(str(p)), file=str(p), options=opts).take_all()
    assert sorted((r["record"], r["code"], r["message"]) for r in ds_rows) == sorted((f.record, f.code, f.message) for f in local.findings)


def test_dataset_api_lints_and_cleans_read_text(tmp_path: Path) -> None:
    from toolproof.validator.ray_clean import clean_dataset
    from toolproof.validator.ray_engine import KNOWN, lint_dataset
    from toolproof.validator.rules.base import REGISTRY

    near = record(2)
    near["messages"][0]["content"] = "Look up, thing 2!"
    near.pop("id")
    lines = [json.dumps(record(i)) for i in range(6)] + [json.dumps(record(1)), "{broken", json.dumps(record(3, q=7)),
             json.dumps(record(4, rid="r0")), json.dumps(near), '{"id": "k", "id": "k2", "messages": []}']
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = ray.data.read_text(str(p))
    rows = lint_dataset(ds, file=str(p)).take_all()
    local = lint_paths([p])
    want = {key(f) for f in local.findings if REGISTRY[f.code].scope == "record" or f.code in KNOWN}
    assert {"TP001", "TP501", "TP502", "TP503"} <= {c for _f, _l, c, _p in want}
    assert {(r["file"], r["line"], r["code"], r["path"]) for r in rows} == want
    out, q = clean_dataset(ds, file=str(p))
    cl = clean([p], tmp_path / "local.jsonl")
    text = "".join(r["text"] + "\n" for r in sorted(out.take_all(), key=lambda r: r["record"]))
    assert text.encode() == (tmp_path / "local.jsonl").read_bytes()
    quarantined = "".join(r["text"] + "\n" for r in sorted(q.take_all(), key=lambda r: r["record"]))
    assert quarantined.encode() == (tmp_path / "local.quarantine.jsonl").read_bytes()
    assert cl.records_in == len(lines) == text.count("\n") + quarantined.count("\n") + cl.duplicates_dropped


def test_dataset_api_wants_a_text_column() -> None:
    from toolproof.validator.ray_engine import lint_dataset

    with pytest.raises(ValueError, match="no column 'text'"):
        lint_dataset(ray.data.from_items([{"line": "{}"}]))
