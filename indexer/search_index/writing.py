"""Writing the index: each segment analysed once for all fields, whole batches per writer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import (
    LowercaseFilter,
    RegexTokenizer,
)
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.fields import Schema
from whoosh.lang import has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map
from whoosh.util.numeric import byte_to_length

from ..gazetteer import Gazetteer
from ..language import DEFAULT_LANGUAGES
from ..records import Transcript
from .postings import length_bytes
from .schema import (
    COMMON_WORDS,
    INDEX_NAME,
    NO_PAIR,
    PAIRS,
    PARALLEL_MIN_SEGMENTS,
    folded_stopwords,
    open_index,
    stem_field,
    stems_folded_words,
)

logger = logging.getLogger(__name__)


class _Analysis:
    """Each segment's words analysed once for every field, with the fields' own filters.

    Whoosh indexes a list value as the given tokens, skipping the field's analyzer. Lowercase
    tokens are made once; folding and stemming are memoised per distinct word (speech repeats
    its words); title, speaker and event, the same for all of a video's segments, once per
    video. The result equals what each field's analyzer would make (tests check it), so the
    query parser, which runs those analyzers, finds what was indexed.
    """

    def __init__(self, schema: Schema):
        self.lower = RegexTokenizer() | LowercaseFilter()
        self.folded: dict[str, str] = {}
        self.stems: dict[str, dict[str, str | None]] = {}
        # language -> (stemmer, stop words, fold before stemming): an index keeps the
        # analyzers it was made with, older ones stem the words with their accents.
        self.stemmers: dict[str, tuple[Callable[[str], str], frozenset[str], bool]] = {}
        for name in schema.names():
            if name.startswith("stem_"):
                language = name[len("stem_"):]
                fold_first = stems_folded_words(schema[name].analyzer)
                stop = (folded_stopwords(language) if fold_first else
                        frozenset(stopwords_for_language(language))
                        if has_stopwords(language) else frozenset())
                self.stemmers[language] = (stemmer_for_language(language), stop, fold_first)

    def fold(self, word: str) -> str:
        folded = self.folded.get(word)
        if folded is None:
            folded = self.folded[word] = word.translate(accent_map)
        return folded

    def words(self, text: str) -> list[str]:
        """Lowercase words, as the tokenizer and lowercase filter of every field make them."""
        return [t.text for t in self.lower(text)]

    def folded_words(self, text: str) -> list[str]:
        return [self.fold(w) for w in self.words(text)]

    def stemmed(self, words: list[str], language: str) -> list[str]:
        stem, stop, fold_first = self.stemmers[language]
        memo = self.stems.setdefault(language, {})
        out = []
        for word in words:
            if word not in memo:
                said = self.fold(word) if fold_first else word
                memo[word] = None if said in stop else self.fold(stem(said))
            if memo[word] is not None:
                out.append(memo[word])
        return out


class _LengthsInMemory(W3PerDocReader):
    """When a writer flushes its postings, Whoosh asks the length of the field in the document
    for every posting (the block's min and max lengths), and W3 reads each one from the column
    file: a read per posting, 15 % of bulk indexing in a profile. Here each field's length
    column is read once."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._lengths: dict[str, bytes] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = length_bytes(self, fieldname)
            if lengths is None:
                return default
            self._lengths[fieldname] = lengths
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        return byte_to_length(lbyte) if lbyte else None  # as W3PerDocReader does


class _BulkCodec(W3Codec):
    """Whoosh's W3 codec with the length columns read once (`_LengthsInMemory`)."""

    def per_document_reader(self, storage, segment):
        return _LengthsInMemory(storage, segment)

    def new_segment(self, storage, indexname):
        # The index's table of contents pickles each segment's codec: it stays Whoosh's own,
        # so that opening an index never needs this class.
        return W3Codec().new_segment(storage, indexname)


def _pairs(words: list[str], common: frozenset[str]) -> list[str]:
    """Each word's pair with the next one when both are common, else NO_PAIR."""
    return [f"{a} {b}" if a in common and b in common else NO_PAIR
            for a, b in zip(words, words[1:])]


def _documents(transcript: Transcript, gazetteer: Gazetteer, schema: Schema,
               analysis: _Analysis) -> Iterable[dict]:
    meta = transcript.metadata
    video = {"video_id": transcript.video_id, "speaker_key": meta.speaker, "date": meta.date,
             "year": meta.date[:4], "_stored_title": meta.title,
             "_stored_speaker": meta.speaker, "_stored_event": meta.event,
             "title": analysis.folded_words(meta.title),
             "speaker": analysis.folded_words(meta.speaker),
             "event": analysis.folded_words(meta.event)}
    pairs = PAIRS in schema
    for number, segment in enumerate(transcript.segments):
        ids = list(dict.fromkeys(e.id for e in segment.entities))
        names = [a for i in ids if i in gazetteer.entries for a in gazetteer.entries[i].aliases]
        names += [e.text for e in segment.entities if e.id not in gazetteer.entries]
        if not all(isinstance(t, (int, float)) for t in (segment.start, segment.end)):
            raise ValueError(f"{transcript.video_id} segment {number}: start and end must be "
                             f"seconds, not {segment.start!r} and {segment.end!r}")
        words = analysis.words(segment.text)
        folded = [analysis.fold(w) for w in words]
        doc = dict(video)
        doc.update({
            "seg": number,
            "start": segment.start,
            "end": segment.end,
            "language": segment.language,
            "text": folded,
            "_stored_text": segment.text,
            "entities": ",".join(ids),
            "entity_names": " ; ".join(names),
            "entity_spans": [[e.start_char, e.end_char, e.id] for e in segment.entities],
        })
        if pairs:
            doc[PAIRS] = _pairs(folded, COMMON_WORDS)
        if stem_field(segment.language) in schema:
            doc[stem_field(segment.language)] = analysis.stemmed(words, segment.language)
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
                    sum(len(t.segments) for t in transcripts) >= PARALLEL_MIN_SEGMENTS)
    options = {"procs": 2, "multisegment": True} if parallel else {}
    writer = ix.writer(timeout=timeout, limitmb=256, codec=_BulkCodec(), **options)
    analysis = _Analysis(ix.schema)
    count = 0
    try:
        fresh = not ix.doc_count_all()
        for transcript in transcripts:
            if not fresh:
                writer.delete_by_term("video_id", transcript.video_id)
            for doc in _documents(transcript, gazetteer, ix.schema, analysis):
                writer.add_document(**doc)
                count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count


def remove_from_index(index_dir: Path, video_id: str, timeout: float = 60.0) -> int:
    ix = open_index(index_dir)
    with ix.writer(timeout=timeout) as writer:
        return writer.delete_by_term("video_id", video_id)


def is_indexed(index_dir: Path, video_id: str) -> bool:
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return False
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        return bool(searcher.search(Q.Term("video_id", video_id), limit=1).scored_length())


def indexed_video_ids(index_dir: Path) -> set[str]:
    """Ids of the videos that have live documents in the index."""
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return set()
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        # The lexicon keeps terms of deleted documents until a merge: check each id is live.
        return {term.decode() for term in searcher.reader().lexicon("video_id")
                if searcher.search(Q.Term("video_id", term.decode()), limit=1).scored_length()}


