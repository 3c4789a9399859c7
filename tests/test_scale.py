"""Scale on one machine: workers that read their own byte ranges, findings streamed to the reporters.

`lint --jobs N` must give the same report as `--jobs 1`, and a streamed run the same bytes as the
in-memory one, on files with the awkward parts (BOM, blank lines, broken lines, CR, no final
newline, duplicates across range boundaries).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator import engine
from toolproof.validator.engine import lint_paths
from toolproof.validator.io import iter_units, jsonl_byte_ranges, parse_unit, read_jsonl_range
from toolproof.validator.reporters import REPORT_FORMATS as FORMATS
from toolproof.validator.reporters import open_stream, render

TOOLS = [{"type": "function", "function": {"name": "lookup", "description": "Look a thing up.", "parameters": {
    "type": "object", "properties": {"q": {"type": "string"}, "n": {"type": "integer"}}, "required": ["q"]}}}]


def record(i: int, *, q: Any = None, rid: str | None = None) -> dict[str, Any]:
    args = {"q": f"thing {i}" if q is None else q}
    return {
        "id": rid or f"r{i}",
        "messages": [
            {"role": "user", "content": f"look up thing {i}"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": args}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
            {"role": "assistant", "content": "done"},
        ],
        "tools": TOOLS,
    }


def awkward_file(path: Path, n: int = 120) -> Path:
    """BOM, blank lines, broken JSON, a lone CR, duplicates (TP501/TP502/TP503), wrong types, no final newline."""
    lines: list[bytes] = []
    for i in range(n):
        if i % 17 == 5:
            lines.append(b"{not json")
        elif i % 13 == 7:
            lines.append(json.dumps(record(i - 1, rid=f"r{i - 1}")).encode())  # exact copy of the previous one
        elif i % 11 == 3:
            lines.append(json.dumps(record(i, rid="r0")).encode())  # duplicate id
        elif i % 9 == 4:
            lines.append(json.dumps(record(i, q=7)).encode())  # argument of the wrong type
        else:
            lines.append(json.dumps(record(i)).encode())
        if i % 10 == 0:
            lines.append(b"   ")  # blank line
        if i == 50:
            lines.append(b'{"id": "cr", \r "messages": []}')
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b'\n{"id": "last", "messages": [')
    return path


def test_byte_ranges_end_at_line_boundaries_and_cover_the_file(tmp_path: Path) -> None:
    p = awkward_file(tmp_path / "a.jsonl")
    data = p.read_bytes()
    for size in (1, 50, 333, 4096, len(data) + 10):
        ranges = list(jsonl_byte_ranges(p, size))
        assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
        assert all(a < b for a, b in ranges) and all(ranges[i][1] == ranges[i + 1][0] for i in range(len(ranges) - 1))
        assert all(data[b - 1 : b] == b"\n" for _, b in ranges[:-1])
        if size > 1:
            assert all(b - a < size + 2000 for a, b in ranges)  # no range much longer than a line past the cut


def test_range_units_renumbered_equal_the_whole_file_units(tmp_path: Path) -> None:
    p = awkward_file(tmp_path / "a.jsonl")
    _c, fmt, units = iter_units(p)
    whole = [parse_unit(u, str(p), fmt) for u in units]
    got = []
    index0 = line0 = 0
    for a, b in jsonl_byte_ranges(p, 700):
        us, nlines = read_jsonl_range(p, a, b, str(p), fmt)
        for u in us:
            r = parse_unit(u, str(p), fmt)
            r.line += line0
            r.index += index0
            got.append(r)
        index0 += len(us)
        line0 += nlines
    assert line0 == p.read_bytes().count(b"\n") + 1
    assert got == whole
    assert whole[0].extra and whole[0].extra[-1][0] == "TP010"  # the BOM, on the first record only
    assert sum(1 for r in whole if not r.ok) == sum(1 for r in got if not r.ok) > 3


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["lint", *args])
    out, err = capsys.readouterr()
    assert "internal error" not in err
    return code, out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_jobs_two_by_byte_range_gives_identical_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    p = awkward_file(tmp_path / "a.jsonl")
    q = tmp_path / "b.json"  # .json holding one object per line: read as JSON Lines, by range too
    q.write_text("\n".join(json.dumps(record(i)) for i in (1, 2, 2, 3)) + "\n", encoding="utf-8")
    monkeypatch.setattr(engine, "LOCAL_RANGE_BYTES", 500)  # many small ranges: boundaries everywhere
    code1, one = _report(capsys, str(p), str(q), "--format", fmt, "--jobs", "1")
    code2, two = _report(capsys, str(p), str(q), "--format", fmt, "--jobs", "2")
    assert code1 == code2 == 1
    assert one == two
    assert len(one.splitlines()) > 40


def test_jobs_two_really_reads_by_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = awkward_file(tmp_path / "a.jsonl")
    monkeypatch.setattr(engine, "LOCAL_RANGE_BYTES", 500)
    seen: list[tuple[int, int]] = []
    real = engine._ordered_parallel

    def spy(pool: Any, func: Any, job: Any, tasks: Any, window: int) -> Any:
        def watch() -> Any:
            for t in tasks:
                if func is engine._run_range_packed:
                    seen.append((t[1], t[2]))
                yield t

        return real(pool, func, job, watch(), window)

    monkeypatch.setattr(engine, "_ordered_parallel", spy)
    two = lint_paths([p], jobs=2)
    one = lint_paths([p], jobs=1)
    assert len(seen) > 10 and seen[-1][1] == p.stat().st_size
    assert two.findings == one.findings and two.internal_errors == one.internal_errors == []
    assert {f.code for f in one.findings} >= {"TP001", "TP010", "TP501", "TP502"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_streamed_findings_equal_the_list_and_counts_match(tmp_path: Path, jobs: int) -> None:
    p = awkward_file(tmp_path / "a.jsonl")
    listed = lint_paths([p, tmp_path / "missing.jsonl"], jobs=jobs)
    got: list[Any] = []
    streamed = lint_paths([p, tmp_path / "missing.jsonl"], jobs=jobs, on_finding=got.append)
    assert streamed.findings == [] and got == listed.findings
    for attr in ("error_count", "warning_count", "records_with_errors", "by_code", "severity_by_code", "safe_fix_count", "records"):
        assert getattr(streamed, attr) == getattr(listed, attr), attr
    assert streamed.errors == listed.errors and len(streamed.errors) == 1
    ref = lint_paths([p])
    for fmt in FORMATS:
        buf = io.StringIO()
        s = open_stream(fmt, buf)
        res = lint_paths([p], jobs=jobs, on_finding=s.finding)
        s.close(res)
        assert buf.getvalue() == render(ref, fmt), fmt


def test_streamed_merge_keeps_order_when_a_dataset_rule_yields_out_of_order(tmp_path: Path) -> None:
    """A dataset rule that reports records backwards is sorted like the list path sorts it."""
    from toolproof.validator.findings import Hit
    from toolproof.validator.rules import base
    from toolproof.validator.rules.base import rule

    saved = dict(base.REGISTRY)

    @rule("TP999", "test-backwards", family="test", scope="dataset")
    def backwards(summaries: Any, ctx: Any) -> Any:
        for pos in reversed(range(len(summaries))):
            if pos % 3 == 0:
                yield summaries[pos].index, Hit("$", f"backwards {pos}")

    try:
        p = awkward_file(tmp_path / "a.jsonl", n=40)
        listed = lint_paths([p], select=["ALL"])
        got: list[Any] = []
        lint_paths([p], select=["ALL"], on_finding=got.append)
        assert got == listed.findings and any(f.code == "TP999" for f in got)
    finally:
        base.REGISTRY.clear()
        base.REGISTRY.update(saved)


# Peak RSS of the child itself: VmHWM starts afresh at exec, while ru_maxrss can carry the
# parent's size over from the fork (pytest holding the test file's text made it ~110 MB).
PEAK = r"""
def peak_kib():
    import resource
    try:
        with open("/proc/self/status") as f:
            return int(next(l for l in f if l.startswith("VmHWM:")).split()[1])
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
CHILD = PEAK + r"""
import json, sys
from toolproof.cli import main
main(["lint", sys.argv[1], "--format", sys.argv[2], "-o", sys.argv[3]] + sys.argv[4:])
print(json.dumps({"peak_kib": peak_kib()}))
"""


def _peak(data: Path, fmt: str, out: Path, *extra: str) -> int:
    r = subprocess.run([sys.executable, "-c", CHILD, str(data), fmt, str(out), *extra], capture_output=True, text=True, timeout=300)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    return int(json.loads(r.stdout.strip().splitlines()[-1])["peak_kib"])


@pytest.mark.slow
def test_memory_does_not_grow_with_the_findings(tmp_path: Path) -> None:
    """60k findings (one per record) cost about as much peak memory as 6k: they are streamed."""
    line = json.dumps(record(1, q=7))  # TP301-family finding on every record, and TP501 after the first
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    small.write_text((line + "\n") * 6_000, encoding="utf-8")
    big.write_text((line + "\n") * 60_000, encoding="utf-8")
    for fmt in ("json", "text"):
        a = _peak(small, fmt, tmp_path / "a.out")
        b = _peak(big, fmt, tmp_path / "b.out")
        rep = (tmp_path / "b.out").read_text(encoding="utf-8")
        assert rep.count("TP501") >= 59_999
        # holding the findings cost ~1 KB each (~60 MB here); streamed, the growth is the per-record digests
        assert (b - a) / 1024 < 25, f"{fmt}: peak RSS grew {(b - a) / 1024:.0f} MB from 6k to 60k findings"


# --------------------------------------------------------------------------- fix, streamed


def _fixable(i: int) -> str:
    r = record(i)
    r["messages"][1]["tool_calls"][0]["function"]["arguments"] = json.dumps({"q": f"thing {i}"})  # string args: safe fix
    return json.dumps(r)


def _whole_file_reference(data: bytes) -> list[tuple[int, bytes]]:
    """(line number, bytes) of each line as the former whole-file fix cut them (bytes.splitlines)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    return list(enumerate(body.splitlines(keepends=True), 1))


def test_fix_streams_and_keeps_every_other_byte(tmp_path: Path) -> None:
    from toolproof.validator.cleaner import fix_file

    lines = [json.dumps(record(0)), _fixable(1), "", "{broken", _fixable(2) + "\r", "x\ry", json.dumps(record(3))]
    data = ("\n".join(lines)).encode()  # no final newline; a CRLF line; a lone CR (two lines, as before)
    p = tmp_path / "d.jsonl"
    p.write_bytes(data)
    got: list[Any] = []
    res = fix_file(p, on_unfixed=got.append, keep_changes=False)
    assert res.changed and res.fixed_records == 2 and res.change_count >= 2 and res.changes == [] and res.unfixed == []
    out = p.read_bytes()
    ref = _whole_file_reference(data)
    new = out.splitlines(keepends=True)
    assert len(new) == len(ref)
    for (n, old), now in zip(ref, new, strict=True):
        if n in (2, 5):
            assert now != old and now.endswith(old[len(old.rstrip(b"\r\n")):])  # same line ending
            assert isinstance(json.loads(now)["messages"][1]["tool_calls"][0]["function"]["arguments"], dict)
        else:
            assert now == old
    # "{broken", then "x\r" and "y": a lone CR cuts a line, as the whole-file fix did
    assert [f.line for f in got if f.code == "TP001"] == [4, 6, 7]


def test_fix_leaves_an_unchanged_file_untouched_and_drops_a_bom(tmp_path: Path) -> None:
    from toolproof.validator.cleaner import fix_file

    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\n".join(json.dumps(record(i)).encode() for i in range(5)) + b"\n")
    before = p.stat()
    res = fix_file(p)
    after = p.stat()
    assert not res.changed and res.records == 5 and (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert [x.name for x in tmp_path.iterdir()] == ["d.jsonl"]  # no temporary file left behind
    body = p.read_bytes()
    p.write_bytes(b"\xef\xbb\xbf" + body)
    assert fix_file(p).changed and p.read_bytes() == body


@pytest.mark.slow
def test_fix_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    child = PEAK + r"""
import sys
from toolproof.validator.cleaner import fix_file
res = fix_file(sys.argv[1], keep_changes=False, on_unfixed=lambda f: None)
assert res.changed
print(peak_kib())
"""
    peaks = []
    for n in (2_000, 40_000):
        p = tmp_path / f"f{n}.jsonl"
        # one call with an object for arguments first: a file whose arguments are all JSON text reads
        # as OpenAI's fine-tuning format, which fix leaves alone
        p.write_text(json.dumps(record(0)) + "\n" + "".join(_fixable(i) + "\n" for i in range(n)), encoding="utf-8")
        r = subprocess.run([sys.executable, "-c", child, str(p)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        peaks.append(int(r.stdout.split()[-1]))
    # the 40k-record file is ~45 MB; held whole (bytes, lines and the output) it cost several times that
    assert (peaks[1] - peaks[0]) / 1024 < 15, f"peak RSS grew {(peaks[1] - peaks[0]) / 1024:.0f} MB"
