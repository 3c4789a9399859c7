"""Carry published steps over a change of the step-key formula, when what they trained on is unchanged.

A step key hashes its inputs; a change to *how* a key is computed (or to how the data step spells the
bytes of records it did not change) makes every published step unreachable though nothing it ran on
changed, and reusing it would cost hours of training. This tool moves the published keys across such
a change, and only where it can show the inputs are the same:

1. Before the change, with the old code: ``--snapshot FILE`` prepares the config's data and test
   sets as ``compare`` does and records every step's key and, per training data kind, a hash of the
   *parsed records* of its file (``steps.records_sha256``: what the trainer reads, not how it is spelled).
2. After the change, with the new code: ``--apply FILE`` prepares them again, computes the new keys,
   and rewrites ``docs/results/<name>/steps.json``: a published step whose key is the snapshot's key is
   given its new key only if the records its training read hash the same now; others are dropped and
   named. Test sets are compared the same way (their key input is already their content hash).

    python experiments/rekey_published.py experiments/seed.yaml --snapshot /tmp/seed.keys.json   # old code
    python experiments/rekey_published.py experiments/seed.yaml --apply /tmp/seed.keys.json      # new code
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
from toolproof.compare.publish import STEPS_JSON
from toolproof.compare.run import _prepare, _prepare_derived


def _state(cfg: Any) -> dict[str, Any]:
    """Every step's key with the code as it is, and the record hash of each kind's training file."""
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp) / cfg.name
        out_dir.mkdir()
        data, test_sets = _prepare(cfg, out_dir, True, lambda _m: None, {})
        paths = kind_paths(data)
        _prepare_derived(cfg, out_dir, paths, True, lambda _m: None)
        models: dict[str, Any] = {}
        for name, arm in ([(BASE, None)] if cfg.base else []) + [(a.name, a) for a in cfg.arms]:
            if arm is not None and arm.data not in paths:
                continue
            train = steps.train_key(cfg, arm, paths[arm.data]) if arm is not None else ""
            models[name] = {
                "train": train or None,
                "data": arm.data if arm is not None else None,
                "eval": {ts.name: steps.eval_key(cfg, ts, train) for ts in test_sets},
            }
        records = {kind: steps.records_sha256(p) for kind, p in paths.items()}
        return {"models": models, "records": records, "test_sets": {ts.name: ts.sha256 for ts in test_sets}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config")
    ap.add_argument("--results-dir", default="docs/results")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--snapshot", metavar="FILE")
    mode.add_argument("--apply", metavar="FILE")
    args = ap.parse_args()
    cfg = load_config(args.config)
    now = _state(cfg)
    if args.snapshot:
        Path(args.snapshot).write_text(json.dumps(now, indent=2) + "\n", encoding="utf-8")
        print(f"{args.snapshot}: keys of {len(now['models'])} models, records of {len(now['records'])} kinds")
        return 0
    before = json.loads(Path(args.apply).read_text(encoding="utf-8"))
    path = Path(args.results_dir) / cfg.name / STEPS_JSON
    doc = json.loads(path.read_text(encoding="utf-8"))
    moved = dropped = 0
    for name, entry in list(doc["models"].items()):
        old, new = before["models"].get(name), now["models"].get(name)
        kind = (old or {}).get("data")
        same_data = kind is None or before["records"].get(kind) == now["records"].get(kind)
        train = entry.get("train")
        if train is not None and not (old and new and same_data and train["key"] == old["train"]):
            print(f"{name}: training not carried over (key or training records changed); dropped")
            del doc["models"][name]
            dropped += 1
            continue
        if train is not None:
            train["key"] = new["train"]
        for ts, e in list(entry.get("eval", {}).items()):
            same_test = before["test_sets"].get(ts) == now["test_sets"].get(ts)
            if old and new and same_test and same_data and e["key"] == old["eval"].get(ts):
                e["key"] = new["eval"][ts]
                moved += 1
            else:
                print(f"{name} eval {ts}: not carried over (key, test set or training records changed); dropped")
                del entry["eval"][ts]
                dropped += 1
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"{path}: {moved} evaluation(s) re-keyed, {dropped} step(s) dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
