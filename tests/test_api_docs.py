"""docs/API.md's examples run (issue 34): every ```python block, in order, in one namespace, in a
temporary folder; and the top-level API stays lazy (``import toolproof`` loads no rules and no torch)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

API_MD = Path(__file__).resolve().parents[1] / "docs" / "API.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", API_MD.read_text(encoding="utf-8"), flags=re.S)


def test_api_page_has_examples_for_every_function() -> None:
    code = "\n".join(_blocks())
    for name in ("lint", "clean", "convert", "score"):
        assert f"toolproof.{name}(" in code, name


def test_api_page_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no [tool.toolproof] from the checkout
    namespace: dict[str, object] = {"__name__": "api_docs"}
    for k, block in enumerate(_blocks()):
        try:
            exec(compile(block, f"docs/API.md block {k + 1}", "exec"), namespace)  # noqa: S102
        except Exception as e:  # name the block that broke
            raise AssertionError(f"docs/API.md block {k + 1} failed: {type(e).__name__}: {e}\n{block}") from e
    assert "TP006" in capsys.readouterr().out


def test_import_toolproof_is_light() -> None:
    code = ("import sys, toolproof; heavy = [m for m in ('torch', 'transformers', 'toolproof.api', "
            "'toolproof.validator.engine', 'toolproof.evaluator') if m in sys.modules]; print(heavy); "
            "toolproof.lint; print('torch' in sys.modules, 'toolproof.api' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]", out
    assert out[1] == "False True", out


def test_top_level_names_are_the_documented_ones() -> None:
    import toolproof
    from toolproof.validator import api

    assert toolproof.lint is api.lint and toolproof.clean is api.clean and toolproof.convert is api.convert
    assert callable(toolproof.score)
    assert {"lint", "clean", "convert", "score"} <= set(dir(toolproof))
    with pytest.raises(AttributeError):
        toolproof.no_such_name  # noqa: B018


def test_py_typed_ships() -> None:
    root = Path(__file__).resolve().parents[1]
    assert (root / "toolproof" / "py.typed").is_file()
    assert '"toolproof" = ["py.typed"]' in (root / "pyproject.toml").read_text()


class FakeDataset:
    """What the API needs of a datasets.Dataset: column_names, features, rows as dicts (Arrow pads
    missing keys with None, which the API removes as `lint hf://` does)."""

    column_names = ["messages"]
    features: dict[str, object] = {"messages": None}

    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)


def test_dataset_rows_are_read_back_from_arrow() -> None:
    import toolproof

    rows = [{"messages": [{"role": "user", "content": "hi", "tool_calls": None, "tool_call_id": None},
                          {"role": "assistant", "content": "hello", "tool_calls": None, "tool_call_id": None}],
             "tools": None}]
    result = toolproof.lint(FakeDataset(rows))
    assert result.records == 1 and result.error_count == 0, [f.message for f in result.findings]
    assert toolproof.convert(FakeDataset(rows)).records == [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}]


def test_wrong_inputs_say_what_to_pass() -> None:
    import toolproof

    with pytest.raises(TypeError, match="one record"):
        toolproof.lint({"messages": []})
    with pytest.raises(TypeError, match="expected a path"):
        toolproof.lint(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown target format"):
        toolproof.convert([], to="alpaca")
