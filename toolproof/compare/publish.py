"""Published results: a comparison's machine-readable results kept beside the docs that quote them.

``publish_results`` writes ``<root>/<name>/``: ``compare.json`` (its paths made relative),
``paired.csv``, ``summary.csv``, ``summary.md``, each model's per-record verdicts
(``verdicts/<model>/<test set>.csv``: id, lenient and strict correctness, error_type) and ``steps.json``,
the key of every finished step with its outcome and the precision (dtype, device kind) the steps ran in. A later run (``Published.load``) reuses a published step whose key
equals the one it computes, exactly as it reuses a local finished step: a new arm is then trained,
evaluated and paired with the published models record by record without re-running them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolproof.compare.config import CompareConfig, CompareConfigError
from toolproof.compare.results import CompareResult, SetResult
from toolproof.compare.steps import describe_precision, precision, versions
from toolproof.validator.safeio import safe_row

STEPS_JSON = "steps.json"
FORMAT = 2  # 2: keys hold the resolved precision, recorded as ``precision`` (format 1 hashed the configured one)
REPORTS = ("paired.csv", "summary.csv", "summary.md")
VERDICT_COLUMNS = ["id", "correct", "strict_correct", "error_type"]  # strict empty where not recorded


class PublishedResultsError(CompareConfigError):
    """A published results folder that cannot be read (the command turns it into exit 2)."""


# --------------------------------------------------------------------------- reading


@dataclass
class Published:
    """The finished steps of a published comparison, by key."""

    folder: Path
    trainings: dict[str, dict[str, Any]] = field(default_factory=dict)  # train key -> training outcome
    evals: dict[str, SetResult] = field(default_factory=dict)  # eval key -> result (its verdicts CSV)
    precision: dict[str, str] | None = None  # the dtype and device kind every published step ran in

    @classmethod
    def load(cls, root: str | os.PathLike[str], name: str) -> Published | None:
        """The published results of comparison `name` under `root`; None when there are none."""
        folder = Path(root) / name
        path = folder / STEPS_JSON
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise PublishedResultsError(f"{path}: cannot read the published results: {e}") from e
        if isinstance(doc, dict) and doc.get("format") == 1:
            raise PublishedResultsError(
                f"{path}: written by an older toolproof (steps format 1: its keys do not say which precision the "
                "steps ran in, so none can be reused or paired safely); publish it again with `compare --publish`, "
                "or point --results-dir elsewhere to run every step"
            )
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("models"), dict):
            raise PublishedResultsError(f"{path}: not a steps file of format {FORMAT} (written by `compare --publish`)")
        prec = doc.get("precision")
        if not (isinstance(prec, dict) and isinstance(prec.get("dtype"), str) and isinstance(prec.get("device"), str)):
            raise PublishedResultsError(f"{path}: no `precision` (dtype and device the steps ran in)")
        out = cls(folder.resolve(), precision={"dtype": prec["dtype"], "device": prec["device"]})
        for name, entry in doc["models"].items():
            try:
                out._add(entry)
            except (KeyError, TypeError, ValueError) as e:
                raise PublishedResultsError(f"{path}: models.{name}: malformed entry ({type(e).__name__}: {e})") from e
        return out

    def _add(self, entry: Any) -> None:
        train = entry.get("train") if isinstance(entry, dict) else None
        if isinstance(train, dict) and isinstance(train.get("outcome"), dict):
            self.trainings[str(train.get("key"))] = train["outcome"]
        evals = entry.get("eval") if isinstance(entry, dict) else None
        for e in (evals or {}).values():
            result = SetResult.from_dict(e["result"])
            verdicts = self.folder / str(result.results_csv)
            if verdicts.is_file():  # a step whose verdicts are gone is not reused
                result.results_csv = str(verdicts)
                self.evals[str(e["key"])] = result

    @classmethod
    def load_for(cls, root: str | os.PathLike[str], cfg: CompareConfig) -> Published | None:
        """The published steps of `cfg` and of the comparisons it names in ``reuse_published``, as one
        (a step is still reused only where its key matches); None when none of them is published."""
        found = [p for p in (cls.load(root, n) for n in dict.fromkeys([cfg.name, *cfg.reuse_published])) if p]
        if not found:
            return None
        out = found[0]
        for other in found[1:]:
            if other.precision != out.precision:
                raise PublishedResultsError(
                    f"{other.folder / STEPS_JSON} ran in {describe_precision(other.precision)}, "
                    f"{out.folder / STEPS_JSON} in {describe_precision(out.precision)}: not reused together"
                )
            out.trainings.update({k: v for k, v in other.trainings.items() if k not in out.trainings})
            out.evals.update({k: v for k, v in other.evals.items() if k not in out.evals})
        return out

    def check_precision(self, cfg: CompareConfig) -> None:
        """Refuse a run whose steps would run at another precision than the published ones: none of them
        would be reused, and nothing run now could be paired with them fairly."""
        mine = precision(cfg)
        if self.precision is not None and self.precision != mine:
            raise PublishedResultsError(
                f"{self.folder / STEPS_JSON}: the published steps ran in {describe_precision(self.precision)}, this "
                f"run would train and evaluate in {describe_precision(mine)} (dtype {cfg.dtype!r}, device "
                f"{cfg.device!r}); results of different precision are not paired. Set `dtype: "
                f"{self.precision['dtype']}` and `device: {self.precision['device']}` in the config to reuse and "
                "pair with them, or point --results-dir elsewhere to run every step at this precision"
            )

    def training(self, train_key: str, eval_keys: list[str]) -> dict[str, Any] | None:
        """The published training of key `train_key` when every evaluation it needs is published too
        (the adapter is not: a published arm can only be reused whole)."""
        got = self.trainings.get(train_key)
        return dict(got) if got is not None and all(k in self.evals for k in eval_keys) else None

    def evaluation(self, eval_key: str) -> SetResult | None:
        r = self.evals.get(eval_key)
        return None if r is None else SetResult.from_dict(r.to_dict())


# --------------------------------------------------------------------------- writing


def _portable(obj: Any, prefixes: list[tuple[str, str]]) -> Any:
    """`obj` with every string path under one of `prefixes` made relative (no machine's folders)."""
    if isinstance(obj, str):
        for prefix, replacement in prefixes:
            if obj.startswith(prefix):
                return replacement + obj[len(prefix):]
        return obj
    if isinstance(obj, dict):
        return {k: _portable(v, prefixes) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_portable(v, prefixes) for v in obj]
    return obj


def _verdicts_csv(results_csv: str) -> str:
    """The id, correct, strict_correct and error_type columns of an evaluator results CSV (or of a published
    one; strict_correct is empty where the evaluator did not record it)."""
    csv.field_size_limit(1 << 30)  # a prompt holds the whole tool list
    with open(results_csv, newline="", encoding="utf-8") as f:
        rows = [[row.get(c) or "" for c in VERDICT_COLUMNS] for row in csv.DictReader(f)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(VERDICT_COLUMNS)
    w.writerows(safe_row(r) for r in rows)  # formula-like cells neutralised (idempotent: results.csv already is)
    return buf.getvalue()


def _model_entries(result: CompareResult) -> tuple[dict[str, Any], dict[str, str]]:
    """steps.json's ``models`` and the verdict files (relative path -> text) of every finished step."""
    models: dict[str, Any] = {}
    files: dict[str, str] = {}
    for o in result.outcomes:
        steps = result.steps.get(o.name)
        if steps is None:
            continue
        entry: dict[str, Any] = {"data": o.data}
        if steps.train_key and steps.train is not None:
            outcome = {k: v for k, v in steps.train.items() if k != "adapter_dir"}
            entry["train"] = {"key": steps.train_key, "outcome": outcome}
        evals = {}
        for ts, r in o.results.items():
            key = steps.eval_keys.get(ts)
            if key is None or not r.results_csv or not Path(r.results_csv).is_file():
                continue
            rel = f"verdicts/{o.name}/{ts}.csv"
            files[rel] = _verdicts_csv(r.results_csv)
            d = r.to_dict()
            d["results_csv"] = rel
            d["extra"] = {k: v for k, v in d["extra"].items() if k != "summary_json"}
            evals[ts] = {"key": key, "result": d}
        if evals:
            entry["eval"] = evals
        if len(entry) > 1:
            models[o.name] = entry
    return models, files


def publish_results(result: CompareResult, root: str | os.PathLike[str]) -> Path:
    """Write the run's machine-readable results to ``<root>/<name>/`` (replacing what was there) and
    return that folder. Every file is read before the folder is replaced, so a run that reused
    published steps can publish into the folder it read them from."""
    dest = Path(root) / result.name
    models, files = _model_entries(result)
    out = result.output_dir
    prefixes = [(str(out) + os.sep, ""), (str(out.resolve()) + os.sep, ""), (str(Path.cwd().resolve()) + os.sep, "")]
    compare_json = out / "compare.json"
    if compare_json.is_file():
        doc = _portable(json.loads(compare_json.read_text(encoding="utf-8")), prefixes)
        files["compare.json"] = json.dumps(doc, indent=2) + "\n"
    for name in REPORTS:
        if (out / name).is_file():
            files[name] = (out / name).read_text(encoding="utf-8")
    steps = {
        "format": FORMAT,
        "name": result.name,
        "model": result.config.model,
        "note": "written by `toolproof compare --publish`: `toolproof compare` reuses a step whose key matches",
        "versions": versions(),
        "precision": precision(result.config),
        "models": models,
    }
    files[STEPS_JSON] = json.dumps(steps, indent=2, default=str) + "\n"
    tmp = dest.with_name(dest.name + ".publishing")
    if tmp.exists():
        shutil.rmtree(tmp)
    for rel, text in files.items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_text(text, encoding="utf-8")
    if dest.exists():
        old = dest.with_name(dest.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
        tmp.rename(dest)
        shutil.rmtree(old)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(dest)
    return dest
