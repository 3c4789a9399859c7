"""Progress reporting through a callback: the library never prints, the command draws the bars.

A long step (generating answers for a test set, a compare step) calls ``progress(update)`` with a
:class:`ProgressUpdate` after each unit of work; the ``toolproof`` command renders those updates as
rich progress bars on stderr. Defined in the bottom layer so that every part can take the same
callback type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ProgressUpdate:
    """``done`` of ``total`` units of the step called ``label`` are finished.

    ``tokens``: tokens generated so far (evaluation); ``info``: a short status such as the last loss.
    """

    label: str
    done: int
    total: int
    tokens: int = 0
    info: str = ""


ProgressFn = Callable[[ProgressUpdate], None]


def relabel(progress: ProgressFn, label: str) -> ProgressFn:
    """``progress`` with every update renamed ``label`` (a pipeline naming its steps: ``"clean: train"``)."""
    return lambda u: progress(replace(u, label=label))


__all__ = ["ProgressFn", "ProgressUpdate", "relabel"]
