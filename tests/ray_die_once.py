"""A test-only rule whose process dies once: a record holding ``die-once:PATH`` kills the process that
checks it (``os._exit``), unless PATH exists; it creates PATH first, so the retry lives. The Ray fault
tests register it in the driver (importing this module) and Ray workers import it by name, as they
import any plug-in rule's module."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

from toolproof.validator.findings import Hit
from toolproof.validator.rules.base import Context, rule

CODE, NAME = "TP998", "test-worker-dies-once"
_MARK = re.compile(r"die-once:([^\"\s]+)")


@rule(CODE, NAME, family="test")
def worker_dies_once(record: Any, ctx: Context) -> Iterator[Hit]:
    """Kills its process the first time it sees a record naming a marker file that does not exist yet."""
    m = _MARK.search(json.dumps(record))
    if m and not os.path.exists(m.group(1)):
        with open(m.group(1), "w", encoding="utf-8") as f:
            f.write(str(os.getpid()))
        os._exit(1)
    yield from ()
