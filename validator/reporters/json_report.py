"""The JSON report (``--format json``): a stable, versioned shape."""

from __future__ import annotations

from typing import Any

import orjson

from toolproof.validator.engine import LintResult

VERSION = 1


def to_dict(result: LintResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "files": [{"path": f.path, "records": f.records, "dialects": dict(getattr(f, "dialects", {}) or {})} for f in result.files],
        "findings": [f.to_dict() for f in result.findings],
        "summary": {
            "records": result.records,
            "records_with_errors": result.records_with_errors,
            "errors": result.error_count,
            "warnings": result.warning_count,
            "by_code": result.by_code,
        },
        # files that could not be read at all (exit 2), one message each naming the file
        "errors": list(result.errors),
    }


def render(result: LintResult, **_: Any) -> str:
    return orjson.dumps(to_dict(result), option=orjson.OPT_INDENT_2).decode() + "\n"
