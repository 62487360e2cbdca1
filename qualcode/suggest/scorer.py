"""The suggestion model on arrays: definition similarity blended with a classifier.

Codes are handled in *groups* (siblings under one parent). A group whose codes the
researcher never puts on the same excerpt is treated as mutually exclusive (AnnoMI's
"question / reflection / input / other"): one multinomial logistic regression over its
codes, plus a "none of these" class when some coded excerpts carry none of them.
Otherwise each code gets its own one-vs-rest classifier. Both use balanced class
weights, because codes are rare and an unweighted model learns to say "no".

A code's score blends the classifier with the definition score, trusting the classifier
more as the researcher codes more excerpts with that code:
``w = n / (n + blend_prior)``, ``score = w * p_classifier + (1 - w) * definition``.
With zero codings the score is the definition score alone.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from .features import FeatureConfig, Featurizer, UnitData

__all__ = ["CodeScorer", "SuggestConfig", "find_groups"]

NONE = -1  # class label of "none of the group's codes"


@dataclass(frozen=True)
class SuggestConfig:
    """Settings of the suggester; the defaults are the ones measured in docs/suggestions.md."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    C: float = 1.0  # inverse regularisation strength of the logistic regressions
    min_positives: int = 3  # coded excerpts a code needs before it gets a classifier
    blend_prior: float = 10.0  # codings at which classifier and definition weigh equally
    cv_folds: int = 5  # folds (by document) for calibrating thresholds
    default_threshold: float = 0.5  # used until a code has enough codings to calibrate
    max_iter: int = 3000


def find_groups(parents: Sequence[object], Y: np.ndarray, labelled: np.ndarray) -> list[tuple[list[int], bool]]:
    """Group code columns by parent; ``(columns, exclusive)`` per group.

    A group is exclusive when at least two of its codes are used and no labelled unit
    carries two of them. One used code is no evidence of a choice between siblings: treating
    its group as exclusive let siblings known only by their definitions outscore, and so
    silence, the one code the coder had taught.
    """
    by_parent: dict[object, list[int]] = {}
    for j, p in enumerate(parents):
        by_parent.setdefault(p, []).append(j)
    groups = []
    for cols in by_parent.values():
        sub = Y[labelled][:, cols]
        used = int((sub.sum(axis=0) > 0).sum())
        exclusive = used >= 2 and int(sub.sum(axis=1).max()) <= 1
        groups.append((cols, exclusive))
    return groups


def _fit_lr(X, y, config: SuggestConfig, start: LogisticRegression | None = None) -> LogisticRegression:
    """Balanced logistic regression; ``start``, a model fitted on the same inputs and classes,
    is where lbfgs begins (the problem is convex, so it ends where a cold fit ends, sooner)."""
    clf = LogisticRegression(C=config.C, class_weight="balanced", max_iter=config.max_iter)
    if (start is not None and start.coef_.shape[1] == X.shape[1]
            and np.array_equal(start.classes_, np.unique(y))):
        clf = copy.deepcopy(start)
        clf.set_params(warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny training sets
        clf.fit(X, y)
    return clf


class CodeScorer:
    """Fit on labelled units, score any units. Works with zero codings (definitions only)."""

    def __init__(self, parents: Sequence[object], config: SuggestConfig | None = None):
        self.parents = list(parents)
        self.config = config or SuggestConfig()
        self.k = len(self.parents)
        self.featurizer: Featurizer | None = None
        self.models: list[tuple[list[int], bool, object]] = []  # (columns, exclusive, model(s))
        self.positives = np.zeros(self.k, dtype=int)
        self.weights = np.zeros(self.k, dtype=np.float32)
        self.groups: list[tuple[list[int], bool]] = []
        # What the last fit trained on, so update() can tell what changed.
        self._idx: np.ndarray | None = None
        self._Y: np.ndarray | None = None
        self._X = None
        self.refitted: list[int] = []  # code columns the last fit or update trained anew

    def fit(self, data: UnitData, idx: np.ndarray, Y: np.ndarray) -> CodeScorer:
        """Train on units ``idx`` whose codes are the rows of ``Y`` (bool ``[len(idx), k]``)."""
        return self._fit(data, np.asarray(idx, dtype=int), Y, previous=None)

    def update(self, data: UnitData, idx: np.ndarray, Y: np.ndarray) -> CodeScorer:
        """Retrain after codings changed, redoing only what they changed; returns a new scorer.

        When the training excerpts are the same as last time (codings added or removed
        within already coded transcripts), the feature matrix is reused, a group whose
        labels did not change keeps its model (a fit on the same inputs would give the
        same one), and a changed group's model starts from its old weights. Otherwise
        (a transcript coded for the first time changes the tf-idf vocabulary) it is a
        full :meth:`fit`. Either way the models are those a full fit would give, to the
        solver's tolerance. ``self`` is left as it was: a page may be scoring with it.
        """
        idx = np.asarray(idx, dtype=int)
        new = CodeScorer(self.parents, self.config)
        if self._idx is None or self._X is None or not np.array_equal(idx, self._idx):
            return new._fit(data, idx, Y, previous=None)
        new.featurizer = self.featurizer
        models = {(tuple(cols), exclusive): model for cols, exclusive, model in self.models}
        return new._fit(data, idx, Y, previous=(self._Y, models, self._X))

    def _fit(self, data: UnitData, idx: np.ndarray, Y: np.ndarray, previous) -> CodeScorer:
        cfg = self.config
        Y = np.asarray(Y, dtype=bool)
        self.positives = Y.sum(axis=0).astype(int)
        self.models = []
        self.refitted = []
        self.weights = np.zeros(self.k, dtype=np.float32)
        self.groups = find_groups(self.parents, Y, np.ones(len(idx), dtype=bool))
        trainable = self.positives >= cfg.min_positives
        old_Y, old_models, X = previous if previous is not None else (None, {}, None)
        self._idx, self._Y, self._X = idx, Y.copy(), None
        if len(idx) == 0 or not trainable.any():
            self.featurizer = None
            return self
        if X is None:
            self.featurizer = Featurizer(cfg.features).fit(data, idx)
            X = self.featurizer.transform(data, idx)
        self._X = X
        for cols, exclusive in self.groups:
            cols_ok = [j for j in cols if trainable[j]]
            if not cols_ok:
                continue
            old = old_models.get((tuple(cols), exclusive))
            if exclusive:
                y = np.full(len(idx), NONE)
                for j in cols:
                    y[Y[:, j]] = j
                if len(np.unique(y)) < 2:
                    continue
                if old is not None and np.array_equal(old_Y[:, cols], Y[:, cols]):
                    model = old
                else:
                    model = _fit_lr(X, y, cfg, start=old)
                    self.refitted += cols
                self.models.append((cols, True, model))
                trained = cols
            else:
                per_code = {}
                for j in cols_ok:
                    if Y[:, j].all():
                        continue  # never "not this code": nothing to learn the boundary from
                    before = old.get(j) if old is not None else None
                    if before is not None and np.array_equal(old_Y[:, j], Y[:, j]):
                        per_code[j] = before
                    else:
                        per_code[j] = _fit_lr(X, Y[:, j].astype(int), cfg, start=before)
                        self.refitted.append(j)
                self.models.append((cols, False, per_code))
                trained = list(per_code)
            for j in trained:
                n = self.positives[j]
                self.weights[j] = n / (n + cfg.blend_prior) if n > 0 else 0.0
        return self

    def classifier_probs(self, data: UnitData, idx: np.ndarray) -> np.ndarray:
        """Classifier probability per ``[unit, code]`` (0 where a code has no classifier)."""
        idx = np.asarray(idx, dtype=int)
        P = np.zeros((len(idx), self.k), dtype=np.float32)
        if self.featurizer is None or len(idx) == 0:
            return P
        X = self.featurizer.transform(data, idx)
        for cols, exclusive, model in self.models:
            if exclusive:
                probs = model.predict_proba(X)
                for c, label in enumerate(model.classes_):
                    if label != NONE:
                        P[:, int(label)] = probs[:, c]
            else:
                for j, clf in model.items():
                    P[:, j] = clf.predict_proba(X)[:, 1]
        return P

    def score(self, data: UnitData, idx: np.ndarray, definition: np.ndarray) -> np.ndarray:
        """Blended scores ``[unit, code]`` in [0, 1]; ``definition`` is the rescaled definition score."""
        P = self.classifier_probs(data, idx)
        w = self.weights[None, :]
        return (w * P + (1.0 - w) * definition).astype(np.float32)

    @property
    def basis(self) -> list[str]:
        """Per code: what its score rests on ("definition", "codings+definition", "codings")."""
        out = []
        for wj in self.weights:
            out.append("definition" if wj == 0 else ("codings" if wj > 0.95 else "codings+definition"))
        return out
