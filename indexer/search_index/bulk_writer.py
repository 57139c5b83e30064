"""Bulk writing's uses of Whoosh's private structures (whoosh_internals.py is the reading
side's, and says when they are off: FAST_PATH): what a build spends its CPU time on.

- `_LengthsInMemory`: the field length columns read once when postings are flushed;
- `_SmallBlocksPlain`: posting blocks of few postings stored without zlib;
- `_BulkWriter`: a document's postings made straight from the token lists writing.py gives
  (most fields), with the same bytes Whoosh's formats make, each list grouped once even when
  two fields index it (`stem_<lang>` and `phrase_stem_<lang>`), in the writer processes of
  a parallel build too (`_BulkMpWriter`).

All three write what Whoosh writes or what it reads as its own (tests/test_bulk_writer.py
compares every posting with Whoosh's own writer's): an index made here is opened, searched
and written by plain Whoosh.
"""

from __future__ import annotations

from pickle import dumps

from whoosh import multiproc
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from . import whoosh_internals
from .whoosh_internals import length_bytes

# Bulk writing stores posting blocks of up to this many postings without zlib.
PLAIN_BLOCK_POSTINGS = 2

if whoosh_internals.FAST_PATH:
    from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PostingsWriter

    class _LengthsInMemory(W3PerDocReader):
        """When a writer flushes its postings, Whoosh asks the length of the field in the
        document for every posting (the block's min and max lengths), and W3 reads each one
        from the column file: a read per posting, 15 % of bulk indexing in a profile. Here
        each field's length column is read once."""

        def __init__(self, storage, segment):
            super().__init__(storage, segment)
            # None for a field without lengths (not scorable, e.g. KEYWORD): asked again,
            # it would look for the column file at every posting of the field.
            self._columns_read: dict[str, bytes | None] = {}

        def doc_field_length(self, docnum, fieldname, default=0):
            try:
                lengths = self._columns_read[fieldname]
            except KeyError:
                lengths = self._columns_read[fieldname] = length_bytes(self, fieldname)
            if lengths is None:
                return default
            lbyte = lengths[docnum] if docnum < len(lengths) else 0
            return byte_to_length(lbyte) if lbyte else None  # as W3PerDocReader does

    class _SmallBlocksPlain(W3PostingsWriter):
        """W3's postings writer, but a block of few postings is stored uncompressed.

        Whoosh 2.7.5 means to skip zlib under 20 bytes, but a later line sets the level
        anyway: every block is compressed. Most terms have one or two postings (in the
        bridge fields nearly all); zlib on a block that small costs a call and saves next to
        nothing. Each block's header records its own compression level and the reader
        decompresses by it, so Whoosh (and postings.py) read both kinds alike."""

        def _write_block(self, last=False):
            level = self._compression
            if len(self._ids) <= PLAIN_BLOCK_POSTINGS:
                self._compression = 0
            try:
                super()._write_block(last)
            finally:
                self._compression = level

    class _BulkCodec(W3Codec):
        """Whoosh's W3 codec with `_LengthsInMemory` and `_SmallBlocksPlain`."""

        def per_document_reader(self, storage, segment):
            return _LengthsInMemory(storage, segment)

        def postings_writer(self, dbfile, byteids=False):
            return _SmallBlocksPlain(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                     compression=self._compression,
                                     inlinelimit=self._inlinelimit)

        def new_segment(self, storage, indexname):
            # The index's table of contents pickles each segment's codec: it stays Whoosh's
            # own, so that opening an index never needs this class.
            return W3Codec().new_segment(storage, indexname)


def bulk_codec():
    """The codec for bulk writing (`_BulkCodec`), None (Whoosh's default) with the fast path
    off."""
    return _BulkCodec() if whoosh_internals.FAST_PATH else None


def _grouped(words: list[str]) -> dict[str, list[int]]:
    """Each word's positions, in the order of first occurrence (as Whoosh's formats)."""
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        found = positions.get(word)
        if found is None:
            positions[word] = [position]
        else:
            found.append(position)
    return positions


class _BulkWriter(SegmentWriter):
    """Whoosh's SegmentWriter; a field given as a list of tokens (writing.py's analysis) of
    a Positions, Frequency or Existence format without boost is turned into postings here:
    Whoosh's `field.index` makes a Token object per word through a generator chain, and
    stems were grouped twice (`stem_<lang>`, `phrase_stem_<lang>`). The values are the
    formats' own bytes (Positions: the count, then the pickle of the position deltas)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self._encoded: dict[tuple[int, ...], bytes] = {}  # position deltas -> value

    def _positions_value(self, positions: list[int]) -> bytes:
        deltas = tuple(b - a for a, b in zip([0] + positions, positions))
        value = self._encoded.get(deltas)
        if value is None:
            if len(self._encoded) > 100_000:  # long passages: bounded memory
                self._encoded.clear()
            value = self._encoded[deltas] = pack_uint(len(deltas)) + dumps(list(deltas), 2)
        return value

    def _postings(self, field, value, grouped: dict):
        """(term bytes, frequency, weight, value bytes) of each term, as `field.index`."""
        kind = type(field.format)
        if (not isinstance(value, list) or field.format.field_boost != 1.0
                or kind not in (Positions, Frequency, Existence)):
            return field.index(value)
        positions = grouped.get(id(value))
        if positions is None:
            positions = grouped[id(value)] = _grouped(value)
        if kind is Positions:
            return [(w.encode("utf-8"), len(p), float(len(p)), self._positions_value(p))
                    for w, p in positions.items()]
        if kind is Frequency:
            return [(w.encode("utf-8"), len(p), float(len(p)), pack_uint(len(p)))
                    for w, p in positions.items()]
        return [(w.encode("utf-8"), 1, 1.0, b"") for w in positions]

    def add_document(self, **fields):
        # SegmentWriter.add_document of whoosh-reloaded 2.7.5, but `_postings` for
        # `field.index`, and without term vectors or separate spelling (make_schema has
        # neither: Whoosh's own method adds such a document).
        schema = self.schema
        names = sorted(name for name in fields if not name.startswith("_"))
        if any(name in schema and (schema[name].vector or schema[name].separate_spelling())
               for name in names):
            return super().add_document(**fields)
        self._check_state()
        self._check_fields(schema, names)
        perdocwriter, docnum, add_post = self.perdocwriter, self.docnum, self.pool.add
        docboost = self._doc_boost(fields)
        grouped: dict = {}
        perdocwriter.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in self._postings(field, value, grouped):
                        if scorable:
                            length += freq
                        add_post((name, tbytes, docnum, weight * boost, vbytes))
                stored = fields.get(f"_stored_{name}", value)
                perdocwriter.add_field(name, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(name, column, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


class _BulkTask(multiproc.SubWriterTask):
    """A writer process of Whoosh's MpWriter that writes with `_BulkWriter`."""

    def run(self):
        # SubWriterTask.run makes its writer by whoosh.multiproc's global name; this runs in
        # the writer's own process, whose copy of the module alone is changed.
        multiproc.SegmentWriter = _BulkWriter
        super().run()


class _BulkMpWriter(multiproc.MpWriter):
    """Whoosh's MpWriter (`procs` > 1) whose writer processes are `_BulkTask`s."""

    def _new_task(self):
        # MpWriter._new_task of whoosh-reloaded 2.7.5, with our task class.
        task = _BulkTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                         self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


def bulk_writer(ix, **kwargs):
    """A writer of `ix` for bulk writing: `_BulkWriter` (`_BulkMpWriter` for `procs` > 1)
    with `_BulkCodec`; Whoosh's own writer and codec with the fast path off."""
    if not whoosh_internals.FAST_PATH:
        return ix.writer(**kwargs)
    kwargs["codec"] = _BulkCodec()
    if kwargs.get("procs", 1) > 1:
        return _BulkMpWriter(ix, **kwargs)
    return _BulkWriter(ix, **kwargs)
