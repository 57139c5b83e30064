"""Pair the official text's tokens with Whisper's (see `align` for the whole picture).

rapidfuzz's Levenshtein (C, bit-parallel) aligns the whole token sequences; each stretch
between two exact matches is then re-aligned by spelling similarity in a small dynamic
programme, which such stretches can afford (a few tokens each, even in an hour-long text).
"""

from __future__ import annotations

import logging

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

logger = logging.getLogger(__name__)

GAP_COST = 0.45  # two gaps (0.9) beat pairing two words that share nearly no letters
MAX_REALIGN_CELLS = 200_000  # a differing stretch this big stays unpaired (see realign)
MAX_SLOT_TOKENS = 2  # see fill_slots
STRAY_CLUSTER_TOKENS = 3  # see drop_strays: clusters this long are trusted
MAX_DRIFT_TOKENS = 8  # a cluster this much further off, on both sides, is stray


def pair_tokens(left: list[str], right: list[str]) -> list[int | None]:
    """For each token of `left`, the index of the `right` token aligned to it, or None."""
    partner: list[int | None] = [None] * len(left)
    pending: tuple[int, int] | None = None  # where the current stretch of differences began
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(left, right):
        if tag == "equal":
            if pending is not None:
                realign(left, right, pending, (i1, j1), partner)
                pending = None
            partner[i1:i2] = range(j1, j2)
        elif pending is None:
            pending = (i1, j1)
    if pending is not None:
        realign(left, right, pending, (len(left), len(right)), partner)
    drop_strays(partner)
    return partner


def drop_strays(partner: list[int | None]) -> None:
    """Unpair short clusters of pairs that sit far off the path of their neighbours.

    A global alignment that ends (or starts) with unmatched words is free to pair the text's
    last word with the same word said much later (a closing "merci" after the questions), or a
    "de" of a dropped paragraph with a "de" of the speech said in its place: the cost is the
    same. A true cluster is, on at least one side, no further from its neighbour in the audio
    than in the text, give or take a few tokens (an omission brings them closer, not further).
    """
    clusters: list[list[tuple[int, int]]] = []  # runs of consecutive pairs (official, heard)
    for i, j in enumerate(partner):
        if j is None:
            continue
        if clusters and clusters[-1][-1] == (i - 1, j - 1):
            clusters[-1].append((i, j))
        else:
            clusters.append([(i, j)])

    def drift(before: list[tuple[int, int]] | None, after: list[tuple[int, int]] | None) -> float:
        if before is None or after is None:
            return float("inf")  # the text's edge: no neighbour vouches for the cluster
        (i0, j0), (i1, j1) = before[-1], after[0]
        return (j1 - j0) - (i1 - i0)  # how much further apart in the audio than in the text

    strays = [cluster for index, cluster in enumerate(clusters)
              if len(cluster) < STRAY_CLUSTER_TOKENS and len(clusters) > 1
              and min(drift(clusters[index - 1] if index else None, cluster),
                      drift(cluster, clusters[index + 1] if index + 1 < len(clusters) else None))
              > MAX_DRIFT_TOKENS]
    for cluster in strays:
        for i, _ in cluster:
            partner[i] = None


def realign(left: list[str], right: list[str], begin: tuple[int, int], end: tuple[int, int],
            partner: list[int | None]) -> None:
    """Re-pair a stretch where the sides differ, preferring words spelled alike.

    Levenshtein counts every substitution alike, so among equally short alignments it may pair
    "inuktitut" with any word Whisper heard near it; here pairing costs 1 - similarity and
    leaving a token unpaired GAP_COST.
    """
    (i0, j0), (i1, j1) = begin, end
    rows, cols = i1 - i0, j1 - j0
    if rows == 0 or cols == 0:
        return
    if rows * cols > MAX_REALIGN_CELLS:
        # Hundreds of tokens on each side without one word in common are not a mishearing:
        # a passage of the text was left out and something else said. Nothing pairs.
        logger.debug("left unpaired: %d official tokens against %d heard", rows, cols)
        return
    similarity = cdist(left[i0:i1], right[j0:j1], scorer=fuzz.ratio) / 100.0
    cost = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for j in range(1, cols + 1):
        cost[0][j] = j * GAP_COST
    for i in range(1, rows + 1):
        above, here = cost[i - 1], cost[i]
        here[0] = i * GAP_COST
        sim = similarity[i - 1]
        for j in range(1, cols + 1):
            here[j] = min(above[j - 1] + 1.0 - sim[j - 1], above[j] + GAP_COST,
                          here[j - 1] + GAP_COST)
    partner[i0:i1] = [None] * rows
    i, j = rows, cols
    while i > 0 and j > 0:
        if cost[i][j] == cost[i - 1][j - 1] + 1.0 - similarity[i - 1][j - 1]:
            partner[i0 + i - 1] = j0 + j - 1
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + GAP_COST:
            i -= 1
        else:
            j -= 1
    fill_slots(partner, begin, end)


def fill_slots(partner: list[int | None], begin: tuple[int, int],
               end: tuple[int, int]) -> None:
    """Pair the tokens left alone in the same slot between two pairs, if as many on each side.

    "3 bonnes parties" read where "une bonne partie" was said: "trois" and "une" share no
    letters, yet they stand in the same place, one for one: a substitution, not an omission
    next to an addition. Longer slots stay unpaired: there a sentence was dropped and another
    said.
    """
    (i0, j0), (i1, j1) = begin, end
    pairs = [(i, partner[i]) for i in range(i0, i1) if partner[i] is not None]
    for (before_i, before_j), (after_i, after_j) in zip([(i0 - 1, j0 - 1), *pairs],
                                                         [*pairs, (i1, j1)]):
        left, right = after_i - before_i - 1, after_j - before_j - 1
        if 0 < left == right <= MAX_SLOT_TOKENS:
            partner[before_i + 1:after_i] = range(before_j + 1, after_j)
