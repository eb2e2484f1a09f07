"""Glued-word repair, precision first: "hasoffered" -> "has offered", `world,Rubio` -> "world, Rubio".

Bad HTML-to-text conversion drops the space at tag boundaries, but a word unknown to a word list is far more
often a real word (a compound, a name, an identifier: 'nullability', 'keyserver', 'readthedocs') than a glue:
splitting every rare word that fell into two frequent ones was wrong on 95 % of the judged repairs on the dev
pages. So a word is split only on evidence that a space was lost, and never where a split is a guess:

- **HTML pages: the page's tag boundaries, nothing else.** The markup has two letter runs meeting at a tag
  boundary (`<code>spawn</code> to`, `computing&nbsp;is`; `metadata["_glue"]` from `dedup.noise.extract`)
  and the extracted text has them glued: the split there is made when every part is a word and it is the
  only such split. A glue that is in the page's own text ("thenuanced") is the author's spelling — the page's
  readers see it too, and ground truth keeps it: word-list splits on HTML pages were right 4 times, wrong 6.
- **Plain text: word-list evidence, in English only** (its lower-case words are rarely compounds; German,
  Dutch, Finnish, Indonesian… build new words by gluing, and Russian splits into fragments: 'со ли те'). The
  glued form is unknown to the word list (and to the English one, for other languages), it occurs once in
  the document (a term the page uses twice is its vocabulary), and exactly one split glues a closed-class
  word (`GLUE_HEADS`, `GLUE_TAILS`: "has", "will", "in", "is"…) to a word of `MIN_GLUED_PART`+ letters with
  zipf >= `MIN_PART_ZIPF` ("has offered", "idea in"). Compound makers ("over", "out", "less", "able") are
  not closed-class words here: "overplant", "carveout", "passwordless" stay.

Never touched: capitalised and upper-case words (names, acronyms), words longer than `MAX_WORD` letters
(bounded work: a 50,000-letter line costs one regex pass; `Repairer.lookups` counts the work), and any word
inside a URL, an e-mail address, a path, code or an identifier (a whitespace-free chunk with `/`, `@`, `.`,
`_`, `=`, brackets, digits or hyphens; a paragraph that looks like code is skipped whole). A comma glued
between letters gets its space back only in plain English prose, before a name (`world,Rubio`) or a
closed-class word (`residents,according`, `nonexistent,the`) — never in lists (`taxes,fees`, `GET,HEAD`).

Measured with `python scripts/measure_repair.py` (wcxb-dev pages with ground-truth text, each page cleaned
alone; a split is right when the truth has the split form) — the figures are in that script's docstring.

>>> text, repairs = repair_glued("Bukele hasoffered to house them in his jails,Rubio said.")
>>> text
'Bukele has offered to house them in his jails, Rubio said.'
>>> repairs
[('hasoffered', 'has offered'), ('jails,Rubio', 'jails, Rubio')]
>>> repair_glued("CECOT, MS-13 and Tinoco stay as they are; so do nullability and readthedocs.io.")[1]
[]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import filterfalse

from dedup.noise.chars import CharTest
from dedup.noise.stoplists import stoplist

MIN_PART_ZIPF = 3.0
MIN_SHORT_PART_ZIPF = 5.0
MIN_LENGTH = 5
MAX_WORD = 40          # longer letter runs are left alone: bounded work per word
# languages whose lower-case words are rarely compounds, so an unknown word can be a glue (jusText names)
WORDLIST_LANGUAGES = {"en": "English"}
ONE_LETTER_WORDS = {"en": frozenset("a"), "fr": frozenset("aày"), "es": frozenset("aeoyu"), "it": frozenset("aeio"),
                    "pt": frozenset("aeo")}
# closed-class words that begin (HEADS) or end (TAILS) a phrase but never a lower-case compound: a word-list
# split must glue one of them to a word ("has offered", "idea in"); "over", "out", "less", "able", "work"…
# make compounds ("overplant", "carveout", "passwordless") and are not here
GLUE_HEADS = {"en": frozenset({"has", "have", "had", "will", "would", "could", "should", "was", "were", "is", "are",
                               "been", "the", "and", "of", "with", "from", "their", "our", "his", "its", "which"})}
GLUE_TAILS = {"en": frozenset({"in", "is", "to", "of", "the", "and", "was", "are", "for", "with", "from", "that",
                               "has", "have", "will", "were", "been", "which"})}
MIN_GLUED_PART = 4     # letters of the word a closed-class word is glued to
# words that open a clause after a comma ("residents,according to")
_COMMA_FOLLOWERS = {"en": frozenset({"according", "but", "while", "which", "who", "where", "when", "although",
                                     "though", "including", "and", "or", "so", "as", "said", "says"})}


@functools.cache
def _wordfreq_languages() -> frozenset[str]:
    """The languages wordfreq has lists for: a fact about the installed package, read once per process.
    wordfreq is imported here, not at module level: its import (~0.1 CPU-s with langcodes) and a frequency
    table (~0.2 CPU-s) are paid only by a run that has a word to look up."""
    import wordfreq

    return frozenset(wordfreq.available_languages())


@functools.cache
def _frequencies(lang: str) -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict(lang)   # wordfreq caches the table too; this spares the import


def preload(lang: str = "en") -> None:
    """Load wordfreq's table for `lang` now (every repair also reads the English one): a process about to fork
    workers that would each load it for themselves."""
    if lang in _wordfreq_languages():
        _frequencies(lang)


def _zipf(freq: float) -> float:
    import wordfreq

    return wordfreq.freq_to_zipf(freq)


_TOKEN = re.compile(r"[^\W\d_]+(?:,[^\W\d_]+)?")
_LONG_WORD = re.compile(rf"[^\W\d_]{{{MIN_LENGTH},}}")
# the lower-case words of `_LONG_WORD` on text whose non-ASCII characters are no letters (curly quotes, dashes)
_LONG_ASCII_LOWER = re.compile(rf"(?<![A-Za-z])[a-z]{{{MIN_LENGTH},}}(?![A-Za-z])")
_LETTER = re.compile(r"[^\W\d_]")
# the comma first: `re` scans for it in C instead of trying the lookbehind at every position
_COMMA = re.compile(r",(?<=[^\W\d_],)(?=[^\W\d_])")
# a chunk (run of non-space characters) holding any of these is a URL, e-mail, path, code or identifier
_TECHNICAL = re.compile(r"[/\\@._=<>{}\[\]()|#$%&*+~^`:;0-9-]")
_EDGE_PUNCT = "\"'“”‘’«»()[].,;:!?…"
# code shape: a call `name(`, an operator, a statement end, markup; two hits make a paragraph code
_CODE = re.compile(r"\w\(|[{};]\s*$|[{}]|=>|->|::|==|!=|\+=|&&|\|\||</?\w+>|^\s*[$#>] |\b(?:def|function|import|"
                   r"return|var|let|const|class|public|void|sudo|npm|pip)\b", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*\s*$")


@dataclass(frozen=True, slots=True)
class Fix:
    """One repair: `glued` at character `offset` of the repaired paragraph's original text became `fixed`."""

    offset: int
    glued: str
    fixed: str


def lower_long_words(text: str) -> list[str]:
    """The lower-case words of `_LONG_WORD.findall(text)`: found by an ASCII pattern when no non-ASCII character
    of the text is a letter (names and sentence starts are then never made into strings)."""
    if text.isascii() or _NO_LETTER.all_non_ascii(text):
        return _LONG_ASCII_LOWER.findall(text)
    return list(filter(str.islower, _LONG_WORD.findall(text)))


def _not_a_letter(c: str) -> bool:
    return _LETTER.fullmatch(c) is None


_NO_LETTER = CharTest(_not_a_letter)   # no non-ASCII character is a letter for `_LETTER` (curly quotes, dashes)


def _inert(c: str) -> bool:
    """Neither a letter nor a mark (for `_LETTER` and for `stoplists.words`), and kept as it is by casefold."""
    return _not_a_letter(c) and unicodedata.category(c)[0] not in "LM" and c.casefold() == c


# every non-ASCII character of a text is inert: then `stoplists.words` of the text are its ASCII letter runs,
# lower-cased (and joined across apostrophes)
_INERT = CharTest(_inert)


def looks_like_code(text: str) -> bool:
    """Two or more code marks (calls, operators, braces, markup, keywords): not prose, not to be repaired."""
    return any(hits >= 2 for hits, _ in enumerate(_CODE.finditer(text), start=1))


def _chunk(text: str, start: int, end: int) -> str:
    """The whitespace-free chunk around text[start:end], without the punctuation prose puts at word edges."""
    lo = start
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    hi = end
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    return text[lo:hi].strip(_EDGE_PUNCT)


@dataclass(slots=True)
class Repairer:
    """Glued-word repair for one language and (optionally) one document.

    `glue` holds "left|right" letter runs that met at a tag boundary of the page (None: not from HTML);
    `document` is the whole text, to tell a one-off glue from a term the page uses again. `lookups` counts
    word-list look-ups: the work done, which the tests bound per character.
    """

    lang: str = "en"
    glue: frozenset[str] | None = None
    document: str = ""
    lookups: int = 0
    _freq: dict[str, float] = field(default_factory=dict, repr=False)
    _english: dict[str, float] = field(default_factory=dict, repr=False)
    _stops: frozenset[str] = frozenset()
    _counts: Counter[str] | None = field(default=None, repr=False)
    _loaded: bool = field(default=False, repr=False)
    _joined_glue: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if self.glue:
            self._joined_glue = frozenset(pair.replace("|", "", 1) for pair in self.glue)

    def _load(self) -> None:
        """Fetch the word lists on first need (see `_wordfreq_languages`)."""
        if self._loaded:
            return
        self._loaded = True
        if self.lang in _wordfreq_languages():
            self._freq = _frequencies(self.lang)
            self._english = self._freq if self.lang == "en" else _frequencies("en")
            name = WORDLIST_LANGUAGES.get(self.lang)
            self._stops = stoplist(name) if name else frozenset()

    @property
    def html(self) -> bool:
        """The document came from HTML: only the page's own tag boundaries are evidence of a lost space (a
        glue that is in the page's text is the author's spelling, and the page's reader sees it too)."""
        return self.glue is not None

    @property
    def active(self) -> bool:
        """False when wordfreq has no list for the language: then nothing is repaired."""
        self._load()
        return bool(self._freq)

    @property
    def wordlist_evidence(self) -> bool:
        """True for the languages where an unknown lower-case word may be a glue (see the module docstring)."""
        return self.lang in WORDLIST_LANGUAGES and self.active

    def zipf(self, word: str) -> float:
        self.lookups += 1
        freq = self._freq.get(word, 0.0)
        return _zipf(freq) if freq > 0 else 0.0

    def known(self, word: str) -> bool:
        """In the document language's word list or the English one (pages quote English words)."""
        self.lookups += 1
        return word in self._freq or word in self._english

    def _part_ok(self, word: str) -> bool:
        """A part is a word: zipf >= MIN_PART_ZIPF; one- and two-letter parts only as very common stop words
        (short fragments of rare words are frequent as abbreviations: "co", "de", "re")."""
        if len(word) <= 2:
            if len(word) == 1 and word not in ONE_LETTER_WORDS.get(self.lang, frozenset()):
                return False
            return word in self._stops and self.zipf(word) >= MIN_SHORT_PART_ZIPF
        return self.zipf(word) >= MIN_PART_ZIPF

    def _repeated(self, word: str) -> bool:
        if self._counts is None:
            self._counts = Counter(w.lower() for w in _LONG_WORD.findall(self.document))
        return self._counts[word] > 1

    def split(self, token: str) -> list[str] | None:
        """The parts of a glued lower-case word, or None when it should stay as it is."""
        self._load()
        if not (MIN_LENGTH <= len(token) <= MAX_WORD) or not token.islower() or not token.isalpha():
            return None
        if self.known(token):
            return None
        if self.html:
            return self._split_at_tags(token)
        if not self.wordlist_evidence or self._repeated(token):
            return None
        return self._only_reading(token)

    def _boundary(self, left: str, right: str) -> bool:
        """The page had a tag boundary between these two letter runs (`left|right` in the HTML evidence)."""
        self.lookups += 1
        return self.glue is not None and f"{left}|{right}" in self.glue

    def _split_at_tags(self, token: str) -> list[str] | None:
        """The split at the HTML's tag boundaries (two parts, else three), when it is the only one whose
        parts are all words."""
        size = len(token)
        found = [[token[:c], token[c:]] for c in range(1, size) if self._boundary(token[:c], token[c:])]
        found = [parts for parts in found if all(self._part_ok(p) for p in parts)]
        if not found:
            found = [[token[:i], token[i:j], token[j:]] for i in range(1, size - 1) for j in range(i + 1, size)
                     if self._boundary(token[:i], token[i:j]) and self._boundary(token[i:j], token[j:])]
            found = [parts for parts in found if all(self._part_ok(p) for p in parts)]
        return found[0] if len(found) == 1 else None

    def _only_reading(self, token: str) -> list[str] | None:
        """The one two-word split that glues a closed-class word to a word of `MIN_GLUED_PART` letters or more
        ("idea in"; "ide ain" is no such reading), or None when there is none or more than one."""
        heads, tails = GLUE_HEADS.get(self.lang, frozenset()), GLUE_TAILS.get(self.lang, frozenset())
        found = [(head, tail) for head, tail in ((token[:i], token[i:]) for i in range(1, len(token)))
                 if ((head in heads and len(tail) >= MIN_GLUED_PART) or (tail in tails and len(head) >= MIN_GLUED_PART))
                 and self._part_ok(head) and self._part_ok(tail)]
        return list(found[0]) if len(found) == 1 else None

    def _comma_ok(self, left: str, right: str, prose: bool) -> bool:
        """A glued comma in a prose sentence of a word-list language: a lower-case word before a name
        (`world,Rubio`) or before a closed-class word (`nonexistent,the`); never in lists (`taxes,fees`,
        `GET,HEAD`), where the page's own typography is what its text says."""
        if self.html or not prose or not self.wordlist_evidence or not left.islower():
            return False
        if self.zipf(left) < MIN_PART_ZIPF:
            return False
        if right[:1].isupper():
            return len(right) > 1 and right[1:].islower()
        tails = GLUE_HEADS.get(self.lang, frozenset()) | GLUE_TAILS.get(self.lang, frozenset())
        return right in tails or right in _COMMA_FOLLOWERS.get(self.lang, frozenset())

    def _glue_candidate(self, text: str) -> bool:
        """An HTML page's text has a word that begins with two letter runs of a tag boundary: a split at the
        page's boundaries (`_split_at_tags`) needs one, so without it the word lists are not even loaded."""
        joined = self._joined_glue
        return any(word.islower() and len(word) <= MAX_WORD
                   and any(word[:end] in joined for end in range(2, len(word) + 1))
                   for word in set(_LONG_WORD.findall(text)))

    def could_change(self, text: str) -> bool:
        """Cheap pre-check: a comma between letters, or a long lower-case word unknown to the word lists."""
        self._load()
        if _COMMA.search(text):
            return True
        words = set(lower_long_words(text))
        self.lookups += len(words)
        # the words in neither list, found by C-level filters (most words are known), then the length test
        unknown = filterfalse(self._english.__contains__, filterfalse(self._freq.__contains__, words))
        return any(len(word) <= MAX_WORD for word in unknown)

    def could_change_any(self, texts: Sequence[str], tokens: Sequence[list[str] | None]) -> bool:
        """Could `repair` change any of a document's texts? Where `could_change` says yes for one, this says yes
        (and says no more rarely than `could_change` of all of them joined, which it otherwise is).

        `tokens[k]` is `stoplists.words(texts[k])` or None. When every non-ASCII character of a text is inert
        (`_INERT`), its lower-case long words are among the parts of those words between apostrophes: they are
        looked up once for the whole document instead of found again by a regex scan, and an unknown one
        counts only when it occurs in the document in lower case (most are names: 'Bukele', 'Sheinbaum').
        """
        self._load()
        joined = "\n".join(texts)
        if _COMMA.search(joined):
            return True
        vocabulary: set[str] = set()
        rest = []
        for text, found in zip(texts, tokens, strict=True):
            if found is not None and (text.isascii() or _INERT.all_non_ascii(text)):
                vocabulary.update(found)
            else:
                rest.append(text)
        if "'" in joined or "\u2019" in joined:   # `words` keeps "don't" whole: its letter runs are the parts
            vocabulary = {part for word in vocabulary for part in word.split("'")}
        self.lookups += len(vocabulary)
        unknown = filterfalse(self._english.__contains__, filterfalse(self._freq.__contains__, vocabulary))
        if any(MIN_LENGTH <= len(word) <= MAX_WORD and word in joined for word in unknown):
            return True
        return bool(rest) and self.could_change("\n".join(rest))

    def repair(self, text: str) -> tuple[str, list[Fix]]:
        """Repaired text and its repairs, in text order (offsets into `text`)."""
        if self.html and not (self.glue and self._glue_candidate(text)):
            return text, []
        if not self.active or not self.could_change(text) or looks_like_code(text):
            return text, []
        fixes: list[Fix] = []
        prose = bool(_SENTENCE_END.search(text))
        out: list[str] = []
        last = 0
        for match in _TOKEN.finditer(text):
            glued = match.group(0)
            if _TECHNICAL.search(_chunk(text, match.start(), match.end())):
                continue
            words = glued.split(",")
            pieces = [" ".join(parts) if (parts := self.split(w)) else w for w in words]
            fixed = pieces[0] if len(pieces) == 1 else (
                ", ".join(pieces) if self._comma_ok(words[0], words[1], prose) else ",".join(pieces))
            if fixed != glued:
                fixes.append(Fix(match.start(), glued, fixed))
                out.append(text[last:match.start()])
                out.append(fixed)
                last = match.end()
        out.append(text[last:])
        return "".join(out), fixes


def repair_glued(text: str, lang: str = "en") -> tuple[str, list[tuple[str, str]]]:
    """Split glued words in `text` (see the module docstring); returns (repaired text, [(glued, fixed)])."""
    repaired, fixes = Repairer(lang, document=text).repair(text)
    return repaired, [(f.glued, f.fixed) for f in fixes]


def repair_document(texts: Sequence[str | None], lang: str, document: str, glue: Iterable[str] | None = None,
                    tokens: Sequence[list[str] | None] | None = None) -> list[tuple[str | None, list[Fix]]]:
    """Repair a document's kept paragraph texts (None stays None) with the document as context: the whole
    text (`document`) tells a one-off glue from the page's own term; `glue` is the HTML evidence of an HTML
    page (`metadata["_glue"]`, possibly empty), None for plain text. `tokens[k]`, when given and not None, is
    `stoplists.words(texts[k])` (the classifier has them): it spares the pre-check a scan of that text."""
    repairer = Repairer(lang, glue=None if glue is None else frozenset(glue), document=document)
    given: Sequence[list[str] | None] = tokens if tokens is not None else [None] * len(texts)
    kept = [text for text in texts if text is not None]
    kept_tokens = [found for text, found in zip(texts, given, strict=True) if text is not None]
    if not repairer.html and kept and not repairer.could_change_any(kept, kept_tokens):
        # nothing any paragraph could change (what `could_change` looks for never spans a line break): one test
        # for the whole document, its repeated words looked up once
        return [(text, []) for text in texts]
    return [(None, []) if text is None else repairer.repair(text) for text in texts]


