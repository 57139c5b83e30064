"""Convert the CTranslate2 Whisper model folder into an openai-whisper PyTorch checkpoint.

The openai-whisper engine needs a ``.pt`` checkpoint, but the only weights available offline are
the CTranslate2 conversion provisioned by :mod:`indexer.whisper_models`. This module reads
``model.bin`` directly (no ctranslate2 import), maps the variables back to openai-whisper's
parameter names and writes ``{"dims", "model_state_dict", "alignment_heads"}`` in float32 for
CPU inference.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import re
import struct
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from .errors import SpeechSearchError

if TYPE_CHECKING:  # torch and whisper are imported lazily: only the openai engine needs them
    from whisper.model import Whisper

logger = logging.getLogger(__name__)

OPENAI_CHECKPOINT_NAME = "whisper-base-openai.pt"
_BINARY_VERSION = 6
_SPEC_NAME = "WhisperSpec"
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: "bfloat16"}
_FIX = ("Delete the model folder so that it is provisioned again (`make models`), or use a "
        "float16/float32 CTranslate2 Whisper folder made by ct2-transformers-converter.")


class ConversionError(SpeechSearchError, RuntimeError):
    """The CTranslate2 folder cannot be converted; the message says what to do."""


def _read(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ConversionError(f"{handle.name} is truncated (wanted {size} more bytes). {_FIX}")
    return data


def _unpack(handle: BinaryIO, fmt: str) -> tuple[int, ...]:
    return struct.unpack("<" + fmt, _read(handle, struct.calcsize("<" + fmt)))


def _read_name(handle: BinaryIO) -> str:
    (length,) = _unpack(handle, "H")
    raw = _read(handle, length)
    try:
        return raw.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(f"{handle.name} has a corrupt variable name. {_FIX}") from exc


def read_ct2_variables(model_bin: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Parse a CTranslate2 ``model.bin`` (binary version 6, ``WhisperSpec``).

    Returns the variables by name, in their stored dtype (bfloat16 widened to float32; scalars
    as 0-d arrays), and the aliases, mapping an alias name to the variable it shares data with.
    """
    with open(model_bin, "rb") as handle:
        (version,) = _unpack(handle, "I")
        if version != _BINARY_VERSION:
            raise ConversionError(
                f"{model_bin} is not a CTranslate2 model of binary version {_BINARY_VERSION} "
                f"(found {version}). {_FIX}")
        spec = _read_name(handle)
        if spec != _SPEC_NAME:
            raise ConversionError(f"{model_bin} holds a {spec!r}, not a Whisper model. {_FIX}")
        _revision, count = _unpack(handle, "II")
        variables: dict[str, np.ndarray] = {}
        for _ in range(count):
            name = _read_name(handle)
            (rank,) = _unpack(handle, "B")
            shape = _unpack(handle, "I" * rank)
            dtype_id, nbytes = _unpack(handle, "BI")
            if dtype_id not in _DTYPES:
                raise ConversionError(f"{model_bin}: unknown dtype {dtype_id} for {name}. {_FIX}")
            data = _read(handle, nbytes)
            if _DTYPES[dtype_id] == "bfloat16":  # numpy has no bfloat16: widen the raw bits
                bits = np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16
                array = bits.view(np.float32)
            else:
                array = np.frombuffer(data, dtype=np.dtype(_DTYPES[dtype_id]).newbyteorder("<"))
            if array.size != int(np.prod(shape)):
                raise ConversionError(f"{model_bin}: {name} does not match its shape. {_FIX}")
            variables[name] = array.reshape(shape)
        (alias_count,) = _unpack(handle, "I")
        aliases = {}
        for _ in range(alias_count):
            alias = _read_name(handle)
            aliases[alias] = _read_name(handle)
    return variables, aliases


def _layer_count(variables: dict[str, np.ndarray], prefix: str) -> int:
    pattern = re.compile(rf"^{prefix}/layer_(\d+)/")
    indices = {int(m.group(1)) for name in variables if (m := pattern.match(name))}
    if not indices:
        raise KeyError(f"{prefix}/layer_0")
    return max(indices) + 1


def _build_state_dict(v: dict[str, np.ndarray], n_audio_layer: int,
                      n_text_layer: int) -> dict[str, np.ndarray]:
    """Rename CTranslate2 variables to openai-whisper names (KeyError if one is missing)."""
    out: dict[str, np.ndarray] = {}

    def linear(src: str, dst: str) -> None:
        out[f"{dst}.weight"], out[f"{dst}.bias"] = v[f"{src}/weight"], v[f"{src}/bias"]

    def norm(src: str, dst: str) -> None:
        out[f"{dst}.weight"], out[f"{dst}.bias"] = v[f"{src}/gamma"], v[f"{src}/beta"]

    def split(src: str, dst: str, names: tuple[str, ...]) -> None:
        weights = np.split(v[f"{src}/weight"], len(names))
        biases = np.split(v[f"{src}/bias"], len(names))
        for name, weight, bias in zip(names, weights, biases):
            out[f"{dst}.{name}.weight"] = weight
            # openai-whisper's key has no bias; CT2 stores zeros (and a key bias would only
            # shift every score of a query by the same amount, which softmax cancels).
            if name != "key":
                out[f"{dst}.{name}.bias"] = bias

    def block(src: str, dst: str, cross: bool) -> None:
        norm(f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
        split(f"{src}/self_attention/linear_0", f"{dst}.attn", ("query", "key", "value"))
        linear(f"{src}/self_attention/linear_1", f"{dst}.attn.out")
        if cross:
            norm(f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
            linear(f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
            split(f"{src}/attention/linear_1", f"{dst}.cross_attn", ("key", "value"))
            linear(f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
        norm(f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
        linear(f"{src}/ffn/linear_0", f"{dst}.mlp.0")
        linear(f"{src}/ffn/linear_1", f"{dst}.mlp.2")

    out["encoder.positional_embedding"] = v["encoder/position_encodings/encodings"]
    linear("encoder/conv1", "encoder.conv1")
    linear("encoder/conv2", "encoder.conv2")
    for i in range(n_audio_layer):
        block(f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    norm("encoder/layer_norm", "encoder.ln_post")
    out["decoder.positional_embedding"] = v["decoder/position_encodings/encodings"]
    out["decoder.token_embedding.weight"] = v["decoder/embeddings/weight"]
    for i in range(n_text_layer):
        block(f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
    norm("decoder/layer_norm", "decoder.ln")
    return out


def convert_ct2_to_openai(ct2_dir: Path, output: Path) -> Path:
    """Convert the CTranslate2 Whisper folder ``ct2_dir`` into the checkpoint ``output``.

    The checkpoint is written to a temporary file next to ``output`` and renamed when complete.
    """
    import torch  # only the openai engine needs torch (1 GB): never imported for the others

    variables, _aliases = read_ct2_variables(ct2_dir / "model.bin")
    if any(name.endswith("weight_scale") for name in variables):
        raise ConversionError(f"{ct2_dir} is int8-quantized, which cannot be converted. {_FIX}")
    if "decoder/projection/weight" in variables:  # normally an alias of the embedding: tied
        raise ConversionError(f"{ct2_dir}: the output projection is not tied to the token "
                              f"embedding, which openai-whisper requires. {_FIX}")
    try:
        audio_ctx, audio_state = variables["encoder/position_encodings/encodings"].shape
        text_ctx, text_state = variables["decoder/position_encodings/encodings"].shape
        dims = {
            "n_mels": variables["encoder/conv1/weight"].shape[1], "n_audio_ctx": audio_ctx,
            "n_audio_state": audio_state, "n_audio_head": int(variables["encoder/num_heads"]),
            "n_audio_layer": _layer_count(variables, "encoder"),
            "n_vocab": variables["decoder/embeddings/weight"].shape[0], "n_text_ctx": text_ctx,
            "n_text_state": text_state, "n_text_head": int(variables["decoder/num_heads"]),
            "n_text_layer": _layer_count(variables, "decoder"),
        }
        arrays = _build_state_dict(variables, dims["n_audio_layer"], dims["n_text_layer"])
    except KeyError as exc:
        raise ConversionError(f"{ct2_dir / 'model.bin'} lacks the variable {exc.args[0]!r}: "
                              f"it is not a complete Whisper model. {_FIX}") from exc
    dims = {key: int(value) for key, value in dims.items()}
    config_file = ct2_dir / "config.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    heads = [[int(layer), int(head)] for layer, head in config.get("alignment_heads", [])]
    if not heads:
        logger.warning("%s has no alignment_heads; word timings will use the default heads",
                       ct2_dir)
    state_dict = {name: torch.from_numpy(np.array(array, dtype=np.float32))
                  for name, array in arrays.items()}
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=output.parent, prefix=output.name, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save({"dims": dims, "model_state_dict": state_dict,
                        "alignment_heads": heads}, handle)
        os.replace(partial, output)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    logger.info("Converted %s to the openai-whisper checkpoint %s", ct2_dir, output)
    return output


def load_openai_model(checkpoint: Path) -> Whisper:
    """Load a converted checkpoint on the CPU, strictly, with its alignment heads set."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    data = torch.load(checkpoint, map_location="cpu", weights_only=True)
    model = Whisper(ModelDimensions(**data["dims"]))
    model.load_state_dict(data["model_state_dict"], strict=True)
    heads = data.get("alignment_heads") or []
    if heads:  # set_alignment_heads takes whisper's gzip + base85 dump of a bool mask
        mask = np.zeros((model.dims.n_text_layer, model.dims.n_text_head), dtype=bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.set_alignment_heads(base64.b85encode(gzip.compress(mask.tobytes())))
    return model.to("cpu").eval()


def openai_checkpoint(ct2_dir: Path, models_dir: Path, *, base: bool) -> Path:
    """The openai-whisper checkpoint of the CTranslate2 folder `ct2_dir`, in `models_dir`
    (``whisper-base-openai.pt`` for the base model), converted on first use."""
    name = OPENAI_CHECKPOINT_NAME if base else f"{ct2_dir.name}-openai.pt"
    target = models_dir / name
    if target.is_file():
        return target
    return convert_ct2_to_openai(ct2_dir, target)
