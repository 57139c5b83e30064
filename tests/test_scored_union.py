"""Dense unions (indexer/search_index/scored.py): the same scores as the sparse path, to the
last bit, without an array of the segment's size per query."""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np

from indexer.search_index.scored import Scored, union


def parts(doc_count: int, seed: int) -> list[Scored]:
    rng = np.random.default_rng(seed)
    out = []
    for size in (300_000, 200_000, 120_000):  # overlapping: documents in two or three parts
        ids = np.unique(rng.integers(0, doc_count, size))
        out.append(Scored(ids, rng.random(len(ids)) * 10))
    return out


def sparse(given: list[Scored]) -> Scored:
    """The path taken for small unions: np.unique, scores added in the parts' order."""
    ids = np.concatenate([p.ids for p in given])
    unique, inverse = np.unique(ids, return_inverse=True)
    weights = np.concatenate([p.scores for p in given])
    return Scored(unique, np.bincount(inverse, weights=weights, minlength=len(unique)))


def test_a_dense_union_gives_the_sparse_unions_scores_bit_for_bit() -> None:
    doc_count = 1_000_000  # 600k postings: over a sixteenth of the segment, summed densely
    for seed in range(3):
        given = parts(doc_count, seed)
        dense, expected = union(given, doc_count), sparse(given)
        assert np.array_equal(dense.ids, expected.ids)
        assert dense.scores.tobytes() == expected.scores.tobytes()
    # A smaller segment after a larger one: the thread's arrays serve it too, left clean.
    small = [Scored(np.array([1, 5, 9]), np.array([1.0, 2.0, 3.0])),
             Scored(np.array([5, 7]), np.array([0.5, 0.25]))]
    result = union(small, 10)
    assert result.ids.tolist() == [1, 5, 7, 9] and result.scores.tolist() == [1.0, 2.5, 0.25, 3.0]


def test_a_dense_union_allocates_no_array_of_the_segment_size_after_the_first() -> None:
    # Regression: every dense union allocated a float64 and a bool array of the segment's
    # size (9 MB at 1M documents); glibc mapped and unmapped them on each query, thousands of
    # page faults each time. Here 12M documents: those arrays alone were 108 MB.
    doc_count = 12_000_000
    given = [Scored(np.arange(start, doc_count, 30), np.full(len(range(start, doc_count, 30)),
                                                             1.5)) for start in (0, 15)]
    first = union(given, doc_count)
    tracemalloc.start()
    try:
        again = union(given, doc_count)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.array_equal(first.ids, again.ids) and len(again) == 800_000
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MB"


def test_dense_unions_in_threads_side_by_side() -> None:
    doc_count = 1_000_000
    expected = {seed: sparse(parts(doc_count, seed)) for seed in range(4)}
    wrong = []

    def run(seed: int) -> None:
        for _ in range(5):
            got = union(parts(doc_count, seed), doc_count)
            if not (np.array_equal(got.ids, expected[seed].ids)
                    and np.array_equal(got.scores, expected[seed].scores)):
                wrong.append(seed)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in expected]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
