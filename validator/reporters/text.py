"""Human output: findings grouped by file, then a summary table by rule.

``path:line  CODE name  message  $.json.path`` per finding; colours (rich) only when
``color=True`` (the command passes ``stdout.isatty()``).
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from toolproof.validator.engine import LintResult, _ensure_rules
from toolproof.validator.findings import Finding, FixSafety, Severity
from toolproof.validator.safeio import escape_text as _e

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _fix_mark(f: Finding) -> str:
    return " [*]" if f.fix is FixSafety.SAFE else (" [unsafe fix]" if f.fix is FixSafety.UNSAFE else "")


def finding_line(f: Finding) -> str:
    where = "" if f.path in ("", "$") else f"  {_e(f.path)}"
    return f"{_e(f.file)}:{f.line}  {f.code} {f.name}  {_e(f.message)}{where}{_fix_mark(f)}"


def _summary_rows(result: LintResult) -> list[tuple[str, str, str, int, str]]:
    names = {r.code: (r.name, r.fix.value) for r in _ensure_rules()}
    sev: dict[str, str] = {}
    for f in result.findings:
        sev.setdefault(f.code, f.severity.value)
    counts = Counter(f.code for f in result.findings)
    return [(c, names.get(c, (c, "none"))[0], sev[c], n, names.get(c, (c, "none"))[1]) for c, n in sorted(counts.items())]


def _files_named(result: LintResult, limit: int = 8) -> str:
    names = [_e(f.path) for f in result.files]
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
    return f" (this run: {shown})" if names else ""


def _passed(result: LintResult, batch: bool = False) -> str:
    return (f"All checks passed: {result.records} record(s) in {len(result.files)} file(s)"
            + (_files_named(result) if batch else "") + ".")


def _totals(result: LintResult, batch: bool = False) -> str:
    nfiles = len(result.files)
    safe = sum(1 for f in result.findings if f.fix is FixSafety.SAFE)
    s = (
        f"Found {result.error_count} error(s) and {result.warning_count} warning(s); "
        f"{result.records_with_errors} of {result.records} record(s) have errors; {nfiles} file(s) checked"
        + (_files_named(result) if batch else "") + "."
    )
    if safe:
        s += f" {safe} finding(s) marked [*] have a safe fix (`toolproof clean`)."
    return s


def read_as(fs: Any) -> str | None:
    """``FILE: read as openai (5 records)``; several dialects are listed by count; None when the file
    was empty or read without the dialect registry."""
    dialects = getattr(fs, "dialects", None)
    if not fs.records or not dialects:
        return None
    items = sorted(dialects.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(items) == 1:
        what = f"{items[0][0]} ({items[0][1]} records)"
    else:
        what = ", ".join(f"{k} {n}" for k, n in items) + f" ({fs.records} records)"
    return f"{_e(fs.path)}: read as {what}"


def render_plain(result: LintResult, batch: bool = False) -> str:
    """``batch``: name the files checked in the summary line (a pre-commit run may be one of several)."""
    out: list[str] = []
    current = None
    for f in result.findings:
        if f.file != current:
            if current is not None:
                out.append("")
            current = f.file
        out.append(finding_line(f))
    if result.findings:
        out.append("")
    for fs in result.files:
        if fs.records == 0:
            out.append(f"{_e(fs.path)}: no records (empty file)")
        elif (line := read_as(fs)) is not None:
            out.append(line)
    for e in result.errors:
        out.append(f"error: {_e(e)}")
    for e in result.internal_errors[:20]:
        out.append(f"internal error (please report): {_e(e)}")
    rows = _summary_rows(result)
    if rows:
        out.append("")
        w = max(len(r[1]) for r in rows)
        out.append(f"{'code':<6} {'name':<{w}} {'severity':<8} {'count':>7}  fix")
        for code, name, sev, n, fix in rows:
            out.append(f"{code:<6} {name:<{w}} {sev:<8} {n:>7}  {fix}")
    out.append("")
    out.append(_totals(result, batch) if result.findings or result.errors else _passed(result, batch))
    return "\n".join(out) + "\n"


def render_rich(result: LintResult, width: int = 120, batch: bool = False) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buf = io.StringIO()
    con = Console(file=buf, force_terminal=True, width=width, highlight=False)
    current = None
    for f in result.findings:
        if f.file != current:
            if current is not None:
                con.print()
            con.print(f"[bold underline]{escape(_e(f.file))}[/]")
            current = f.file
        where = "" if f.path in ("", "$") else f"  [dim]{escape(_e(f.path))}[/]"
        con.print(
            f"{escape(_e(f.file))}:{f.line}  [bold {_STYLE[f.severity]}]{f.code}[/] [{_STYLE[f.severity]}]{f.name}[/]  "
            f"{escape(_e(f.message))}{where}{escape(_fix_mark(f))}",
            soft_wrap=True,
        )
    for fs in result.files:
        if fs.records == 0:
            con.print(f"[yellow]{escape(_e(fs.path))}: no records (empty file)[/]")
        elif (line := read_as(fs)) is not None:
            con.print(f"[dim]{escape(line)}[/]")
    for e in result.errors:
        con.print(f"[bold red]error:[/] {escape(_e(e))}")
    for e in result.internal_errors[:20]:
        con.print(f"[magenta]internal error (please report):[/] {escape(_e(e))}")
    rows = _summary_rows(result)
    if rows:
        t = Table(title="Findings by rule", title_justify="left")
        for col, kw in (("code", {}), ("name", {}), ("severity", {}), ("count", {"justify": "right"}), ("fix", {})):
            t.add_column(col, **kw)  # type: ignore[arg-type]
        for code, name, sev, n, fix in rows:
            t.add_row(code, name, f"[{_STYLE[Severity(sev)]}]{sev}[/]", str(n), fix)
        con.print()
        con.print(t)
    if result.findings or result.errors:
        con.print(f"[bold]{escape(_totals(result, batch))}[/]")
    else:
        con.print(f"[bold green]All checks passed:[/] {escape(_passed(result, batch)[len('All checks passed: '):])}")
    return buf.getvalue()


def render(result: LintResult, *, color: bool = False, batch: bool = False, **_: Any) -> str:
    return render_rich(result, batch=batch) if color else render_plain(result, batch)
