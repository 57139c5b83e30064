"""The CTranslate2 -> openai-whisper converter, checked against CTranslate2 itself."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS

from indexer.convert_openai import (
    OPENAI_CHECKPOINT_NAME,
    ConversionError,
    convert_ct2_to_openai,
    load_openai_model,
    openai_checkpoint,
    read_ct2_variables,
)
from indexer.whisper_models import BASE_MODEL_DIRNAME, provision_base_model

JFK = CORPUS / "en_jfk.flac"


@pytest.fixture(scope="session")
def ct2_dir(models_dir: Path) -> Path:
    return provision_base_model(models_dir)


@pytest.fixture(scope="session")
def checkpoint(ct2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Converted once per session into a scratch models dir that links to the CT2 folder."""
    scratch = tmp_path_factory.mktemp("models")
    (scratch / BASE_MODEL_DIRNAME).symlink_to(ct2_dir, target_is_directory=True)
    return openai_checkpoint(scratch / BASE_MODEL_DIRNAME, scratch, base=True)


@pytest.fixture(scope="session")
def model(checkpoint: Path):
    return load_openai_model(checkpoint)


def _jfk_audio() -> np.ndarray:
    if not JFK.is_file():
        pytest.skip(f"{JFK} is absent: the shared corpus (../shared/corpus) is not mounted")
    from faster_whisper import decode_audio  # PyAV: no system ffmpeg needed

    return decode_audio(str(JFK), sampling_rate=16000)


def test_state_dict_is_complete_and_dims_are_base(checkpoint: Path, model) -> None:
    import torch
    from whisper.model import ModelDimensions, Whisper

    assert checkpoint.name == OPENAI_CHECKPOINT_NAME
    data = torch.load(checkpoint, map_location="cpu", weights_only=True)
    fresh = Whisper(ModelDimensions(**data["dims"]))
    fresh.load_state_dict(data["model_state_dict"], strict=True)  # no missing/unexpected keys
    assert all(t.dtype == torch.float32 for t in data["model_state_dict"].values())
    assert data["dims"] == {
        "n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8,
        "n_audio_layer": 6, "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512,
        "n_text_head": 8, "n_text_layer": 6,
    }
    # Alignment heads come from config.json, not whisper's "last half of the layers" default.
    expected = {(3, 1), (4, 2), (4, 3), (4, 7), (5, 1), (5, 2), (5, 4), (5, 6)}
    assert {tuple(h) for h in data["alignment_heads"]} == expected
    assert {tuple(h) for h in model.alignment_heads.to_dense().nonzero().tolist()} == expected


def test_second_call_reuses_the_checkpoint(checkpoint: Path) -> None:
    before = checkpoint.stat().st_mtime_ns
    assert openai_checkpoint(checkpoint.parent / BASE_MODEL_DIRNAME, checkpoint.parent,
                             base=True) == checkpoint
    assert checkpoint.stat().st_mtime_ns == before
    assert not list(checkpoint.parent.glob("*.partial"))


def test_reader_resolves_the_tied_projection(ct2_dir: Path) -> None:
    variables, aliases = read_ct2_variables(ct2_dir / "model.bin")
    assert aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    assert variables["decoder/embeddings/weight"].shape == (51865, 512)
    assert int(variables["encoder/num_heads"]) == 8


@pytest.mark.corpus
def test_encoder_matches_ctranslate2(ct2_dir: Path, model) -> None:
    import ctranslate2
    import torch
    import whisper

    audio = _jfk_audio()[: 5 * 16000]
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), n_mels=80)
    mel = mel.numpy()[np.newaxis].astype(np.float32)  # (1, 80, 3000)

    ct2_model = ctranslate2.models.Whisper(str(ct2_dir), device="cpu", compute_type="float32")
    expected = np.array(ct2_model.encode(ctranslate2.StorageView.from_array(mel), to_cpu=True))
    with torch.no_grad():
        actual = model.embed_audio(torch.from_numpy(mel)).numpy()

    assert actual.shape == expected.shape == (1, 1500, 512)
    max_diff = float(np.abs(actual - expected).max())
    assert max_diff < 1e-2, f"encoder max abs diff vs CTranslate2: {max_diff:.2e}"


def test_random_bytes_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ConversionError, match="binary version.*provisioned again"):
        convert_ct2_to_openai(tmp_path, tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()


def test_truncated_model_is_rejected(ct2_dir: Path, tmp_path: Path) -> None:
    with open(ct2_dir / "model.bin", "rb") as source:
        (tmp_path / "model.bin").write_bytes(source.read(5_000_000))
    shutil.copyfile(ct2_dir / "config.json", tmp_path / "config.json")
    with pytest.raises(ConversionError, match="truncated.*provisioned again"):
        convert_ct2_to_openai(tmp_path, tmp_path / "out.pt")
    assert not list(tmp_path.glob("out.pt*"))


@pytest.mark.corpus
@pytest.mark.slow
def test_transcribes_jfk_with_word_timestamps(model) -> None:
    import whisper

    result = whisper.transcribe(model, _jfk_audio(), language="en", fp16=False,
                                word_timestamps=True)
    text = re.sub(r"[^a-z ]", "", result["text"].lower())
    assert "ask not what your country can do for you" in " ".join(text.split())
    words = [w for segment in result["segments"] for w in segment["words"]]
    assert words and all(0 <= w["start"] <= w["end"] <= 11.5 for w in words)
    assert any(w["end"] > w["start"] for w in words)
