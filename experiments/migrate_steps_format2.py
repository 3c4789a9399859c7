"""Upgrade a published ``steps.json`` of format 1 to format 2 (issue 36: the precision in the keys).

Format 1 hashed the *configured* ``dtype``/``device`` (``auto``) into the training and evaluation keys;
format 2 hashes what they resolve to (``{"dtype": "fp32", "device": "cpu"}``) and records it. A
format-1 file cannot be read by the new code (its keys would never match, and nothing says what
precision its steps ran in), so this script recomputes, for one config, every step's old key and new
key from the same prepared inputs, and rewrites the file with the new keys and the precision given on
the command line. Only steps whose old key matches the config are carried over; the others are
reported and dropped.

The precision is the one thing the old file does not record: pass it from evidence (the published seed
steps ran on the 2-core development CPU, which has neither AVX512-BF16 nor AMX, so ``auto`` resolved to
fp32 on cpu; the README and experiments/seed.yaml say float32 for those runs).

    python experiments/migrate_steps_format2.py experiments/seed.yaml --dtype fp32 --device cpu
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from toolproof.compare import steps
from toolproof.compare.arms import BASE
from toolproof.compare.config import load_config
from toolproof.compare.data import kind_paths
from toolproof.compare.publish import FORMAT, STEPS_JSON
from toolproof.compare.run import _prepare, _prepare_derived

_LEGACY = {"dtype": None, "device": None}


def _keys(cfg: Any, paths: dict[str, str], test_sets: list[Any], legacy: bool) -> dict[str, Any]:
    """{model: {"train": key, "eval": {test set: key}}} with the format-1 or format-2 formula."""
    real_canon = steps.canon

    def canon_v1(obj: Any) -> str:  # the old formula: configured device and dtype instead of `precision`
        if isinstance(obj, dict) and "precision" in obj:
            obj = {k: v for k, v in obj.items() if k != "precision"} | {"device": cfg.device, "dtype": cfg.dtype}
        return real_canon(obj)

    if legacy:
        steps.canon = canon_v1
    try:
        out: dict[str, Any] = {}
        models = ([(BASE, None)] if cfg.base else []) + [(a.name, a) for a in cfg.arms]
        for name, arm in models:
            upstream = steps.train_key(cfg, arm, paths[arm.data]) if arm is not None else ""
            out[name] = {"train": upstream or None, "eval": {ts.name: steps.eval_key(cfg, ts, upstream) for ts in test_sets}}
        return out
    finally:
        steps.canon = real_canon


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config")
    ap.add_argument("--results-dir", default="docs/results")
    ap.add_argument("--dtype", required=True, choices=["fp32", "bf16", "fp16"])
    ap.add_argument("--device", required=True, choices=["cpu", "cuda"])
    args = ap.parse_args()
    cfg = load_config(args.config)
    path = Path(args.results_dir) / cfg.name / STEPS_JSON
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != 1:
        raise SystemExit(f"{path}: format {doc.get('format')}, not 1: nothing to migrate")
    steps._PRECISION[(str(cfg.dtype), str(cfg.device))] = {"dtype": args.dtype, "device": args.device}
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp) / cfg.name
        out_dir.mkdir()
        data, test_sets = _prepare(cfg, out_dir, True, lambda _m: None, {})
        paths = kind_paths(data)
        _prepare_derived(cfg, out_dir, paths, True, lambda _m: None)
        old = _keys(cfg, paths, test_sets, legacy=True)
        new = _keys(cfg, paths, test_sets, legacy=False)
    kept = dropped = 0
    for name, entry in list(doc["models"].items()):
        train = entry.get("train")
        if train is not None:
            if train["key"] != old[name]["train"]:
                print(f"{name} train: key {train['key']} does not match this config; dropped with its evaluations")
                del doc["models"][name]
                dropped += 1
                continue
            train["key"] = new[name]["train"]
        for ts, e in entry.get("eval", {}).items():
            if e["key"] != old[name]["eval"].get(ts):
                raise SystemExit(f"{name} eval {ts}: key {e['key']} does not match this config; nothing written")
            e["key"] = new[name]["eval"][ts]
            kept += 1
    doc["format"] = FORMAT
    doc["precision"] = {"dtype": args.dtype, "device": args.device}
    doc = {k: doc[k] for k in ("format", "name", "model", "note", "versions", "precision", "models")}
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"{path}: format {FORMAT}, {kept} evaluation(s) carried over, {dropped} model(s) dropped, "
          f"precision {args.dtype} on {args.device}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
