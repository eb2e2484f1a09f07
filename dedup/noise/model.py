"""A small line model: boosted trees over the evidence the hand rules use, where rules do not generalise.

Why a model: single pieces of HTML evidence (a `nav` class token, "inside <footer>", a high link density) were
wrong on most unseen sites as verdicts, but together with length, stop words, position and neighbours they
separate furniture from content well. The trees are trained by `scripts/train_noise_model.py` on the dev
pages with domain-grouped folds (labels: the evaluation's own ground-truth judgement of each line) and shipped
as JSON (`line_model.json`); applying them needs numpy alone and is deterministic. Every removal names the
score and the features that pushed it most.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import regex

from dedup.noise.features import Context, Shape
from dedup.noise.rules import normalise
from dedup.records import Paragraph, Verdict

TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "div", "span", "a", "dd", "dt", "blockquote",
        "figcaption", "button", "label")
ZONES = ("nav", "aside", "footer", "header", "form", "button", "figure", "figcaption", "menu")
TOKEN_GROUPS = (
    ("share", frozenset({"share", "sharing", "shares", "sharebar", "social", "socials", "follow"})),
    ("related", frozenset({"related", "recommend", "recommended", "recommendations", "popular", "trending",
                           "teaser", "teasers", "more", "readmore"})),
    ("newsletter", frozenset({"newsletter", "newsletters", "subscribe", "subscription", "signup", "optin"})),
    ("author", frozenset({"author", "authors", "byline", "bio", "meta", "credit", "credits", "caption"})),
    ("tags", frozenset({"tags", "tag", "tagcloud", "taglist", "categories"})),
    ("ad", frozenset({"promo", "promotion", "ad", "ads", "advert", "adverts", "advertisement", "advertising",
                      "adslot", "adsense", "dfp", "sponsor", "sponsored", "outbrain", "taboola", "banner"})),
    ("nav", frozenset({"breadcrumb", "breadcrumbs", "menu", "nav", "navbar", "navigation", "pagination", "pager",
                       "toolbar", "toc", "cta", "masthead", "header", "footer", "sidebar"})),
    ("comment", frozenset({"comment", "comments"})),
    ("legal", frozenset({"cookie", "cookies", "consent", "gdpr", "copyright", "disclaimer", "paywall", "login",
                         "print", "rating", "widget", "widgets"})),
)
RULE_CATEGORIES = ("advertisement", "newsletter", "share", "social", "related-link", "navigation", "byline",
                   "credit-line", "legal", "commerce", "promo", "markup-residue", "comments", "site")
_DIGIT = regex.compile(r"\d")
_PUNCT = regex.compile(r"[\p{P}\p{S}]")


def _base_names() -> tuple[str, ...]:
    names = ["bias", "log_words", "log_chars", "stop_ratio", "sentence_end", "sentence_like", "url", "email", "cta",
             "date_only", "title_case", "link_density", "has_link_density", "digit_share", "punct_share",
             "ends_colon", "pipe", "copyright_sign", "words_le_3", "is_title", "rel_position", "first", "last",
             "edge_distance", "log_paragraphs"]
    names += [f"tag={t}" for t in TAGS] + [f"zone={z}" for z in ZONES] + [f"token={g}" for g, _ in TOKEN_GROUPS]
    names += [f"rule={c}" for c in RULE_CATEGORIES] + ["rule=other"]
    return tuple(names)


BASE = _base_names()
NEIGHBOUR = ("log_words", "sentence_like", "link_density", "cta")
NAMES = BASE + tuple(f"prev_{n}" for n in NEIGHBOUR) + tuple(f"next_{n}" for n in NEIGHBOUR)


def line_features(text: str, s: Shape, context: Context | None, rule_category: str | None, position: int,
                  count: int, is_title: bool) -> list[float]:
    """The BASE features of one paragraph (no neighbours)."""
    chars = max(1, len(text))
    row = [1.0, math.log1p(s.words), math.log1p(s.chars), s.stop_ratio, float(s.sentence_end),
           float(s.sentence_like()), float(s.url), float(s.email), float(s.cta), float(s.date_only), s.title_case,
           s.link_density or 0.0, float(s.link_density is not None), len(_DIGIT.findall(text)) / chars,
           len(_PUNCT.findall(text)) / chars, float(text.rstrip().endswith(":")), float("|" in text),
           float("©" in text), float(s.words <= 3), float(is_title), position / max(1, count - 1),
           float(position == 0), float(position == count - 1), math.log1p(min(position, count - 1 - position)),
           math.log1p(count)]
    tag, zones, toks = (context.tag, context.zones, set(context.tokens)) if context else ("", (), set())
    row += [float(tag == t) for t in TAGS] + [float(z in zones) for z in ZONES]
    row += [float(bool(toks & group)) for _, group in TOKEN_GROUPS]
    row += [float(rule_category == c) for c in RULE_CATEGORIES]
    row.append(float(rule_category is not None and rule_category not in RULE_CATEGORIES))
    return row


def with_neighbours(rows: Sequence[list[float]]) -> np.ndarray:
    """Append the previous and next paragraph's NEIGHBOUR features (zeros at the edges)."""
    base = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(BASE))
    idx = [BASE.index(n) for n in NEIGHBOUR]
    pad = np.zeros((1, len(idx)))
    part = base[:, idx]
    prev = np.vstack([pad, part[:-1]]) if len(rows) else part
    nxt = np.vstack([part[1:], pad]) if len(rows) else part
    return np.hstack([base, prev, nxt])


@dataclass(frozen=True, slots=True)
class LineModel:
    """Gradient-boosted regression trees: p(noise) = sigmoid(base + the leaf value each tree reaches).

    The trees are flat arrays over all nodes (`roots` gives each tree's first node); at a split node a row goes
    `left` when its feature is <= `split`, else `right`; a leaf has `left == -1`. `value` holds a leaf's output
    and, at a split node, the mean of its leaves (weighted by training rows): the difference between a node and
    the child a row goes to is what that split's feature contributed to the row's log-odds (`explain`).
    """

    names: tuple[str, ...]
    feature: np.ndarray
    split: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    base: float
    threshold: float
    version: str

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LineModel:
        trees = raw["trees"]
        return cls(tuple(raw["names"]), np.asarray(trees["feature"], dtype=np.intp),
                   np.asarray(trees["split"], dtype=np.float64), np.asarray(trees["left"], dtype=np.intp),
                   np.asarray(trees["right"], dtype=np.intp), np.asarray(trees["value"], dtype=np.float64),
                   np.asarray(trees["roots"], dtype=np.intp), float(raw["base"]), float(raw["threshold"]),
                   str(raw["version"]))

    @classmethod
    def packaged(cls) -> LineModel | None:
        """The shipped trees, or None when they do not match this code's features (then the model is off)."""
        path = resources.files("dedup.noise").joinpath("line_model.json")
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        if tuple(raw["names"]) != NAMES:
            return None
        return cls.from_json(raw)

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """The leaf each row reaches in each tree, (rows, trees): all trees walked one level at a time."""
        idx = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        rows = np.arange(len(x))[:, None]
        while True:
            inner = self.left[idx] >= 0
            if not inner.any():
                return idx
            go_left = x[rows, self.feature[idx]] <= self.split[idx]
            idx = np.where(inner, np.where(go_left, self.left[idx], self.right[idx]), idx)

    def scores(self, x: np.ndarray) -> np.ndarray:
        raw = self.base + self.value[self.leaves(x)].sum(axis=1) if len(x) else np.zeros(0)
        return np.asarray(1.0 / (1.0 + np.exp(-raw)))

    def contributions(self, row: np.ndarray) -> np.ndarray:
        """Per feature, the value changes along one row's path through every tree (summed over the splits on
        it): with the base and the roots' values they add up to the row's log-odds."""
        parts = np.zeros(len(self.names))
        idx = self.roots.copy()
        while (inner := self.left[idx] >= 0).any():
            node = idx[inner]
            child = np.where(row[self.feature[node]] <= self.split[node], self.left[node], self.right[node])
            np.add.at(parts, self.feature[node], self.value[child] - self.value[node])
            idx[inner] = child
        return parts

    def explain(self, row: np.ndarray, top: int = 3) -> str:
        """The features that pushed one row's score up most, with their contribution to the log-odds."""
        parts = self.contributions(row)
        order = np.argsort(-parts, kind="stable")[:top]
        return ", ".join(f"{self.names[k]}={row[k]:.2g} ({parts[k]:+.1f})" for k in order if parts[k] > 0)


_CATEGORY_WORDS = (("newsletter", regex.compile(r"subscri|sign up|newsletter|inbox|abonn|zapisz|suscr|iscriv",
                                                regex.I)),
                   ("share", regex.compile(r"share|tweet|teilen|udostępnij|partag|compart|condivid", regex.I)),
                   ("social", regex.compile(r"follow|folg|obserwuj|suivez|síguenos|seguici", regex.I)))


def model_category(text: str, s: Shape, context: Context | None) -> str:
    """A category for a line the model removed: its HTML evidence's, a call to action's, else by link density."""
    evidence = context.evidence() if context is not None else None
    if evidence is not None:
        return evidence[0]
    word = next((c for c, rx in _CATEGORY_WORDS if rx.search(text)), None)
    if word is not None:
        return word
    return "navigation" if (s.link_density or 0.0) >= 0.5 else "boilerplate"


def model_verdicts(model: LineModel, x: np.ndarray, threshold: float, paragraphs: Sequence[Paragraph],
                   shapes: Sequence[Shape], contexts: dict[int, Context], title: str,
                   verdicts: list[Verdict]) -> list[Verdict]:
    """Lines no other evidence removed go when the model is sure (score >= threshold); never the title line."""
    scores = model.scores(x)
    out = list(verdicts)
    for i, (p, s, v) in enumerate(zip(paragraphs, shapes, verdicts, strict=True)):
        if v.category != "content" or v.keep is not None or scores[i] < threshold or s.words == 0 \
                or (title and normalise(p.text) == title):
            continue
        out[i] = Verdict("noise", model_category(p.text, s, contexts.get(p.index)),
                         f"model {model.version} score {scores[i]:.3f} >= {threshold:.3f}; top features: "
                         f"{model.explain(x[i])}; {s.describe()}")
    return out
