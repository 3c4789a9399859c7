"""Peak memory of `lint` stays flat: dataset rules keep fixed-size digests per record, not text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

N = 100_000

CHILD = r"""
import json, resource, sys
from toolproof.validator.engine import lint_paths
small, big = sys.argv[1], sys.argv[2]
lint_paths([small])  # warm up: rules, schema cache, imports
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
res = lint_paths([big])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"base_kib": base, "peak_kib": peak, "records": res.records, "by_code": res.by_code}))
"""


def _write(path: Path, n: int) -> None:
    tools = json.dumps(
        [{"type": "function", "function": {"name": "lookup", "description": "Look a thing up.", "parameters": {
            "type": "object", "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}}, "required": ["query"]}}}]
    )
    words = "alpha beta gamma delta report budget launch review sync lunch trip invoice".split()
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            k = i if i % 50 else i - 1  # every 50th record repeats its predecessor's content (TP501)
            text = " ".join(words[(k * 7 + j) % len(words)] for j in range(50)) + f" #{k}"
            query = " ".join(words[(k + j) % len(words)] for j in range(30)) + f" {k}"
            f.write(
                '{"id": "r%d", "messages": [{"role": "user", "content": %s}, {"role": "assistant", "content": null, '  # noqa: UP031 (JSON braces read better with %)
                '"tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": {"query": %s}}}]}, '
                '{"role": "tool", "tool_call_id": "c1", "content": "ok"}, {"role": "assistant", "content": %s}], "tools": %s}\n'
                % (i, json.dumps(text), json.dumps(query), json.dumps("Found it: " + text[:100]), tools)
            )


@pytest.mark.slow
def test_peak_rss_growth_is_bounded_on_100k_records(tmp_path: Path) -> None:
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    _write(small, 200)
    _write(big, N)
    out = subprocess.run([sys.executable, "-c", CHILD, str(small), str(big)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout)
    assert got["records"] == N
    # every record calls, none in parallel: the mix rules report the whole file once each
    assert got["by_code"] == {"TP501": N // 50 - 1, "TP701": 1, "TP705": 1}
    growth_mb = (got["peak_kib"] - got["base_kib"]) / 1024
    # the file is ~115 MB; keeping each record's prompt and calls text (before digests) cost ~190 MB here, digests ~28 MB
    assert growth_mb < 60, f"peak RSS grew {growth_mb:.0f} MB over {N:,} records"
