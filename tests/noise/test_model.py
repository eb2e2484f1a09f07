"""The line model's numpy trees score exactly as the scikit-learn model they were exported from, and explain a
score by contributions that add up to it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from dedup.io.read import read_sources
from dedup.noise.classify import Classifier
from dedup.noise.extract import extract
from dedup.noise.model import LineModel
from dedup.noise.segment import segment
from dedup.records import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
HTML = Path(__file__).resolve().parents[2] / "fixtures" / "html"


def _fixture_features() -> np.ndarray:
    """The model's features of every paragraph of the saved HTML pages, as `dedup clean` computes them."""
    classifier = Classifier()
    rows = []
    for item in read_sources([str(HTML)]):
        if not isinstance(item, Document) or not item.is_html:
            continue
        doc = extract(item)
        if isinstance(doc, Document):
            rows.append(classifier.line_features(doc, segment(doc.text, doc.id)))
    return np.vstack(rows)


def test_exported_trees_score_as_scikit_learn_and_explain_by_contributions() -> None:
    pytest.importorskip("sklearn")
    import train_noise_model as train
    from sklearn.ensemble import HistGradientBoostingClassifier

    from dedup.noise.model import NAMES

    x = _fixture_features()
    y = ((x[:, NAMES.index("link_density")] > 0.3) | (x[:, NAMES.index("log_words")] < 1.5)).astype(int)
    assert 0 < y.sum() < len(y)
    fitted = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, min_samples_leaf=5,
                                            early_stopping=False, random_state=0).fit(x, y)
    model = LineModel.from_json(train.export(fitted, 0.5))
    assert np.abs(model.scores(x) - fitted.predict_proba(x)[:, 1]).max() < 1e-9
    # a row's contributions, with each tree's root value and the base, add up to its log-odds
    for row in x[:: max(1, len(x) // 20)]:
        raw = model.base + model.value[model.leaves(row[None, :])].sum()
        assert abs(model.base + model.value[model.roots].sum() + model.contributions(row).sum() - raw) < 1e-9
    top = x[int(np.argmax(model.scores(x)))]
    assert model.explain(top).split("=")[0] == NAMES[int(np.argmax(model.contributions(top)))]
