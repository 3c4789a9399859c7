"""Inputs and outputs named by URI for the Ray engine (issue 38): ``s3://``, ``gs://``, ``hdfs://``,
``hf://`` and local paths.

The driver resolves every input and output once, here, to a :class:`Location`: a local path made
absolute (workers never open anything relative to their own folder), or a URI with the
``pyarrow.fs`` filesystem that reads it (``FileSystem.from_uri``; pyarrow hands the schemes it has
no filesystem of its own for, ``hf://`` among them, to fsspec). A location travels to the Ray
workers pickled, filesystem included, as Ray Data passes its ``filesystem=`` argument.

Settings are pyarrow's own. For S3: the endpoint from ``AWS_ENDPOINT_URL_S3`` or
``AWS_ENDPOINT_URL`` (or ``?endpoint_override=HOST:PORT&scheme=http`` on the URI) and the region are
read on the driver and travel with the filesystem; credentials (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``, an instance role) are resolved
on each node and never copied into Ray's object store. A URI that cannot be resolved or reached is
an :class:`~validator.errors.InputError` naming the URI and what is missing (the commands exit 2).

Nothing here imports pyarrow until a URI is met: local paths need none of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from toolproof.validator.errors import InputError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")

#: what each scheme needs, said when resolving or reaching a URI of it fails
NEEDS = {
    "s3": "credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or an instance role), "
          "the endpoint of an S3-compatible store from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, the region from AWS_DEFAULT_REGION",
    "gs": "credentials from GOOGLE_APPLICATION_CREDENTIALS (or the machine's default Google credentials)",
    "hdfs": "Hadoop's client library: JAVA_HOME, HADOOP_HOME and CLASSPATH (`hadoop classpath --glob`), "
            "as pyarrow's HadoopFileSystem documents",
    "hf": "the huggingface_hub package (pip install huggingface_hub) and HF_TOKEN for a private repository; "
          "name a file: hf://datasets/ORG/NAME/PATH.jsonl",
}
NEEDS["gcs"] = NEEDS["gs"]
NEEDS["viewfs"] = NEEDS["hdfs"]


class UriError(InputError):
    """A URI that cannot be resolved, reached or used: the message names it and what is missing."""


def scheme(path: str | os.PathLike[str]) -> str | None:
    """The URI scheme of ``path`` (``s3``, ``gs``, ...), lower case; None for a local path (``file://`` too)."""
    m = _SCHEME.match(os.fspath(path))
    if m is None or m.group(1).lower() == "file":
        return None
    return m.group(1).lower()


def is_uri(path: str | os.PathLike[str]) -> bool:
    """``path`` names object storage or a remote filesystem (not a local path, not ``file://``)."""
    return scheme(path) is not None


#: seconds the driver waits for object storage to answer its first look-up (a filesystem's own retries
#: can take minutes: 15 for GCS's default); TOOLPROOF_STORAGE_TIMEOUT overrides it
STORAGE_TIMEOUT_S = 30.0


def _answer(loc: Location, fn: Any, doing: str) -> Any:
    """``fn()`` on the driver, given up after ``STORAGE_TIMEOUT_S`` (UriError saying so). Any
    exception is the storage's answer: fsspec filesystems raise their own classes (an HTTP client's
    ConnectError for ``hf://``), so all are told as one, with the scheme's needs."""
    import threading

    timeout = float(os.environ.get("TOOLPROOF_STORAGE_TIMEOUT", STORAGE_TIMEOUT_S))
    box: dict[str, Any] = {}

    def call() -> None:
        try:
            box["value"] = fn()
        except Exception as e:  # noqa: BLE001 - handed to the caller below
            box["error"] = e

    t = threading.Thread(target=call, daemon=True, name="toolproof-storage")
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise _why(loc.shown, TimeoutError(f"no answer in {timeout:g}s"), doing)
    if "error" in box:
        raise _why(loc.shown, box["error"], doing) from None
    return box["value"]


def _why(uri: str, e: BaseException, doing: str) -> UriError:
    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
    need = NEEDS.get(scheme(uri) or "", "a filesystem for it: pyarrow's (s3, gs, hdfs) or an fsspec package")
    return UriError(f"{uri}: cannot {doing} ({first}); this needs {need}")


@dataclass(frozen=True)
class Location:
    """An input or output as the driver resolved it. ``shown``: as the user named it (reports);
    ``path``: an absolute local path when ``fs`` is None, else the path inside the filesystem ``fs``."""

    shown: str
    path: str
    fs: Any = None

    @property
    def uri(self) -> str:
        """The absolute name workers are given: the local absolute path, or the URI."""
        return self.path if self.fs is None else self.shown

    def join(self, name: str) -> Location:
        """The location ``name`` inside this folder."""
        return Location(f"{self.shown.rstrip('/')}/{name}" if self.fs is not None else os.path.join(self.shown, name),
                        f"{self.path.rstrip('/')}/{name}", self.fs)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a worker unpickling an S3 filesystem must import pyarrow.fs: it registers the S3 finalizer
        # at exit (without it the process crashes as it ends)
        if state.get("fs") is not None:
            import pyarrow.fs  # noqa: F401, PLC0415
        self.__dict__.update(state)


def locate(path: str | os.PathLike[str]) -> Location:
    """``path`` resolved on the driver: a local path made absolute (``file://`` stripped), a URI with its filesystem.
    Raises :class:`UriError` when no filesystem can be made for the URI."""
    shown = os.fspath(path)
    if not is_uri(shown):
        local = shown[len("file://"):] if shown.lower().startswith("file://") else shown
        return Location(shown, os.path.abspath(local))
    try:
        from pyarrow import fs as pafs  # noqa: PLC0415
    except ImportError as e:
        raise UriError(f"{shown}: object storage is read through pyarrow: pip install 'toolproof[ray]'") from e
    try:
        filesystem, inner = pafs.FileSystem.from_uri(shown)
    except Exception as e:  # noqa: BLE001 - ArrowInvalid, an fsspec package's ImportError, its own classes
        raise _why(shown, e, "open a filesystem for it") from None
    return Location(shown, inner, filesystem)


def stat(loc: Location) -> int:
    """The size of the file at ``loc``; :class:`UriError` (or InputError) when it is missing, a folder or unreachable."""
    if loc.fs is None:
        from toolproof.validator.io import check_readable  # noqa: PLC0415

        check_readable(loc.path)
        return os.path.getsize(loc.path)
    from pyarrow import fs as pafs  # noqa: PLC0415

    info = _answer(loc, lambda: loc.fs.get_file_info(loc.path), "reach it")
    if info.type == pafs.FileType.NotFound:
        raise UriError(f"{loc.shown}: no such file or object")
    if info.type != pafs.FileType.File:
        raise UriError(f"{loc.shown}: is a folder (prefix), not a dataset file")
    return int(info.size)


def read_head(loc: Location, n: int) -> bytes:
    """The first ``n`` bytes (fewer at the end of the file)."""
    if loc.fs is None:
        with open(loc.path, "rb") as f:
            return f.read(n)
    def head() -> bytes:
        with loc.fs.open_input_file(loc.path) as f:
            return bytes(f.read(n))

    return _answer(loc, head, "read it")


def jsonl_record_format(loc: Location, record_format: str = "auto") -> str:
    """What :func:`~validator.io.iter_units` decides for a JSON Lines file, for one on object storage:
    refuses what the Ray engine cannot cut into byte ranges (compressed, binary, a JSON document) and
    detects the ``auto`` dialect from the first 4 MB (calls with object arguments: canonical)."""
    from toolproof.validator.formats import AUTO_OBJECT_ARGS  # noqa: PLC0415
    from toolproof.validator.io import (  # noqa: PLC0415
        _OBJECT_ARGS,
        _SNIFF,
        compression,
        detect_container,
        looks_like_json_document,
        sniff_binary,
    )

    if compression(loc.path) is not None:
        raise InputError(f"{loc.shown}: the Ray engine reads uncompressed JSON Lines (it cuts files into byte ranges); decompress it first")
    if detect_container(loc.path) != "jsonl":
        raise InputError(f"{loc.shown}: the Ray engine reads JSON Lines (.jsonl); convert it first: toolproof convert")
    head = read_head(loc, _SNIFF)
    why = sniff_binary(head[:8192])
    if why:
        raise InputError(f"{loc.shown}: not a text dataset: {why}")
    doc = looks_like_json_document(head[:8192])
    if doc:
        raise InputError(f"{loc.shown}: this looks like {doc}, not JSON Lines (one record per line)")
    if record_format == "auto" and _OBJECT_ARGS.search(head):
        return AUTO_OBJECT_ARGS
    return record_format


def folder_state(loc: Location) -> str:
    """``missing``, ``empty`` (a folder or prefix with no file under it), ``full`` or ``file``."""
    if loc.fs is None:
        if not os.path.exists(loc.path):
            return "missing"
        if not os.path.isdir(loc.path):
            return "file"
        return "full" if any(os.scandir(loc.path)) else "empty"
    from pyarrow import fs as pafs  # noqa: PLC0415

    info = _answer(loc, lambda: loc.fs.get_file_info(loc.path), "list it")
    if info.type == pafs.FileType.File:
        return "file"
    inside = _answer(loc, lambda: loc.fs.get_file_info(pafs.FileSelector(loc.path, allow_not_found=True, recursive=True)), "list it")
    if any(i.type == pafs.FileType.File for i in inside):
        return "full"
    return "missing" if info.type == pafs.FileType.NotFound and not inside else "empty"


def check_output_folder(out: Location, inputs: Sequence[Location], what: str = "-o") -> None:
    """The output folder must be new or empty (stale part files would join the output) and no input; InputError otherwise."""
    from toolproof.validator.safeio import same_file  # noqa: PLC0415

    for i in inputs:
        if (out.fs is None and i.fs is None and same_file(out.path, i.path)) or (out.fs is not None and out.uri == i.uri):
            raise InputError(f"{what} {out.shown}: refusing to write over the input {i.shown}; choose another path")
    state = folder_state(out)
    if state == "file":
        raise InputError(f"{what} {out.shown}: exists and is not a folder; --engine ray writes part files into a folder")
    if state == "full":
        raise InputError(f"{what} {out.shown}: folder is not empty; --engine ray writes its part files into a new or empty folder")


def make_folder(loc: Location) -> None:
    """Create a local folder; object storage has none to create (a prefix exists once an object is under it)."""
    if loc.fs is None:
        os.makedirs(loc.path, exist_ok=True)


def write_bytes(loc: Location, data: bytes) -> None:
    """Write ``data`` to ``loc`` whole: atomically (a temporary file renamed) on a local disk, one
    upload (an object appears only complete) on object storage."""
    if loc.fs is None:
        from toolproof.validator.safeio import atomic_writer  # noqa: PLC0415

        with atomic_writer(loc.path) as f:
            f.write(data)
        return
    try:
        with loc.fs.open_output_stream(loc.path) as f:
            f.write(data)
    except Exception as e:  # noqa: BLE001 - as in _answer: fsspec filesystems raise their own classes
        raise _why(loc.shown, e, "write it") from None


def download(loc: Location, local: str) -> None:
    """Copy the object at ``loc`` to the local file ``local``, streamed (commands that read a file more
    than once, or by name, such as ``convert``, run on the copy)."""
    import shutil

    os.makedirs(os.path.dirname(local) or ".", exist_ok=True)

    def copy() -> None:
        with loc.fs.open_input_stream(loc.path) as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 8 << 20)

    _copy(loc, copy, "read it")


def upload(local: str, loc: Location) -> None:
    """Copy the local file ``local`` to ``loc``, streamed, in one upload (the object appears only complete)."""
    import shutil

    def copy() -> None:
        with open(local, "rb") as src, loc.fs.open_output_stream(loc.path) as dst:
            shutil.copyfileobj(src, dst, 8 << 20)

    _copy(loc, copy, "write it")


def _copy(loc: Location, fn: Any, doing: str) -> None:
    """A transfer: no time limit (it may be large), every failure told as the storage's."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - as in _answer: fsspec filesystems raise their own classes
        raise _why(loc.shown, e, doing) from None


__all__ = ["NEEDS", "Location", "UriError", "check_output_folder", "download", "folder_state", "is_uri", "jsonl_record_format",
           "locate", "make_folder", "read_head", "scheme", "stat", "upload", "write_bytes"]
