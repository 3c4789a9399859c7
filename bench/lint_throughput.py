"""Lint throughput: toolproof vs the JSON parse floors and a naive pydantic + jsonschema loop.

    .venv/bin/python bench/lint_throughput.py            # 200,000 records
    .venv/bin/python bench/lint_throughput.py --n 50000 --skip naive,ray,rayclean --realdata
    .venv/bin/python bench/lint_throughput.py --n 20000 --profile

Generates N realistic tool-calling records (varied tools and argument types, single- and
multi-turn, ~7% defects) into a temporary JSONL file, then runs each contender as its own
subprocess and reports wall time, CPU time, records/s, MB/s and the peak RSS (from ``os.wait4``:
the largest resident set of the process and of the workers it waited for; for the Ray contenders,
the whole Ray process tree, sampled with psutil). Contenders: the ``orjson.loads`` and
``json.loads`` floors, the naive loop, ``lint --jobs 1`` and ``--jobs 2``, ``clean``, ``fix`` (on a
copy), ``lint --select TPn`` for each rule family alone, and the Ray engine. ``--realdata`` adds a
table over every training-data source of ``../shared/realdata`` (each source's records written
again and again into ~20 MB of JSON Lines): MB per CPU second there, since real records differ in
size by 20x. ``--repeat K`` makes a K-times bigger file (peak memory against file size).

Where the time goes (issue 35; ``python bench/lint_stages.py --callgrind``: instructions per
record on 1,000 generated records, so independent of the machine's load). Before issue 35 a record
cost 704k instructions in ``lint_paths``: reading 237k (parse, duplicate-key check, dialect
detection), the fused fast path 123k, the remaining record rules 160k after it, the dataset summary
181k (a second walk of the record), and the mix tally was counted four times over the table. Now
470k: the fast path's walk runs once, as the reader's precheck (86k), and what it saw serves
everything after it: a record it proves plain canonical skips the dialect detection, the rules it
covers (TP107 and TP208 too now) are not run, the dataset summary reads its calls, turns and tool
names instead of walking again (70k), the record body's canonical JSON is made once for the
duplicate-key check and the TP501 digest, and the mix tally is counted once per table. What is
left is spread thin: ``orjson.loads`` and the canonical re-serialisation of each record, the
argument schemas' compiled validators (fastjsonschema), two blake2b digests, and the interpreter's
per-record loop. The ~5-7% defective records of the bench data run every rule (~145 us each). On
real data (``--realdata``) most records are not canonical or carry findings, so the dialect
readers (ShareGPT, LLaMA-Factory, Glaive conversion), the nesting-depth walk of converted records
and every rule's own walk dominate: see docs/SCALE.md for the numbers and what would close the gap.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
BIN = Path(sys.executable).parent

# --------------------------------------------------------------------------- data

TOOLS: list[dict[str, Any]] = [
    {"name": "get_weather", "description": "Current weather for a city.", "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}},
    {"name": "book_table", "description": "Reserve a restaurant table.", "parameters": {"type": "object", "properties": {
        "restaurant": {"type": "string"}, "date": {"type": "string"}, "time": {"type": "string"},
        "party_size": {"type": "integer", "minimum": 1, "maximum": 20}}, "required": ["restaurant", "date", "party_size"]}},
    {"name": "search_flights", "description": "Search flights.", "parameters": {"type": "object", "properties": {
        "origin": {"type": "string"}, "destination": {"type": "string"}, "date": {"type": "string"},
        "passengers": {"type": "integer"}, "cabin": {"type": "string", "enum": ["economy", "business", "first"]},
        "max_price": {"type": "number"}}, "required": ["origin", "destination", "date"]}},
    {"name": "send_email", "description": "Send an email.", "parameters": {"type": "object", "properties": {
        "to": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"},
        "cc": {"type": "array", "items": {"type": "string"}}}, "required": ["to", "subject", "body"]}},
    {"name": "convert_currency", "description": "Convert money.", "parameters": {"type": "object", "properties": {
        "amount": {"type": "number"}, "from": {"type": "string"}, "to": {"type": "string"}}, "required": ["amount", "from", "to"]}},
    {"name": "create_event", "description": "Create a calendar event.", "parameters": {"type": "object", "properties": {
        "title": {"type": "string"}, "start": {"type": "string"}, "duration_minutes": {"type": "integer"},
        "attendees": {"type": "array", "items": {"type": "string"}}, "reminder": {"type": "boolean"}}, "required": ["title", "start"]}},
    {"name": "set_thermostat", "description": "Set the temperature.", "parameters": {"type": "object", "properties": {
        "room": {"type": "string"}, "temperature": {"type": "number"}, "mode": {"type": "string", "enum": ["heat", "cool", "auto"]}},
        "required": ["temperature"]}},
    {"name": "search_products", "description": "Search the catalogue.", "parameters": {"type": "object", "properties": {
        "query": {"type": "string"}, "limit": {"type": "integer"}, "filters": {"type": "object", "properties": {
            "brand": {"type": "string"}, "in_stock": {"type": "boolean"}}}}, "required": ["query"]}},
]
CITIES = ["Paris", "Lagos", "Osaka", "Lima", "Oslo", "Austin", "Pune", "Cairo", "Quito", "Perth"]
WORDS = "alpha beta gamma delta report budget launch review sync lunch trip invoice".split()


def _args_for(tool: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    props = tool["parameters"]["properties"]
    req = set(tool["parameters"].get("required", []))
    for name, spec in props.items():
        if name not in req and rnd.random() < 0.5:
            continue
        t = spec.get("type")
        if "enum" in spec:
            out[name] = rnd.choice(spec["enum"])
        elif t == "string":
            out[name] = rnd.choice(CITIES) if name in ("city", "origin", "destination", "room", "restaurant") else " ".join(rnd.choices(WORDS, k=rnd.randint(1, 6)))
        elif t == "integer":
            out[name] = rnd.randint(1, 12)
        elif t == "number":
            out[name] = round(rnd.uniform(1, 900), 2)
        elif t == "boolean":
            out[name] = rnd.random() < 0.5
        elif t == "array":
            out[name] = [f"{w}@example.com" for w in rnd.choices(WORDS, k=rnd.randint(1, 3))]
        elif t == "object":
            out[name] = {"brand": rnd.choice(WORDS), "in_stock": True}
    return out


def make_record(i: int, rnd: random.Random) -> tuple[str, bool]:
    """One JSONL line and whether a defect was planted."""
    tools = rnd.sample(TOOLS, rnd.randint(1, 4))
    msgs: list[dict[str, Any]] = []
    if rnd.random() < 0.6:
        msgs.append({"role": "system", "content": "You are a helpful assistant with tools."})
    calls_made: list[dict[str, Any]] = []
    for turn in range(rnd.choice([1, 1, 1, 2, 3])):
        tool = rnd.choice(tools)
        msgs.append({"role": "user", "content": f"Please {tool['name'].replace('_', ' ')} for {rnd.choice(CITIES)} ({' '.join(rnd.choices(WORDS, k=8))})."})
        n_calls = 2 if rnd.random() < 0.15 else 1
        calls = []
        for k in range(n_calls):
            cid = f"call_{turn}_{k}"
            calls.append({"id": cid, "type": "function", "function": {"name": tool["name"], "arguments": _args_for(tool, rnd)}})
        calls_made.extend(calls)
        msgs.append({"role": "assistant", "content": None, "tool_calls": calls})
        for c in calls:
            msgs.append({"role": "tool", "tool_call_id": c["id"], "name": tool["name"], "content": json.dumps({"ok": True, "value": rnd.randint(1, 999)})})
        msgs.append({"role": "assistant", "content": f"Done: {' '.join(rnd.choices(WORDS, k=12))}."})
    rec: dict[str, Any] = {"id": f"bench-{i}", "messages": msgs, "tools": [{"type": "function", "function": copy.deepcopy(t)} for t in tools]}
    defect = rnd.random() < 0.07
    if defect:
        kind = rnd.randrange(7)
        call = calls_made[0]["function"]
        if kind == 0:
            return json.dumps(rec)[:-7], True  # truncated line
        if kind == 1:
            call["arguments"] = json.dumps(call["arguments"])  # stringified arguments
        elif kind == 2:
            call["arguments"]["verbose"] = True  # unknown argument
        elif kind == 3:
            req = [k for k in call["arguments"] if k in next(t for t in TOOLS if t["name"] == call["name"])["parameters"].get("required", [])]
            if req:
                del call["arguments"][req[0]]  # missing required
        elif kind == 4:
            a = next(m for m in msgs if m.get("tool_calls"))
            a["content"] = "<tool_call>" + json.dumps({"name": call["name"], "arguments": call["arguments"]})  # markup, unclosed
            del a["tool_calls"]
        elif kind == 5:
            call["name"] = "undeclared_tool"
        elif kind == 6:
            rec["tools"][0]["function"]["parameters"]["properties"]["x"] = {"type": "dict"}
    return json.dumps(rec), defect


def generate(path: Path, n: int, seed: int = 7) -> int:
    rnd = random.Random(seed)
    defects = 0
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            line, d = make_record(i, rnd)
            defects += d
            f.write(line + "\n")
    return defects


# The rule families, each linted alone (``--select PREFIX``): where the default run's time goes.
FAMILIES = [("TP0", "reader + structure"), ("TP1", "markup"), ("TP2", "calls"), ("TP3", "arguments"),
            ("TP4", "tool definitions"), ("TP5", "dataset"), ("TP7", "mix")]

# --------------------------------------------------------------------------- contenders (run in a subprocess)


def floor(path: str, loads: Any = None) -> int:
    """Parse every line and nothing else: ``orjson.loads`` by default, ``json.loads`` for the
    standard library's floor (what the issue-35 targets are set against)."""
    import orjson

    loads = loads or orjson.loads
    n = 0
    with open(path, "rb") as f:
        for line in f:
            try:
                loads(line)
            except ValueError:  # (orjson.JSONDecodeError is a ValueError)
                pass
            n += 1
    return n


def naive(path: str, limit: int = 0) -> int:
    """What a team writes first: json.loads + a pydantic model + jsonschema.validate per call."""
    from typing import Literal

    import jsonschema
    from pydantic import BaseModel, ValidationError

    class Function(BaseModel):
        name: str
        arguments: dict[str, Any]

    class ToolCall(BaseModel):
        id: str | None = None
        type: Literal["function"] = "function"
        function: Function

    class Message(BaseModel):
        role: Literal["system", "user", "assistant", "tool"]
        content: str | None = None
        tool_calls: list[ToolCall] | None = None
        tool_call_id: str | None = None
        name: str | None = None

    class ToolFunction(BaseModel):
        name: str
        description: str | None = None
        parameters: dict[str, Any]

    class Tool(BaseModel):
        type: Literal["function"]
        function: ToolFunction

    class Record(BaseModel):
        id: str | None = None
        messages: list[Message]
        tools: list[Tool] = []

    problems = 0
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if limit and n >= limit:
                break
            n += 1
            try:
                rec = Record.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError):
                problems += 1
                continue
            schemas = {t.function.name: t.function.parameters for t in rec.tools}
            for m in rec.messages:
                for c in m.tool_calls or []:
                    schema = schemas.get(c.function.name)
                    if schema is None:
                        problems += 1
                        continue
                    try:
                        jsonschema.validate(c.function.arguments, schema)
                    except (jsonschema.ValidationError, jsonschema.SchemaError):
                        problems += 1
    return n


def ray_contender(command: str, path: str, out: str) -> None:
    """``toolproof lint|clean --engine ray`` in this process on a local Ray (all cores), with what
    ``os.wait4`` cannot see: Ray's worker processes are not this process's waited-for children, so
    their CPU time and memory are read with psutil over the process tree and written to OUT.json:
    CPU seconds of every process of the tree at the end of the run (user + system, plus those of the
    children each reaped: workers that ended are counted by the raylet that waited for them; a lower
    bound, with Ray's own daemons included), and the peak of the summed RSS sampled every 0.2 s
    (shared object-store pages count in each process that maps them, so it overstates)."""
    import threading

    import psutil
    import ray

    sys.path.insert(0, str(HERE.parent.parent))  # this checkout's code, as `-m toolproof` from its root gives the others
    from toolproof.cli import main as toolproof_main

    me = psutil.Process()
    peak = [0.0]
    done = threading.Event()

    def tree_total(read: Any) -> float:
        total = 0.0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += read(p)
            except psutil.Error:
                pass
        return total

    def cpu(p: Any) -> float:
        t = p.cpu_times()
        return float(t.user + t.system + t.children_user + t.children_system)

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_total(lambda p: p.memory_info().rss) / 2**20)
            done.wait(0.2)

    ray.init(include_dashboard=False, log_to_driver=False)
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    started = tree_total(cpu)  # Ray's start-up, reported apart
    t0 = time.perf_counter()
    if command == "lint":
        code = toolproof_main(["lint", path, "--engine", "ray", "--format", "json", "--output", out + ".report.json"])
    else:
        code = toolproof_main(["clean", path, "-o", out + ".clean", "--engine", "ray", "--quiet"])
    wall = time.perf_counter() - t0
    total = tree_total(cpu)
    done.set()
    watcher.join()
    import resource

    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the driver alone (this process), not Ray's
    Path(out).write_text(json.dumps({"exit": code, "seconds": wall, "cpu_seconds": total, "cpu_seconds_ray_start": started,
                                     "peak_rss_mib": peak[0], "driver_peak_rss_mib": driver}))
    ray.shutdown()


def _child(mode: str, path: str, limit: int) -> None:
    n = floor(path) if mode == "floor" else floor(path, json.loads) if mode == "jsonfloor" else naive(path, limit)
    print(json.dumps({"records": n}))


# --------------------------------------------------------------------------- driver


def timed(cmd: list[str]) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS MiB, exit code, stderr tail) of one subprocess.

    CPU seconds (user + system, workers included) stay meaningful on a busy machine.
    """
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=HERE.parent.parent)
    assert p.stderr is not None
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, p.returncode, err.decode(errors="replace")[-500:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000, help="records to generate (default 200,000)")
    ap.add_argument("--file", help="lint this file instead of generating one")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--profile", action="store_true", help="profile `lint --jobs 1` in-process and print the top functions")
    ap.add_argument("--realdata", nargs="?", const="", metavar="DIR",
                    help="also lint each real source of ../shared/realdata (or DIR), its records written again and again "
                         "into JSON Lines of --real-mb MB: MB/s per core there (records differ in size by 20x)")
    ap.add_argument("--real-mb", type=float, default=20.0, help="size of each real-data file (default 20 MB)")
    ap.add_argument("--skip", default="", help="comma-separated contenders to skip (floor,naive,lint1,lint2,clean,ray,rayclean)")
    ap.add_argument("--naive-n", type=int, default=20_000, help="records the naive loop checks (its rate is per record; default 20,000, 0 = all)")
    ap.add_argument("--repeat", type=int, default=1, metavar="K", help="write the generated records K times over (a K-times bigger file whose copies are TP501 duplicates: peak memory vs file size and findings)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "LIMIT"), help=argparse.SUPPRESS)
    ap.add_argument("--ray-child", nargs=3, metavar=("COMMAND", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if args.ray_child:
        ray_contender(*args.ray_child)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="tp-bench-"))
    try:
        if args.file:
            data = Path(args.file)
            n = sum(1 for _ in open(data, "rb"))
            defects = -1
        else:
            data = tmp / "bench.jsonl"
            t0 = time.perf_counter()
            defects = generate(data, args.n)
            n = args.n
            if args.repeat > 1:
                # copied in blocks: this process stays small (a child's ru_maxrss starts from the
                # parent's size at the fork, so a big parent would inflate every peak below)
                size = data.stat().st_size
                with open(data, "r+b") as f:
                    for _ in range(args.repeat - 1):
                        done = 0
                        while done < size:
                            f.seek(done)
                            block = f.read(min(1 << 22, size - done))
                            f.seek(0, os.SEEK_END)
                            f.write(block)
                            done += len(block)
                n *= args.repeat
                defects *= args.repeat
            print(f"generated {n:,} records ({defects:,} with a planted defect, {defects / n:.1%}) in {time.perf_counter() - t0:.1f}s")
        mb = data.stat().st_size / 1e6
        print(f"file: {mb:.1f} MB, python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}\n")
        # this checkout's code (the `toolproof` script on PATH may import another one)
        tp = [sys.executable, "-m", "toolproof"]
        n_naive = min(n, args.naive_n) if args.naive_n else n
        naive_label = "naive loop (json + pydantic + jsonschema.validate per call)"
        if n_naive < n:
            naive_label += f" [first {n_naive:,}]"
        contenders = [
            ("floor", "JSON parse floor (orjson.loads per line)", [sys.executable, str(HERE), "--child", "floor", str(data), "0"], n),
            ("jsonfloor", "JSON parse floor (json.loads per line)", [sys.executable, str(HERE), "--child", "jsonfloor", str(data), "0"], n),
            ("naive", naive_label, [sys.executable, str(HERE), "--child", "naive", str(data), str(n_naive)], n_naive),
            ("lint1", "toolproof lint --jobs 1", [*tp, "lint", str(data), "--format", "json", "--output", str(tmp / "l1.json")], n),
            ("lint2", "toolproof lint --jobs 2", [*tp, "lint", str(data), "--jobs", "2", "--format", "json", "--output", str(tmp / "l2.json")], n),
            ("clean", "toolproof clean", [*tp, "clean", str(data), "-o", str(tmp / "clean.jsonl"), "--quiet"], n),
            ("fix", "toolproof fix (on a copy, rewritten in place)", [*tp, "fix", str(tmp / "fix.jsonl")], n),
            *[(f"fam-{prefix}", f"toolproof lint --select {prefix} ({family} alone)",
               [*tp, "lint", str(data), "--select", prefix, "--format", "json", "--output", str(tmp / f"{prefix}.json")], n)
              for prefix, family in FAMILIES],
            ("ray", "toolproof lint --engine ray (local Ray, all cores; Ray start included)",
             [sys.executable, str(HERE), "--ray-child", "lint", str(data), str(tmp / "ray.json")], n),
            ("rayclean", "toolproof clean --engine ray (local Ray, all cores; Ray start included)",
             [sys.executable, str(HERE), "--ray-child", "clean", str(data), str(tmp / "rayclean.json")], n),
        ]
        skip = set(filter(None, args.skip.split(",")))
        rows: list[dict[str, Any]] = []
        print(f"{'contender':<68} {'seconds':>8} {'CPU s':>7} {'records/s':>10} {'MB/s':>7} {'peak RSS MiB':>13}")
        for key, label, cmd, count in contenders:
            if key in skip or (key.startswith("fam-") and "fam" in skip):
                continue
            if key == "fix":
                shutil.copyfile(data, tmp / "fix.jsonl")  # fix rewrites its input: never the bench's file
            wall, cpu, rss, rc, err = timed(cmd)
            if key in ("ray", "rayclean") and (tmp / f"{key}.json").exists():  # the whole Ray process tree, measured by the child
                inner = json.loads((tmp / f"{key}.json").read_text())
                cpu, rss, rc = max(cpu, inner["cpu_seconds"]), max(rss, inner["peak_rss_mib"]), inner["exit"]
                print(f"  ({key}: the command alone {inner['seconds']:.2f} s wall; Ray's start-up took {inner['cpu_seconds_ray_start']:.2f} CPU s of the "
                      f"{inner['cpu_seconds']:.2f}; the driver's own peak RSS {inner.get('driver_peak_rss_mib', 0):.0f} MiB)")
            ok = rc in (0, 1)
            size = mb * count / n
            rows.append({"key": key, "label": label, "records": count, "seconds": wall, "cpu_seconds": cpu, "records_per_s": count / wall,
                         "mb_per_s": size / wall, "peak_rss_mib": rss, "exit": rc})
            print(f"{label:<68} {wall:8.2f} {cpu:7.2f} {count / wall:10,.0f} {size / wall:7.1f} {rss:13.0f}" + ("" if ok else f"  (exit {rc}: {err.strip()[-200:]})"))
        by = {r["key"]: r for r in rows}
        print()
        def cpu_per_record(key: str) -> float:
            return by[key]["cpu_seconds"] / by[key]["records"]

        if "lint1" in by and "naive" in by:
            ratio = by["lint1"]["records_per_s"] / by["naive"]["records_per_s"]
            cpu_ratio = cpu_per_record("naive") / cpu_per_record("lint1")
            print(f"lint --jobs 1 vs naive loop: {ratio:.2f}x the records/s, {cpu_ratio:.2f}x by CPU time per record (target >= 3x)")
        if "lint1" in by and "floor" in by:
            ratio = by["floor"]["records_per_s"] / by["lint1"]["records_per_s"]
            cpu_ratio = cpu_per_record("lint1") / cpu_per_record("floor")
            print(f"lint --jobs 1 vs orjson floor: {ratio:.2f}x slower by wall time, {cpu_ratio:.2f}x by CPU time (stretch target <= 3x)")
        for key in ("lint1", "clean", "fix"):
            if key in by and "jsonfloor" in by:
                cpu_ratio = cpu_per_record(key) / cpu_per_record("jsonfloor")
                target = " (target <= 4x)" if key == "lint1" else ""
                print(f"{by[key]['label']} vs json.loads floor: {cpu_ratio:.2f}x by CPU time per record{target}")
        if "lint1" in by and "lint2" in by:
            print(
                f"--jobs 2 speed-up: {by['lint1']['seconds'] / by['lint2']['seconds']:.2f}x wall (target >= 1.8x); CPU seconds {by['lint1']['cpu_seconds']:.2f} (jobs 1)"
                f" vs {by['lint2']['cpu_seconds']:.2f} (jobs 2, all processes) (load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
            )
        l1 = tmp / "l1.json"
        if l1.exists():
            summ = json.loads(l1.read_text())["summary"]
            print(f"lint found {summ['errors']:,} errors, {summ['warnings']:,} warnings; {summ['records_with_errors']:,} records with errors; by code: {summ['by_code']}")
            l2 = tmp / "l2.json"
            if l2.exists():
                print(f"--jobs 2 report identical to --jobs 1: {l1.read_bytes() == l2.read_bytes()}")
            lr = tmp / "ray.json.report.json"
            if lr.exists():
                print(f"--engine ray report identical to --jobs 1: {l1.read_bytes() == lr.read_bytes()}")
        cl, rc_dir = tmp / "clean.jsonl", tmp / "rayclean.json.clean"
        if cl.exists() and rc_dir.exists():
            same = cl.read_bytes() == b"".join(p.read_bytes() for p in sorted((rc_dir / "cleaned").glob("part-*.jsonl")))
            print(f"clean --engine ray cleaned parts, concatenated, identical to clean's output: {same}")
        real: list[dict[str, Any]] = []
        if args.realdata is not None:
            real = realdata_table(tmp, args.realdata, args.real_mb, tp)
        if args.json:
            Path(args.json).write_text(json.dumps({"records": n, "mb": mb, "defects": defects, "results": rows, "realdata": real}, indent=2))
        if args.profile:
            profile(data)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _real_sources(root: Path) -> list[Path]:
    """The training-data sources of the real-data folder (JSON or JSON Lines of 100 KB or more;
    parser test cases and model outputs left out: they are not datasets)."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.suffix in (".json", ".jsonl") and p.stat().st_size >= 100_000 and not {"parser_outputs", "llamacpp"} & set(p.parts):
            out.append(p)
    return out


def _replicate(src: Path, dest: Path, mb: float) -> int:
    """Write ``src``'s records as JSON Lines into ``dest`` again and again until it holds ``mb`` MB."""
    import orjson

    if src.suffix == ".json":
        value = json.loads(src.read_text(encoding="utf-8"))
        records = value if isinstance(value, list) else [value]
        lines = [orjson.dumps(r) + b"\n" for r in records]
    else:
        lines = [x if x.endswith(b"\n") else x + b"\n" for x in src.read_bytes().splitlines(keepends=True) if x.strip()]
    size = sum(map(len, lines))
    copies = max(1, int(mb * 1e6 / size + 0.999))
    with open(dest, "wb") as f:
        for _ in range(copies):
            f.writelines(lines)
    return copies * len(lines)


def realdata_table(tmp: Path, root_arg: str, mb: float, tp: list[str]) -> list[dict[str, Any]]:
    """Floors and lint --jobs 1/2 on each real source: MB/s per core (MB over CPU seconds)."""
    root = Path(root_arg) if root_arg else HERE.parent.parent.parent / "shared" / "realdata"
    if not root.is_dir():
        print(f"\nrealdata: {root} not found (pass --realdata DIR)")
        return []
    print(f"\nreal data ({root}), each source's records repeated into ~{mb:.0f} MB of JSON Lines; MB/s per core = MB / CPU s")
    print(f"{'source':<48} {'MB':>6} {'records':>8} {'orjson':>7} {'json':>7} {'lint -j1':>9} {'lint -j2':>9} {'x json':>7} {'RSS MiB':>8}")
    out = []
    for src in _real_sources(root):
        dest = tmp / "real.jsonl"
        count = _replicate(src, dest, mb)
        size = dest.stat().st_size / 1e6
        row: dict[str, Any] = {"source": str(src.relative_to(root)), "mb": size, "records": count}
        for key, cmd in (
            ("orjson", [sys.executable, str(HERE), "--child", "floor", str(dest), "0"]),
            ("json", [sys.executable, str(HERE), "--child", "jsonfloor", str(dest), "0"]),
            ("lint1", [*tp, "lint", str(dest), "--format", "json", "--output", str(tmp / "real1.json")]),
            ("lint2", [*tp, "lint", str(dest), "--jobs", "2", "--format", "json", "--output", str(tmp / "real2.json")]),
        ):
            wall, cpu, rss, rc, err = timed(cmd)
            if rc not in (0, 1):
                print(f"  {src.name}: {key} exited {rc}: {err.strip()[-200:]}")
            row[key] = {"seconds": wall, "cpu_seconds": cpu, "mb_per_cpu_s": size / cpu if cpu else 0.0, "mb_per_s": size / wall,
                        "peak_rss_mib": rss, "exit": rc}
        out.append(row)
        print(f"{row['source']:<48} {size:6.1f} {count:8,} {row['orjson']['mb_per_cpu_s']:7.1f} {row['json']['mb_per_cpu_s']:7.1f} "
              f"{row['lint1']['mb_per_cpu_s']:9.1f} {row['lint2']['mb_per_s']:9.1f} "
              f"{row['lint1']['cpu_seconds'] / max(row['json']['cpu_seconds'], 1e-9):7.1f} {row['lint1']['peak_rss_mib']:8.0f}")
    if out:
        total_mb = sum(r["mb"] for r in out)
        cpu = sum(r["lint1"]["cpu_seconds"] for r in out)
        print(f"all real sources: lint --jobs 1 {total_mb / cpu:.1f} MB/s per core (target >= 30); columns orjson/json/lint -j1 in MB per CPU s, "
              "lint -j2 in MB per wall s")
    return out


def profile(data: Path) -> None:
    import cProfile
    import pstats

    from toolproof.validator.engine import lint_paths

    prof = cProfile.Profile()
    prof.enable()
    lint_paths([data])
    prof.disable()
    print("\nprofile of lint --jobs 1 (in-process), top 25 by own time:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
