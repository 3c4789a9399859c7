"""Progress bars for the command line: renders the library's :class:`ProgressUpdate` callbacks with rich.

The library reports progress through a callback and never prints; the commands open a
:func:`progress_bars` context and hand its callback to the long steps (``eval``, ``train --eval``,
``compare``). One bar per step label, on stderr, with records/s and generated tokens/s.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from toolproof.validator.progress import ProgressFn, ProgressUpdate


class _RateColumn(ProgressColumn):
    """``12.3/s  456.7 tok/s`` from the task's completed count and its ``tokens`` field, or its ``info``."""

    def render(self, task: Task) -> Text:
        info = task.fields.get("info") or ""
        if info:
            return Text(info, style="progress.data.speed")
        elapsed = task.elapsed or 0.0
        if elapsed <= 0:
            return Text("")
        text = f"{task.completed / elapsed:.2f}/s"
        tokens = task.fields.get("tokens") or 0
        if tokens:
            text += f"  {tokens / elapsed:.1f} tok/s"
        return Text(text, style="progress.data.speed")


class _Bars:
    """Rich bars opened on the first update and closed (left on screen) once every bar is full, so that
    output between long steps (a training log, step messages) is never drawn over."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live: Progress | None = None
        self.tasks: dict[str, tuple[Any, int, int]] = {}  # label -> (rich task, done, total)

    def update(self, u: ProgressUpdate) -> None:
        if self.live is None:
            self.live = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(), TimeElapsedColumn(),
                console=self.console,
            )  # fmt: skip
            self.live.start()
            self.tasks = {}
        task, done, _ = self.tasks.get(u.label, (None, 0, 0))
        if task is None or u.done < done:  # a new step, or the same label starting again
            task = self.live.add_task(u.label, total=u.total, tokens=0, info="")
        self.tasks[u.label] = (task, u.done, u.total)
        self.live.update(task, completed=u.done, total=u.total, tokens=u.tokens, info=u.info)
        if all(d >= t for _, d, t in self.tasks.values()):
            self.close()

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


class _Lines:
    """Not a terminal (a log file, ``nohup``, CI): a plain line when a step's first unit is done, at each
    tenth and at its end, since a bar redrawn in place shows nothing there until the step is over.
    Each line after the first has the pace since the first (``2.50/s``, or ``74.1 s each`` for slow
    units such as training steps) and the time the step still needs at that pace."""

    def __init__(self, console: Console) -> None:
        self.console = console
        # label -> (time of the first update, units done then, tenth printed, last done)
        self.steps: dict[str, tuple[float, int, int, int]] = {}

    def update(self, u: ProgressUpdate) -> None:
        now = time.monotonic()
        start, first, printed, last = self.steps.get(u.label, (now, u.done, -1, -1))
        if u.done < last:  # the same label starting again
            start, first, printed = now, u.done, -1
        tenth = 10 if u.total <= 0 or u.done >= u.total else (10 * u.done) // u.total
        show = u.done > 0 and tenth > printed
        self.steps[u.label] = (start, first, tenth if show else printed, u.done)
        if not show:
            return
        elapsed = now - start
        units = u.done - first  # done since the first update (a resumed step starts part way)
        pace = ""
        if elapsed > 0 and units > 0:
            rate = units / elapsed
            pace = f"  {rate:.2f}/s" if rate >= 1 else f"  {1 / rate:.1f} s each"
            if u.tokens:
                pace += f"  {u.tokens / elapsed:.1f} tok/s"
            if 0 < u.done < u.total:
                pace += f"  ~{_duration((u.total - u.done) / rate)} left"
        info = f"  {u.info}" if u.info else ""
        self.console.print(f"{u.label} {u.done}/{u.total}{pace}{info}  {elapsed:.0f} s", highlight=False, soft_wrap=True)

    def close(self) -> None:
        pass


def _duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2.5 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@contextlib.contextmanager
def progress_bars(enabled: bool = True, *, console: Console | None = None) -> Iterator[ProgressFn | None]:
    """A progress callback that draws rich bars on stderr (None when disabled).

    The bars appear with a step's first update and stay on screen when the step is done. When
    stderr is not a terminal, each step gets a plain line per tenth done instead.
    """
    if not enabled:
        yield None
        return
    console = console or Console(file=sys.stderr)
    bars: _Bars | _Lines = _Bars(console) if console.is_terminal else _Lines(console)
    try:
        yield bars.update
    finally:
        bars.close()


__all__ = ["progress_bars"]
