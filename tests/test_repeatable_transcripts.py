"""The same recording transcribed twice gives the same words.

Whisper's fallback decodes a window that fails its checks again at higher temperatures, by
sampling; CTranslate2 draws from a generator seeded from the system's entropy unless told
otherwise, so an archivist indexing a file again (or a test, or a CI run) got other words
wherever a window fell back ('Oui' or 'Oui.', 'prof' or 'peu' on the press conference).
Each run here is a fresh process, as two indexing runs are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT

# The press conference: several of its windows fall back to sampling.
MEDIA = FIXTURES / "fr_press_conference.ogg"
CODE = """
import json, sys
from pathlib import Path
from indexer.decode import load_audio
from indexer.engines import load_engine
from indexer.engines.base import EngineOptions
from indexer.transcribe import transcribe_audio
engine = load_engine("faster-whisper", "base", Path(sys.argv[1]), EngineOptions())
segments = transcribe_audio(engine, load_audio(Path(sys.argv[2])), ["fr", "en"])
print(json.dumps([[w.word, round(w.start, 2), round(w.end, 2)]
                  for s in segments for w in s.words]))
"""


def _words(models_dir: Path) -> list:
    result = subprocess.run([sys.executable, "-c", CODE, str(models_dir), str(MEDIA)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_a_recording_transcribed_again_in_another_process_gives_the_same_words(models_dir):
    first, second, third = (_words(models_dir) for _ in range(3))
    assert len(first) > 50
    assert first == second == third
