"""Human output: findings grouped by file, then a summary table by rule.

``path:line  CODE name  message  $.json.path`` per finding; colours (rich) only when
``color=True`` (the command passes ``stdout.isatty()``).
"""

from __future__ import annotations

from typing import IO, Any

from toolproof.validator.engine import LintResult, registered_rules
from toolproof.validator.findings import Finding, FixSafety, Severity
from toolproof.validator.reporters import render_by_stream
from toolproof.validator.safeio import escape_path as _p
from toolproof.validator.safeio import escape_text as _e

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _fix_mark(f: Finding) -> str:
    return " [*]" if f.fix is FixSafety.SAFE else (" [unsafe fix]" if f.fix is FixSafety.UNSAFE else "")


def finding_line(f: Finding, file: str | None = None) -> str:
    """One finding as a text line; ``file``: ``f.file`` already escaped (a stream escapes it once per file)."""
    where = "" if f.path in ("", "$") else f"  {_e(f.path)}"
    mark = "" if f.fix is FixSafety.NONE else _fix_mark(f)
    return f"{_p(f.file) if file is None else file}:{f.line}  {f.code} {f.name}  {_e(f.message)}{where}{mark}"


def _notes(result: LintResult) -> Any:
    """The lines before the summary table: (style, label, text) for empty files, how each file was
    read, unreadable files and internal errors (both streams print these)."""
    for fs in result.files:
        if fs.records == 0:
            yield "yellow", "", f"{_p(fs.path)}: no records (empty file)"
        elif (line := read_as(fs)) is not None:
            yield "dim", "", line
    for e in result.errors:
        yield "bold red", "error:", _e(e)
    for e in result.internal_errors[:20]:
        yield "magenta", "internal error (please report):", _e(e)
    if result.faults:
        yield "yellow", "ray:", fault_line(result.faults)


def fault_line(faults: dict[str, int]) -> str:
    """What the Ray engine recovered from: the results are complete, but the cluster had trouble."""
    return (f"{faults.get('retried', 0)} piece(s) of work run again and {faults.get('restarted', 0)} worker(s) restarted "
            "after failures; each piece counts once in the results")


def _summary_rows(result: LintResult) -> list[tuple[str, str, str, int, str]]:
    names = {r.code: (r.name, r.fix.value) for r in registered_rules()}
    sev = result.severity_by_code
    return [(c, names.get(c, (c, "none"))[0], sev[c].value, n, names.get(c, (c, "none"))[1]) for c, n in result.by_code.items()]


def _files_named(result: LintResult, limit: int = 8) -> str:
    names = [_e(f.path) for f in result.files]
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
    return f" (this run: {shown})" if names else ""


def _passed(result: LintResult, batch: bool = False) -> str:
    return (f"All checks passed: {result.records} record(s) in {len(result.files)} file(s)"
            + (_files_named(result) if batch else "") + ".")


def _incomplete(result: LintResult) -> str:
    """The verdict of a run in which toolproof itself failed on some record (exit 3): never a pass."""
    return (f"Not all checks ran: {len(result.internal_errors)} internal error(s) (please report); "
            f"{result.error_count} error(s) and {result.warning_count} warning(s) found by the checks that ran; "
            f"{result.records} record(s) in {len(result.files)} file(s). The data is not known to be clean.")


def _empty_failure(result: LintResult) -> str:
    empty = sum(1 for f in result.files if f.records == 0)
    return f"Failed: {empty} of {len(result.files)} file(s) hold no records (--fail-on-empty)."


def verdict(result: LintResult, batch: bool = False, fail_on_empty: bool = False) -> tuple[str, bool]:
    """The summary line and whether it is a pass (only then is it "All checks passed")."""
    if result.internal_errors:
        return _incomplete(result), False
    if result.finding_count or result.errors:
        return _totals(result, batch), False
    if fail_on_empty and any(f.records == 0 for f in result.files):
        return _empty_failure(result), False
    return _passed(result, batch), True


def _totals(result: LintResult, batch: bool = False) -> str:
    nfiles = len(result.files)
    safe = result.safe_fix_count
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
    return f"{_p(fs.path)}: read as {what}"


class PlainStream:
    """Plain text: each finding's line as it comes, the summary at ``close`` (from the counts).

    ``batch``: name the files checked in the summary line (a pre-commit run may be one of several).
    """

    def __init__(self, out: IO[str], batch: bool = False, fail_on_empty: bool = False, **_: Any) -> None:
        self.out = out
        self.batch = batch
        self.fail_on_empty = fail_on_empty
        self.current: str | None = None
        self._file = ""  # the current file, escaped

    def finding(self, f: Finding) -> None:
        if f.file != self.current:
            if self.current is not None:
                self.out.write("\n")
            self.current = f.file
            self._file = _p(f.file)
        self.out.write(finding_line(f, self._file) + "\n")

    def close(self, result: LintResult) -> None:
        out: list[str] = []
        if self.current is not None:
            out.append("")
        out.extend(f"{label} {text}" if label else text for _, label, text in _notes(result))
        rows = _summary_rows(result)
        if rows:
            out.append("")
            w = max(len(r[1]) for r in rows)
            out.append(f"{'code':<6} {'name':<{w}} {'severity':<8} {'count':>7}  fix")
            for code, name, sev, n, fix in rows:
                out.append(f"{code:<6} {name:<{w}} {sev:<8} {n:>7}  {fix}")
        out.append("")
        out.append(verdict(result, self.batch, self.fail_on_empty)[0])
        self.out.write("\n".join(out) + "\n")


class RichStream:
    """Coloured text (rich) onto ``out``, a finding at a time."""

    def __init__(self, out: IO[str], width: int = 120, batch: bool = False, fail_on_empty: bool = False, **_: Any) -> None:
        from rich.console import Console

        self.con = Console(file=out, force_terminal=True, width=width, highlight=False)
        self.batch = batch
        self.fail_on_empty = fail_on_empty
        self.current: str | None = None

    def finding(self, f: Finding) -> None:
        from rich.markup import escape

        con = self.con
        if f.file != self.current:
            if self.current is not None:
                con.print()
            con.print(f"[bold underline]{escape(_e(f.file))}[/]")
            self.current = f.file
        where = "" if f.path in ("", "$") else f"  [dim]{escape(_e(f.path))}[/]"
        con.print(
            f"{escape(_e(f.file))}:{f.line}  [bold {_STYLE[f.severity]}]{f.code}[/] [{_STYLE[f.severity]}]{f.name}[/]  "
            f"{escape(_e(f.message))}{where}{escape(_fix_mark(f))}",
            soft_wrap=True,
        )

    def close(self, result: LintResult) -> None:
        from rich.markup import escape
        from rich.table import Table

        con, batch = self.con, self.batch
        for style, label, text in _notes(result):
            con.print(f"[{style}]{escape(label)}[/] {escape(text)}" if label else f"[{style}]{escape(text)}[/]")
        rows = _summary_rows(result)
        if rows:
            t = Table(title="Findings by rule", title_justify="left")
            for col, kw in (("code", {}), ("name", {}), ("severity", {}), ("count", {"justify": "right"}), ("fix", {})):
                t.add_column(col, **kw)  # type: ignore[arg-type]
            for code, name, sev, n, fix in rows:
                t.add_row(code, name, f"[{_STYLE[Severity(sev)]}]{sev}[/]", str(n), fix)
            con.print()
            con.print(t)
        line, ok = verdict(result, batch, self.fail_on_empty)
        if ok:
            con.print(f"[bold green]All checks passed:[/] {escape(line[len('All checks passed: '):])}")
        else:
            style = "bold magenta" if result.internal_errors else "bold"
            con.print(f"[{style}]{escape(line)}[/]")


def Stream(out: IO[str], *, color: bool = False, **kw: Any) -> PlainStream | RichStream:
    return RichStream(out, **kw) if color else PlainStream(out, **kw)


def render_plain(result: LintResult, batch: bool = False) -> str:
    """``batch``: name the files checked in the summary line (a pre-commit run may be one of several)."""
    return render_by_stream(PlainStream, result, batch=batch)


def render_rich(result: LintResult, width: int = 120, batch: bool = False) -> str:
    return render_by_stream(RichStream, result, width=width, batch=batch)


def render(result: LintResult, *, color: bool = False, batch: bool = False, **_: Any) -> str:
    return render_rich(result, batch=batch) if color else render_plain(result, batch)
