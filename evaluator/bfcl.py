"""Import BFCL (Berkeley Function-Calling Leaderboard) categories as canonical test records.

Pure Python: reads the JSON-lines files shipped in the ``bfcl-eval`` wheel
(``bfcl_eval/data/BFCL_v4_<category>.json`` and ``possible_answer/BFCL_v4_<category>.json``).

Each record becomes::

    {"id": <BFCL id>, "category": <category>,
     "messages": <the first turn's messages>,
     "tools": [{"type": "function", "function": {"name": "math_factorial", "x-bfcl-name": "math.factorial",
                "description": ..., "parameters": <JSON Schema>}}],
     "possible_answer": <BFCL ground truth, names mapped like the tools>,
     "expected_calls": [<one concrete acceptable call set>]}

BFCL's Python-ish type names are mapped to JSON Schema recursively (``dict`` -> ``object``,
``float`` -> ``number``, ``tuple`` -> ``array``, ``any`` -> no ``type``); the original is kept as
``x-bfcl-type`` where it differs. Function names that are not valid tool names (dots, spaces) are
made valid (``.`` -> ``_``) and the original kept in ``x-bfcl-name``.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from toolproof.validator.errors import ToolproofError

CATEGORIES: tuple[str, ...] = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "irrelevance",
    "live_irrelevance",
)
IRRELEVANCE: frozenset[str] = frozenset({"irrelevance", "live_irrelevance"})
ALIASES: dict[str, str] = {"simple": "simple_python"}

_TYPE_MAP: dict[str, str | None] = {
    "dict": "object",
    "float": "number",
    "double": "number",
    "tuple": "array",
    "list": "array",
    "int": "integer",
    "str": "string",
    "bool": "boolean",
    "any": None,
}
_NAME_OK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]")


class BfclError(ToolproofError):
    """BFCL data missing or malformed (the message names the file and line)."""


def data_dir() -> Path:
    """The ``data`` folder of the installed ``bfcl-eval`` package."""
    try:
        spec = importlib.util.find_spec("bfcl_eval")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise BfclError("bfcl-eval is not installed (pip install bfcl-eval, or the dev extra)")
    d = Path(list(spec.submodule_search_locations)[0]) / "data"
    if not d.is_dir():
        raise BfclError(f"bfcl-eval has no data folder at {d}")
    return d


def resolve_categories(categories: list[str] | tuple[str, ...]) -> list[str]:
    """Expand ``all`` and aliases, keep order, drop repeats; unknown names raise BfclError."""
    out: list[str] = []
    for c in categories:
        c = ALIASES.get(c.strip(), c.strip())
        names = list(CATEGORIES) if c == "all" else [c]
        for n in names:
            if n not in CATEGORIES:
                raise BfclError(f"unknown BFCL category {c!r}; choose from: all, {', '.join(CATEGORIES)}")
            if n not in out:
                out.append(n)
    return out


def valid_name(name: str) -> str:
    """A tool name OpenAI-style APIs and templates accept: ``.`` and other characters -> ``_``."""
    if _NAME_OK.match(name):
        return name
    return _NAME_BAD.sub("_", name)[:64] or "_"


def map_schema(schema: Any) -> Any:
    """BFCL parameter schema -> JSON Schema, recursively through properties / items."""
    if isinstance(schema, list):
        return [map_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "type" and isinstance(v, str):
            if v in _TYPE_MAP:
                mapped = _TYPE_MAP[v]
                if mapped is not None:
                    out["type"] = mapped
                if v not in ("int", "str", "bool", "list", "dict"):  # keep what JSON Schema cannot say
                    out["x-bfcl-type"] = v
            else:
                out["type"] = v
        elif k in ("properties", "patternProperties", "$defs", "definitions") and isinstance(v, dict):
            out[k] = {pk: map_schema(pv) for pk, pv in v.items()}
        elif k in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not", "prefixItems"):
            out[k] = map_schema(v)
        else:
            out[k] = v
    # BFCL puts the allowed values of an array's items on the array itself.
    if out.get("type") == "array" and "enum" in out and isinstance(out.get("items"), dict) and "enum" not in out["items"]:
        out["items"] = {**out["items"], "enum": out.pop("enum")}
    return out


def _tool(fn: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    f: dict[str, Any] = {"name": names[fn["name"]]}
    if names[fn["name"]] != fn["name"]:
        f["x-bfcl-name"] = fn["name"]
    for k, v in fn.items():
        if k == "name":
            continue
        f[k] = map_schema(v) if k == "parameters" else v
    return {"type": "function", "function": f}


def _name_map(functions: list[dict[str, Any]], answer_names: list[str]) -> dict[str, str]:
    """Original -> valid name, unique within the record."""
    out: dict[str, str] = {}
    used: set[str] = set()
    originals = [f["name"] for f in functions] + [n for n in answer_names if n not in {f["name"] for f in functions}]
    for n in originals:  # valid names keep themselves first
        if _NAME_OK.match(n) and n not in out:
            out[n] = n
            used.add(n)
    for n in originals:
        if n in out:
            continue
        cand = valid_name(n)
        base, k = cand, 2
        while cand in used:
            cand = f"{base}_{k}"
            k += 1
        out[n] = cand
        used.add(cand)
    return out


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list, tuple), "object": (dict,),
}


def _fits(value: Any, schema: Any) -> bool:
    """A light check (type and enum) to prefer acceptable values the tool's schema allows."""
    if not isinstance(schema, dict):
        return True
    t = schema.get("type")
    if isinstance(t, str) and t in _PY_TYPES:
        if isinstance(value, bool) and t in ("integer", "number"):
            return False
        if not isinstance(value, _PY_TYPES[t]):
            return False
    if isinstance(schema.get("enum"), list) and not isinstance(value, (list, dict)) and value not in schema["enum"]:
        return False
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, dict):
        return all(_fits(x, items) for x in value)
    return True


def _concrete(acceptable: list[Any], required: bool, schema: Any = None) -> tuple[bool, Any]:
    """(present, value) for one parameter's list of acceptable values: the first one the schema
    allows (else the first), nothing when it may be omitted and is not required."""
    real = [v for v in acceptable if v != ""]
    if not real or ("" in acceptable and not required):
        return False, None
    values = [_concrete_value(v, schema) for v in real]
    return True, next((v for v in values if _fits(v, schema)), values[0])


def _concrete_value(v: Any, schema: Any = None) -> Any:
    # Nested answers: a dict parameter's acceptable value is a dict of lists of acceptable values.
    schema = schema if isinstance(schema, dict) else {}
    if isinstance(v, dict) and v and all(isinstance(x, list) for x in v.values()):
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        req = set(schema.get("required") or []) if isinstance(schema.get("required"), list) else set()
        out = {}
        for k, acc in v.items():
            present, val = _concrete(acc, k in req, props.get(k))
            if present:
                out[k] = val
        return out
    if isinstance(v, list) and v and all(isinstance(x, dict) and x and all(isinstance(y, list) for y in x.values()) for x in v):
        return [_concrete_value(x, schema.get("items")) for x in v]
    return v


def expected_from_answer(possible_answer: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One concrete acceptable call set: the first acceptable value of each parameter; parameters
    that may be omitted ("" among the values) are left out unless the tool requires them."""
    required: dict[str, set[str]] = {}
    props: dict[str, dict[str, Any]] = {}
    for t in tools:
        fn = t["function"]
        params = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
        req = params.get("required") if isinstance(params.get("required"), list) else []
        required[fn["name"]] = {r for r in req if isinstance(r, str)}
        props[fn["name"]] = params.get("properties") if isinstance(params.get("properties"), dict) else {}
    calls = []
    for item in possible_answer:
        for name, params in item.items():
            args = {}
            for p, acc in (params or {}).items():
                acc_list = acc if isinstance(acc, list) else [acc]
                present, val = _concrete(acc_list, p in required.get(name, set()), props.get(name, {}).get(p))
                if present:
                    args[p] = val
            calls.append({"name": name, "arguments": args})
    return calls


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise BfclError(f"{path}:{i}: not valid JSON ({e})") from None
            if not isinstance(obj, dict) or "id" not in obj:
                raise BfclError(f"{path}:{i}: expected an object with an 'id'")
            rows.append((i, obj))
    return rows


def convert_entry(entry: dict[str, Any], category: str, ground_truth: list[dict[str, Any]] | None,
                  where: str = "") -> dict[str, Any]:
    """One BFCL question (+ its ground truth) -> a canonical test record."""
    q = entry.get("question")
    if not isinstance(q, list) or not q:
        raise BfclError(f"{where}: field 'question' must be a non-empty list of turns")
    first = q[0]
    messages = first if isinstance(first, list) else [first]
    if not all(isinstance(m, dict) and "role" in m for m in messages):
        raise BfclError(f"{where}: field 'question[0]' must hold messages with a 'role'")
    functions = entry.get("function")
    if not isinstance(functions, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in functions):
        raise BfclError(f"{where}: field 'function' must be a list of objects with a 'name'")
    gt = ground_truth or []
    answer_names = [n for item in gt if isinstance(item, dict) for n in item]
    names = _name_map(functions, answer_names)
    tools = [_tool(f, names) for f in functions]
    possible = [{names.get(n, n): params for n, params in item.items()} for item in gt if isinstance(item, dict)]
    rec: dict[str, Any] = {
        "id": entry["id"],
        "category": category,
        "messages": [dict(m) for m in messages],
        "tools": tools,
        "possible_answer": possible,
        "expected_calls": [] if category in IRRELEVANCE else expected_from_answer(possible, tools),
    }
    return rec


def load_bfcl(categories: list[str] | tuple[str, ...] | str, limit: int | None = None) -> list[dict[str, Any]]:
    """Canonical test records for BFCL ``categories`` (at most ``limit`` per category), in file order."""
    cats = resolve_categories([categories] if isinstance(categories, str) else list(categories))
    base = data_dir()
    out: list[dict[str, Any]] = []
    for cat in cats:
        qfile = base / f"BFCL_v4_{cat}.json"
        if not qfile.is_file():
            raise BfclError(f"BFCL file not found: {qfile}")
        answers: dict[str, list[dict[str, Any]]] = {}
        afile = base / "possible_answer" / f"BFCL_v4_{cat}.json"
        if cat not in IRRELEVANCE:
            if not afile.is_file():
                raise BfclError(f"BFCL answer file not found: {afile}")
            for i, row in _read_jsonl(afile):
                gt = row.get("ground_truth")
                if not isinstance(gt, list):
                    raise BfclError(f"{afile}:{i}: field 'ground_truth' must be a list")
                answers[str(row["id"])] = gt
        for n, (i, entry) in enumerate(_read_jsonl(qfile)):
            if limit is not None and n >= limit:
                break
            rid = str(entry["id"])
            if cat not in IRRELEVANCE and rid not in answers:
                raise BfclError(f"{qfile}:{i}: no ground truth for id {rid!r} in {afile}")
            out.append(convert_entry(entry, cat, answers.get(rid), where=f"{qfile}:{i}"))
    return out


__all__ = [
    "CATEGORIES",
    "BfclError",
    "convert_entry",
    "data_dir",
    "expected_from_answer",
    "load_bfcl",
    "map_schema",
    "resolve_categories",
    "valid_name",
]
