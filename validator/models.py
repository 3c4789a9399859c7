"""Pydantic v2 models of the canonical toolproof record (see docs/ARCHITECTURE.md).

These document the record shape and give library users typed access; the lint hot path never uses
them (rules read plain dicts). Unknown fields are kept (``extra="allow"``), as the record format
allows extra fields. ``schemas/record.schema.json`` describes the same shape as JSON Schema.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

Role = Literal["system", "user", "assistant", "tool"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class FunctionCall(_Model):
    """The ``function`` of a structured call: a name and an arguments object."""

    name: StrictStr = Field(min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolCall(_Model):
    """One entry of an assistant message's ``tool_calls``."""

    id: StrictStr | None = None
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(_Model):
    role: Role
    content: StrictStr | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: StrictStr | None = None
    name: StrictStr | None = None


class FunctionDef(_Model):
    """A tool's definition: ``parameters`` is a JSON Schema for the arguments object."""

    name: StrictStr = Field(min_length=1)
    description: StrictStr | None = None
    parameters: dict[str, Any] | None = None


class Tool(_Model):
    type: Literal["function"] = "function"
    function: FunctionDef


class ExpectedCall(_Model):
    """A call in the flat evaluator form ``{"name", "arguments"}`` (test sets)."""

    name: StrictStr = Field(min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)


class Record(_Model):
    id: StrictStr | int | None = None
    messages: list[Message] = Field(min_length=1)
    tools: list[Tool] | None = None
    expected_calls: list[ExpectedCall] | None = None
    possible_answer: list[dict[str, dict[str, list[Any]]]] | None = None
    category: StrictStr | None = None


__all__ = ["ExpectedCall", "FunctionCall", "FunctionDef", "Message", "Record", "Role", "Tool", "ToolCall"]
