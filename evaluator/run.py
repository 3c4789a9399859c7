"""Generation + scoring: ``evaluate(EvalConfig) -> EvalSummary`` (the engine of ``toolproof eval``).

torch / transformers are imported lazily (inside functions), so importing this module is cheap.

The prompt of a record is its messages (a trailing assistant turn, the answer of a training-style
record, is dropped) plus its ``tools``, rendered with the chat template the model was trained with
(``trainer.models.chat_template_for``: the adapter's stored template, toolproof's tool-aware
ChatML for SmolLM2, the model's own tools template for Qwen2.5). Generation is greedy and batched
with left padding, prompts sorted by length so a batch wastes little on padding, and stops on
``<|im_end|>`` (and the tokenizer's eos).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolproof.evaluator.extract import PARSERS
from toolproof.evaluator.score import InputError, ScoreSummary, load_records, record_id, score_predictions
from toolproof.validator.callsyntax import check_reasoning_calls
from toolproof.validator.progress import ProgressFn, ProgressUpdate
from toolproof.validator.safeio import OutputError, refuse_overwrite, write_atomic, write_csv

CSV_COLUMNS = [
    "id", "category", "prompt", "expected_calls", "raw_output", "calls", "parser", "correct", "strict_correct", "error_type",
]  # correct: lenient (calls read in any syntax, repaired); strict_correct: what the serving parser returns


def read_verdicts(csv_path: str | Path) -> list[tuple[str, bool]]:
    """``(id, correct)`` per record of a results CSV written by ``evaluate``, in file order."""
    csv.field_size_limit(1 << 30)  # a prompt holds the whole tool list
    with open(csv_path, newline="", encoding="utf-8") as f:
        return [(row["id"], row["correct"] == "true") for row in csv.DictReader(f)]


@dataclass
class EvalConfig:
    model: str = field(metadata={"help": "embedded model name, local directory / .gguf, or hub id"})
    data: str = field(metadata={"help": "test set JSONL (records with expected_calls or possible_answer)"})
    output: str = field(default="results.csv", metadata={"help": "results CSV; the summary goes next to it"})
    adapter: str | None = field(default=None, metadata={"help": "PEFT adapter directory (its template is used)"})
    batch_size: int = field(default=8, metadata={"help": "prompts per generate() call"})
    limit: int | None = field(default=None, metadata={"help": "evaluate the first N records only"})
    dtype: str = field(default="auto", metadata={"help": "auto (bf16 when the CPU/GPU supports it), bf16 or fp32"})
    max_new_tokens: int = field(default=256, metadata={"help": "generation budget per example"})
    parser: str = field(default="auto", metadata={"help": "extraction format: auto or one of " + ", ".join(PARSERS)})
    reasoning_calls: str = field(default="read", metadata={"help": "calls inside reasoning (<think>): read (when the "
                                                                   "answer holds none) or ignore"})
    progress: bool = field(default=True, metadata={"help": "report progress to evaluate()'s progress callback"})
    sort_by_length: bool = field(default=True, metadata={"help": "batch prompts of similar length together"})
    output_dir: str | None = field(default=None, metadata={"help": "write DIR/results.csv (overrides output)"})
    device: str = field(default="auto", metadata={"help": "auto (cuda when available), cpu or cuda"})
    resume: bool = field(default=True, metadata={"help": "continue from the batches a stopped run of the same "
                                                          "model, settings and prompts finished (its journal)"})

    def csv_path(self) -> Path:
        """``output_dir/results.csv``; ``output`` itself when it names a .csv file, else ``output/results.csv``."""
        if self.output_dir:
            return Path(self.output_dir) / "results.csv"
        p = Path(self.output)
        return p if p.suffix.lower() == ".csv" else p / "results.csv"


@dataclass
class EvalSummary:
    model: str
    adapter: str | None
    dtype: str
    n: int
    correct: int
    accuracy: float
    per_category: dict[str, dict[str, Any]]
    errors: dict[str, int]
    parsers: dict[str, dict[str, Any]]
    hermes_only_accuracy: float | None
    strict_accuracy: float | None
    examples_per_s: float
    generated_tokens: int
    generated_tokens_per_s: float
    generation_seconds: float
    load_seconds: float
    batch_size: int
    max_new_tokens: int
    truncated: int  # outputs that hit max_new_tokens without a stop token
    csv_path: str
    summary_path: str
    score: ScoreSummary | None = field(default=None, repr=False)

    @property
    def results_csv(self) -> str:
        return self.csv_path

    @property
    def seconds(self) -> float:
        return self.load_seconds + self.generation_seconds

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("score", None)
        return d


def journal_path_for(csv_path: str | Path) -> Path:
    """Where a run keeps the batches it has generated until its CSV is written (``results.partial.jsonl``)."""
    p = Path(csv_path)
    return p.with_name(p.stem + ".partial.jsonl")


def read_journal(path: str | Path) -> tuple[str | None, dict[int, list[Any]]]:
    """A journal's fingerprint and its finished batches (first position -> rows), up to a line cut
    short by a kill; ``(None, {})`` when there is none or it cannot be read."""
    done: dict[int, list[Any]] = {}
    try:
        with open(path, encoding="utf-8") as f:
            head = json.loads(f.readline() or "null")
            if not isinstance(head, dict):
                return None, {}
            for line in f:
                try:
                    got = json.loads(line)
                except ValueError:
                    break
                done[int(got["start"])] = got["rows"]
    except (OSError, ValueError, KeyError, TypeError):
        return None, {}
    return head.get("fingerprint"), done


class Journal:
    """The generated batches of an evaluation, one JSON line each after a header with the run's
    fingerprint, synced as each batch ends: a stopped run continues from the batches it finished.
    A journal with another fingerprint (another model, adapter, setting or prompt) is started again;
    a line cut short by a kill is ignored."""

    def __init__(self, path: str | Path, fingerprint: str) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint
        had, done = read_journal(self.path)
        # first position of a batch in the generation order -> rows
        self.done: dict[int, list[Any]] = done if had == fingerprint else {}
        self._f: Any = None

    def batch(self, start: int, idx: list[int]) -> list[Any] | None:
        """The rows ``(index, text, count, hit)`` of the batch at ``start`` when it was generated for ``idx``."""
        rows = self.done.get(start)
        return rows if rows is not None and [r[0] for r in rows] == idx else None

    def add(self, start: int, rows: list[Any]) -> None:
        if self._f is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - kept open across batches
            self._f.write(json.dumps({"fingerprint": self.fingerprint}) + "\n")
            for s, old in sorted(self.done.items()):
                self._f.write(json.dumps({"start": s, "rows": old}) + "\n")
        self._f.write(json.dumps({"start": start, "rows": rows}) + "\n")  # ASCII: any text round-trips
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self, *, remove: bool = False) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
        if remove:
            self.path.unlink(missing_ok=True)


def summary_path_for(csv_path: str | Path) -> Path:
    """``results.csv`` -> ``results.summary.json``."""
    p = Path(csv_path)
    stem = p.name[: -len(p.suffix)] if p.suffix else p.name
    return p.with_name(stem + ".summary.json")


# ----------------------------------------------------------------------------------- prompts


def prompt_messages(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's messages without the trailing assistant turn(s) (the answer)."""
    msgs = [m for m in (record.get("messages") or []) if isinstance(m, dict)]
    while msgs and msgs[-1].get("role") == "assistant":
        msgs.pop()
    return msgs


def render_prompts(tokenizer: Any, records: list[dict[str, Any]]) -> list[str]:
    from toolproof.trainer.templates import normalize_messages, record_tools

    out: list[str] = []
    for rec in records:
        msgs = normalize_messages(prompt_messages(rec))
        out.append(
            str(tokenizer.apply_chat_template(msgs, tools=record_tools(rec), tokenize=False, add_generation_prompt=True))
        )
    return out


def stop_token_ids(tokenizer: Any) -> list[int]:
    ids: list[int] = []
    for tok in ("<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>"):
        tid = tokenizer.convert_tokens_to_ids(tok)
        if isinstance(tid, int) and tid >= 0 and tid != tokenizer.unk_token_id and tid not in ids:
            ids.append(tid)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(int(tokenizer.eos_token_id))
    return ids


# -------------------------------------------------------------------------------- generation


def generate(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    *,
    batch_size: int = 8,
    max_new_tokens: int = 256,
    sort_by_length: bool = True,
    progress: ProgressFn | None = None,
    label: str = "eval",
    journal: Journal | None = None,
) -> tuple[list[str], list[int], list[bool]]:
    """Greedy batched generation with left padding. Returns (texts, generated token counts, hit-limit flags).

    ``progress`` hears a :class:`ProgressUpdate` (prompts done, tokens generated) after each batch.
    With a ``journal``, batches it holds are taken from it (the same batches as an uninterrupted run:
    the order and the batch size decide them) and each new batch is added to it.
    """
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    stops = stop_token_ids(tokenizer)
    lengths = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    order = sorted(range(len(prompts)), key=lambda i: -lengths[i]) if sort_by_length else list(range(len(prompts)))
    texts: list[str] = [""] * len(prompts)
    counts: list[int] = [0] * len(prompts)
    hit: list[bool] = [False] * len(prompts)
    done = total_tokens = 0
    device = next(model.parameters()).device
    for s in range(0, len(order), max(1, batch_size)):
        idx = order[s : s + max(1, batch_size)]
        rows = journal.batch(s, idx) if journal is not None else None
        if rows is None:
            rows = _generate_batch(model, tokenizer, [prompts[i] for i in idx], idx, device, stops, max_new_tokens)
            if journal is not None:
                journal.add(s, rows)
        for i, text, count, limit in rows:
            texts[i], counts[i], hit[i] = text, count, limit
        done += len(idx)
        total_tokens += sum(r[2] for r in rows)
        if progress is not None:
            progress(ProgressUpdate(label, done, len(prompts), total_tokens))
    return texts, counts, hit


def _generate_batch(
    model: Any, tokenizer: Any, batch: list[str], idx: list[int], device: Any, stops: list[int], max_new_tokens: int
) -> list[list[Any]]:
    """One batch, greedy: a row ``[index, text, generated token count, hit the limit]`` per prompt."""
    import torch

    enc = tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False)
    enc = {k: v.to(device) for k, v in enc.items()}
    with torch.inference_mode():
        out = model.generate(
            **enc,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=stops,
            pad_token_id=tokenizer.pad_token_id,
        )
    rows: list[list[Any]] = []
    for row, i in zip(out[:, enc["input_ids"].shape[1] :].tolist(), idx):
        cut = next((k for k, t in enumerate(row) if t in stops), None)
        kept = row if cut is None else row[:cut]
        count = len(kept) + (0 if cut is None else 1)
        rows.append([i, tokenizer.decode(kept, skip_special_tokens=False), count, cut is None and len(row) >= max_new_tokens])
    return rows


# ------------------------------------------------------------------------------------ evaluate


def _json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def load_model(model: str, *, adapter: str | None = None, dtype: str = "auto", device: str = "auto") -> tuple[Any, Any, str]:
    """(model, tokenizer, dtype name) through ``trainer.models`` (cached GGUF dequantisation)."""
    from toolproof.trainer.models import load, resolve_model, torch_dtype

    ref = resolve_model(model)
    t = torch_dtype(dtype)
    m, tok = load(ref, dtype=dtype, adapter=adapter)
    import torch

    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        m = m.to("cuda")
    return m, tok, {torch.bfloat16: "bf16", torch.float32: "fp32", torch.float16: "fp16"}.get(t, str(t))


def evaluate(
    config: EvalConfig,
    *,
    model_and_tokenizer: tuple[Any, Any] | None = None,
    progress: ProgressFn | None = None,
) -> EvalSummary:
    """Generate an answer for each test record, extract and match its calls, write the CSV + summary.

    ``model_and_tokenizer`` skips loading (benchmarks, tests). ``progress`` hears how many records
    are generated (unless ``config.progress`` is False); nothing is printed. Raises ``InputError`` for an
    unreadable test set and ``ValueError`` for a bad parser/limit.
    """
    if config.parser != "auto" and config.parser not in PARSERS:
        raise ValueError(f"unknown parser {config.parser!r}; choose one of: auto, {', '.join(PARSERS)}")
    if config.limit is not None and config.limit < 1:
        raise ValueError("limit must be at least 1")
    check_reasoning_calls(config.reasoning_calls)
    if config.batch_size < 1 or config.max_new_tokens < 1:
        raise ValueError("batch_size and max_new_tokens must be at least 1")
    try:
        refuse_overwrite([("-o", config.csv_path()), ("summary", summary_path_for(config.csv_path()))], [config.data])
    except OutputError as e:
        raise ValueError(str(e)) from None
    records = load_records(config.data, need_messages=True)
    if config.limit is not None:
        records = records[: config.limit]
    if not records:
        raise InputError(f"{config.data}: no records")

    t0 = time.perf_counter()
    if model_and_tokenizer is None:
        model, tok, dtype_name = load_model(config.model, adapter=config.adapter, dtype=config.dtype, device=config.device)
    else:
        model, tok = model_and_tokenizer
        dtype_name = str(next(model.parameters()).dtype).replace("torch.", "").replace("bfloat16", "bf16").replace("float32", "fp32")
    load_s = time.perf_counter() - t0

    prompts = render_prompts(tok, records)
    journal = Journal(journal_path_for(config.csv_path()), _fingerprint(config, dtype_name, prompts)) if config.resume else None
    t1 = time.perf_counter()
    try:
        texts, counts, hit = generate(
            model,
            tok,
            prompts,
            batch_size=config.batch_size,
            max_new_tokens=config.max_new_tokens,
            sort_by_length=config.sort_by_length,
            progress=progress if config.progress else None,
            label=f"eval {Path(config.data).name}",
            journal=journal,
        )
    finally:
        if journal is not None:
            journal.close()
    gen_s = time.perf_counter() - t1  # this run's: batches taken from a journal cost nothing

    preds = [{"id": record_id(r, i), "output": t} for i, (r, t) in enumerate(zip(records, texts))]
    score = score_predictions(preds, records, parser=config.parser, reasoning_calls=config.reasoning_calls)

    out = config.csv_path()

    def rows() -> Iterator[list[Any]]:
        for rec, prompt, text, ex in zip(records, prompts, texts, score.examples):
            expected = rec.get("expected_calls") if rec.get("possible_answer") is None else rec.get("possible_answer")
            yield [ex.id, ex.category or "", prompt, _json(expected), text, _json(ex.calls), ex.parser or "",
                   str(ex.correct).lower(), "" if ex.strict_correct is None else str(ex.strict_correct).lower(),
                   ex.error_type or ""]

    # atomic; a cell a spreadsheet would run as a formula (= + - @ TAB CR) gets a leading quote
    write_csv(out, CSV_COLUMNS, rows())
    total_tokens = sum(counts)
    summary = EvalSummary(
        model=config.model,
        adapter=config.adapter,
        dtype=dtype_name,
        n=score.n,
        correct=score.correct,
        accuracy=score.accuracy,
        per_category=score.per_category,
        errors=score.errors,
        parsers=score.parsers,
        hermes_only_accuracy=score.hermes_only_accuracy,
        strict_accuracy=score.strict_accuracy,
        examples_per_s=len(records) / gen_s if gen_s > 0 else 0.0,
        generated_tokens=total_tokens,
        generated_tokens_per_s=total_tokens / gen_s if gen_s > 0 else 0.0,
        generation_seconds=gen_s,
        load_seconds=load_s,
        batch_size=config.batch_size,
        max_new_tokens=config.max_new_tokens,
        truncated=sum(hit),
        csv_path=str(out),
        summary_path=str(summary_path_for(out)),
        score=score,
    )
    write_atomic(summary.summary_path, json.dumps(summary.to_dict(), indent=2) + "\n")
    if journal is not None:
        journal.close(remove=True)
    return summary


def _fingerprint(config: EvalConfig, dtype_name: str, prompts: list[str]) -> str:
    """What decides the generated text: model, adapter (its weights' size and time), dtype, settings, prompts."""
    h = hashlib.sha256()
    stamp: list[Any] = []
    if config.adapter:
        for name in sorted(os.listdir(config.adapter)) if os.path.isdir(config.adapter) else ():
            st = os.stat(os.path.join(config.adapter, name))
            stamp.append([name, st.st_size, st.st_mtime_ns])
    head = [config.model, config.adapter, stamp, dtype_name, config.batch_size, config.max_new_tokens,
            config.sort_by_length, config.device]
    h.update(json.dumps(head).encode())
    for p in prompts:
        h.update(b"\0" + p.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


__all__ = [
    "CSV_COLUMNS",
    "EvalConfig",
    "EvalSummary",
    "Journal",
    "evaluate",
    "generate",
    "journal_path_for",
    "load_model",
    "prompt_messages",
    "render_prompts",
    "stop_token_ids",
    "summary_path_for",
]
