"""`toolproof inspect DATA --model M [--record N] [--loss L]`: show what training sees.

Prints a record rendered with the model's chat template, the trained tokens highlighted
(rich styles on a terminal; plain ``[[...]]`` markers otherwise), and token counts.
"""

from __future__ import annotations

import argparse
import sys

from toolproof.commands._common import UsageError, add_deprecated_format, take_deprecated_format


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from toolproof.trainer.config import LOSSES, TRAIN_LAYOUTS

    p = sub.add_parser(
        "inspect",
        help="show a record rendered with a model's chat template and which tokens are trained",
        description="Render records with the model's chat template (the one training uses) and mark the tokens "
        "the loss trains on: highlighted on a terminal, [[...]] otherwise.",
    )
    p.add_argument("data", metavar="DATA", help="dataset file")
    p.add_argument("--model", "-m", default=None, help="embedded name, model directory or adapter dir (default smollm2-135m)")
    p.add_argument("--record", "-r", type=int, action="append", metavar="N", help="0-based record index (repeatable; default 0)")
    p.add_argument("--loss", choices=LOSSES, default="assistant_only", help="loss mode (default assistant_only)")
    p.add_argument("--layout", dest="format", choices=TRAIN_LAYOUTS, default=None, help="training layout (default structured)")
    add_deprecated_format(p)
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="highlighting (default auto)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from toolproof.commands._common import TOKENIZER, require_modules

    require_modules("inspect", TOKENIZER)
    from toolproof.trainer.models import DEFAULT_MODEL, ModelError, load_tokenizer, resolve_model
    from toolproof.trainer.templates import render, trained_segments
    from toolproof.validator.io import InputError, iter_records
    from toolproof.validator.safeio import escape_block, escape_text

    take_deprecated_format(args, "inspect")
    args.format = args.format or "structured"
    wanted = sorted(set(args.record or [0]))
    if any(n < 0 for n in wanted):
        raise UsageError("--record must be >= 0")
    try:
        ref = resolve_model(args.model or DEFAULT_MODEL)
        tok = load_tokenizer(ref)
    except ModelError as e:
        raise UsageError(str(e)) from None
    found: dict[int, object] = {}
    dialect: dict[int, str] = {}
    try:
        for raw in iter_records(args.data):
            if raw.index in wanted:
                found[raw.index] = raw.obj if raw.ok else None
                dialect[raw.index] = (raw.source_format or "unknown") if raw.ok else (
                    f"unread: {raw.error.message}" if raw.error is not None else "unread")
            if raw.index >= wanted[-1]:
                break
    except (InputError, OSError) as e:
        raise UsageError(str(e)) from None
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    if color:
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False, force_terminal=True if args.color == "always" else None)
    rc = 0
    for n in wanted:
        if n not in found:
            raise UsageError(f"{args.data}: no record {n}")
        rec = found[n]
        header = f"── record {n} (read as {dialect.get(n, 'unknown')}) · {escape_text(ref.display)} · {args.loss} loss · {args.format}"
        if not isinstance(rec, dict):
            print(f"{header}\n(record {n} is not a readable JSON object)")
            rc = 1
            continue
        try:
            r = render(tok, rec, loss=args.loss, fmt=args.format)
        except Exception as e:  # a dirty record the template cannot render
            print(f"{header}\ncannot render record {n} with this template: {type(e).__name__}: {escape_text(e)}")
            rc = 1
            continue
        segs = trained_segments(tok, r)
        if color:
            console.print(header, style="bold")
            text = Text()
            for s, trained in segs:
                text.append(escape_block(s), style="bold black on green" if trained else "dim")
            console.print(text)
        else:
            print(header)
            print("".join(f"[[{escape_block(s)}]]" if trained else escape_block(s) for s, trained in segs))
        pct = 100.0 * r.n_trained / r.n_tokens if r.n_tokens else 0.0
        print(f"tokens: {r.n_tokens} total, {r.n_trained} trained ({pct:.1f}%), {r.n_tokens - r.n_trained} masked")
        if r.n_trained == 0:
            print("warning: no token of this record is trained")
            rc = 1
    return rc
