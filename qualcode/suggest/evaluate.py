"""How good are the suggestions on a coded project? (``qualcode eval-suggest``)

Leave-documents-out, as a researcher would use the tool: the gold coder's codings in a
random ``train_fraction`` of the coded documents are what the suggester learns from;
every excerpt of the other documents is scored and compared with the gold codes. The
split is repeated over several seeds and the figures are averaged (with their spread).

Two kinds of code sets:

* mutually exclusive (every excerpt carries at most one of the codes, like AnnoMI's
  therapist behaviours): each excerpt with a gold code gets the top-scoring code, and
  Cohen's kappa, accuracy and per-code precision/recall/F1 are computed on those labels;
* overlapping: each code is applied where its score reaches the threshold calibrated on
  the training documents; per-code P/R/F1 and kappa (present/absent) are computed and
  averaged.

Baselines: plain MiniLM + logistic regression (the excerpt's embedding only, no context,
cues, n-grams or definitions), the majority code, definition similarity alone (the
suggester with zero codings) and BERTopic zero-shot assignment (codes' names and
definitions as zero-shot topics, the similarity threshold tuned on the training
documents; excerpts BERTopic does not put in a code's topic get no code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

from ..embed import EmbeddingBackend, Progress, embed_texts, get_embedder
from ..errors import SuggestionError
from ..model import Code
from .calibrate import best_threshold, calibrate, exclusive_top
from .features import FeatureConfig, UnitData
from .profiles import definition_scores, profile_parts, rescale_similarity
from .scorer import CodeScorer, SuggestConfig
from .themes import ThemeSettings, bertopic_topics, code_profiles, min_topic_size_for, zeroshot_codes
from .units import Unit, label_units, project_units

__all__ = ["METHODS", "EvalSettings", "evaluate_suggestions"]

METHODS = ("suggester", "embedding_lr", "definition", "majority", "bertopic_zeroshot")
NO_CODE = "(none)"


@dataclass(frozen=True)
class EvalSettings:
    """What ``qualcode eval-suggest`` runs."""

    gold_coder: str
    train_fraction: float = 0.2
    seeds: int = 3
    codes_under: str | None = None
    speakers: tuple[str, ...] | None = None
    baselines: tuple[str, ...] = ("embedding_lr", "definition", "majority", "bertopic_zeroshot")


def _codes_under(project, parent: str | None) -> list[Code]:
    book = project.codes()
    if parent is None:
        return [c for c in book if c.codable]
    names = {parent}
    if not any(c.name == parent for c in book):
        raise SuggestionError(f"no code or theme named {parent!r} in the codebook")
    # Descendants, breadth-first over the tree (codes() lists parents before children).
    for c in book:
        if c.parent in names:
            names.add(c.name)
    return [c for c in book if c.codable and c.parent in names]


def _data(units: Sequence[Unit], V: np.ndarray) -> UnitData:
    n = len(units)
    prev, nxt = V[n : 2 * n].copy(), V[2 * n : 3 * n].copy()
    prev[[i for i, u in enumerate(units) if not u.prev_text.strip()]] = 0.0
    nxt[[i for i, u in enumerate(units) if not u.next_text.strip()]] = 0.0
    return UnitData(V[:n], prev, nxt, [u.text for u in units], [u.prev_text for u in units],
                    [u.next_text for u in units], np.array([u.document_id for u in units], dtype=np.int64))


def _labels_top1(Y: np.ndarray, names: Sequence[str]) -> np.ndarray:
    return np.array([names[int(r.argmax())] if r.any() else NO_CODE for r in Y], dtype=object)


def _exclusive_metrics(gold: np.ndarray, pred: np.ndarray, names: Sequence[str]) -> dict:
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(names), zero_division=0)
    # Per code also a present/absent kappa (this code vs the rest), for the chance check.
    per = {n: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i]),
               "kappa": _binary_kappa(gold == n, pred == n)}
           for i, n in enumerate(names)}
    return {"kappa": float(cohen_kappa_score(gold, pred)), "macro_f1": float(np.mean(f)),
            "accuracy": float(np.mean(gold == pred)), "per_code": per}


def _binary_kappa(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    return float(cohen_kappa_score(a, b)) if len(set(a.tolist()) | set(b.tolist())) > 1 else 0.0


def _multilabel_metrics(Y: np.ndarray, P: np.ndarray, names: Sequence[str]) -> dict:
    per, kappas = {}, []
    for j, n in enumerate(names):
        p, r, f, _ = precision_recall_fscore_support(Y[:, j], P[:, j], average="binary", zero_division=0)
        k = float(cohen_kappa_score(Y[:, j], P[:, j])) if len(set(Y[:, j]) | set(P[:, j])) > 1 else 0.0
        per[n] = {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(Y[:, j].sum()), "kappa": k}
        kappas.append(k)
    return {"kappa": float(np.mean(kappas)), "macro_f1": float(np.mean([v["f1"] for v in per.values()])),
            "accuracy": float(np.mean(Y == P)), "per_code": per}


def _zeroshot_threshold(sims: np.ndarray, Y: np.ndarray, exclusive: bool) -> float:
    """The zero-shot threshold that does best on the training documents (kappa or macro-F1)."""
    best_sim, best_code = sims.max(axis=1), sims.argmax(axis=1)
    gold = _labels_top1(Y, [str(j) for j in range(Y.shape[1])])
    scores = {}
    for t in np.unique(np.round(np.percentile(best_sim, np.arange(0, 100, 5)), 3)):
        assigned = best_sim >= t
        if exclusive:
            pred = np.where(assigned, best_code.astype(str), NO_CODE).astype(object)
            scores[float(t)] = cohen_kappa_score(gold, pred)
        else:
            P = np.zeros_like(Y)
            P[np.flatnonzero(assigned), best_code[assigned]] = True
            scores[float(t)] = np.mean([precision_recall_fscore_support(Y[:, j], P[:, j], average="binary",
                                                                        zero_division=0)[2] for j in range(Y.shape[1])])
    return max(scores, key=lambda t: (scores[t], -t))


def _bertopic_zeroshot(texts: list[str], vectors: np.ndarray, codes: Sequence[Code], embedder, seed: int,
                       threshold: float) -> np.ndarray:
    """Code index per excerpt from BERTopic zero-shot topics (-1: no code)."""
    settings = ThemeSettings(seed=seed, keywords="ctfidf", zeroshot_min_similarity=threshold)
    code_vectors = embedder.encode(code_profiles(codes))
    zs = zeroshot_codes(vectors, codes, code_vectors, settings, min_topic_size_for(len(texts)))
    try:
        topics, _ = bertopic_topics(texts, vectors, codes, embedder, settings)
    except (ValueError, TypeError, IndexError):
        return zs  # BERTopic could not cluster the rest: only the zero-shot step counts
    topics = np.asarray(topics)
    out = np.full(len(texts), -1)
    # A topic is a code's topic when the zero-shot step put (most of) its excerpts there.
    for t in set(topics.tolist()) - {-1}:
        members = topics == t
        vals, counts = np.unique(zs[members], return_counts=True)
        top = vals[np.argmax(counts)]
        if top >= 0:
            out[members] = top
    return out


def evaluate_suggestions(
    project,
    settings: EvalSettings,
    *,
    embedder: EmbeddingBackend | None = None,
    config: SuggestConfig | None = None,
    progress: Progress | None = None,
) -> dict:
    """Run the evaluation; returns a JSON-ready dict (see ``qualcode eval-suggest --json``)."""
    if not 0 < settings.train_fraction < 1:
        raise SuggestionError("--train-fraction must be between 0 and 1 (e.g. 0.2)")
    config = config or SuggestConfig()
    embedder = embedder or get_embedder()
    codes = _codes_under(project, settings.codes_under)
    if len(codes) < 2:
        raise SuggestionError("evaluation needs at least two codable codes" +
                            (f" under {settings.codes_under!r}" if settings.codes_under else ""))
    names = [c.name for c in codes]
    gold = [c for c in project.codings(coders=[settings.gold_coder]) if c.code_id in {k.id for k in codes}]
    if not gold:
        raise SuggestionError(f"coder {settings.gold_coder!r} has no codings with these codes")
    # Gold standards like AnnoMI code whole turns: evaluate on turns, never split.
    units = project_units(project, speakers=settings.speakers, split_long=None)
    coded_docs = sorted({c.document_id for c in gold})
    units = [u for u in units if u.document_id in set(coded_docs)]
    Y = label_units(units, gold, [c.id for c in codes])
    exclusive = bool(Y.any()) and int(Y.sum(axis=1).max()) <= 1
    if exclusive:
        keep = Y.any(axis=1)  # excerpts the gold coder gave one of these codes
        units = [u for u, k in zip(units, keep) if k]
        Y = Y[keep]
    if len(coded_docs) < 2:
        raise SuggestionError("leave-documents-out evaluation needs gold codings in at least two documents")
    parts = profile_parts(codes)
    texts = [u.text for u in units]
    V = embed_texts(project, texts + [u.prev_text for u in units] + [u.next_text for u in units] + [p.text for p in parts],
                    embedder=embedder, progress=progress)
    data = _data(units, V)
    n = len(units)
    sims, _ = definition_scores(data.vectors, V[3 * n :], parts, len(codes))
    D = rescale_similarity(sims)
    # Mutually exclusive codes are one group whatever their parents.
    parents = ["(exclusive)"] * len(codes) if exclusive else [c.parent for c in codes]
    methods = ["suggester"] + [b for b in settings.baselines if b in METHODS]
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    doc_of = data.groups
    for seed in range(settings.seeds):
        rng = np.random.default_rng(seed)
        order = rng.permutation(coded_docs)
        n_train = min(len(order) - 1, max(1, round(settings.train_fraction * len(order))))
        train_docs = set(order[:n_train].tolist())
        tr = np.flatnonzero([d in train_docs for d in doc_of])
        te = np.flatnonzero([d not in train_docs for d in doc_of])
        scorer = CodeScorer(parents, config).fit(data, tr, Y[tr])
        S = exclusive_top(scorer.score(data, te, D[te]), scorer.groups) if not exclusive else scorer.score(data, te, D[te])
        for m in methods:
            if m == "suggester":
                if exclusive:
                    pred = np.array([names[j] for j in S.argmax(axis=1)], dtype=object)
                else:
                    cal = calibrate(parents, data, tr, Y[tr], D[tr], config)
                    pred = S >= cal.thresholds[None, :]
            elif m == "embedding_lr":
                plain = SuggestConfig(features=FeatureConfig(context=False, cues=False, words=False), blend_prior=0.0,
                                      C=config.C, min_positives=1)
                P = CodeScorer(parents, plain).fit(data, tr, Y[tr]).classifier_probs(data, te)
                if exclusive:
                    pred = np.array([names[j] for j in P.argmax(axis=1)], dtype=object)
                else:
                    pred = P >= 0.5
            elif m == "definition":
                if exclusive:
                    pred = np.array([names[j] for j in sims[te].argmax(axis=1)], dtype=object)
                else:
                    th = [best_threshold(sims[tr][:, j], Y[tr][:, j])[0] for j in range(len(codes))]
                    pred = sims[te] >= np.nan_to_num(np.array(th), nan=np.inf)[None, :]
            elif m == "majority":
                counts = Y[tr].sum(axis=0)
                if exclusive:
                    pred = np.array([names[int(np.argmax(counts))]] * len(te), dtype=object)
                else:
                    pred = np.repeat((counts / max(len(tr), 1) >= 0.5)[None, :], len(te), axis=0)
            else:
                # The same "name: definition" texts BERTopic embeds, threshold tuned on the training documents.
                zsims = data.vectors @ embedder.encode(code_profiles(codes)).T
                threshold = _zeroshot_threshold(zsims[tr], Y[tr], exclusive)
                zs = _bertopic_zeroshot([texts[i] for i in te], data.vectors[te], codes, embedder, seed, threshold)
                if exclusive:
                    pred = np.array([names[j] if j >= 0 else NO_CODE for j in zs], dtype=object)
                else:
                    pred = np.zeros((len(te), len(codes)), dtype=bool)
                    pred[np.flatnonzero(zs >= 0), zs[zs >= 0]] = True
            if exclusive:
                runs[m].append(_exclusive_metrics(_labels_top1(Y[te], names), pred, names))
            else:
                runs[m].append(_multilabel_metrics(Y[te], pred, names))
    return {
        "settings": {"gold_coder": settings.gold_coder, "train_fraction": settings.train_fraction,
                     "seeds": settings.seeds, "codes_under": settings.codes_under,
                     "speakers": list(settings.speakers) if settings.speakers else None,
                     "embedding_model": embedder.model_id, "suggester": "qualcode-suggest/1"},
        "mode": "exclusive (top-1 per excerpt)" if exclusive else "overlapping (threshold per code)",
        "codes": names, "documents": len(coded_docs), "excerpts": n,
        "methods": {m: _aggregate(r) for m, r in runs.items()},
    }


def _aggregate(runs: list[dict]) -> dict:
    def stat(values):
        arr = np.array(values, dtype=float)
        return {"mean": round(float(arr.mean()), 4), "sd": round(float(arr.std(ddof=1)) if len(arr) > 1 else 0.0, 4)}

    out = {k: stat([r[k] for r in runs]) for k in ("kappa", "macro_f1", "accuracy")}
    out["per_seed_kappa"] = [round(r["kappa"], 4) for r in runs]
    codes = runs[0]["per_code"].keys()
    out["per_code"] = {
        c: {k: round(float(np.mean([r["per_code"][c][k] for r in runs])), 4) for k in ("precision", "recall", "f1")}
        | {"support": int(np.mean([r["per_code"][c]["support"] for r in runs]))}
        | _honest([r["per_code"][c]["f1"] for r in runs], [r["per_code"][c]["kappa"] for r in runs])
        for c in codes
    }
    return out


def _interval(values: list[float]) -> list[float] | None:
    """95% t-interval of the mean over seeds (None with one seed)."""
    from scipy.stats import t

    arr = np.array(values, dtype=float)
    if len(arr) < 2:
        return None
    half = float(t.ppf(0.975, len(arr) - 1) * arr.std(ddof=1) / np.sqrt(len(arr)))
    return [round(float(arr.mean()) - half, 4), round(float(arr.mean()) + half, 4)]


def _honest(f1: list[float], kappa: list[float]) -> dict:
    """Per code: F1 and kappa intervals over seeds, and whether it beats chance (kappa interval above 0)."""
    ci = _interval(kappa)
    return {"f1_ci": _interval(f1), "kappa": round(float(np.mean(kappa)), 4), "kappa_ci": ci,
            "better_than_chance": None if ci is None else bool(ci[0] > 0)}
