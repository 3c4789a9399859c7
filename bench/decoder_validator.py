"""Per-record costs of the parse and the argument-schema check: the candidates side by side.

    .venv/bin/python bench/decoder_validator.py [--n 20000]

Generates the lint benchmark's records (bench/lint_throughput.py), then times, in this process
and by CPU time (``time.process_time``, best of 3):

* parse: ``orjson.loads`` (today), ``msgspec.json.decode`` untyped, and ``msgspec`` into typed
  Structs for the canonical record (what a typed decoder would save or cost);
* argument check of every call against its tool's parameters: ``fastjsonschema`` (today's fast
  path, compiled once per schema) and ``jsonschema_rs`` (compiled once per schema), with the
  verdicts compared call by call.

msgspec and jsonschema_rs are optional: a missing one is reported, not timed.
"""

# (no `from __future__ import annotations`: msgspec reads the local Structs' annotations at run time)

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint_throughput import generate  # noqa: E402


def best(fn: Any, reps: int = 3) -> float:
    out = []
    for _ in range(reps):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return min(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    args = ap.parse_args(argv)
    path = Path(tempfile.mkdtemp(prefix="tp-dv-")) / "d.jsonl"
    generate(path, args.n)
    lines = path.read_bytes().splitlines()
    n = len(lines)

    def parse_orjson() -> None:
        for line in lines:
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                pass

    rows = [("parse: orjson.loads (today)", best(parse_orjson))]
    try:
        import msgspec

        dec = msgspec.json.Decoder()

        def parse_msgspec() -> None:
            for line in lines:
                try:
                    dec.decode(line)
                except msgspec.DecodeError:
                    pass

        class Function(msgspec.Struct):
            name: str
            arguments: Any

        class Call(msgspec.Struct):
            function: Function
            id: str | None = None
            type: str = "function"

        class Message(msgspec.Struct):
            role: str
            content: str | None = None
            tool_calls: list[Call] | None = None
            tool_call_id: str | None = None
            name: str | None = None

        class Record(msgspec.Struct):
            messages: list[Message]
            id: str | None = None
            tools: list[Any] = []

        typed = msgspec.json.Decoder(Record)

        def parse_typed() -> None:
            for line in lines:
                try:
                    typed.decode(line)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    pass

        rows.append(("parse: msgspec.json.decode (untyped)", best(parse_msgspec)))
        rows.append(("parse: msgspec typed Structs (canonical record)", best(parse_typed)))
    except ImportError:
        print("msgspec not installed: skipped")

    # every (schema, arguments) pair of the file
    pairs: list[tuple[bytes, Any]] = []
    for line in lines:
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        tools = {t["function"]["name"]: t["function"].get("parameters") for t in rec.get("tools", []) if isinstance(t, dict)}
        for m in rec.get("messages", []):
            for c in m.get("tool_calls") or []:
                fn = c.get("function", {})
                schema = tools.get(fn.get("name"))
                if isinstance(schema, dict) and isinstance(fn.get("arguments"), dict):
                    pairs.append((orjson.dumps(schema, option=orjson.OPT_SORT_KEYS), fn["arguments"]))
    import fastjsonschema

    def checker(compile_: Any, check: Any) -> Any:
        """Check every pair, compiling each schema once (a schema that does not compile passes)."""
        cache: dict[bytes, Any] = {}

        def run() -> list[bool]:
            out = []
            for key, a in pairs:
                v = cache.get(key)
                if v is None:
                    try:
                        v = cache[key] = compile_(orjson.loads(key))
                    except Exception:  # noqa: BLE001
                        v = cache[key] = False
                out.append(True if v is False else check(v, a))
            return out

        return run

    def fast_valid(v: Any, a: Any) -> bool:
        try:
            v(a)
        except Exception:  # noqa: BLE001
            return False
        return True

    fast_check = checker(fastjsonschema.compile, fast_valid)
    verdict_fast = fast_check()
    rows.append((f"args check: fastjsonschema (today), {len(pairs):,} calls", best(fast_check)))
    try:
        import jsonschema_rs

        rs_check = checker(jsonschema_rs.validator_for, lambda v, a: v.is_valid(a))

        verdict_rs = rs_check()
        rows.append((f"args check: jsonschema_rs, {len(pairs):,} calls", best(rs_check)))
        same = sum(a == b for a, b in zip(verdict_fast, verdict_rs, strict=True))
        print(f"jsonschema_rs agrees with fastjsonschema on {same:,} of {len(pairs):,} calls")
    except ImportError:
        print("jsonschema_rs not installed: skipped")
    print(f"{n:,} records, {path.stat().st_size / 1e6:.1f} MB; CPU seconds, best of 3\n")
    for label, sec in rows:
        print(f"{label:<55} {sec:7.3f} s  {sec / n * 1e6:7.1f} us/record")
    return 0


if __name__ == "__main__":
    sys.exit(main())
