"""Group voice windows into speakers (scikit-learn's agglomerative clustering).

Average linkage on cosine distances: two groups join while their mean distance is below the
threshold, so the number of speakers comes out of the recording unless it is given. The
threshold was set on the project's fixtures and the corpus' two-speaker call
(bench/diarization.py): windows of one voice lie within ~0.3 of each other, different voices
further apart. The margins are thin (average-linkage merge heights, measured on the pipeline's
own windows): the official of the synthesized press conference and briefing joins at
0.29-0.296, and the corpus call's two real voices join at 0.314. So the estimated number of
voices can change with the arithmetic of another CPU; an archivist who knows it gives it.
"""

from __future__ import annotations

import numpy as np

DISTANCE_THRESHOLD = 0.3
# A "speaker" heard in fewer windows (under ~3 s of speech) is more likely a cough, a laugh,
# an overlap or a noisy stretch than a voice: its windows go to the nearest real speaker.
MIN_WINDOWS = 5


def cluster_voices(embeddings: np.ndarray, speakers: int | None = None,
                   threshold: float | None = None) -> np.ndarray:
    """A cluster label per embedding (0, 1, ... in order of first appearance)."""
    threshold = DISTANCE_THRESHOLD if threshold is None else threshold
    count = len(embeddings)
    if count == 0:
        return np.zeros(0, dtype=int)
    if speakers is not None and speakers < 1:
        raise ValueError(f"the number of speakers must be at least 1, not {speakers}")
    if count == 1 or speakers == 1:
        return np.zeros(count, dtype=int)
    from sklearn.cluster import AgglomerativeClustering  # here: importing it takes a second

    if speakers is not None:
        model = AgglomerativeClustering(n_clusters=min(speakers, count), metric="cosine",
                                        linkage="average")
    else:
        model = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold,
                                        metric="cosine", linkage="average")
    labels = model.fit_predict(embeddings)
    if speakers is None:
        labels = _absorb_small(embeddings, labels)
    return _by_first_appearance(labels)


def _absorb_small(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    sizes = np.bincount(labels)
    keep = np.flatnonzero(sizes >= MIN_WINDOWS)
    if len(keep) == 0 or len(keep) == len(sizes):
        return labels
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in keep])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    labels = labels.copy()
    for index in np.flatnonzero(~np.isin(labels, keep)):
        labels[index] = keep[int(np.argmax(centroids @ embeddings[index]))]
    return labels


def _by_first_appearance(labels: np.ndarray) -> np.ndarray:
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    return np.array([order[int(label)] for label in labels], dtype=int)
