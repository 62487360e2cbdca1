"""How well do the consistency checks find planted errors? (``qualcode eval-consistency``)

On a fully coded gold standard (AnnoMI): change the code of a random ``fraction`` of the
gold coder's coded excerpts to another code of the same group (a planted mistake) and
see how many of them list (a) puts in its top k; separately, delete a random
``fraction`` of the codings (planted misses) and see how many list (b) puts in its top
k. Precision at k = planted among the top k / k; recall at k = planted among the top
k / planted. Chance is the planted share of the excerpts the list ranks.

The checks run exactly as in the app (out-of-fold scores of the suggester's calibration),
on arrays, so the project is never modified. Baseline for list (a): the centroid check
(cosine to the centroid of the code's other excerpts vs the best other code's centroid),
what a tool without a trained model could do with the same embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..embed import EmbeddingBackend, Progress, embed_texts, get_embedder
from ..errors import SuggestionError
from .calibrate import calibrate
from .consistency import rank_missed, rank_unlike
from .evaluate import _codes_under, _data
from .profiles import definition_scores, profile_parts, rescale_similarity
from .scorer import SuggestConfig, find_groups
from .units import label_units, project_units

__all__ = ["evaluate_consistency"]


def _at_k(ranked: Sequence[tuple[int, int]], planted: set[tuple[int, int]], ks: Sequence[int]) -> dict:
    out = {}
    for k in ks:
        top = ranked[:k]
        hit = sum(1 for x in top if x in planted)
        out[str(k)] = {"precision": round(hit / max(len(top), 1), 4), "recall": round(hit / max(len(planted), 1), 4)}
    return out


def _centroid_unlike(V: np.ndarray, Y: np.ndarray, groups) -> list[tuple[int, int]]:
    """Baseline list (a): own leave-one-out centroid vs the best sibling centroid."""
    sums = Y.T.astype(np.float32) @ V  # [code, d]
    counts = Y.sum(axis=0).astype(np.float32)
    out = []
    group_of = {j: (cols, ex) for cols, ex in groups for j in cols}
    for r, j in zip(*np.nonzero(Y)):
        own = (sums[j] - V[r]) / max(counts[j] - 1, 1)
        own_sim = float(V[r] @ own / (np.linalg.norm(own) + 1e-9))
        cols, _ = group_of[j]
        others = [k for k in cols if k != j and counts[k] > 0]
        alt = max((float(V[r] @ sums[k] / (np.linalg.norm(sums[k]) + 1e-9)) for k in others), default=0.0)
        out.append((alt - own_sim, int(r), int(j)))
    out.sort(key=lambda t: -t[0])
    return [(r, j) for _, r, j in out]


def evaluate_consistency(project, gold_coder: str, *, fraction: float = 0.05, seeds: int = 1,
                         codes_under: str | None = None, speakers: Sequence[str] | None = None,
                         ks: Sequence[int] | None = None, embedder: EmbeddingBackend | None = None,
                         config: SuggestConfig | None = None, progress: Progress | None = None) -> dict:
    """Plant flipped and deleted codings in the gold coder's codes; P/R at k of lists (a) and (b)."""
    if not 0 < fraction < 0.5:
        raise SuggestionError("--fraction must be between 0 and 0.5 (e.g. 0.05)")
    config = config or SuggestConfig()
    embedder = embedder or get_embedder()
    codes = _codes_under(project, codes_under)
    gold = [c for c in project.codings(coders=[gold_coder]) if c.code_id in {k.id for k in codes}]
    if not gold:
        raise SuggestionError(f"coder {gold_coder!r} has no codings with these codes")
    docs = {c.document_id for c in gold}
    units = [u for u in project_units(project, speakers=speakers, split_long=None) if u.document_id in docs]
    parts = profile_parts(codes)
    n = len(units)
    V = embed_texts(project, [u.text for u in units] + [u.prev_text for u in units] + [u.next_text for u in units]
                    + [p.text for p in parts], embedder=embedder, progress=progress)
    data = _data(units, V)
    D = rescale_similarity(definition_scores(data.vectors, V[3 * n :], parts, len(codes))[0])
    Y0 = label_units(units, gold, [c.id for c in codes])
    parents = [c.parent for c in codes]
    groups = find_groups(parents, Y0, np.ones(n, dtype=bool))
    idx = np.arange(n)
    positives = list(zip(*np.nonzero(Y0)))
    n_plant = max(1, round(fraction * len(positives)))
    runs = {"flip": [], "flip_centroid": [], "delete": []}
    planted_counts = {"flip": 0, "delete": 0}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        # (a) flips: to another code of the same parent (a plausible slip, not a wild one).
        Y = Y0.copy()
        planted: set[tuple[int, int]] = set()
        for t in rng.permutation(len(positives)):
            if len(planted) >= n_plant:
                break
            r, j = positives[t]
            siblings = [k for k in range(len(codes)) if parents[k] == parents[j] and k != j and not Y[r, k]]
            if not siblings:
                continue
            k = int(rng.choice(siblings))
            Y[r, j], Y[r, k] = False, True
            planted.add((int(r), k))
        cal = calibrate(parents, data, idx, Y, D, config)
        ranked = [(r, j) for r, j, _, _ in rank_unlike(cal.oof, Y, groups, cal.thresholds, cal.calibrated)]
        kk = list(ks or (len(planted), 2 * len(planted)))
        runs["flip"].append(_at_k(ranked, planted, kk) | {"listed": len(ranked)})
        runs["flip_centroid"].append(_at_k(_centroid_unlike(data.vectors, Y, groups), planted, kk))
        planted_counts["flip"] = len(planted)
        # (b) deletions.
        Y = Y0.copy()
        chosen = rng.choice(len(positives), size=n_plant, replace=False)
        deleted = {(int(positives[t][0]), int(positives[t][1])) for t in chosen}
        for r, j in deleted:
            Y[r, j] = False
        cal = calibrate(parents, data, idx, Y, D, config)
        ranked = [(r, j) for r, j, _, _ in rank_missed(cal.oof, Y, groups, cal.thresholds, cal.calibrated)]
        kk = list(ks or (len(deleted), 2 * len(deleted)))
        runs["delete"].append(_at_k(ranked, deleted, kk) | {"listed": len(ranked)})
        planted_counts["delete"] = len(deleted)
    return {
        "settings": {"gold_coder": gold_coder, "fraction": fraction, "seeds": seeds, "codes_under": codes_under,
                     "embedding_model": embedder.model_id},
        "excerpts": n, "coded_excerpts": int(Y0.any(axis=1).sum()), "codings": len(positives),
        "planted": planted_counts,
        # A random ranking finds planted items at their share among the ranked candidates.
        "chance_precision": {"flip": round(planted_counts["flip"] / max(len(positives), 1), 4),
                             "delete": round(planted_counts["delete"] / max(n * len(groups) - len(positives)
                                                                            + planted_counts["delete"], 1), 4)},
        "runs": runs, "summary": {m: _mean(r) for m, r in runs.items()},
    }


def _mean(runs: list[dict]) -> dict:
    out = {}
    for k in runs[0]:
        if k == "listed":
            out[k] = int(np.mean([r[k] for r in runs]))
            continue
        out[k] = {m: {"mean": round(float(np.mean([r[k][m] for r in runs])), 4),
                      "sd": round(float(np.std([r[k][m] for r in runs], ddof=1)) if len(runs) > 1 else 0.0, 4)}
                  for m in ("precision", "recall")}
    return out
