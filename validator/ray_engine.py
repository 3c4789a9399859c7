"""Lint beyond one machine on Ray Data (``toolproof[ray]``; ray is imported only here, lazily).

The plan, for JSON Lines files on storage every Ray worker can read (a shared filesystem):

1. The driver cuts each file into byte ranges at line boundaries (a few seeks, nothing read whole)
   and makes a Dataset of them: one row per range.
2. ``map_batches`` with actor workers lints each range: the worker reads its bytes, parses the
   lines itself (no Arrow schema inference on mixed tool schemas) and runs the record rules,
   exactly as a local ``--jobs N`` worker does (the compiled schema cache lives once per actor).
   It returns the range's findings and its per-record digests (record numbers local to the range).
3. The driver takes only each range's record and line counts (one small row per range) and turns
   them into offsets; the findings and digests are renumbered in the workers.
4. The dataset rules run on the digests through Ray's own grouping: ``groupby(key).map_groups``
   per rule (exact duplicates by record digest, duplicate ids by id, near duplicates by near key),
   the first record of each group by position being the one later records are reported against:
   the same rule as the local engine's. Nothing gathers every digest on the driver.
5. The findings come back sorted by (file, record, rule order), the local engine's report order.

The other dataset rules run without gathering summaries either: TP504 (leakage against
``--against``) judges each record by itself, so every range runs it in its worker; the mix rules
(TP701, TP702, TP704, TP705) read counts of the whole file, so every range's worker makes a
:class:`~validator.rules.mix.MixTally` of its records and the driver adds them in file order (one
small row per range). Only a dataset rule this engine does not know (a plug-in) still runs on the
driver over the packed per-record summaries (about 60 bytes a record).
"""

from __future__ import annotations

import os
import pickle
import socket
from collections.abc import Iterator, Sequence
from typing import Any

from toolproof.validator.config import Config
from toolproof.validator.engine import (
    RANGE_BYTES,
    FileSummary,
    Finding,
    LintJob,
    LintResult,
    plan_rules,
    rules_for_file,
)
from toolproof.validator.errors import ClusterError
from toolproof.validator.findings import Hit
from toolproof.validator.io import InputError, compression, iter_units, jsonl_byte_ranges, read_jsonl_range
from toolproof.validator.uris import Location, UriError, jsonl_record_format, locate, make_folder, write_bytes

# dataset rules this engine runs through Ray's grouping, with the key each groups by
GROUPED = {"TP501": "digest", "TP502": "id", "TP503": "near"}
# dataset rules whose finding on a record reads only that record's summary (and the options): each
# range runs them on its own summaries, in its worker
PER_RANGE = frozenset({"TP504"})
# dataset rules that read only a MixTally: each range's worker makes its tally, the driver adds them
TALLIED = frozenset({"TP701", "TP702", "TP704", "TP705"})
KNOWN = frozenset(GROUPED) | PER_RANGE | TALLIED


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:  # pragma: no cover - the message is the point
        raise ImportError("the Ray engine needs Ray Data: pip install 'toolproof[ray]'") from e
    return ray


#: seconds to wait for the cluster's address to answer before saying there is none (Ray's own
#: retries take about 14 minutes); TOOLPROOF_RAY_CONNECT_TIMEOUT overrides it
CONNECT_TIMEOUT_S = 10.0


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``HOST:PORT`` or ``ray://HOST:PORT``; None for ``auto``, ``local`` and the like."""
    rest = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = rest.rstrip("/").rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]") or "127.0.0.1", int(port)


def _probe(address: str) -> None:
    """Refuse at once an address where nothing listens, rather than hang in Ray's retries."""
    hp = _host_port(address)
    if hp is None:
        return
    timeout = float(os.environ.get("TOOLPROOF_RAY_CONNECT_TIMEOUT", CONNECT_TIMEOUT_S))
    try:
        socket.create_connection(hp, timeout=timeout).close()
    except OSError as e:
        why = f"no answer in {timeout:g}s" if isinstance(e, TimeoutError) else (e.strerror or str(e))
        raise ClusterError(
            f"no Ray cluster at {address} ({why}): start one (`ray start --head`) or give its address with "
            "--ray-address or RAY_ADDRESS"
        ) from None


def _wants_token(message: str) -> bool:
    m = message.lower()
    return any(w in m for w in ("unauthenticated", "authenticationerror", "invalidauthtoken", "auth token", "ray_auth"))


def _messages_to_stderr() -> None:
    """Ray's driver prints what the cluster tells it (a worker that died, worker output) on standard
    output, where ``toolproof lint --format json`` writes its report: send all of it to standard error."""
    try:
        from ray._private import worker  # noqa: PLC0415
    except ImportError:  # pragma: no cover - another Ray layout: its messages stay where Ray puts them
        return
    printer = getattr(worker, "print_to_stdstream", None)
    if printer is None or getattr(printer, "toolproof", False):
        return

    def to_stderr(data: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        return printer({**data, "is_err": True}, *args, **kwargs)

    to_stderr.toolproof = True  # type: ignore[attr-defined]
    worker.print_to_stdstream = to_stderr


def init(address: str | None = None, **kw: Any) -> Any:
    """Connect to the cluster at ``address`` (or ``RAY_ADDRESS``), else start a local Ray.

    Raises :class:`ClusterError` with what to do when no cluster answers at the address (within
    ``CONNECT_TIMEOUT_S``), when it wants a token that was not given, or when Ray cannot start."""
    ray = _ray()
    _messages_to_stderr()
    if not ray.is_initialized():
        addr = address or os.environ.get("RAY_ADDRESS")
        if addr:
            _probe(addr)
        try:
            ray.init(address=addr, **({"ignore_reinit_error": True, "log_to_driver": False} | kw))
        except Exception as e:  # noqa: BLE001 - every failure to connect is told as one, with its cause
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            where = f"the Ray cluster at {addr}" if addr else "a local Ray"
            chain, c = [], e  # Ray wraps the AuthenticationError in a ConnectionError
            while c is not None and len(chain) < 5:
                chain.append(f"{type(c).__name__}: {c}")
                c = c.__cause__ or c.__context__
            if _wants_token(" ".join(chain)):
                raise ClusterError(
                    f"{where} wants a token: set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH), "
                    f"as on the cluster ({first})"
                ) from e
            raise ClusterError(f"cannot use {where}: {first}") from e
    return ray


def _readable(p: str | Location) -> bool:
    if isinstance(p, str):
        return os.access(p, os.R_OK)
    try:  # object storage: this node's own credentials and network
        return bool(p.fs.get_file_info(p.path).is_file)
    except Exception:  # noqa: BLE001 - fsspec filesystems raise their own classes (an HTTP client's for hf://)
        return False


def _sees(paths: list[str | Location], folders: list[str]) -> list[str]:
    """On one node: the inputs it cannot read (local paths, or locations on object storage) and the
    folders it cannot write."""
    missing = [p if isinstance(p, str) else p.shown for p in paths if not _readable(p)]
    return missing + [d for d in folders if not os.access(d, os.W_OK)]


def check_visible(ray: Any, paths: Sequence[str | Location], folders: Sequence[str] = ()) -> None:
    """Every alive node reads each of `paths` and writes in each of `folders` (absolute, as the driver
    resolved them), else :class:`ClusterError` naming the node and the path: a path only the driver's
    machine has would otherwise fail in a worker, or part files land on a worker's own disk. An input
    on object storage is looked up from each node (credentials are resolved there, not sent)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy  # noqa: PLC0415

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    if len(nodes) <= 1:  # the driver's own node: it has checked the paths itself
        return
    task = ray.remote(num_cpus=0)(_sees)
    refs = {
        n.get("NodeManagerAddress", n["NodeID"]): task.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
        ).remote(list(paths), list(folders))
        for n in nodes
    }
    for node, ref in refs.items():
        try:
            bad = ray.get(ref)
        except Exception as e:  # noqa: BLE001 - a node that cannot run toolproof's tasks at all
            lines = [ln for ln in str(e).splitlines() if ln.strip()]
            raise ClusterError(
                f"node {node} cannot run toolproof's tasks ({lines[-1].strip() if lines else type(e).__name__}): "
                "install toolproof[ray] in the Python every node's workers use"
            ) from e
        if bad and bad[0] in [p.shown for p in paths if not isinstance(p, str)]:
            raise ClusterError(
                f"node {node} cannot read {bad[0]}: every node reaches object storage with its own settings "
                "(credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role for S3)"
            )
        if bad:
            raise ClusterError(
                f"node {node} cannot {'read' if bad[0] in paths else 'write'} {bad[0]}: the Ray engine needs inputs "
                "and outputs on storage every node sees (a shared filesystem mounted at the same path)"
            )


class _AttemptLog:
    """An actor: how many times each piece of work started and how many stage actors Ray brought back."""

    def __init__(self) -> None:
        self.started: dict[Any, int] = {}
        self.restarts = 0

    def note(self, key: Any) -> None:
        self.started[key] = self.started.get(key, 0) + 1

    def restarted(self) -> None:
        self.restarts += 1

    def faults(self) -> dict[str, int]:
        return {"retried": sum(n - 1 for n in self.started.values()), "restarted": self.restarts}


class Attempts:
    """Faults counted (issue 38): every piece of work (a byte range of a stage) reports its start to
    one small actor before doing anything, so a piece that started twice was run again after its
    worker died or its result was lost; a stage actor that Ray restarted after its process died says
    so when it starts again. ``faults()``: ``{"retried": pieces run again, "restarted": actors}``.
    Costs one round trip to the log per range (ranges are megabytes)."""

    @staticmethod
    def open(ray: Any) -> Any:
        """A new log (an actor holding no CPU), its handle passed to the stage actors."""
        return ray.remote(num_cpus=0)(_AttemptLog).remote()

    @staticmethod
    def started(log: Any) -> Any:
        """In a stage actor's constructor: count a restart when Ray brought this actor back."""
        if log is not None:
            import ray

            if ray.get_runtime_context().was_current_actor_reconstructed:
                ray.get(log.restarted.remote())
        return log

    @staticmethod
    def note(log: Any, key: Any) -> None:
        """Before a piece of work: count its start (waited for, so a worker dying next is already counted)."""
        if log is not None:
            import ray

            ray.get(log.note.remote(key))

    @staticmethod
    def faults(ray: Any, log: Any) -> dict[str, int]:
        out: dict[str, int] = ray.get(log.faults.remote())
        ray.kill(log)
        return out


def group_many(ds: Any, keys: list[str], fn: Any, partitions: int, columns: Sequence[str], keep_single: bool = False) -> Any:
    """``ds.groupby(keys).map_groups(fn)`` with ``fn`` called only on groups of two rows or more: the
    rows of a group of one are dropped (``keep_single``: passed on as they are). Most keys (a record's
    digest, id, near key) are unique, and Ray's ``map_groups`` makes a batch and calls Python for every
    group, ~0.2 ms a group; here each hash partition (one block, as ``map_groups`` itself relies on)
    is grouped in one pass. ``columns``: the output columns (of an empty block too)."""
    from ray.data.context import ShuffleStrategy

    hashed = {getattr(ShuffleStrategy, n, None) for n in ("HASH_SHUFFLE", "SHUFFLE_V2", "GPU_SHUFFLE")} - {None}
    if ds.context.shuffle_strategy not in hashed:  # a sort-based shuffle: Ray's own map_groups
        return ds.groupby(keys, num_partitions=partitions).map_groups(fn, batch_format="numpy")

    def per_block(batch: dict[str, Any]) -> dict[str, list[Any]]:
        at: dict[tuple[Any, ...], list[int]] = {}
        for i, key in enumerate(zip(*(batch[k].tolist() for k in keys), strict=True)):
            at.setdefault(key, []).append(i)
        out: dict[str, list[Any]] = {c: [] for c in columns}
        single = [idx[0] for idx in at.values() if len(idx) == 1] if keep_single else []
        if single:
            for c in columns:
                out[c].extend(batch[c][single])
        for idx in at.values():
            if len(idx) > 1:
                got = fn({c: v[idx] for c, v in batch.items()})
                for c in columns:
                    out[c].extend(got[c])
        return out

    return ds.repartition(partitions, keys=keys).map_batches(per_block, batch_size=None, batch_format="numpy")


def _col(name: str) -> Any:
    from ray.data.expressions import col

    return col(name)


def kind_is(ds: Any, kind: str) -> Any:
    """The rows of ``ds`` whose ``kind`` column is ``kind`` (a predicate expression Ray evaluates on Arrow)."""
    from ray.data.expressions import col

    return ds.filter(expr=col("kind") == kind)


class _RangeLinter:
    """An actor: lints byte ranges, or blocks of a Dataset of text lines (the rules and schema cache
    load once per actor). ``blocks``: (block refs, text column) for a Dataset; a row's ``start`` is
    then its block and ``index0`` the block's first row number."""

    def __init__(self, jobs: dict[str, LintJob], blocks: Any = None, paths: dict[str, Location] | None = None,
                 attempts: Any = None) -> None:
        self.jobs = jobs
        self.blocks = blocks
        self.paths = paths or {}  # file as the user named it -> where the driver resolved it (absolute path or URI)
        self.attempts = Attempts.started(attempts)

    def _run(self, file: str, start: int, end: int, index0: int) -> Any:
        from toolproof.validator.engine import run_batch

        job = self.jobs[file]
        if self.blocks is None:
            loc = self.paths[file]
            units, nlines = read_jsonl_range(loc.path, start, end, job.file, job.record_format, fs=loc.fs)
        else:
            units = block_units(self.blocks, start, index0)
            nlines = len(units)
        br = run_batch(job, units)
        br.lines = nlines
        return br

    def _per_range(self, file: str, br: Any) -> None:
        """The PER_RANGE dataset rules on the range's own summaries, their findings merged into the
        range's in report order (record, then rule code)."""
        job = self.jobs[file]
        codes = sorted(PER_RANGE & job.enabled)
        if not codes or br.meta is None:
            return
        from toolproof.validator.engine import RulePlan, iter_dataset_findings
        from toolproof.validator.rules.base import REGISTRY

        errors: list[str] = []
        plan = RulePlan([], job.options, job.severity)
        found = list(iter_dataset_findings([REGISTRY[c] for c in codes], br.summaries, br.meta, file, plan, errors))
        if found:
            br.findings = sorted(br.findings + found, key=lambda f: (f.record, f.code))  # stable
        br.errors.extend((0, e.removeprefix(f"{file}: ")) for e in errors)

    def _tally(self, file: str, br: Any) -> bytes:
        if not (TALLIED & self.jobs[file].enabled) or br.meta is None:
            return b""
        from toolproof.validator.rules.mix import MixTally

        return pickle.dumps(MixTally.of(br.summaries), protocol=pickle.HIGHEST_PROTOCOL)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        keys = ("file", "k", "count", "lines", "findings", "summaries", "meta", "errors", "reading", "tally")
        out: dict[str, list[Any]] = {k: [] for k in keys}
        for file, k, start, end, index0 in zip(batch["file"], batch["k"], batch["start"], batch["end"], batch["index0"], strict=True):
            Attempts.note(self.attempts, ("lint", str(file), int(k)))
            br = self._run(str(file), int(start), int(end), int(index0))
            self._per_range(str(file), br)
            out["tally"].append(self._tally(str(file), br))
            out["file"].append(str(file))
            out["k"].append(int(k))
            out["count"].append(br.count)
            out["lines"].append(br.lines)
            out["findings"].append(pickle.dumps(br.findings, protocol=pickle.HIGHEST_PROTOCOL))
            out["summaries"].append(pickle.dumps(br.summaries, protocol=pickle.HIGHEST_PROTOCOL))
            out["meta"].append(pickle.dumps(br.meta, protocol=pickle.HIGHEST_PROTOCOL))
            out["errors"].append(pickle.dumps(br.errors))
            out["reading"].append(pickle.dumps((dict(br.dialects), dict(br.notes))))
        return out


def block_units(blocks: tuple[list[Any], str], b: int, index0: int) -> list[Any]:
    """The units of block ``b`` of a Dataset of JSON text lines: row ``i`` is record ``index0 + i``
    on line ``index0 + i + 1`` (a line's newline added back), parsed later like a JSON Lines line."""
    import ray

    refs, column = blocks
    table = ray.get(refs[b])
    texts = table.column(column).to_pylist()
    return [(index0 + i + 1, index0 + i, ("" if t is None else str(t)).encode("utf-8", "surrogateescape") + b"\n", False)
            for i, t in enumerate(texts)]


def dataset_blocks(ds: Any, column: str) -> tuple[tuple[list[Any], str], list[int]]:
    """The blocks of ``ds`` (materialized in Ray's object store, in order) and their first row numbers:
    only one number per block comes to the driver."""
    ray = init()
    if column not in ds.columns():
        raise ValueError(f"the Dataset has no column {column!r} (columns: {', '.join(ds.columns())}); "
                         "read raw JSON lines with ray.data.read_text, which gives 'text'")
    texts = ds.select_columns([column])
    options = texts.context.execution_options  # a Dataset runs with the context it was made with
    was, options.preserve_order = options.preserve_order, True  # blocks in the Dataset's order
    try:
        refs = texts.to_arrow_refs()
    finally:
        options.preserve_order = was
    rows = ray.get([ray.remote(_num_rows).remote(r) for r in refs])
    starts, n = [], 0
    for count in rows:
        starts.append(n)
        n += count
    return (refs, column), starts


def _num_rows(table: Any) -> int:
    return int(table.num_rows)


def _renumbered(offsets: dict[tuple[str, int], tuple[int, int]]) -> Any:
    """A flat_map over range rows: the range's digests (one row per record and key), record and line
    numbers made global. The record findings stay one list per range (:func:`_range_findings`)."""

    def fn(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
        file, k = str(row["file"]), int(row["k"])
        index0, line0 = offsets[(file, k)]
        t = pickle.loads(row["summaries"])
        for pos in range(len(t)):
            s = t[pos]
            base = {"kind": "", "file": file, "record": s.index + index0, "line": s.line + line0, "blob": s.digest, "id": s.id or "", "nocalls": s.no_calls}
            yield base | {"kind": "digest", "key": s.digest}
            if s.id is not None:
                yield base | {"kind": "id", "key": s.id.encode("utf-8", "surrogatepass")}
            if s.near is not None:
                yield base | {"kind": "near", "key": s.near}

    return fn


def _group_rule(code: str, severity: dict[str, Any]) -> Any:
    """map_groups for one grouped dataset rule: later members of a group against its first."""

    def fn(group: dict[str, Any]) -> dict[str, list[Any]]:
        from toolproof.validator.engine import make_finding
        from toolproof.validator.io import RawRecord
        from toolproof.validator.rules.base import REGISTRY

        rule = REGISTRY[code]
        order = sorted(range(len(group["record"])), key=lambda i: int(group["record"][i]))
        out: dict[str, list[Any]] = {"file": [], "record": [], "blob": []}
        first = order[0]
        fi, fl, fd = int(group["record"][first]), int(group["line"][first]), bytes(group["blob"][first])
        for i in order[1:]:
            rec_i, line_i, dig_i = int(group["record"][i]), int(group["line"][i]), bytes(group["blob"][i])
            rid = str(group["id"][i]) or None
            where = f"record {fi} (line {fl})"
            data = {"first": fi, "first_line": fl}
            if code == "TP501":
                hit = Hit("$", f"duplicate of {where}", data=data)
            elif code == "TP502":
                if dig_i == fd:
                    continue  # an exact copy: TP501's
                hit = Hit("$.id", f"id '{rid}' already used by {where}", data=data)
            else:
                if dig_i == fd:
                    continue
                what = "no calls" if bool(group["nocalls"][i]) else "the same calls"
                hit = Hit("$.messages", f"same prompt and {what} as {where}", data=data)
            file = str(group["file"][i])
            f = make_finding(rule, code, RawRecord(file, line_i, rec_i, None), rid, hit, severity)
            out["file"].append(file)
            out["record"].append(rec_i)
            out["blob"].append(pickle.dumps(f))
        return out

    return fn


def _tallied_findings(linted: Any, offsets: dict[tuple[str, int], tuple[int, int]], tallied: dict[str, list[Any]], plan: Any,
                      errors: list[str]) -> list[Finding]:
    """The TALLIED rules of each file on the sum of its ranges' tallies (one small row per range)."""
    from toolproof.validator.engine import RecordTable, iter_dataset_findings
    from toolproof.validator.rules.mix import MixTally

    wanted = {file for file, rules in tallied.items() if rules}
    rows = sorted((str(r["file"]), int(r["k"]), r["tally"]) for r in linted.select_columns(["file", "k", "tally"]).iter_rows()
                  if str(r["file"]) in wanted)
    sums = {file: MixTally() for file in wanted}
    for file, k, blob in rows:
        if blob:
            sums[file].add(pickle.loads(blob), offsets[(file, k)][0])
    out: list[Finding] = []
    for file in sorted(wanted):
        out.extend(iter_dataset_findings(tallied[file], sums[file], RecordTable(), file, plan, errors))
    return out


def _driver_dataset_findings(
    linted: Any, offsets: dict[tuple[str, int], tuple[int, int]], others: dict[str, list[Any]], plan: Any, errors: list[str]
) -> list[Finding]:
    from toolproof.validator.engine import (
        BatchResult,
        RecordTable,
        iter_dataset_findings,
        shift_batch,
        summarizer,
        summary_container,
    )

    out: list[Finding] = []
    for file, rules in others.items():
        if not rules:
            continue
        rows = sorted(
            (int(r["k"]), r["summaries"], r["meta"])
            for r in linted.filter(expr=_col("file") == file).select_columns(["k", "summaries", "meta"]).iter_rows()
        )
        table: Any = summary_container(summarizer())
        meta = RecordTable()
        for k, summ, m in rows:
            index0, line0 = offsets[(file, k)]
            br = shift_batch(BatchResult(0, [], pickle.loads(m), pickle.loads(summ), []), index0, line0)
            table.extend(br.summaries)
            if br.meta is not None:
                meta.extend(br.meta)
        out.extend(iter_dataset_findings(rules, table, meta, file, plan, errors))
    return out


def jsonl_input(file: str, input_format: str | None = None) -> tuple[Location, str]:
    """Where a JSON Lines input is (an absolute path, or a URI and its filesystem) and its record format;
    InputError for what the Ray engine cannot cut into byte ranges."""
    from toolproof.validator.io import split_format

    loc = locate(file)
    if loc.fs is not None:
        from toolproof.validator.uris import stat

        stat(loc)
        return loc, jsonl_record_format(loc, split_format(input_format)[1])
    container, record_format, units = iter_units(file, input_format)
    units.close()
    if container != "jsonl":
        raise InputError(f"{file}: the Ray engine reads JSON Lines (convert it first: toolproof convert)")
    if compression(file) is not None:
        raise InputError(f"{file}: the Ray engine reads uncompressed JSON Lines (it cuts files into byte ranges); decompress it first")
    return loc, record_format


def _plan_lint(paths: Sequence[str | os.PathLike[str]], plan: Any, config: Config | None, result: LintResult,
               range_bytes: int) -> tuple[dict[str, LintJob], dict[str, list[Any]], list[dict[str, Any]], dict[str, Location]]:
    """The job, rules and location of each JSON Lines file and its byte ranges (unreadable files go to ``result.errors``)."""
    jobs: dict[str, LintJob] = {}
    ranges: list[dict[str, Any]] = []
    rules_of: dict[str, list[Any]] = {}
    locs: dict[str, Location] = {}
    for p in paths:
        file = os.fspath(p)
        try:
            loc, record_format = jsonl_input(file)
        except InputError as e:
            result.errors.append(str(e))
            continue
        rules = rules_for_file(plan, file, config)
        rules_of[file] = rules
        locs[file] = loc
        jobs[file] = _job(file, record_format, rules, plan)
        for k, (a, b) in enumerate(jsonl_byte_ranges(loc.path, range_bytes, fs=loc.fs)):
            ranges.append({"file": file, "k": k, "start": a, "end": b, "index0": 0})
    return jobs, rules_of, ranges, locs


def _job(file: str, record_format: str, rules: list[Any], plan: Any) -> LintJob:
    record = [r for r in rules if r.scope == "record"]
    return LintJob(file, record_format, tuple(r.code for r in record), frozenset(r.code for r in rules),
                   plan.options, plan.severity, any(r.scope == "dataset" for r in rules),
                   modules=tuple(sorted({str(r.func.__module__) for r in record})))


def _lint_stage(ray: Any, ranges: list[dict[str, Any]], jobs: dict[str, LintJob], workers: int, blocks: Any = None,
                locs: dict[str, Location] | None = None, attempts: Any = None) -> Any:
    """The record rules on every range (or block), in actors; materialized in Ray's object store. Workers
    open each file where the driver resolved it (an absolute path or a URI: never their own working folder)."""
    return ray.data.from_items(ranges).map_batches(
        _RangeLinter, fn_constructor_args=(jobs, blocks, locs or {}, attempts), batch_size=1, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=max(1, min(workers, len(ranges)))),
    ).materialize()


def _offsets(linted: Any) -> tuple[dict[tuple[str, int], tuple[int, int]], dict[str, int]]:
    """Where each range's numbering starts (the driver takes two numbers per range) and each file's records."""
    counts = sorted((str(r["file"]), int(r["k"]), int(r["count"]), int(r["lines"]))
                    for r in linted.select_columns(["file", "k", "count", "lines"]).iter_rows())
    offsets: dict[tuple[str, int], tuple[int, int]] = {}
    per_file: dict[str, int] = {}
    index0 = line0 = 0
    current = None
    for file, k, count, lines in counts:
        if file != current:
            current, index0, line0 = file, 0, 0
        offsets[(file, k)] = (index0, line0)
        index0 += count
        line0 += lines
        per_file[file] = index0
    return offsets, per_file


def _reading(linted: Any, offsets: dict[tuple[str, int], tuple[int, int]], files: Sequence[str], result: LintResult) -> tuple[Any, Any]:
    """Internal errors (renumbered) and the dialects and reading notes of each file."""
    from collections import Counter

    dialects: dict[str, Counter[str]] = {f: Counter() for f in files}
    notes: dict[str, Counter[str]] = {f: Counter() for f in files}
    rows = linted.select_columns(["file", "k", "errors", "reading"]).iter_rows()
    for row in sorted(rows, key=lambda r: (str(r["file"]), int(r["k"]))):
        _i0, l0 = offsets[(str(row["file"]), int(row["k"]))]
        result.internal_errors.extend(f"{row['file']}:{line + l0}: {e}" for line, e in pickle.loads(row["errors"]))
        read_as, read_notes = pickle.loads(row["reading"])
        dialects[str(row["file"])].update(read_as)
        notes[str(row["file"])].update(read_notes)
    return dialects, notes


def _grouped(linted: Any, offsets: dict[tuple[str, int], tuple[int, int]], rules_of: dict[str, list[Any]], plan: Any, partitions: int) -> Any:
    """A Dataset of (file, record, blob) rows, the grouped dataset rules' findings; None when none runs.

    TP501-TP503 share one shuffle: ``groupby(["file", "kind", "key"])`` with the kind naming the rule
    (its key: record digest, id or near key), per file as the local engine runs them."""
    from ray.data.expressions import col

    wanted = {r.code for rules in rules_of.values() for r in rules if r.scope == "dataset"}
    kinds = {kind: _group_rule(code, plan.severity) for code, kind in GROUPED.items() if code in wanted}
    if not kinds:
        return None
    keyed = linted.flat_map(_renumbered(offsets)).filter(expr=col("kind").is_in(list(kinds)))

    def by_kind(group: dict[str, Any]) -> dict[str, list[Any]]:
        return kinds[str(group["kind"][0])](group)

    return group_many(keyed, ["file", "kind", "key"], by_kind, partitions, ("file", "record", "blob"))


def _range_findings(offsets: dict[tuple[str, int], tuple[int, int]], g_of: dict[tuple[str, int], int] | None = None) -> Any:
    """map_batches over range rows: each range's record findings renumbered, as one pickled list
    (``g``: the range's part number when ``g_of`` is given)."""

    def fn(batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"g": [], "blob": []}
        for file, k, blob in zip(batch["file"], batch["k"], batch["findings"], strict=True):
            index0, line0 = offsets[(str(file), int(k))]
            out["g"].append(g_of[(str(file), int(k))] if g_of is not None else int(k))
            out["blob"].append(pickle.dumps([f.moved(line0, index0) for f in pickle.loads(blob)]))
        return out

    return fn


def lint_files_ray(
    paths: Sequence[str | os.PathLike[str]],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | None = None,
    options: dict[str, Any] | None = None,
    address: str | None = None,
    workers: int | None = None,
    range_bytes: int | None = None,
    partitions: int | None = None,
    findings_dir: str | os.PathLike[str] | None = None,
) -> LintResult:
    """Lint JSON Lines files on Ray Data; the same findings as :func:`lint_paths`, in the same order.

    With ``findings_dir`` the findings are not gathered: each byte range's findings are written, in
    report order, to ``findings_dir/part-G.jsonl`` (one finding's JSON a line, as ``Finding.to_dict``)
    by a Ray worker, ``result.findings`` stays empty and ``result.counts`` holds the counts."""
    plan = plan_rules(select, ignore, config, options)
    result = LintResult()
    jobs, rules_of, ranges, locs = _plan_lint(paths, plan, config, result, range_bytes or RANGE_BYTES)
    out = locate(findings_dir) if findings_dir is not None else None  # written by workers: never relative to their folder
    ray = init(address)
    ray.data.DataContext.get_current().enable_progress_bars = False
    if out is not None:
        make_folder(out)
    check_visible(ray, [loc.path if loc.fs is None else loc for loc in locs.values()], [out.path] if out is not None and out.fs is None else [])
    if not ranges:
        result.files.extend(FileSummary(file, 0, "jsonl") for file in jobs)
        return result
    n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    attempts = Attempts.open(ray)
    linted = _lint_stage(ray, ranges, jobs, n, locs=locs, attempts=attempts)
    offsets, per_file = _offsets(linted)
    dialects, notes = _reading(linted, offsets, list(jobs), result)
    grouped = _grouped(linted, offsets, rules_of, plan, partitions or n)
    # TP504 ran in the workers (PER_RANGE); the mix rules run here on the sum of the ranges' tallies;
    # a dataset rule this engine does not know runs here on the packed per-record summaries.
    extra: list[Finding] = []
    tallied = {file: [r for r in rules if r.scope == "dataset" and r.code in TALLIED] for file, rules in rules_of.items()}
    if any(tallied.values()):
        extra += _tallied_findings(linted, offsets, tallied, plan, result.internal_errors)
    others = {file: [r for r in rules if r.scope == "dataset" and r.code not in KNOWN] for file, rules in rules_of.items()}
    if any(others.values()):
        extra += _driver_dataset_findings(linted, offsets, others, plan, result.internal_errors)
    order = {file: {r.code: i for i, r in enumerate(rules)} for file, rules in rules_of.items()}
    if out is not None:
        result.counts = _write_findings(ray, linted, grouped, extra, offsets, list(jobs), order, out, partitions or n, attempts)
    else:
        lists = linted.select_columns(["file", "k", "findings"]).map_batches(_range_findings(offsets), batch_format="numpy")
        findings = [f for r in lists.iter_rows() for f in pickle.loads(r["blob"])]
        findings += [pickle.loads(r["blob"]) for r in grouped.iter_rows()] if grouped is not None else []
        findings += extra
        findings.sort(key=lambda f: (list(jobs).index(f.file), f.record, order[f.file].get(f.code, len(order[f.file]))))
        result.findings = findings
    for file in jobs:
        result.files.append(FileSummary(file, per_file.get(file, 0), "jsonl", dict(dialects[file].most_common()), dict(notes[file].most_common())))
    faults = Attempts.faults(ray, attempts)
    result.faults = faults if any(faults.values()) else None  # a run without faults reports as the local engine
    return result


def _write_findings(ray: Any, linted: Any, grouped: Any, extra: list[Finding], offsets: dict[tuple[str, int], tuple[int, int]],
                    files: list[str], order: dict[str, dict[str, int]], folder: Location, partitions: int, attempts: Any = None) -> Any:
    """Write the findings as part files, one per byte range, each in report order; returns their counts.

    ``groupby(range)`` over one row per range (its record findings, one list), one row per grouped
    finding (its range found from its record number) and the driver's findings (a list per range)."""
    from toolproof.validator.engine import FindingCounts

    starts = {f: sorted((i0, k) for (ff, k), (i0, _l0) in offsets.items() if ff == f) for f in files}
    g_of = {key: g for g, key in enumerate(sorted(offsets, key=lambda fk: (files.index(fk[0]), fk[1])))}
    width = max(5, len(str(max(0, len(g_of) - 1))))
    rows = linted.select_columns(["file", "k", "findings"]).map_batches(_range_findings(offsets, g_of), batch_format="numpy")
    if grouped is not None:
        rows = rows.union(grouped.map_batches(_range_of(starts, g_of), batch_format="numpy"))
    if extra:
        by_g: dict[int, list[Finding]] = {}
        for f in extra:
            by_g.setdefault(_g_of_record(starts, g_of, f.file, f.record), []).append(f)
        rows = rows.union(ray.data.from_items([{"g": g, "blob": pickle.dumps(fs)} for g, fs in by_g.items()]))
    written = rows.groupby("g", num_partitions=partitions).map_groups(_findings_writer(folder, order, width, attempts), batch_format="numpy")
    total = FindingCounts()
    for r in written.iter_rows():
        part = pickle.loads(r["counts"])
        total.errors += part.errors
        total.warnings += part.warnings
        total.records_with_errors += part.records_with_errors
        total.codes.update(part.codes)
        total.safe += part.safe
        for code, sev in part.severity.items():
            total.severity.setdefault(code, sev)
    return total


def _g_of_record(starts: dict[str, list[tuple[int, int]]], g_of: dict[tuple[str, int], int], file: str, record: int) -> int:
    """The part number of the byte range record ``record`` of ``file`` is in."""
    import bisect

    s = starts[file]
    at = bisect.bisect_right(s, (record, 1 << 62)) - 1  # a finding on the whole file (record -1): the first range
    return g_of[(file, s[max(0, at)][1])]


def _range_of(starts: dict[str, list[tuple[int, int]]], g_of: dict[tuple[str, int], int]) -> Any:
    """map_batches over grouped findings rows: ``g``, the byte range each finding's record is in, and the finding as a one-item list."""

    def fn(batch: dict[str, Any]) -> dict[str, Any]:
        gs = [_g_of_record(starts, g_of, str(file), int(record)) for file, record in zip(batch["file"], batch["record"], strict=True)]
        return {"g": gs, "blob": [pickle.dumps([pickle.loads(b)]) for b in batch["blob"]]}

    return fn


def _findings_writer(folder: Location, order: dict[str, dict[str, int]], width: int, attempts: Any = None) -> Any:
    """map_groups by range: its findings in report order to ``part-G.jsonl`` (a local folder or
    object storage, written whole); returns their counts."""

    def fn(group: dict[str, Any]) -> dict[str, list[Any]]:
        from toolproof.validator.cleaner import dumps_line
        from toolproof.validator.engine import FindingCounts

        g = int(group["g"][0])
        Attempts.note(attempts, ("findings", g))
        findings = [f for b in group["blob"] for f in pickle.loads(b)]
        findings.sort(key=lambda f: (f.record, order[f.file].get(f.code, len(order[f.file]))))
        counts = FindingCounts()
        lines = []
        for f in findings:
            counts.add(f)
            lines.append(dumps_line(f.to_dict()))
        write_bytes(folder.join(f"part-{g:0{width}d}.jsonl"), b"".join(lines))
        return {"g": [g], "counts": [pickle.dumps(counts)]}

    return fn


def record_format_of(blocks: tuple[list[Any], str]) -> str:
    """The record format ``auto`` reads a Dataset with, as for a file: calls whose arguments are
    JSON objects in the first block make the file canonical (its first 4 MB for a file)."""
    from toolproof.validator.formats import AUTO_OBJECT_ARGS
    from toolproof.validator.io import _OBJECT_ARGS

    ray = init()
    refs, column = blocks
    if not refs:
        return "auto"
    head = "\n".join(str(t) for t in ray.get(refs[0]).column(column).to_pylist()[:20000])[: 4 << 20]
    return AUTO_OBJECT_ARGS if _OBJECT_ARGS.search(head.encode("utf-8", "surrogateescape")) else "auto"


def lint_dataset(
    ds: Any,
    *,
    column: str = "text",
    file: str = "<dataset>",
    input_format: str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | None = None,
    options: dict[str, Any] | None = None,
    workers: int | None = None,
    partitions: int | None = None,
) -> Any:
    """Lint a ``ray.data.Dataset`` of raw JSON lines (column ``column``, e.g. ``ray.data.read_text``'s
    ``text``; parsed in the workers, never through Arrow's schema inference). Returns a Dataset of
    findings, one row each with the columns of ``Finding.to_dict`` (file, line, record, id, code,
    name, severity, path, message, fix). Row ``i`` is record ``i`` on line ``i + 1`` of ``file``.
    Record rules and the dataset rules this engine knows run (TP501-TP504 and the mix rules, these
    on the sum of the blocks' tallies); a plug-in dataset rule does not."""
    from toolproof.validator.io import split_format

    ray = init()
    ray.data.DataContext.get_current().enable_progress_bars = False
    plan = plan_rules(select, ignore, config, options)
    rules = [r for r in rules_for_file(plan, file, config) if r.scope == "record" or r.code in KNOWN]
    blocks, starts = dataset_blocks(ds, column)
    fmt = split_format(input_format)[1] if input_format else record_format_of(blocks)
    if not starts:
        return ray.data.from_items([])
    n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    ranges = [{"file": file, "k": b, "start": b, "end": 0, "index0": s} for b, s in enumerate(starts)]
    linted = _lint_stage(ray, ranges, {file: _job(file, fmt, rules, plan)}, n, blocks)
    offsets = {(file, b): (0, 0) for b in range(len(starts))}  # numbered from each block's first row already
    lists = linted.select_columns(["file", "k", "findings"]).map_batches(_range_findings(offsets), batch_format="numpy")
    found = lists.map_batches(_finding_rows, batch_format="numpy")
    grouped = _grouped(linted, offsets, {file: rules}, plan, partitions or n)
    if grouped is not None:
        found = found.union(grouped.map_batches(_finding_rows, batch_format="numpy"))
    mixed = _tallied_findings(linted, offsets, {file: [r for r in rules if r.code in TALLIED]}, plan, [])
    if mixed:
        found = found.union(ray.data.from_items([{"blob": pickle.dumps(mixed)}]).map_batches(_finding_rows, batch_format="numpy"))
    return found


def _finding_rows(batch: dict[str, Any]) -> dict[str, list[Any]]:
    """Findings rows (the columns of ``Finding.to_dict``) from rows of one pickled finding or list of them."""
    dicts = []
    for b in batch["blob"]:
        got = pickle.loads(b)
        dicts.extend(f.to_dict() for f in (got if isinstance(got, list) else [got]))
    keys = ("file", "line", "record", "id", "code", "name", "severity", "path", "message", "fix")
    return {k: [d[k] for d in dicts] for k in keys}


__all__ = ["GROUPED", "KNOWN", "PER_RANGE", "TALLIED", "Attempts", "ClusterError", "UriError", "group_many", "jsonl_input", "block_units", "check_visible", "dataset_blocks", "init", "kind_is", "lint_dataset", "lint_files_ray", "record_format_of"]
