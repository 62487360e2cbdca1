"""Exact cosine nearest neighbours, the first step of the themes' UMAP.

UMAP starts from each excerpt's nearest neighbours. Left to itself it finds them with
pynndescent, whose search kernels take the distance function as an argument, so numba
cannot keep them compiled on disk: every new process (every ``qualcode themes`` run)
compiled them again, about 12 s on two cores before the first fit, longer than the fit.
Up to :data:`EXACT_MAX` excerpts the exact answer is cheaper: one matrix product per
block of rows (numpy) and a top-k (torch, already loaded by BERTopic): 0.12-0.3 s for
5,000 MiniLM vectors and about 2 s for 20,000, measured on two cores (docs/themes.md).
Exact neighbours are also deterministic and need no seed: the matrix product only
proposes candidates, whose similarities are then recomputed pair by pair in a fixed order,
so the answer does not depend on how BLAS splits the product (its thread count, the block
of rows); the re-scoring adds about 10% (0.38 s vs 0.3 s at 5,000, 3.9 vs 3.7 s at 20,000,
measured side by side on 2026-12-03). Above the limit the cost
grows with the square of the corpus (40 s at 80,000), so UMAP's own approximate search
is used there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EXACT_MAX", "exact_cosine_neighbours"]

# Beyond this many excerpts an all-pairs search costs more than pynndescent's compile.
EXACT_MAX = 30_000
# Up to this many columns numpy's argpartition is fast enough for the top-k.
_NUMPY_TOP_K_MAX = 1_000
# Rows per block: the block's similarity matrix stays near 128 MB of float32.
_BLOCK_CELLS = 2**25
# Candidates beyond k taken from the float32 product before the exact re-scoring: a true
# neighbour is lost only if more than this many rows lie within float32 rounding of it.
_MARGIN = 8
# Rows re-scored at once (their candidates' vectors: rows x (k + margin) x dim floats).
_RESCORE_ROWS = 256


def exact_cosine_neighbours(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows by cosine distance, itself first.

    Returns ``(indices, distances)`` as UMAP's ``precomputed_knn`` wants them: int32 and
    float32 arrays of shape ``(n, k)``, nearest first, distance ``1 - cosine`` (never
    below 0). Ties are broken by row number, so the result does not depend on the order
    a sort happens to leave equal values in.
    """
    X = np.asarray(vectors, dtype=np.float32)
    n = len(X)
    if not 0 < k <= n:
        raise ValueError(f"k must be between 1 and the number of rows ({n}), not {k}")
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    unit = np.ascontiguousarray(X / np.maximum(norms, 1e-12))
    wanted = min(n, k + _MARGIN)
    block = max(1, min(n, _BLOCK_CELLS // n))
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(n, start + block)
        sims = unit[start:stop] @ unit.T
        # A row is always its own nearest neighbour, whatever rounding says.
        sims[np.arange(stop - start), np.arange(start, stop)] = 2.0
        _, candidates = _top_k(sims, wanted)
        for lo in range(start, stop, _RESCORE_ROWS):
            hi = min(stop, lo + _RESCORE_ROWS)
            cand = candidates[lo - start:hi - start]
            # The same elementwise product and pairwise sum for every pair (a sum along a
            # contiguous axis, whose order depends on its length only): identical rows get
            # bit-identical scores, so their ties are real and broken by row number.
            # 0.4 s for 20,000 rows; float64 took 1.3 s for no gain in determinism.
            exact = (unit[lo:hi, None, :] * unit[cand]).sum(axis=2)
            exact[cand == np.arange(lo, hi)[:, None]] = 2.0
            order = np.lexsort((cand, -exact), axis=1)[:, :k]
            indices[lo:hi] = np.take_along_axis(cand, order, axis=1)
            distances[lo:hi] = np.take_along_axis(exact, order, axis=1)
    distances = np.clip(1.0 - distances, 0.0, 2.0)
    distances[:, 0] = 0.0
    return indices, distances


def _top_k(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest values of each row and their columns (in no particular order).

    numpy has only a full ``argpartition`` (1.3 s for 5,000 x 5,000 here); torch's top-k
    takes a few milliseconds.
    """
    if sims.shape[1] <= _NUMPY_TOP_K_MAX:
        # Small inputs (the app's warm-up fits 80 points): numpy, without importing torch.
        idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        return np.take_along_axis(sims, idx, axis=1), idx
    import torch

    with torch.inference_mode():
        values, idx = torch.topk(torch.from_numpy(sims), k, dim=1)
    return values.numpy(), idx.numpy()
