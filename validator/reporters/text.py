"""Human output: findings grouped by file, then a summary table by rule.

``path:line  CODE name  message  $.json.path`` per finding; colours (rich) only when
``color=True`` (the command passes ``stdout.isatty()``).
"""

from __future__ import annotations

from typing import IO, Any

from toolproof.validator.engine import LintResult, _ensure_rules
from toolproof.validator.findings import Finding, FixSafety, Severity
from toolproof.validator.reporters import render_by_stream

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _fix_mark(f: Finding) -> str:
    return " [*]" if f.fix is FixSafety.SAFE else (" [unsafe fix]" if f.fix is FixSafety.UNSAFE else "")


def finding_line(f: Finding) -> str:
    where = "" if f.path in ("", "$") else f"  {f.path}"
    return f"{f.file}:{f.line}  {f.code} {f.name}  {f.message}{where}{_fix_mark(f)}"


def _summary_rows(result: LintResult) -> list[tuple[str, str, str, int, str]]:
    names = {r.code: (r.name, r.fix.value) for r in _ensure_rules()}
    sev = result.severity_by_code
    return [(c, names.get(c, (c, "none"))[0], sev[c].value, n, names.get(c, (c, "none"))[1]) for c, n in result.by_code.items()]


def _totals(result: LintResult) -> str:
    nfiles = len(result.files)
    safe = result.safe_fix_count
    s = (
        f"Found {result.error_count} error(s) and {result.warning_count} warning(s); "
        f"{result.records_with_errors} of {result.records} record(s) have errors; {nfiles} file(s) checked."
    )
    if safe:
        s += f" {safe} finding(s) marked [*] have a safe fix (`toolproof clean`)."
    return s


class PlainStream:
    """Plain text: each finding's line as it comes, the summary at ``close`` (from the counts)."""

    def __init__(self, out: IO[str], **_: Any) -> None:
        self.out = out
        self.current: str | None = None

    def finding(self, f: Finding) -> None:
        if f.file != self.current:
            if self.current is not None:
                self.out.write("\n")
            self.current = f.file
        self.out.write(finding_line(f) + "\n")

    def close(self, result: LintResult) -> None:
        out: list[str] = []
        for fs in result.files:
            if fs.records == 0:
                out.append(f"{fs.path}: no records (empty file)")
        for e in result.errors:
            out.append(f"error: {e}")
        for e in result.internal_errors[:20]:
            out.append(f"internal error (please report): {e}")
        rows = _summary_rows(result)
        if rows:
            out.append("")
            w = max(len(r[1]) for r in rows)
            out.append(f"{'code':<6} {'name':<{w}} {'severity':<8} {'count':>7}  fix")
            for code, name, sev, n, fix in rows:
                out.append(f"{code:<6} {name:<{w}} {sev:<8} {n:>7}  {fix}")
        out.append("")
        found = result.finding_count
        out.append(_totals(result) if found or result.errors else f"All checks passed: {result.records} record(s) in {len(result.files)} file(s).")
        self.out.write("\n".join(out) + "\n")


class RichStream:
    """Coloured text (rich) onto ``out``, a finding at a time."""

    def __init__(self, out: IO[str], width: int = 120, **_: Any) -> None:
        from rich.console import Console

        self.con = Console(file=out, force_terminal=True, width=width, highlight=False)
        self.current: str | None = None

    def finding(self, f: Finding) -> None:
        from rich.markup import escape

        con = self.con
        if f.file != self.current:
            if self.current is not None:
                con.print()
            con.print(f"[bold underline]{escape(f.file)}[/]")
            self.current = f.file
        where = "" if f.path in ("", "$") else f"  [dim]{escape(f.path)}[/]"
        con.print(
            f"{escape(f.file)}:{f.line}  [bold {_STYLE[f.severity]}]{f.code}[/] [{_STYLE[f.severity]}]{f.name}[/]  "
            f"{escape(f.message)}{where}{escape(_fix_mark(f))}",
            soft_wrap=True,
        )

    def close(self, result: LintResult) -> None:
        from rich.markup import escape
        from rich.table import Table

        con = self.con
        for fs in result.files:
            if fs.records == 0:
                con.print(f"[yellow]{escape(fs.path)}: no records (empty file)[/]")
        for e in result.errors:
            con.print(f"[bold red]error:[/] {escape(e)}")
        for e in result.internal_errors[:20]:
            con.print(f"[magenta]internal error (please report):[/] {escape(e)}")
        rows = _summary_rows(result)
        if rows:
            t = Table(title="Findings by rule", title_justify="left")
            for col, kw in (("code", {}), ("name", {}), ("severity", {}), ("count", {"justify": "right"}), ("fix", {})):
                t.add_column(col, **kw)  # type: ignore[arg-type]
            for code, name, sev, n, fix in rows:
                t.add_row(code, name, f"[{_STYLE[Severity(sev)]}]{sev}[/]", str(n), fix)
            con.print()
            con.print(t)
        if result.finding_count or result.errors:
            con.print(f"[bold]{escape(_totals(result))}[/]")
        else:
            con.print(f"[bold green]All checks passed:[/] {result.records} record(s) in {len(result.files)} file(s).")


def Stream(out: IO[str], *, color: bool = False, **kw: Any) -> PlainStream | RichStream:
    return RichStream(out, **kw) if color else PlainStream(out, **kw)


def render_plain(result: LintResult) -> str:
    return render_by_stream(PlainStream, result)


def render_rich(result: LintResult, width: int = 120) -> str:
    return render_by_stream(RichStream, result, width=width)


def render(result: LintResult, *, color: bool = False, **_: Any) -> str:
    return render_rich(result) if color else render_plain(result)
