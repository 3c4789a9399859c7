"""The Ray engine on object storage and through faults (issue 38), on a local Ray with 2 CPUs.

An S3-compatible server (moto's server mode) runs inside the test on 127.0.0.1; the test makes a
bucket, uploads JSON Lines it wrote, and runs ``lint`` and ``clean --engine ray`` on ``s3://`` URIs
through the command line: the findings, cleaned records, quarantine and counts must be the local
engine's on the same bytes. URIs that cannot be used are usage errors (exit 2) that name the URI and
what is missing. A worker that dies once is retried, counted in the report and the summary, and
changes nothing in the output. Runs in the loopback-only namespace (tests/ray_netns.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from ray_netns import closed_port, free_port, ray_in_netns
from test_ray_engine import clean_input
from test_scale import record

from toolproof.cli import main

pytestmark = ray_in_netns
TESTS = str(Path(__file__).resolve().parent)
BUCKET = "toolproof-test"


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """moto's S3 on loopback, with the AWS settings pyarrow and boto3 read; yields a boto3 client."""
    from moto import server as moto_server  # the dev extra: a missing package fails, never skips
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL_S3": f"http://{host}:{port}", "AWS_EC2_METADATA_DISABLED": "true"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("AWS_ENDPOINT_URL", raising=False)
        import boto3

        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client
    server.stop()


@pytest.fixture(scope="module", autouse=True)
def local_ray(s3: Any) -> Iterator[None]:
    """A local Ray started after the AWS settings are in the environment, with this folder on the
    workers' path (they import the plug-in rule of the fault test by name)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join(p for p in (TESTS, os.environ.get("PYTHONPATH", "")) if p))
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
        yield
        ray.shutdown()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    got = capsys.readouterr()
    return code, got.out, got.err


def objects(s3: Any, prefix: str) -> dict[str, bytes]:
    """Every object under ``prefix`` (its key after the prefix -> its bytes)."""
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"][len(prefix):]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def parts(found: dict[str, bytes], folder: str) -> bytes:
    return b"".join(data for key, data in sorted(found.items()) if key.startswith(f"{folder}/part-"))


@pytest.fixture(scope="module")
def uploaded(s3: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """clean_input's two files (every decision clean makes, many byte ranges) locally and in the bucket."""
    d = tmp_path_factory.mktemp("s3data")
    a, b = clean_input(d)
    uris = []
    for p in (a, b):
        s3.put_object(Bucket=BUCKET, Key=f"in/{p.name}", Body=p.read_bytes())
        uris.append(f"s3://{BUCKET}/in/{p.name}")
    return {"d": d, "local": [str(a), str(b)], "uris": uris}


def as_uris(text: str, data: dict[str, Any]) -> str:
    """Local output with each input's path written as its URI (the only thing that may differ)."""
    for path, uri in zip(data["local"], data["uris"], strict=True):
        text = text.replace(path, uri)
    return text


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    from toolproof.validator import ray_clean, ray_engine

    monkeypatch.setattr(ray_engine, "RANGE_BYTES", 5000)
    monkeypatch.setattr(ray_clean, "RANGE_BYTES", 5000)


@pytest.mark.usefixtures("small_ranges")
def test_lint_on_s3_gives_the_local_report(uploaded: dict[str, Any], s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code_l, local, _ = run(["lint", *uploaded["local"], "--format", "json"], capsys)
    code_r, remote, err = run(["lint", *uploaded["uris"], "--format", "json", "--engine", "ray"], capsys)
    assert code_l == code_r == 1, err
    assert json.loads(local)["findings"] and remote == as_uris(local, uploaded)
    # findings written by the workers as part files on S3: the report's findings, in order
    code, _out, err = run(["lint", *uploaded["uris"], "--engine", "ray", "--findings-dir", f"s3://{BUCKET}/lint-out",
                           "--format", "json"], capsys)
    assert code == 1, err
    found = objects(s3, "lint-out/")
    assert len(found) > 5
    got = [json.loads(x) for x in b"".join(data for _key, data in sorted(found.items())).splitlines()]
    assert got == json.loads(as_uris(local, uploaded))["findings"]


@pytest.mark.usefixtures("small_ranges")
def test_clean_on_s3_writes_the_local_output(uploaded: dict[str, Any], s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    d = uploaded["d"]
    code_l, _out, err = run(["clean", *uploaded["local"], "-o", str(d / "local.jsonl"), "--report", str(d / "local-report.json")], capsys)
    code_r, out, err = run(["clean", *uploaded["uris"], "-o", f"s3://{BUCKET}/clean-out", "--engine", "ray"], capsys)
    assert code_l == code_r == 1, err  # broken lines could not be read, in both
    found = objects(s3, "clean-out/")
    assert len([k for k in found if k.startswith("cleaned/part-")]) > 5  # many ranges: the grouping ran
    assert parts(found, "cleaned") == (d / "local.jsonl").read_bytes()
    quarantine = (d / "local.quarantine.jsonl").read_text(encoding="utf-8")
    assert quarantine and parts(found, "quarantine").decode("utf-8") == as_uris(quarantine, uploaded)
    summary = json.loads(found["summary.json"])
    local = json.loads((d / "local-report.json").read_text(encoding="utf-8"))["summary"]
    assert {k: v for k, v in summary.items() if k in local} == local
    assert summary["faults"] == {"retried": 0, "restarted": 0}
    rows = summary["files"]
    assert [r["file"] for r in rows] == uploaded["uris"] and all(r["ok"] for r in rows)
    assert sum(r["records_in"] for r in rows) == local["records_in"]
    assert f"wrote {summary['written']} records to s3://{BUCKET}/clean-out/cleaned" in out


def test_uris_that_cannot_be_used_are_usage_errors(uploaded: dict[str, Any], s3: Any, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, _o, err = run(["lint", "nosuch://bucket/a.jsonl", "--engine", "ray"], capsys)
    assert code == 2 and "nosuch://bucket/a.jsonl: cannot open a filesystem for it" in err and "fsspec" in err
    code, _o, err = run(["lint", f"s3://{BUCKET}/in/missing.jsonl", "--engine", "ray"], capsys)
    assert code == 2 and f"s3://{BUCKET}/in/missing.jsonl: no such file or object" in err
    code, _o, err = run(["lint", uploaded["uris"][0]], capsys)  # the local engine
    assert code == 2 and "object storage is read by --engine ray" in err
    code, _o, err = run(["clean", uploaded["uris"][0], "-o", f"s3://{BUCKET}/in", "--engine", "ray"], capsys)
    assert code == 2 and f"-o s3://{BUCKET}/in: folder is not empty" in err
    with closed_port() as port:  # nothing listens there
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
        code, _o, err = run(["lint", uploaded["uris"][0], "--engine", "ray"], capsys)
    assert code == 2 and f"{uploaded['uris'][0]}: cannot reach it" in err
    assert "AWS_ENDPOINT_URL_S3" in err and "AWS_ACCESS_KEY_ID" in err and "Traceback" not in err
    with socket.socket() as mute:  # takes connections and never answers: the driver gives up, it does not hang
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{mute.getsockname()[1]}")
        monkeypatch.setenv("TOOLPROOF_STORAGE_TIMEOUT", "2")
        t0 = time.monotonic()
        code, _o, err = run(["clean", uploaded["uris"][0], "-o", str(uploaded["d"] / "never"), "--engine", "ray"], capsys)
        assert code == 2 and f"{uploaded['uris'][0]}: cannot reach it" in err and time.monotonic() - t0 < 30
    assert not (uploaded["d"] / "never").exists()


def test_convert_reads_and_writes_s3(s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """convert on URIs (no Ray: the input copied, converted under its URI's name, outputs uploaded whole)
    gives the local convert's output and quarantine; a Parquet input too."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fixtures = Path(__file__).resolve().parents[1] / "data" / "fixtures"
    src = tmp_path / "sg.jsonl"
    src.write_bytes((fixtures / "sharegpt.jsonl").read_bytes() + b'{"conversations": [\n')  # a broken last line
    s3.put_object(Bucket=BUCKET, Key="raw/sg.jsonl", Body=src.read_bytes())
    code_l, out_l, _ = run(["convert", str(src), "-o", str(tmp_path / "local.jsonl")], capsys)
    code_r, out_r, err = run(["convert", f"s3://{BUCKET}/raw/sg.jsonl", "-o", f"s3://{BUCKET}/conv/sg.jsonl"], capsys)
    assert code_l == code_r == 1, err
    found = objects(s3, "conv/")
    assert found["sg.jsonl"] == (tmp_path / "local.jsonl").read_bytes() and found["sg.jsonl"].count(b"\n") >= 1
    quarantine = (tmp_path / "local.quarantine.jsonl").read_text(encoding="utf-8")
    assert found["sg.quarantine.jsonl"].decode("utf-8") == quarantine.replace(str(src), f"s3://{BUCKET}/raw/sg.jsonl")
    assert out_r == out_l.replace(str(tmp_path / "local"), f"s3://{BUCKET}/conv/sg")
    table = pa.table({"messages": [[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]]})
    pq.write_table(table, tmp_path / "t.parquet")
    s3.put_object(Bucket=BUCKET, Key="raw/t.parquet", Body=(tmp_path / "t.parquet").read_bytes())
    assert run(["convert", str(tmp_path / "t.parquet"), "-o", str(tmp_path / "t.jsonl")], capsys)[0] == 0
    assert run(["convert", f"s3://{BUCKET}/raw/t.parquet", "-o", str(tmp_path / "t2.jsonl")], capsys)[0] == 0
    assert (tmp_path / "t2.jsonl").read_bytes() == (tmp_path / "t.jsonl").read_bytes()
    code, _o, err = run(["convert", f"s3://{BUCKET}/raw/none.jsonl", "-o", str(tmp_path / "x.jsonl")], capsys)
    assert code == 2 and f"s3://{BUCKET}/raw/none.jsonl: no such file or object" in err


def test_each_node_looks_up_object_storage_inputs(uploaded: dict[str, Any]) -> None:
    """check_visible's task on a node: an object it cannot see is named (a cluster's nodes resolve
    their own credentials), in a Ray worker as on the driver."""
    from toolproof.validator.ray_engine import _sees
    from toolproof.validator.uris import locate

    ok, gone = locate(uploaded["uris"][0]), locate(f"s3://{BUCKET}/in/gone.jsonl")
    assert _sees([ok, gone], []) == [gone.shown]
    assert ray.get(ray.remote(num_cpus=0)(_sees).remote([ok, gone], [])) == [gone.shown]


# --------------------------------------------------------------------------- faults


@pytest.fixture
def dies_once(tmp_path: Path) -> Iterator[Path]:
    """The plug-in rule of tests/ray_die_once.py registered in the driver, removed after the test."""
    from toolproof.validator.rules import base

    saved, names = dict(base.REGISTRY), dict(base._NAMES)
    import ray_die_once  # noqa: F401  (registers the rule)

    yield tmp_path / "died"
    base.REGISTRY.clear()
    base.REGISTRY.update(saved)
    base._NAMES.clear()
    base._NAMES.update(names)


def test_a_worker_that_dies_is_counted_and_changes_nothing(dies_once: Path, tmp_path: Path, s3: Any,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    marker = dies_once
    recs = [record(i) for i in range(40)]
    recs[25]["messages"][0]["content"] = f"die-once:{marker}"
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    marker.write_text("")  # the local runs must live
    code_l, local, _ = run(["lint", str(p), "--format", "json"], capsys)
    code_lc, _o, _e = run(["clean", str(p), "-o", str(tmp_path / "local.jsonl")], capsys)
    marker.unlink()
    code_r, remote, err = run(["lint", str(p), "--format", "json", "--engine", "ray"], capsys)
    assert marker.exists(), "no Ray worker died"
    report = json.loads(remote)
    faults = report["summary"].pop("faults")
    assert faults["retried"] >= 1 and faults["restarted"] >= 1, faults
    assert code_r == code_l and report == json.loads(local), err
    marker.unlink()
    code_t, text, _ = run(["lint", str(p), "--engine", "ray"], capsys)
    assert marker.exists() and "ray: " in text and "worker(s) restarted after failures" in text
    marker.unlink()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code_rc = main(["clean", str(p), "-o", str(tmp_path / "out"), "--engine", "ray"])
    assert marker.exists() and code_rc == code_lc
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["faults"]["retried"] >= 1 and summary["faults"]["restarted"] >= 1
    cleaned = b"".join(q.read_bytes() for q in sorted((tmp_path / "out" / "cleaned").glob("part-*.jsonl")))
    assert cleaned == (tmp_path / "local.jsonl").read_bytes()
    assert "ray: " in buf.getvalue() or "ray: " in capsys.readouterr().out
