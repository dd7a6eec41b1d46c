"""Near-duplicate clusters of comments, so that an accuracy is measured on text a model never saw.

Two comments are near duplicates when the Jaccard similarity of their sets of
character 5-grams (shingles, of the normalised text with spaces squeezed) is at
least THRESHOLD. Candidates are found with MinHash and locality-sensitive hashing
(Broder 1997; ``datasketch``, MIT), and the pairs are joined into clusters with a
union-find. Cross-validation then keeps every cluster inside one fold: a model
that memorised "Delivery was super fast, thanks!" is not credited for
"delivery was super fast thanks!!".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxlens.text.normalise import normalise

SHINGLE = 5
THRESHOLD = 0.5
PERMUTATIONS = 64


def shingles(text: str) -> set[bytes]:
    """Character 5-grams of a normalised text (the whole text when it is shorter)."""
    squeezed = " ".join(normalise(text).split())
    if len(squeezed) <= SHINGLE:
        return {squeezed.encode("utf-8")} if squeezed else set()
    return {squeezed[i : i + SHINGLE].encode("utf-8") for i in range(len(squeezed) - SHINGLE + 1)}


def jaccard(a: str, b: str) -> float:
    """Jaccard similarity of two texts' shingle sets (1 for two empty texts)."""
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def clusters(texts: Sequence[str], threshold: float = THRESHOLD) -> np.ndarray:
    """A cluster number per text; near duplicates (and identical texts) share one."""
    from datasketch import MinHash, MinHashLSH

    normalised = [" ".join(normalise(t).split()) for t in texts]
    distinct = sorted(set(normalised))
    index = {t: i for i, t in enumerate(distinct)}
    parent = list(range(len(distinct)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sets = [shingles(t) or {b""} for t in distinct]
    hashes = MinHash.bulk(sets, num_perm=PERMUTATIONS, seed=1)
    lsh = MinHashLSH(threshold=threshold, num_perm=PERMUTATIONS)
    for i, h in enumerate(hashes):
        for other in lsh.query(h):
            j = int(other)
            if find(i) == find(j):
                continue
            # LSH proposes candidates; the exact Jaccard decides
            inter = len(sets[i] & sets[j])
            if inter / (len(sets[i]) + len(sets[j]) - inter) >= threshold:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[ri] = rj
        lsh.insert(str(i), h)
    roots = np.array([find(index[t]) for t in normalised], dtype=np.int64)
    _, numbered = np.unique(roots, return_inverse=True)
    return numbered.astype(np.int64)
