"""Matching predicted calls against a test record (pure Python).

Two modes, chosen by the record:

* ``possible_answer`` present (BFCL form ``[{func_name: {param: [acceptable values]}}]``): the
  semantics of BFCL's AST checker (``bfcl_eval/eval_checker/ast_eval/ast_checker.py``), re-written
  here so that no heavy dependency is imported: exact function name; every required parameter (from
  the function doc) present; no parameter outside the doc or the answer; a parameter left out only
  where ``""`` is among its acceptable values; strings compared after BFCL's ``standardize_string``
  (lower case, spaces and ``,./-_*^`` removed, ``'`` read as ``"``); an int accepted where the doc
  says float but not the reverse; ``bool`` never an int; lists ordered (element strings
  standardised); dicts key by key; parallel calls order-free but count-exact; an empty answer
  (irrelevance) correct only with no call.
  One deliberate difference: BFCL pairs parallel calls greedily, we search for a full matching
  (the same verdict whenever each output fits at most one answer, which is every BFCL record).
* otherwise ``expected_calls``: structural equality (same names, equal arguments, a numeric value
  equal across int/float where the schema says ``number``, parallel calls as a multiset, no call
  expected means no call made).

Error types: ``no_call``, ``unexpected_call``, ``wrong_count``, ``wrong_func_name``,
``missing_required``, ``unexpected_param``, ``type_error``, ``value_error`` (``None`` when correct).
``schema_violations`` lists predicted arguments that break the tool's JSON Schema (informative, it
does not change ``correct``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ERROR_TYPES: tuple[str, ...] = (
    "no_call",
    "unexpected_call",
    "wrong_count",
    "wrong_func_name",
    "missing_required",
    "unexpected_param",
    "type_error",
    "value_error",
)


@dataclass(slots=True)
class Verdict:
    correct: bool
    error_type: str | None = None
    detail: str = ""
    schema_violations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "error_type": self.error_type,
            "detail": self.detail,
            "schema_violations": list(self.schema_violations),
        }


# ----------------------------------------------------------------------------------- helpers


def tool_functions(tools: Any) -> dict[str, dict[str, Any]]:
    """``{name: {"name", "description", "parameters"}}`` from canonical ``{"type": "function",
    "function": {...}}`` tools, flat ``{"name", "parameters"}`` ones or BFCL ``function`` lists."""
    out: dict[str, dict[str, Any]] = {}
    if isinstance(tools, dict):
        tools = [tools]
    if not isinstance(tools, list):
        return out
    for t in tools:
        if not isinstance(t, dict):
            continue
        f = t.get("function") if isinstance(t.get("function"), dict) else t
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            out.setdefault(f["name"], f)
    return out


def _record_tools(record: Any, tools: Any) -> dict[str, dict[str, Any]]:
    if tools is None and isinstance(record, dict):
        tools = record.get("tools")
        if tools is None:
            tools = record.get("function")
    return tool_functions(tools)


def _find(funcs: dict[str, dict[str, Any]], name: str) -> dict[str, Any] | None:
    if name in funcs:
        return funcs[name]
    alt = name.replace(".", "_")
    return funcs.get(alt)


def _names_equal(predicted: Any, expected: str) -> bool:
    """Exact name, or the same name with ``.`` written ``_`` (BFCL's ``underscore_to_dot`` convention
    for APIs that forbid dots in function names; ``evaluator.bfcl`` renames ``math.factorial`` to
    ``math_factorial`` in the tools, so a model may answer either)."""
    return isinstance(predicted, str) and (
        predicted == expected or predicted.replace(".", "_") == expected.replace(".", "_")
    )


def _as_call(c: Any) -> tuple[Any, Any]:
    if isinstance(c, dict):
        if "name" not in c and isinstance(c.get("function"), dict):
            c = c["function"]
        args = c.get("arguments", c.get("parameters", {}))
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                pass
        return c.get("name"), args
    return None, None


_BFCL_TYPE = {
    "string": "string",
    "integer": "integer",
    "int": "integer",
    "number": "float",
    "float": "float",
    "double": "float",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "tuple",
    "object": "dict",
    "dict": "dict",
    "any": "any",
    "str": "string",
}
_PY_TYPE: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}


def _bfcl_type(schema: Any) -> str | None:
    """The BFCL type name of a property schema (JSON Schema names mapped onto BFCL's)."""
    if not isinstance(schema, dict):
        return None
    orig = schema.get("x-bfcl-type")  # evaluator.bfcl keeps BFCL's own type name where JSON Schema differs
    if isinstance(orig, str) and orig in _BFCL_TYPE:
        return _BFCL_TYPE[orig]
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return _BFCL_TYPE.get(t) if isinstance(t, str) else None


def standardize_string(s: str) -> str:
    """BFCL's normalisation: drop spaces and ``,./-_*^``, lower-case, ``'`` -> ``"``."""
    return re.sub(r"[ \,\.\/\-\_\*\^]", "", s).lower().replace("'", '"')


def _std(v: Any) -> Any:
    return standardize_string(v) if isinstance(v, str) else v


def _short(v: Any, n: int = 80) -> str:
    r = repr(v)
    return r if len(r) <= n else r[: n - 3] + "..."


# ------------------------------------------------------------------------- BFCL (possible_answer)


@dataclass(slots=True)
class _Fail:
    error_type: str
    detail: str


def _answer_type(values: list[Any]) -> type | None:
    for v in values:
        if v != "":
            return type(v)
    return None


def _type_check(param: str, value: Any, answers: list[Any], tdesc: str, expected: type, nested: type | None) -> tuple[_Fail | None, bool]:
    """BFCL ``type_checker``: returns (failure, is_variable)."""
    pa_type = _answer_type(answers)
    is_variable = pa_type is not None and pa_type is not expected
    if type(value) is expected:
        if nested is None:
            return None, is_variable
        for item_answer in answers:
            ok = True
            if type(item_answer) is list:
                for v in value:
                    f, _ = _type_check(param, v, item_answer, nested.__name__, nested, None)
                    if f is not None:
                        ok = False
                        break
            if ok:
                return None, is_variable
        return _Fail("type_error", f"{param!r}: expected {tdesc} of {nested.__name__}, got {_short(value)}"), False
    if pa_type is not None and type(value) is pa_type:
        return None, True
    return _Fail("type_error", f"{param!r}: expected {tdesc}, got {type(value).__name__} {_short(value)}"), False


def _dict_check(param: str, value: dict[str, Any], answers: list[Any]) -> _Fail | None:
    fail = _Fail("value_error", f"{param!r}: {_short(value)} matches no acceptable dict")
    for answer in answers:
        if answer == "" or not isinstance(answer, dict):
            continue
        ok = True
        for k, v in value.items():
            if k not in answer:
                fail = _Fail("value_error", f"{param!r}: unexpected dict key {k!r}")
                ok = False
                break
            acc = answer[k] if isinstance(answer[k], list) else [answer[k]]
            if _std(v) not in [_std(a) for a in acc]:
                fail = _Fail("value_error", f"{param!r}[{k!r}]: {_short(v)} not in {_short(acc)}")
                ok = False
                break
        if ok:
            for k, acc in answer.items():
                if k not in value and "" not in (acc if isinstance(acc, list) else [acc]):
                    fail = _Fail("value_error", f"{param!r}: missing dict key {k!r}")
                    ok = False
                    break
        if ok:
            return None
    return fail


def _list_dict_check(param: str, value: list[Any], answers: list[Any]) -> _Fail | None:
    fail = _Fail("value_error", f"{param!r}: {_short(value)} matches no acceptable list of dicts")
    for answer in answers:
        if not isinstance(answer, list) or len(answer) != len(value):
            fail = _Fail("value_error", f"{param!r}: wrong number of dicts in the list")
            continue
        bad = None
        for v, a in zip(value, answer):
            if not isinstance(v, dict):
                bad = _Fail("type_error", f"{param!r}: list item {_short(v)} is not a dict")
                break
            bad = _dict_check(param, v, [a])
            if bad:
                break
        if bad is None:
            return None
        fail = bad
    return fail


def _list_check(param: str, value: list[Any], answers: list[Any]) -> _Fail | None:
    got = [_std(v) for v in value]
    for answer in answers:
        if isinstance(answer, list) and got == [_std(a) for a in answer]:
            return None
    return _Fail("value_error", f"{param!r}: {_short(value)} not in {_short(answers)}")


def _check_one_bfcl(pred: Any, func_name: str, answer: dict[str, list[Any]], doc: dict[str, Any] | None) -> _Fail | None:
    """BFCL ``simple_function_checker`` for one predicted call against one acceptable answer."""
    name, args = _as_call(pred)
    if not _names_equal(name, func_name):
        return _Fail("wrong_func_name", f"expected {func_name!r}, got {name!r}")
    if not isinstance(args, dict):
        return _Fail("type_error", f"{func_name}: arguments are {type(args).__name__}, not an object")
    params = doc.get("parameters") if isinstance(doc, dict) else None
    props: dict[str, Any] | None = params.get("properties") if isinstance(params, dict) else None
    required: list[str] = []
    if isinstance(params, dict) and isinstance(params.get("required"), list):
        required = [r for r in params["required"] if isinstance(r, str)]
    elif props is None:  # no function doc: every answer parameter without "" is required
        required = [p for p, acc in answer.items() if "" not in acc]
    for p in required:
        if p not in args:
            return _Fail("missing_required", f"{func_name}: missing required parameter {p!r}")
    for p, value in args.items():
        if (props is not None and p not in props) or p not in answer:
            return _Fail("unexpected_param", f"{func_name}: unexpected parameter {p!r}")
        acc = answer[p] if isinstance(answer[p], list) else [answer[p]]
        tdesc = _bfcl_type(props.get(p)) if props is not None else None
        if tdesc is None:  # unknown type: plain value comparison after string normalisation
            if _std(value) not in [_std(a) for a in acc]:
                return _Fail("value_error", f"{func_name}.{p}: {_short(value)} not in {_short(acc)}")
            continue
        expected = _PY_TYPE[tdesc]
        nested: type | None = None
        if tdesc in ("array", "tuple"):
            items = props.get(p, {}).get("items") if props is not None else None
            nt = _bfcl_type(items)
            nested = _PY_TYPE.get(nt) if nt else None
        if tdesc == "tuple" and isinstance(value, tuple):
            value = list(value)
        if tdesc == "float" and type(value) is int:
            value = float(value)
        fail, is_variable = _type_check(f"{func_name}.{p}", value, acc, tdesc, expected, nested)
        if fail:
            return fail
        if not is_variable:
            if expected is dict:
                f = _dict_check(f"{func_name}.{p}", value, acc)
                if f:
                    return f
                continue
            if expected is list and nested is dict:
                f = _list_dict_check(f"{func_name}.{p}", value, acc)
                if f:
                    return f
                continue
            if expected is str:
                if standardize_string(value) not in [standardize_string(a) for a in acc if isinstance(a, str)]:
                    return _Fail("value_error", f"{func_name}.{p}: {_short(value)} not in {_short(acc)}")
                continue
            if expected is list:
                f = _list_check(f"{func_name}.{p}", value, acc)
                if f:
                    return f
                continue
        if value not in acc:
            return _Fail("value_error", f"{func_name}.{p}: {_short(value)} not in {_short(acc)}")
    for p, acc in answer.items():
        if p not in args and "" not in (acc if isinstance(acc, list) else [acc]):
            return _Fail("missing_required", f"{func_name}: parameter {p!r} left out but the answer does not allow omitting it")
    return None


def _assign(n_pred: int, n_exp: int, ok: list[list[bool]]) -> bool:
    """Is there a perfect matching expected[i] -> distinct predicted[j] with ok[i][j]?"""
    owner: list[int] = [-1] * n_pred

    def try_i(i: int, seen: list[bool]) -> bool:
        for j in range(n_pred):
            if ok[i][j] and not seen[j]:
                seen[j] = True
                if owner[j] < 0 or try_i(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(try_i(i, [False] * n_pred) for i in range(n_exp))


def _match_calls(preds: list[Any], expected: list[Any], check: Any) -> Verdict:
    """Order-free, count-exact matching; ``check(pred, i) -> _Fail | None`` for expected item i."""
    if not expected:
        if preds:
            return Verdict(False, "unexpected_call", f"no call expected, {len(preds)} made")
        return Verdict(True)
    if not preds:
        return Verdict(False, "no_call", f"expected {len(expected)} call(s), none made")
    if len(preds) != len(expected):
        return Verdict(False, "wrong_count", f"expected {len(expected)} call(s), got {len(preds)}")
    fails: list[list[_Fail | None]] = [[check(p, i) for p in preds] for i in range(len(expected))]
    ok = [[f is None for f in row] for row in fails]
    if _assign(len(preds), len(expected), ok):
        return Verdict(True)
    # explain: the first expected call no prediction satisfies, against the closest prediction
    rank = {t: k for k, t in enumerate(ERROR_TYPES)}  # later types = closer misses
    for row in fails:
        if all(f is not None for f in row):
            best = max((f for f in row if f is not None), key=lambda f: rank.get(f.error_type, 0))
            return Verdict(False, best.error_type, best.detail)
    first = next(f for row in fails for f in row if f is not None)
    return Verdict(False, first.error_type, "calls match individually but not as a set: " + first.detail)


def _bfcl_answers(pa: Any) -> list[tuple[str, dict[str, list[Any]]]]:
    out: list[tuple[str, dict[str, list[Any]]]] = []
    for item in pa if isinstance(pa, list) else [pa]:
        if isinstance(item, dict):
            for fname, params in item.items():
                out.append((fname, params if isinstance(params, dict) else {}))
    return out


def match_bfcl(predicted_calls: Sequence[Any], possible_answer: Any, funcs: dict[str, dict[str, Any]]) -> Verdict:
    answers = _bfcl_answers(possible_answer)
    preds = list(predicted_calls)

    def check(pred: Any, i: int) -> _Fail | None:
        fname, ans = answers[i]
        return _check_one_bfcl(pred, fname, ans, _find(funcs, fname))

    return _match_calls(preds, answers, check)


# ------------------------------------------------------------------------ structural (expected_calls)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _value_equal(pred: Any, exp: Any, schema: Any) -> _Fail | None:
    t = schema.get("type") if isinstance(schema, dict) else None
    number_ok = t == "number" or (isinstance(t, list) and "number" in t) or t is None
    if _is_num(exp) and _is_num(pred):
        if type(pred) is type(exp) or number_ok:
            return None if pred == exp else _Fail("value_error", f"{_short(pred)} != {_short(exp)}")
        return _Fail("type_error", f"{_short(pred)} is {type(pred).__name__}, expected {type(exp).__name__}")
    if isinstance(exp, dict) and isinstance(pred, dict):
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        if set(pred) != set(exp):
            missing, extra = sorted(set(exp) - set(pred)), sorted(set(pred) - set(exp))
            return _Fail("value_error", f"keys differ (missing {missing}, extra {extra})")
        for k in exp:
            f = _value_equal(pred[k], exp[k], props.get(k) if isinstance(props, dict) else None)
            if f:
                return _Fail(f.error_type, f"[{k!r}] {f.detail}")
        return None
    if isinstance(exp, list) and isinstance(pred, list):
        if len(pred) != len(exp):
            return _Fail("value_error", f"list of {len(pred)} items, expected {len(exp)}")
        items = schema.get("items") if isinstance(schema, dict) else None
        for k, (a, b) in enumerate(zip(pred, exp)):
            f = _value_equal(a, b, items)
            if f:
                return _Fail(f.error_type, f"[{k}] {f.detail}")
        return None
    if type(pred) is not type(exp):
        return _Fail("type_error", f"{_short(pred)} is {type(pred).__name__}, expected {type(exp).__name__} {_short(exp)}")
    return None if pred == exp else _Fail("value_error", f"{_short(pred)} != {_short(exp)}")


def _check_one_structural(pred: Any, exp: Any, funcs: dict[str, dict[str, Any]]) -> _Fail | None:
    ename, eargs = _as_call(exp)
    name, args = _as_call(pred)
    if name != ename:
        return _Fail("wrong_func_name", f"expected {ename!r}, got {name!r}")
    if not isinstance(args, dict):
        return _Fail("type_error", f"{name}: arguments are {type(args).__name__}, not an object")
    eargs = eargs if isinstance(eargs, dict) else {}
    doc = _find(funcs, str(ename))
    params = doc.get("parameters") if isinstance(doc, dict) else None
    props = params.get("properties", {}) if isinstance(params, dict) else {}
    props = props if isinstance(props, dict) else {}
    for p in eargs:
        if p not in args:
            return _Fail("missing_required", f"{name}: missing parameter {p!r}")
    for p in args:
        if p not in eargs:
            return _Fail("unexpected_param", f"{name}: unexpected parameter {p!r}")
    for p, v in eargs.items():
        f = _value_equal(args[p], v, props.get(p))
        if f:
            return _Fail(f.error_type, f"{name}.{p}: {f.detail}")
    return None


def match_structural(predicted_calls: Sequence[Any], expected_calls: Sequence[Any], funcs: dict[str, dict[str, Any]]) -> Verdict:
    exp = list(expected_calls)
    return _match_calls(list(predicted_calls), exp, lambda p, i: _check_one_structural(p, exp[i], funcs))


# ----------------------------------------------------------------------------------- schema


_STD_TYPE = {"dict": "object", "float": "number", "tuple": "array", "int": "integer", "str": "string",
             "bool": "boolean", "list": "array", "double": "number"}


def standard_schema(schema: Any) -> Any:
    """BFCL / loose type names (``dict``, ``float``, ``tuple``, ``any``) -> JSON Schema."""
    if isinstance(schema, list):
        return [standard_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "type" and isinstance(v, str):
            if v == "any":
                continue
            out[k] = _STD_TYPE.get(v, v)
        elif k in ("properties", "$defs", "definitions", "patternProperties") and isinstance(v, dict):
            out[k] = {pk: standard_schema(pv) for pk, pv in v.items()}
        elif k in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not", "prefixItems"):
            out[k] = standard_schema(v)
        else:
            out[k] = v
    return out


def schema_violations(predicted_calls: Sequence[Any], funcs: dict[str, dict[str, Any]]) -> list[str]:
    """Messages for predicted arguments that break their tool's JSON Schema (jsonschema)."""
    out: list[str] = []
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is a core dependency
        return out
    for k, pred in enumerate(predicted_calls):
        name, args = _as_call(pred)
        if not isinstance(name, str):
            continue
        doc = _find(funcs, name)
        if doc is None:
            out.append(f"call {k}: {name!r} is not one of the offered tools")
            continue
        schema = standard_schema(doc.get("parameters"))
        if not isinstance(schema, dict):
            continue
        try:
            cls = jsonschema.validators.validator_for(schema)
            validator = cls(schema)
            errors = sorted(validator.iter_errors(args), key=lambda e: list(e.path))
        except Exception:  # an invalid schema is the linter's business (TP401), not the matcher's
            continue
        for e in errors[:5]:
            out.append(f"call {k} {name}: {e.json_path}: {e.message}")
    return out


# ------------------------------------------------------------------------------------- entry


def match(predicted_calls: Sequence[Any] | None, record: Any, tools: Any = None) -> Verdict:
    """Judge ``predicted_calls`` (flat ``{"name", "arguments"}`` dicts) against a test record.

    Uses ``record["possible_answer"]`` (BFCL semantics) when present, else
    ``record["expected_calls"]`` (structural). ``tools`` overrides ``record["tools"]``.
    """
    preds = list(predicted_calls or [])
    funcs = _record_tools(record, tools)
    rec = record if isinstance(record, dict) else {}
    if rec.get("possible_answer") is not None:
        verdict = match_bfcl(preds, rec["possible_answer"], funcs)
    else:
        expected = rec.get("expected_calls")
        verdict = match_structural(preds, expected if isinstance(expected, list) else [], funcs)
    if preds and funcs:
        verdict.schema_violations = schema_violations(preds, funcs)
    return verdict


__all__ = [
    "ERROR_TYPES",
    "Verdict",
    "match",
    "match_bfcl",
    "match_structural",
    "schema_violations",
    "standard_schema",
    "standardize_string",
    "tool_functions",
]
