"""Rules emitted by the reader (``validator/io.py``), registered here for their docs.

The functions never yield: a record that reached a rule has already been parsed.
The reader creates these findings itself while it reads the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from toolproof.validator.findings import FixSafety, Hit, Severity
from toolproof.validator.rules.base import Context, rule


@rule("TP001", "invalid-json", severity=Severity.ERROR, fix=FixSafety.NONE, family="reader")
def invalid_json(record: Any, ctx: Context) -> Iterator[Hit]:
    """A record (JSON Lines line, array element or CSV/Parquet row) that does not parse.

    ## What it does
    Reports each record the reader cannot turn into a JSON value: a syntax error, a
    truncated line (the file ends mid-record), invalid UTF-8, a NUL byte, nesting deeper
    than 1024 levels, a CSV cell of a JSON column (`messages`, `tools`, ...) that does not
    parse (the message names the column), a CSV row with the wrong number of cells, or a
    top-level array that is not closed. The finding gives the line where the record starts
    and the parser's reason.

    ## Why is this bad?
    Trainers either crash on such a line or, worse, skip it silently; in both cases the
    dataset you think you train on is not the one you train on.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "hi"}
    ```

    ## Use instead
    ```jsonl
    {"messages": [{"role": "user", "content": "hi"}]}
    ```

    ## Fix safety
    No fix: `toolproof clean` quarantines the record with its raw text and the reason.
    """
    return iter(())

@rule("TP010", "byte-order-mark", severity=Severity.WARNING, fix=FixSafety.SAFE, family="reader")
def byte_order_mark(record: Any, ctx: Context) -> Iterator[Hit]:
    """The file starts with a UTF-8 byte-order mark.

    ## What it does
    Reports a file whose first bytes are `EF BB BF`. toolproof still reads it; the
    finding is attached to the first record.

    ## Why is this bad?
    Many JSON Lines readers (`json.loads` on the first line, `jq`, some `datasets`
    versions) fail on the first record or read a key named `\\ufeffid`.

    ## Example
    A file saved by an editor as "UTF-8 with BOM".

    ## Use instead
    Save it as plain UTF-8.

    ## Fix safety
    Safe: the cleaner writes its output without the mark.
    """
    return iter(())


@rule("TP011", "duplicate-key", severity=Severity.ERROR, fix=FixSafety.NONE, family="reader")
def duplicate_key(record: Any, ctx: Context) -> Iterator[Hit]:
    """A JSON object that has the same key more than once.

    ## What it does
    Reports each repeated key with the path of the key and how many times it appears,
    e.g. `$.id` for `{"id": "a", "id": "b", ...}`. The check is cheap: a record is parsed a
    second time (with `json`'s `object_pairs_hook`) only when its text holds more key ends
    than its parsed value.

    ## Why is this bad?
    JSON leaves the meaning of repeated keys open. Python's `json`, orjson and `datasets`
    keep the last value; other parsers keep the first or refuse the record. The record's id,
    a role or an argument silently changes depending on which stack reads the file.

    ## Example
    ```jsonl
    {"id": "a", "id": "b", "messages": [{"role": "user", "content": "hi"}]}
    ```

    ## Use instead
    ```jsonl
    {"id": "a", "messages": [{"role": "user", "content": "hi"}]}
    ```

    ## Fix safety
    No fix: which value was meant cannot be known. `toolproof clean` quarantines the record
    with its exact bytes; `toolproof fix` leaves the line as it is.
    """
    return iter(())


@rule("TP013", "nested-too-deeply", severity=Severity.ERROR, fix=FixSafety.NONE, family="reader")
def nested_too_deeply(record: Any, ctx: Context) -> Iterator[Hit]:
    """A record whose objects and arrays nest more than 200 levels deep.

    ## What it does
    Reports a record that parses but nests deeper than `MAX_NESTING` (200) levels anywhere:
    a parameters schema of a thousand nested `properties`, an argument value of a thousand
    nested lists. The reader counts the depth without recursion (only when the record's text
    holds that many brackets) and does not read the record: no rule, repair or summary walks it.

    ## Why is this bad?
    No tool schema or call needs such depth; it is a bug of a generator or a hostile input.
    Walking it makes recursive code (jsonschema, `json.dumps`, chat templates, trainers)
    crash, and a crash in a lint gate must never let a record through unchecked.

    ## Example
    ```jsonl
    {"messages": [...], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "object", "properties": {"a": ...}}}}}}]}
    ```
    (the `properties` go 1,000 levels down)

    ## Use instead
    A schema a few levels deep; a deeply recursive structure as a JSON string.

    ## Fix safety
    No fix: `toolproof clean` quarantines the record with its exact bytes and this reason;
    `toolproof fix` leaves the line as it is.
    """
    return iter(())

