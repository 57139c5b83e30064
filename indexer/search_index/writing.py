"""Writing the index: each segment analysed once for all fields, whole batches per writer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from whoosh import query as Q
from whoosh.analysis import (
    LowercaseFilter,
    RegexTokenizer,
)
from whoosh.fields import Schema
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map
from whoosh.writing import CLEAR

from ..gazetteer import Gazetteer
from ..language import DEFAULT_LANGUAGES
from ..records import SOURCES, Transcript
from . import list_writing
from .bulk_writer import bulk_writer
from .opening import open_for_reading, open_index, open_whatever_format, write_format
from .schema import (
    BRIDGE,
    BRIDGE_PAIR,
    BRIDGE_WORDS,
    COMMON_WORDS,
    NEXT_MARK,
    NEXT_PASSAGE,
    NO_PAIR,
    PAIRS,
    PAIRS_INCOMPLETE,
    PARALLEL_MIN_SEGMENTS,
    folded_stopwords,
    make_schema,
    phrase_stem_field,
    stem_field,
)

logger = logging.getLogger(__name__)


class _Analysis:
    """Each segment's words analysed once for every field, with the fields' own filters.

    Whoosh indexes a list value as the given tokens, skipping the field's analyzer. Lowercase
    tokens are made once; folding and stemming are memoised per distinct word (speech repeats
    its words); title and event, the same for all of a video's segments, once per video,
    and each speaker's label once. The result equals what each field's analyzer would make
    (tests check it), so the query parser, which runs those analyzers, finds what was
    indexed.
    """

    def __init__(self, schema: Schema):
        self.lower = RegexTokenizer() | LowercaseFilter()
        self.folded: dict[str, str] = {}
        self.stems: dict[str, dict[str, str | None]] = {}
        # language -> (stemmer, stop words); the words are folded before stemming, as the
        # stem fields' analyzers do (an index whose stem fields did not is of an older
        # format, never written to: opening.py).
        self.stemmers: dict[str, tuple[Callable[[str], str], frozenset[str]]] = {
            name[len("stem_"):]: (stemmer_for_language(name[len("stem_"):]),
                                  folded_stopwords(name[len("stem_"):]))
            for name in schema.names() if name.startswith("stem_")}

    def fold(self, word: str) -> str:
        folded = self.folded.get(word)
        if folded is None:
            folded = self.folded[word] = word.translate(accent_map)
        return folded

    def words(self, text: str) -> list[str]:
        """Lowercase words, as the tokenizer and lowercase filter of every field make them."""
        return [t.text for t in self.lower(text)]

    def opening(self, text: str, count: int) -> str:
        """The text up to the end of its `count`-th word."""
        ends = [t.endchar for t in self.lower(text, chars=True)]
        return text[:ends[min(count, len(ends)) - 1]] if ends else ""

    def folded_words(self, text: str) -> list[str]:
        return [self.fold(w) for w in self.words(text)]

    def stemmed(self, words: list[str], language: str) -> list[str]:
        stem, stop = self.stemmers[language]
        memo = self.stems.setdefault(language, {})
        out = []
        for word in words:
            if word not in memo:
                said = self.fold(word)
                memo[word] = None if said in stop else self.fold(stem(said))
            if memo[word] is not None:
                out.append(memo[word])
        return out


def _pairs(words: list[str], common: frozenset[str]) -> list[str]:
    """Each word's pair with the next one when both are common, else NO_PAIR."""
    return [f"{a} {b}" if a in common and b in common else NO_PAIR
            for a, b in zip(words, words[1:])]


def _bridge(folded: list[str], following: list[str], next_text: str, next_end: float,
            analysis: _Analysis) -> dict:
    """A passage's `BRIDGE` words and its `NEXT_PASSAGE` (schema.py), none when either
    passage has no word."""
    if not folded or not following:
        return {}
    head = following[:BRIDGE_WORDS]
    return {BRIDGE: folded[-BRIDGE_WORDS:] + [NEXT_MARK + word for word in head],
            BRIDGE_PAIR: [f"{folded[-1]} {following[0]}"],
            NEXT_PASSAGE: [next_end, analysis.opening(next_text, BRIDGE_WORDS)]}


def _documents(transcript: Transcript, gazetteer: Gazetteer, schema: Schema,
               analysis: _Analysis) -> Iterable[dict]:
    meta = transcript.metadata
    video = {"video_id": transcript.video_id, "date": meta.date,
             "year": meta.date[:4], "_stored_title": meta.title, "_stored_event": meta.event,
             "title": analysis.folded_words(meta.title),
             "event": analysis.folded_words(meta.event)}
    # Who says each passage (records.Transcript.speaker_labels): a named voice, "Speaker N"
    # for one not named yet (shown, but not a facet value: it means nothing across videos),
    # the metadata speaker where voices were not separated.
    labels = transcript.speaker_labels()
    named = {s.id for s in transcript.speakers if s.name} | {""}
    speakers = {key: {"speaker_key": label if key in named else "", "_stored_speaker": label,
                      "speaker": analysis.folded_words(label)}
                for key, label in labels.items()}
    pairs, bridges = PAIRS in schema, BRIDGE in schema
    # What is read: the official text's passages where one is attached (records.py).
    passages = transcript.reading()
    said = [analysis.words(segment.text) for segment in passages]
    for number, segment in enumerate(passages):
        ids = list(dict.fromkeys(e.id for e in segment.entities))
        names = [a for i in ids if i in gazetteer.entries for a in gazetteer.entries[i].aliases]
        names += [e.text for e in segment.entities if e.id not in gazetteer.entries]
        if not all(isinstance(t, (int, float)) for t in (segment.start, segment.end)):
            raise ValueError(f"{transcript.video_id} segment {number}: start and end must be "
                             f"seconds, not {segment.start!r} and {segment.end!r}")
        if segment.source not in SOURCES:
            raise ValueError(f"{transcript.video_id} segment {number}: source must be one of "
                             f"{', '.join(SOURCES)}, not {segment.source!r}")
        words = said[number]
        folded = [analysis.fold(w) for w in words]
        doc = dict(video)
        doc.update(speakers.get(segment.speaker, speakers[""]))
        doc.update({
            "seg": number,
            "start": segment.start,
            "end": segment.end,
            "language": segment.language,
            "source": segment.source,
            "text": folded,
            "_stored_text": segment.text,
            "entities": ",".join(ids),
            "entity_names": " ; ".join(names),
            "entity_spans": [[e.start_char, e.end_char, e.id] for e in segment.entities],
        })
        if pairs:
            doc[PAIRS] = _pairs(folded, COMMON_WORDS)
        if bridges and number + 1 < len(passages):
            following = passages[number + 1]
            doc.update(_bridge(folded, [analysis.fold(w) for w in said[number + 1]],
                               following.text, following.end, analysis))
        if stem_field(segment.language) in schema:
            doc[stem_field(segment.language)] = analysis.stemmed(words, segment.language)
        if phrase_stem_field(segment.language) in schema:
            doc[phrase_stem_field(segment.language)] = doc[stem_field(segment.language)]
        yield doc


def add_to_index(index_dir: Path, transcript: Transcript, gazetteer: Gazetteer,
                 languages: Sequence[str] = DEFAULT_LANGUAGES) -> int:
    """(Re)index one video in a single commit; a crash before it leaves the index as it was."""
    return add_many(index_dir, [transcript], gazetteer, languages)


def add_many(index_dir: Path, transcripts: Iterable[Transcript], gazetteer: Gazetteer,
             languages: Sequence[str] = DEFAULT_LANGUAGES, parallel: bool | None = None,
             timeout: float = 60.0) -> int:
    """(Re)index many videos in a single commit, all or nothing; returns the segment count.

    One writer for the whole batch: a commit costs a segment merge, which per video made bulk
    indexing ~30 segments/s. `parallel` (default: for a list of at least
    PARALLEL_MIN_SEGMENTS segments) analyses on two processes, each writing its own segment.
    """
    ix = open_index(index_dir, languages)
    if parallel is None:
        parallel = (isinstance(transcripts, Sequence) and
                    sum(len(t.reading()) for t in transcripts) >= PARALLEL_MIN_SEGMENTS)
    options = {"procs": 2, "multisegment": True} if parallel else {}
    writer = bulk_writer(ix, timeout=timeout, limitmb=256, **options)
    count = _write(writer, ix.schema, transcripts, gazetteer, replace=bool(ix.doc_count_all()))
    writer.commit()
    _lists_after_commit(index_dir)
    return count


def replace_all(index_dir: Path, transcripts: Iterable[Transcript], gazetteer: Gazetteer,
                languages: Sequence[str] = DEFAULT_LANGUAGES, timeout: float = 60.0) -> int:
    """Make the index anew, in the current format, of `transcripts` alone: one commit that
    drops every existing index segment (Whoosh's CLEAR merge), so that a searcher sees the old
    index or the new one, never a mix. The index may be of any format (it is what rebuilds an
    older one); writers of other processes wait on Whoosh's write lock meanwhile. Returns the
    segment count."""
    ix = open_whatever_format(index_dir)
    if ix is None:
        return add_many(index_dir, transcripts, gazetteer, languages, parallel=False,
                        timeout=timeout)
    writer = bulk_writer(ix, timeout=timeout, limitmb=256)
    wanted = make_schema(languages)
    for name in ix.schema.names():  # the old documents go: their fields may go too
        writer.remove_field(name)
    for name in wanted.names():
        writer.add_field(name, wanted[name])
    count = _write(writer, writer.schema, transcripts, gazetteer, replace=False)
    writer.commit(mergetype=CLEAR)
    # After the commit: until the file says so, a reader refuses the index rather than read
    # the new documents the old way.
    (index_dir / PAIRS_INCOMPLETE).unlink(missing_ok=True)
    write_format(index_dir)
    _lists_after_commit(index_dir)
    return count


def _write(writer, schema: Schema, transcripts: Iterable[Transcript], gazetteer: Gazetteer,
           replace: bool) -> int:
    """Add the transcripts' segments to `writer` (deleting each video's old ones first if
    `replace`); the writer is cancelled if anything fails, committed by the caller."""
    analysis = _Analysis(schema)
    count = 0
    try:
        for transcript in transcripts:
            if replace:
                writer.delete_by_term("video_id", transcript.video_id)
            for doc in _documents(transcript, gazetteer, schema, analysis):
                writer.add_document(**doc)
                count += 1
    except BaseException:
        writer.cancel()
        raise
    return count


def remove_from_index(index_dir: Path, video_id: str, timeout: float = 60.0) -> int:
    ix = open_index(index_dir)
    with ix.writer(timeout=timeout) as writer:
        removed = writer.delete_by_term("video_id", video_id)
    _lists_after_commit(index_dir)  # the commit may have merged segments into a new one
    return removed


def _lists_after_commit(index_dir: Path) -> None:
    """The `.lists` files of the segments the commit made (list_arrays.py). The index is
    committed and right without them (its lists are then decoded from Whoosh's blocks): a
    failure to write one is logged, not raised, and the next commit tries again."""
    try:
        list_writing.write_missing(index_dir)
    except OSError as exc:
        logger.error("the index is saved, but its posting lists could not be written as "
                     "arrays in %s (%s): searches of frequent words stay slower until the "
                     "next commit writes them; check the disk space", index_dir, exc)


def is_indexed(index_dir: Path, video_id: str) -> bool:
    ix = open_for_reading(index_dir)
    if ix is None:
        return False
    with ix.searcher() as searcher:
        return bool(searcher.search(Q.Term("video_id", video_id), limit=1).scored_length())


def indexed_video_ids(index_dir: Path) -> set[str]:
    """Ids of the videos that have live documents in the index."""
    ix = open_for_reading(index_dir)
    if ix is None:
        return set()
    with ix.searcher() as searcher:
        # The lexicon keeps terms of deleted documents until a merge: check each id is live.
        return {term.decode() for term in searcher.reader().lexicon("video_id")
                if searcher.search(Q.Term("video_id", term.decode()), limit=1).scored_length()}
