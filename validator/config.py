"""`[tool.toolproof]` configuration from the nearest pyproject.toml.

```toml
[tool.toolproof]
select = ["TP"]                 # codes, code prefixes ("TP3") or rule names; "ALL"
ignore = ["TP404"]
per-file-ignores = {"data/legacy/*.jsonl" = ["TP404", "TP5"]}
severity = {"TP404" = "error"}  # error | warning | info
min-kept = 0.9                  # clean / convert exit 1 when they keep a smaller share of the records

[tool.toolproof.mix]            # thresholds of the mix rules TP701-TP705
min-no-call-share = 0.10
```

An unknown key is a :class:`ConfigError` naming the file, the key and the nearest valid key (a
misspelled ``ignore`` silently ignored would lint with rules the user meant to turn off); so is a bad
value. ``Config.extra`` holds the sub-tables other parts read (``mix``).
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from toolproof.validator.errors import ConfigError
from toolproof.validator.findings import Severity

LINT_KEYS = ("select", "ignore", "per-file-ignores", "severity")
#: Every key ``[tool.toolproof]`` may hold (``per_file_ignores`` is accepted for ``per-file-ignores``).
CONFIG_KEYS = (*LINT_KEYS, "per_file_ignores", "mix")


def unknown_key(key: str, where: str, known: tuple[str, ...] = CONFIG_KEYS) -> ConfigError:
    """The error for a key no part reads, naming the nearest valid key when one is close."""
    import difflib

    near = difflib.get_close_matches(key, known, n=1, cutoff=0.6) or difflib.get_close_matches(
        key.replace("_", "-").lower(), known, n=1, cutoff=0.5)
    hint = f"did you mean {near[0]!r}?" if near else "valid keys: " + ", ".join(k for k in known if k != "per_file_ignores")
    return ConfigError(f"{where}: unknown key {key!r}; {hint}")


@dataclass
class Config:
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    min_kept: float | None = None  # `min-kept`: the least share of records clean / convert may keep
    path: Path | None = None  # the file it came from
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def ignores_for(self, file: str) -> list[str]:
        """Codes ignored for ``file`` by per-file-ignores (globs relative to the config's folder)."""
        if not self.per_file_ignores:
            return []
        p = Path(file)
        cands = {p.as_posix(), p.name}
        try:
            cands.add(p.resolve().relative_to(self.root.resolve()).as_posix())
        except ValueError:
            pass
        out: list[str] = []
        for pattern, codes in self.per_file_ignores.items():
            if any(fnmatch.fnmatch(c, pattern) or PurePath(c).match(pattern) for c in cands):
                out.extend(codes)
        return out


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.toolproof]`` table, from ``start`` upward."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        cand = d / "pyproject.toml"
        if cand.is_file():
            try:
                data = tomllib.loads(cand.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "toolproof" in data["tool"]:
                return cand
    return None


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of rule codes or names")
    return list(value)


def parse_config(table: dict[str, Any], path: Path | None = None) -> Config:
    src = str(path) if path else "<config>"
    cfg = Config(path=path)
    for key, value in table.items():
        where = f"{src}: [tool.toolproof] {key}"
        if key == "select":
            cfg.select = _str_list(value, where)
        elif key == "ignore":
            cfg.ignore = _str_list(value, where)
        elif key in ("per-file-ignores", "per_file_ignores"):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of glob = [codes]")
            cfg.per_file_ignores = {str(k): _str_list(v, f"{where}.{k}") for k, v in value.items()}
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of code = \"error\"|\"warning\"|\"info\"")
            for code, sev in value.items():
                try:
                    cfg.severity[str(code)] = Severity(str(sev).lower())
                except ValueError:
                    raise ConfigError(f"{where}.{code}: {sev!r} is not error, warning or info") from None
        elif key in ("min-kept", "min_kept"):  # validator.keep: a kept share too low is a failed run
            from toolproof.validator.keep import check_share

            try:
                cfg.min_kept = check_share(value, where)
            except ValueError as e:
                raise ConfigError(str(e)) from None
        elif key == "mix":  # the mix rules' thresholds (validator.rules.mix.MIX_DEFAULTS)
            from toolproof.validator.rules.mix import mix_options

            try:
                cfg.extra["mix"] = mix_options(value, where)
            except ValueError as e:
                raise ConfigError(str(e)) from None
        else:
            raise unknown_key(str(key), f"{src}: [tool.toolproof]")
    validate_selectors(cfg)
    return cfg


def load_config(path: str | os.PathLike[str] | None = None, *, start: str | os.PathLike[str] | None = None) -> Config:
    """Load ``path`` (a pyproject.toml or a toolproof.toml), or the nearest pyproject.toml.

    No config anywhere gives the defaults.
    """
    if path is None:
        found = find_config(start)
        if found is None:
            return Config()
        p = found
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{path}: no such config file")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: invalid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: cannot read: {e}") from None
    tool = data.get("tool", {})
    if isinstance(tool, dict) and "toolproof" in tool:
        table = tool["toolproof"]
    elif p.name != "pyproject.toml":
        table = data  # a toolproof.toml holds the keys at top level
    else:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{p}: [tool.toolproof] must be a table")
    return parse_config(table, p)


# --------------------------------------------------------------------------- selectors


def resolve_selector(sel: str, codes: list[str], names: dict[str, str]) -> set[str]:
    """Codes matched by one selector: "ALL", an exact code, a code prefix or a rule name."""
    s = sel.strip()
    if s.upper() == "ALL":
        return set(codes)
    if s in names:
        return {names[s]}
    up = s.upper()
    if up.startswith("TP"):
        matched = {c for c in codes if c.startswith(up)}
        if matched:
            return matched
    raise ValueError(f"unknown rule code or name {sel!r}")


def _registry() -> tuple[list[str], dict[str, str]]:
    import toolproof.validator.rules.reader  # noqa: F401  (TP001/TP010)
    from toolproof.validator.rules.base import all_rules

    rules = all_rules()
    return [r.code for r in rules], {r.name: r.code for r in rules}


def validate_selectors(cfg: Config) -> None:
    codes, names = _registry()
    src = str(cfg.path) if cfg.path else "<config>"
    groups: list[tuple[str, list[str]]] = [("select", cfg.select or []), ("ignore", cfg.ignore)]
    groups += [(f"per-file-ignores.{k}", v) for k, v in cfg.per_file_ignores.items()]
    groups += [("severity", list(cfg.severity))]
    for key, sels in groups:
        for sel in sels:
            try:
                resolve_selector(sel, codes, names)
            except ValueError as e:
                raise ConfigError(f"{src}: [tool.toolproof] {key}: {e}") from None


__all__ = ["Config", "ConfigError", "find_config", "load_config", "parse_config", "resolve_selector"]
