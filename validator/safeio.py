"""Safe output: atomic writes, no output over an input, text and CSV that cannot inject.

Every command that writes a file goes through :func:`atomic_writer` (or
:func:`write_atomic`): the data goes to a temporary file in the target's folder, is
flushed and fsync'ed, then renamed over the target. A run that fails or is killed leaves
the old file as it was (never a partial or empty one). A file being rewritten keeps its
mode; a new file gets the mode the umask gives (as ``open`` would, not ``mkstemp``'s
0600). A symlink is written through: its target is replaced, the link stays.

:func:`refuse_overwrite` compares resolved real paths (symlinks included) of the outputs
with the inputs and with each other, before anything is opened.

:func:`escape_text` makes data safe to print on a terminal or in Markdown (control
characters, ESC sequences, CR/LF and bidi overrides shown as escapes), and
:func:`csv_cell` / :func:`write_csv_rows` keep spreadsheet formulas out of CSV cells.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from toolproof.validator.errors import ToolproofError


class OutputError(ToolproofError):
    """An output path that must not be written (it is an input, or two outputs are one file)."""


# --------------------------------------------------------------------------- paths


def _real(p: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.path.abspath(os.fspath(p)))


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` name the same file (symlinks and hard links included)."""
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return _real(a) == _real(b)


def refuse_overwrite(
    outputs: Sequence[tuple[str, str | os.PathLike[str] | None]],
    inputs: Sequence[str | os.PathLike[str] | None],
) -> None:
    """Raise :class:`OutputError` when an output resolves to an input or to another output.

    ``outputs`` are ``(label, path)`` pairs (``("-o", "out.jsonl")``); ``None`` paths are skipped.
    """
    outs = [(label, p) for label, p in outputs if p is not None]
    ins = [p for p in inputs if p is not None]
    for label, o in outs:
        for i in ins:
            if same_file(o, i):
                raise OutputError(
                    f"{label} {os.fspath(o)}: refusing to write over the input {os.fspath(i)}; choose another path"
                )
        if os.path.isdir(o):
            raise OutputError(f"{label} {os.fspath(o)}: is a directory")
    for k, (la, a) in enumerate(outs):
        for lb, b in outs[k + 1 :]:
            if same_file(a, b):
                raise OutputError(f"{la} {os.fspath(a)} and {lb} {os.fspath(b)} are the same file, which cannot take two outputs; give each its own path")


# --------------------------------------------------------------------------- atomic writes


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def cannot_write(target: str | os.PathLike[str], e: OSError) -> OutputError:
    """The error of a failed write, naming the user's path (never the temporary file beside it)."""
    return OutputError(f"{os.fspath(target)}: cannot write ({e.strerror or e})")


class _Guarded:
    """The temporary file of an :class:`AtomicFile`: an ``OSError`` while writing (disk full, a
    quota, an I/O error) becomes an :class:`OutputError` that names the target, not the temporary
    file, so every command says which of its outputs failed, without a traceback."""

    __slots__ = ("_f", "_target")

    def __init__(self, f: IO[Any], target: Path) -> None:
        self._f = f
        self._target = target

    def write(self, data: Any) -> int:
        try:
            return self._f.write(data)
        except OSError as e:
            raise cannot_write(self._target, e) from e

    def writelines(self, lines: Iterable[Any]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._f.flush()
        except OSError as e:
            raise cannot_write(self._target, e) from e

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._f)


# Temporary files of the AtomicFiles not yet committed or discarded: what an interrupt (Ctrl-C,
# SIGTERM) that lands between creating one and entering its ``with`` would leave; the command
# removes them on its way out (``discard_pending``).
_PENDING: set[str] = set()


def _create_temporary(target: Path) -> tuple[int, str]:
    """A new temporary file beside ``target`` (as ``mkstemp``: exclusive, mode 0o600), its name in
    :data:`_PENDING` *before* it exists: an interrupt landing anywhere in between leaves no file
    behind (``mkstemp`` would create it first, and a SIGTERM arriving before the name was noted
    leaked it). Raises OSError as ``mkstemp`` does."""
    names = tempfile._get_candidate_names()  # the random names mkstemp itself draws
    for _ in range(tempfile.TMP_MAX):
        tmp = os.path.join(target.parent, f".{target.name}.{next(names)}.tmp")
        _PENDING.add(tmp)
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600), tmp
        except FileExistsError:  # another's file: not ours to remove
            _PENDING.discard(tmp)
        except OSError:  # not created (read-only folder, no space)
            _PENDING.discard(tmp)
            raise
        # (an interrupt raised here may come after the file was made: its name stays pending)
    raise FileExistsError(errno.EEXIST, "no temporary name left", os.fspath(target.parent))


def discard_pending() -> None:
    """Remove the temporary files of every AtomicFile still open (the command's last clean-up)."""
    for tmp in list(_PENDING):
        _PENDING.discard(tmp)
        try:
            os.unlink(tmp)
        except OSError:
            pass


class AtomicFile:
    """A temporary file beside ``target``; :meth:`commit` renames it over the target,
    :meth:`discard` removes it (the target is then untouched). See :func:`atomic_writer`.
    Failures to create, write or rename it are :class:`OutputError` naming ``target``."""

    def __init__(self, target: str | os.PathLike[str], mode: str = "wb", *, encoding: str = "utf-8",
                 newline: str | None = None) -> None:
        t = Path(target)
        if t.is_symlink():  # write through the link to its target; the link stays
            t = Path(os.path.realpath(t))
        try:
            t.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise cannot_write(target, e) from e
        try:
            st = os.stat(t)
            keep = stat.S_IMODE(st.st_mode)
        except FileNotFoundError:
            st, keep = None, 0o666 & ~_umask()
        self.target = t
        self.done = False
        self.tmp: str | None = None
        self.file: IO[Any]
        if st is not None and not stat.S_ISREG(st.st_mode):  # /dev/null, /dev/full, a tty: written to, never replaced
            try:
                raw_dev: IO[Any] = open(t, mode, **({} if "b" in mode else {"encoding": encoding, "newline": newline}))
            except OSError as e:
                raise cannot_write(target, e) from e
            self.file = _Guarded(raw_dev, t)  # type: ignore[assignment]
            return
        try:
            fd, tmp = _create_temporary(t)
            self.tmp = tmp
        except OSError as e:  # a read-only folder, no permission, no space for one more file
            raise cannot_write(target, e) from e
        try:
            os.chmod(tmp, keep)
            if "b" in mode:
                raw: IO[Any] = os.fdopen(fd, "wb")
            else:
                raw = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            _PENDING.discard(tmp)
            raise
        self.file = _Guarded(raw, t)  # type: ignore[assignment]

    def commit(self, before_replace: Callable[[], None] | None = None) -> None:
        """Rename the finished file over the target. ``before_replace`` runs last, after the
        fsync, right before the rename: when it raises, the temporary file is removed and the
        target stays as it is (``fix`` checks there that no one else wrote the file meanwhile)."""
        if self.done:
            return
        self.done = True
        try:
            self.file.flush()
            if self.tmp is None:  # a device: nothing to rename
                self.file.close()
                return
            os.fsync(self.file.fileno())
            self.file.close()
            if before_replace is not None:
                before_replace()
            os.replace(self.tmp, self.target)
            _PENDING.discard(self.tmp)
        except OSError as e:  # fsync / close / rename: disk full, read-only target
            self._remove()
            raise cannot_write(self.target, e) from e
        except BaseException:
            self._remove()
            raise

    def discard(self) -> None:
        if self.done:
            return
        self.done = True
        self._remove()

    def _remove(self) -> None:
        try:
            self.file.close()
        except Exception:
            pass
        if self.tmp is None:
            return
        try:
            os.unlink(self.tmp)
        except OSError:
            pass
        _PENDING.discard(self.tmp)


@contextmanager
def atomic_writer(target: str | os.PathLike[str], mode: str = "wb", *, encoding: str = "utf-8",
                  newline: str | None = None) -> Iterator[IO[Any]]:
    """Write ``target`` atomically: a temporary file beside it, fsync, rename over it on success.

    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (text, ``encoding``/``newline`` as for ``open``).
    A symlink is written through to its target; an existing file keeps its permission bits;
    a new file gets ``0666 & ~umask``. On any exception the temporary file is removed and the
    old target is untouched.
    """
    af = AtomicFile(target, mode, encoding=encoding, newline=newline)
    try:
        yield af.file
    except BaseException:
        af.discard()
        raise
    af.commit()


def write_atomic(target: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write all of ``data`` to ``target`` with :func:`atomic_writer`."""
    if isinstance(data, bytes):
        with atomic_writer(target, "wb") as f:
            f.write(data)
    else:
        with atomic_writer(target, "w", encoding=encoding, newline="") as f:
            f.write(data)


# --------------------------------------------------------------------------- text escaping

# C0 controls but TAB, DEL, C1 controls, line/paragraph separators, and the bidi
# embeddings/overrides/isolates that reorder what a reader sees.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def _esc(m: re.Match[str]) -> str:
    c = m.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def escape_text(s: Any) -> str:
    """``s`` as text that cannot drive a terminal or reorder a line: control characters
    (C0 but TAB, DEL, C1, ESC), CR/LF, U+2028/2029 and bidi controls become ``\\x..`` /
    ``\\u....`` escapes. Use it on every data-derived string in human-readable output."""
    text = s if isinstance(s, str) else str(s)
    if text.isascii() and text.isprintable():  # the common case: no ASCII control character (TAB included)
        return text
    return _UNSAFE.sub(_esc, text) if _UNSAFE.search(text) else text


def escape_path(path: Any) -> str:
    """:func:`escape_text` of a path that starts a printed line: ``./`` goes before a path that
    GitHub Actions would read as a workflow command there (``::warning::x.jsonl``: the runner
    executes any log line that starts with ``::`` after spaces). Still the same file to a shell."""
    text = escape_text(path if isinstance(path, str) else os.fspath(path))
    return "./" + text if text.lstrip().startswith("::") else text


def escape_block(s: Any) -> str:
    """:func:`escape_text` for multi-line text whose own line breaks are kept (a rendered
    template, a JSON snippet): each line is escaped, CR included."""
    text = s if isinstance(s, str) else str(s)
    return "\n".join(escape_text(part) for part in text.split("\n"))


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def strip_bidi(s: str) -> str:
    """Bidi controls shown as ``\\u....`` escapes (for HTML, where markup is escaped separately)."""
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


# --------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula: text starting with ``= + - @``,
    TAB or CR gets a leading ``'`` (numbers are left as numbers)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in row]


def write_csv(target: str | os.PathLike[str], header: Sequence[str] | None, rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV file atomically, every cell through :func:`csv_cell`."""
    with atomic_writer(target, "w", newline="") as f:
        w = csv.writer(f)
        if header is not None:
            w.writerow(safe_row(header))
        for row in rows:
            w.writerow(safe_row(row))


def write_csv_dicts(target: str | os.PathLike[str], fieldnames: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write dict rows as CSV atomically, every value through :func:`csv_cell`."""
    with atomic_writer(target, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(fieldnames))
        w.writeheader()
        for row in rows:
            w.writerow({k: csv_cell(v) for k, v in row.items()})


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(safe_row(header))
    for row in rows:
        w.writerow(safe_row(row))
    return buf.getvalue()


__all__ = [
    "AtomicFile",
    "OutputError",
    "atomic_writer",
    "cannot_write",
    "discard_pending",
    "csv_cell",
    "csv_text",
    "escape_block",
    "escape_path",
    "escape_text",
    "refuse_overwrite",
    "safe_row",
    "same_file",
    "strip_bidi",
    "write_atomic",
    "write_csv",
    "write_csv_dicts",
]
