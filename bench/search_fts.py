"""The reference line of the search benchmark: the same segments in SQLite FTS5.

What an embedded C engine does with the same data on the same machine in the same run. The
query types are mapped as closely as FTS5 allows: words folded by `unicode61 remove_diacritics
2` (no stemming: FTS5's only stemmer, porter, is English), `a b` is AND, `"a b c"` a phrase,
`terr*` a prefix; fuzzy matching has no FTS5 equivalent (not measured). Entity filters match an
indexed column of entity ids; facets are GROUP BY counts over the matches. Like the site, each
query fetches the top 20 by bm25 and counts every match.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.records import Transcript

PAGE = 20


def _id_tokens(entity_id: str) -> str:
    return " ".join(re.findall(r"\w+", entity_id))  # "org:nato" -> the tokens "org nato"


def build(path: Path, transcripts: Iterable[Transcript]) -> int:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE VIRTUAL TABLE seg USING fts5(text, entities,
            tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE meta (id INTEGER PRIMARY KEY, video_id TEXT, start REAL, "end" REAL,
            language TEXT, speaker TEXT, year TEXT);
        CREATE TABLE seg_entity (id INTEGER, entity TEXT);
    """)
    count = 0
    for transcript in transcripts:
        meta = transcript.metadata
        rows, metas, entities = [], [], []
        for segment in transcript.segments:
            count += 1
            ids = list(dict.fromkeys(e.id for e in segment.entities))
            rows.append((count, segment.text, " ; ".join(_id_tokens(i) for i in ids)))
            metas.append((count, transcript.video_id, segment.start, segment.end,
                          segment.language, meta.speaker, meta.date[:4]))
            entities += [(count, i) for i in ids]
        db.executemany("INSERT INTO seg (rowid, text, entities) VALUES (?, ?, ?)", rows)
        db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?)", metas)
        db.executemany("INSERT INTO seg_entity VALUES (?, ?)", entities)
    db.execute("CREATE INDEX seg_entity_id ON seg_entity (id)")
    db.commit()
    db.close()
    return count


@dataclass
class FtsQuery:
    match: str
    entity: str | None = None
    facets: bool = False


def to_fts(text: str, entity: str | None = None, facets: bool = False) -> FtsQuery | None:
    """The site's query syntax in FTS5's, or None where FTS5 has no equivalent (fuzzy)."""
    if "~" in text:
        return None
    match = f"text : ({text})"
    if entity:
        match += f' AND entities : "{_id_tokens(entity)}"'
    return FtsQuery(match, entity, facets)


class FtsSearcher:
    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, check_same_thread=False)

    def search(self, query: FtsQuery) -> tuple[int, list[tuple]]:
        top = self.db.execute(
            "SELECT seg.rowid, text, bm25(seg), m.video_id, m.start FROM seg "
            "JOIN meta m ON m.id = seg.rowid WHERE seg MATCH ? ORDER BY rank LIMIT ?",
            (query.match, PAGE)).fetchall()
        total = self.db.execute("SELECT count(*) FROM seg WHERE seg MATCH ?",
                                (query.match,)).fetchone()[0]
        if query.facets:
            for column in ("language", "speaker", "year"):
                self.db.execute(f"SELECT m.{column}, count(*) FROM seg JOIN meta m ON "
                                f"m.id = seg.rowid WHERE seg MATCH ? GROUP BY m.{column}",
                                (query.match,)).fetchall()
            self.db.execute("SELECT e.entity, count(*) FROM seg JOIN seg_entity e ON "
                            "e.id = seg.rowid WHERE seg MATCH ? GROUP BY e.entity",
                            (query.match,)).fetchall()
        return total, top
