"""Line-shape features: the evidence for noise that needs no rule, and the guard that protects real sentences.

Why separate from the classifier: the same measurements explain a verdict ("3 words, no stop words, no
sentence end") and protect content ("26 words, 41 % stop words, ends with '.'" — a sentence is never removed
on shape alone). Every field is cheap to compute and shows up in reasons.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import regex

from dedup.noise.rule_index import fold
from dedup.noise.stoplists import stop_ratio, words
from dedup.records import Document

_URL = regex.compile(r"https?://\S+|www\.\S+|\b[\w-]+\.(?:com|org|net|de|pl|fr|es|it|uk|io|co)(?:/\S*)?\b", regex.I)
# every `_URL` match holds one of these, case-folded: a line whose fold holds none skips the search
_URL_PIECES = ("://", "www.", ".org", ".net", ".de", ".pl", ".fr", ".es", ".it", ".uk", ".io", ".co")
_URL_PIECE = re.compile("|".join(map(re.escape, _URL_PIECES)))   # any of them, in one scan
_EMAIL = regex.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
# searched from the end (`(?r)`): whether a match exists does not depend on the direction, and both branches end at $
_SENTENCE_END = regex.compile(r"(?r)[.!?…。!?][\"'”’»)\]]*\s*$|[.!?][\"'”’»)\]]*\s*\(?[\w\s,.-]{0,30}\)?$")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CTA = regex.compile(
    r"^\W*(?:click|tap|subscribe|sign up|sign in|log ?in|register|download|follow|share|tweet|join|watch|listen|"
    r"read more|learn more|find out more|see more|view|shop|buy|order now|get (?:the|our|your|it)|try|donate|"
    r"support us|contact us|call now|book now|apply now|comment|reply|"
    r"klicken|abonnieren|anmelden|registrieren|herunterladen|folgen|teilen|jetzt|kliknij|zapisz|pobierz|"
    r"obserwuj|udostępnij|cliquez|abonnez|inscrivez|téléchargez|suivez|partagez|haz clic|suscríbete|regístrate|"
    r"descarga|síguenos|comparte|clicca|iscriviti|scarica|seguici|condividi)\b", regex.I)
_MONTHS = (r"jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?|"
           r"sep(?:t(?:ember)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?|"
           r"januar|februar|märz|mai|juni|juli|oktober|dezember|jänner|"
           r"stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia|"
           r"styczeń|luty|marzec|kwiecień|maj|czerwiec|lipiec|sierpień|wrzesień|październik|listopad|grudzień|"
           r"janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|"
           r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
           r"gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre")
_DAYS = (r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|"
         r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
         r"poniedziałek|wtorek|środa|czwartek|piątek|sobota|niedziela|"
         r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|"
         r"lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|today|yesterday|heute|gestern|dzisiaj|wczoraj")
_DATE_TOKEN = regex.compile(
    rf"(?:{_MONTHS}|{_DAYS}|\d{{1,4}}(?:st|nd|rd|th|\.)?|[ap]\.?m\.?|utc|gmt|[ecmp][sd]t|cet|cest|uhr|godz\.?|h|"
    r"at|on|am|um|le|el|il|o|w|de|del|of|the|published|updated|posted|last|veröffentlicht|aktualisiert|"
    r"opublikowano|aktualizacja|publié|mis|à|jour|publicado|actualizado|pubblicato|aggiornato|time|date)", regex.I)
_NUMERIC_DATE = r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b"   # not "3.6/5" ratings
_DATE_ANCHOR = rf"\b(?:{_MONTHS}|{_DAYS})\b|\d{{1,2}}:\d{{2}}|{_NUMERIC_DATE}"
_DATE_SPLIT = regex.compile(r"[\s,.:/|–—\-()]+")


def is_date_line(text: str) -> bool:
    """True for a line that is only a date and/or time ("10:34 AM – Tuesday, February 4, 2025", "31. Mai 2024")."""
    if not _has_digit(text):
        return False
    # only separator runs split, so an empty part can only come first or last: 15 parts (the split stops there,
    # not scanning a long paragraph to its end) hold at least 13 tokens
    parts = _DATE_SPLIT.split(text.strip(), maxsplit=14)
    tokens = [t for t in parts if t]
    if not tokens or len(parts) == 15 or len(tokens) > 12:
        return False
    has_anchor = _date_anchor().search(text)
    return bool(has_anchor) and all(_DATE_TOKEN.fullmatch(t) for t in tokens)


@functools.cache
def _date_anchor() -> Any:
    """`_DATE_ANCHOR` compiled once, on first need (a `regex.search` with the pattern string looks it up in the
    module's cache on every call)."""
    return regex.compile(_DATE_ANCHOR, regex.I)


def _has_digit(text: str) -> bool:
    """Any character with `str.isdigit`: an ASCII digit found by `in` (a C scan per digit, ~2x faster than one
    regex scan), else (no other ASCII character is a digit) a per-character test of the non-ASCII characters
    only (a paragraph with curly quotes has a few)."""
    if any(map(text.__contains__, "0123456789")):
        return True
    return not text.isascii() and any(map(str.isdigit, _NON_ASCII.findall(text)))


def has_url(text: str) -> bool:
    """`_URL` found in the text; a line without any of `_URL_PIECES` is answered without the (slow) search.
    Pieces are looked for in the line folded as the rule matcher folds it (`rule_index.fold`: what
    case-insensitive `regex` can match), plain `lower()` for ASCII."""
    folded = text.lower() if text.isascii() else fold(text)
    return _URL_PIECE.search(folded) is not None and bool(_URL.search(text))


@dataclass(frozen=True, slots=True)
class Shape:
    """Measurements of one paragraph, in the document's language."""

    chars: int
    words: int
    stop_ratio: float
    sentence_end: bool
    url: bool
    email: bool
    cta: bool
    date_only: bool
    link_density: float | None
    text: str = field(repr=False, compare=False)   # the paragraph, for `title_case`

    @property
    def title_case(self) -> float:
        """Share of words starting with a capital letter. Computed when asked: only the line model (HTML pages)
        reads it, and splitting every paragraph into words for it was a tenth of the classifier's time."""
        raw_words = self.text.split()
        capitals = sum(map(str.isupper, map(itemgetter(0), raw_words)))   # split() gives no empty word
        return capitals / len(raw_words) if raw_words else 0.0

    def sentence_like(self, min_words: int = 6, min_stop: float = 0.15) -> bool:
        """Looks like running prose: enough words, enough stop words, a sentence end (or very long)."""
        if self.words < min_words or self.stop_ratio < min_stop:
            return False
        return self.sentence_end or self.words >= 2 * min_words + 8

    def describe(self) -> str:
        parts = [f"{self.words} words", f"stop-words {self.stop_ratio:.0%}",
                 "sentence end" if self.sentence_end else "no sentence end"]
        if self.url:
            parts.append("URL")
        if self.email:
            parts.append("e-mail")
        if self.cta:
            parts.append("call to action")
        if self.link_density is not None:
            parts.append(f"link density {self.link_density:.2f}")
        return ", ".join(parts)


def shape(text: str, language: str, link_density: float | None = None, tokens: list[str] | None = None) -> Shape:
    """Measure one paragraph; `language` names a jusText stop-list (see dedup.noise.stoplists.guess_language);
    `tokens` are its `words(text)` when the caller has them already."""
    tokens = words(text) if tokens is None else tokens
    return Shape(
        chars=len(text),
        words=len(tokens),
        stop_ratio=stop_ratio(tokens, language),
        sentence_end=bool(_SENTENCE_END.search(text)),
        url=has_url(text),
        email="@" in text and bool(_EMAIL.search(text)),
        cta=bool(_CTA.search(text)),
        date_only=is_date_line(text),
        link_density=link_density,
        text=text,
    )


# Block context (metadata `_block_context`, see dedup.noise.extract): which furniture a paragraph sits in.
# Strong evidence may remove even a sentence; weak evidence only short, non-sentence lines. The vocabulary is
# what held up on the dev pages, scored by `without` snippets removed vs `with` snippets lost: 'widget' (Elementor
# wraps whole articles in `elementor-widget-container`), 'meta', 'more', 'ad', 'tag', 'byline', 'social',
# 'related', 'author', 'teaser', 'paywall', 'menu' and the `<nav>` zone marked as much article text as furniture.
STRONG_ZONES = frozenset({"button"})
WEAK_ZONES = frozenset({"header", "aside", "footer"})
CONTEXT_TOKENS: tuple[tuple[str, bool, frozenset[str]], ...] = (
    ("advertisement", True, frozenset({"advert", "adverts", "advertisement", "adslot", "sponsor", "promo",
                                       "promotion", "outbrain", "taboola"})),
    ("newsletter", True, frozenset({"signup", "optin"})),
    ("share", False, frozenset({"share", "sharing", "sharebar", "follow"})),
    ("comments", False, frozenset({"comment", "comments"})),
    ("navigation", False, frozenset({"breadcrumb", "breadcrumbs", "nav", "footer", "cta", "toc",
                                     "pagination"})),
    ("legal", False, frozenset({"copyright", "disclaimer"})),
)
_ZONE_CATEGORY = {"button": "navigation", "header": "navigation", "aside": "related-link", "footer": "navigation"}
_NEVER_WEAK = frozenset({"h1"})   # the page's title line: only strong evidence removes it


@dataclass(frozen=True, slots=True)
class Context:
    """A paragraph's source block: its tag, furniture zones above it, boilerplate class/id tokens."""

    tag: str
    zones: tuple[str, ...]
    tokens: tuple[str, ...]

    @classmethod
    def from_raw(cls, raw: object) -> Context | None:
        if isinstance(raw, dict):
            return cls(str(raw.get("tag") or ""), tuple(raw.get("zones") or ()), tuple(raw.get("tokens") or ()))
        if isinstance(raw, (list, tuple)) and len(raw) == 3:
            return cls(str(raw[0]), tuple(raw[1] or ()), tuple(raw[2] or ()))
        return None

    def evidence(self) -> tuple[str, bool, str] | None:
        """(category, strong, reason) of the strongest boilerplate evidence, or None."""
        for category, strong, vocabulary in CONTEXT_TOKENS:
            hit = next((t for t in self.tokens if t in vocabulary), None)
            if hit is not None and strong:
                return category, True, f"<{self.tag}> {self._where()}class/id token {hit!r}"
        for zone in self.zones:
            if zone in STRONG_ZONES:
                return _ZONE_CATEGORY[zone], True, f"<{self.tag}> inside <{zone}>"
        for category, _strong, vocabulary in CONTEXT_TOKENS:
            hit = next((t for t in self.tokens if t in vocabulary), None)
            if hit is not None and self.tag not in _NEVER_WEAK:
                return category, False, f"<{self.tag}> {self._where()}class/id token {hit!r}"
        for zone in self.zones if self.tag not in _NEVER_WEAK else ():
            if zone in WEAK_ZONES:
                return _ZONE_CATEGORY[zone], False, f"<{self.tag}> inside <{zone}>"
        return None

    def in_header_menu(self) -> bool:
        """Inside both a `<nav>` and a `<header>` element (below the article container, in either order): the site
        menu, not a table of contents or a list of related searches, which sit in a `<nav>` alone."""
        return "nav" in self.zones and "header" in self.zones

    def _where(self) -> str:
        return f"inside <{self.zones[0]}>, " if self.zones else ""


def link_densities(doc: Document, n: int) -> dict[int, float]:
    """Per-paragraph link density from `doc.metadata["_link_density"]` (list by index or {index: value})."""
    raw: Any = doc.metadata.get("_link_density")
    if isinstance(raw, (list, tuple)):
        return {i: float(x) for i, x in enumerate(raw[:n]) if isinstance(x, (int, float))}
    if isinstance(raw, dict):
        return {int(k): float(x) for k, x in raw.items() if isinstance(x, (int, float))}
    return {}


def block_contexts(doc: Document, n: int) -> dict[int, Context]:
    """Per-paragraph block context from `doc.metadata["_block_context"]` (list aligned with the paragraphs)."""
    raw: Any = doc.metadata.get("_block_context")
    if not isinstance(raw, (list, tuple)):
        return {}
    out = {}
    for i, item in enumerate(raw[:n]):
        context = Context.from_raw(item)
        if context is not None:
            out[i] = context
    return out
