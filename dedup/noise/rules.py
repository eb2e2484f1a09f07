"""Rule files: the strongest, most explainable evidence that a line is noise (or must be kept).

Why a rule file and not code: users extend the packaged rules for their sources (`--rules FILE`) and protect
lines we get wrong (`--keep FILE`), and every removal can name the exact `file:line` that caused it.

Format (UTF-8, one rule per line; blank lines and lines starting with `#` are ignored)::

    <category>  [max_words=N]  <kind>:<pattern>

    advertisement  phrase: Advertisement          # (comments only on their own line)
    related-link   regex: ^(?:also read|see also)\\s*[:|]
    credit-line    max_words=12  regex: ^(?:photo|image)\\s*:

`category` is a lower-case name (`advertisement`, `newsletter`, …; anything in a keep file). Kinds:

* `phrase:` the whole line equals the phrase after normalisation (NFKC, case-folded, quotes folded, markup tags
  and punctuation removed). Phrases of 8+ characters also match with 1 edit (2 edits from 20 characters), so
  "Advertisment" and "Advertisments below" match without listing every typo.
* `prefix:` the normalised line starts with the normalised phrase at a word boundary.
* `contains:` the normalised line contains the normalised phrase at word boundaries.
* `regex:` a `regex`-module pattern searched in the line (NFKC, quotes folded, whitespace collapsed),
  case-insensitive unless the pattern starts with `(?-i)`. It runs with a timeout: a catastrophic pattern on a
  long line counts as "no match" and emits a `RuleTimeoutWarning` naming the rule, instead of hanging a run.

`max_words=N` limits a rule to lines of at most N words (keeps a broad pattern away from long sentences).
`needs=a|b|c` (regex rules) names literal pieces of which every match contains at least one, in lower case
("commission|compensat"): a line holding none of them skips the regex. Without it the pieces are read from
the pattern itself (`literals.required_literals`), so `needs=` is only for what that cannot see. A wrong
`needs` loses matches — the test suite checks each packaged one on the dev lines. Matching is one pass per
line (`rule_index`): the pieces of all regexes and all `contains:` phrases go through one automaton.
User regexes are refused (`RuleError`) when compiling them could hang or exhaust memory (`a{1000000000}`).
A bad line raises `RuleError` with `file:line`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import regex

from dedup import __version__
from dedup.errors import RuleError
from dedup.noise.chars import CharTest, ascii_runs, runs_table
from dedup.noise.literals import repeat_problem
from dedup.noise.rule_index import Rule, RuleIndex, RuleTimeoutWarning, allowed_edits, compile_rule, edit_distance
from dedup.noise.tables import load_or_build

__all__ = ["Rule", "RuleError", "RuleMatch", "RuleSet", "RuleTimeoutWarning", "allowed_edits", "clean",
           "edit_distance", "normalise", "parse_rules"]

Kind = Literal["phrase", "prefix", "contains", "regex"]
KINDS: tuple[str, ...] = ("phrase", "prefix", "contains", "regex")
DEFAULT_TIMEOUT = 0.2
MATCH_MEMO_SIZE = 1 << 16
_CATEGORY = regex.compile(r"[a-z][a-z0-9-]*")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_QUOTE_PAIRS = tuple((chr(code), str(folded)) for code, folded in _QUOTES.items())
_ASCII_QUOTE_PAIRS = tuple((quote, folded) for quote, folded in _QUOTE_PAIRS if quote.isascii())
_TAGS = regex.compile(r"\[/?[a-z]+\]|</?[a-z][^>]{0,200}>", regex.I)
_NON_WORD = regex.compile(r"[^\w']+")
_NON_WORD_ASCII = re.compile(r"[^\w']+")   # the same class as `_NON_WORD` on ASCII text, and ~5x faster
# the ASCII characters outside `_NON_WORD` (letters, digits, '_' and "'"), for `chars.ascii_runs`
_WORD_CHARS = runs_table("".join(chr(c) for c in range(128) if not _NON_WORD_ASCII.match(chr(c))))
_SPACE = regex.compile(r"\s+")
_NOT_REGEX_SPACE = ("\x1c", "\x1d", "\x1e", "\x1f")   # the only characters `str.split` and `regex`'s \s disagree on
_NOT_REGEX_SPACE_FOUND = re.compile("[" + "".join(_NOT_REGEX_SPACE) + "]")


def clean(text: str) -> str:
    """The form regex rules see: NFKC, typographic quotes folded to ASCII, whitespace collapsed."""
    if text.isascii():   # NFKC keeps ASCII as it is, and of the quotes only the backtick is ASCII
        for quote, folded in _ASCII_QUOTE_PAIRS:
            if quote in text:
                text = text.replace(quote, folded)
    else:
        text = unicodedata.normalize("NFKC", text)
        for quote, folded in _QUOTE_PAIRS:   # `translate`'s same result: no folded quote is one of the quotes
            if quote in text:   # most lines have none; `translate` with a table walks every character in Python
                text = text.replace(quote, folded)
    if _NOT_REGEX_SPACE_FOUND.search(text) is None:   # then `str.split` is the same collapse, ~5x faster
        return " ".join(text.split())
    return _SPACE.sub(" ", text).strip()


def normalise(text: str) -> str:
    """The form phrase rules (and corpus statistics) compare: `clean`, case-folded, tags and punctuation gone.

    >>> normalise("We don’t spam! Read our [link]privacy policy[/link].")
    "we don't spam read our privacy policy"
    """
    return _normalise_clean(clean(text))


def _normalise_clean(cleaned: str) -> str:
    """`normalise` of a text that is already `clean` (which is idempotent)."""
    text = (_TAGS.sub(" ", cleaned) if "<" in cleaned or "[" in cleaned else cleaned).casefold()   # no bracket, no tag
    if text.isascii():   # the runs between characters of `_NON_WORD`: ~5x faster than `sub` and `split`
        found = ascii_runs(text, _WORD_CHARS)
    else:
        found = (_NON_WORD_ASCII if _CLASSES_AGREE.all_non_ascii(text) else _NON_WORD).sub(" ", text).split()
    if "'" not in text and "_" not in text:   # then no word has anything to strip, and none is empty
        return " ".join(found)
    return " ".join(filter(None, (w.strip("'_") for w in found)))


def _classed_alike(c: str) -> bool:
    return (_NON_WORD.fullmatch(c) is None) == (_NON_WORD_ASCII.fullmatch(c) is None)


# `re` and `regex` put every character of a text on the same side of [^\\w'] (curly quotes and dashes do;
# combining marks, superscripts and fractions do not), so either pattern gives the same split
_CLASSES_AGREE = CharTest(_classed_alike)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """Which rule fired: its category, its text and where it is written."""

    category: str
    rule: str
    location: str
    keep: bool = False
    fuzzy: bool = False

    @property
    def reason(self) -> str:
        how = "keep rule" if self.keep else "rule"
        typo = ", approximate match" if self.fuzzy else ""
        return f"{how} {self.location} ({self.rule}{typo})"


def parse_rules(text: str, source: str) -> list[Rule]:
    """Parse rule-file text; `source` names the file in errors and reasons."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            rules.append(_parse_line(line, source, number))
    return rules


def _parse_line(line: str, source: str, number: int) -> Rule:
    head, sep, pattern = _split_kind(line)
    if not sep:
        raise RuleError(source, number, f"expected '<category> [max_words=N] <kind>:<pattern>' with kind in "
                                        f"{', '.join(KINDS)}; got {line[:80]!r}")
    fields = head.split()
    if not fields or not _CATEGORY.fullmatch(fields[0]):
        raise RuleError(source, number, f"bad or missing category {fields[0] if fields else ''!r} "
                                        "(lower-case letters, digits, '-')")
    max_words = None
    needs: tuple[str, ...] = ()
    for option in fields[1:]:
        key, _, value = option.partition("=")
        if key == "max_words" and value.isdigit() and int(value) >= 1:
            max_words = int(value)
        elif key == "needs" and sep == "regex" and value and all(value.split("|")):
            needs = tuple(piece.lower() for piece in value.split("|"))
        else:
            raise RuleError(source, number, f"unknown option {option!r} (max_words=N with N >= 1; needs=a|b for "
                                            "regex rules)")
    pattern = pattern.strip()
    if sep == "regex":
        problem = repeat_problem(pattern)
        if problem is not None:
            raise RuleError(source, number, f"regex refused: {problem}")
        try:
            compiled = compile_rule(pattern)
        except (regex.error, ValueError, OverflowError, RecursionError, MemoryError) as exc:
            raise RuleError(source, number, f"regex does not compile: {exc}") from None
        if not pattern:
            raise RuleError(source, number, "empty regex")
        return Rule(fields[0], sep, pattern, source, number, max_words, compiled, needs)
    phrase = normalise(pattern)
    if not phrase:
        raise RuleError(source, number, f"{sep} {pattern!r} is empty after normalisation")
    return Rule(fields[0], sep, phrase, source, number, max_words)


def _split_kind(line: str) -> tuple[str, str, str]:
    """Split at the first whitespace-preceded `kind:` token."""
    match = regex.search(r"(?:^|\s)(phrase|prefix|contains|regex):", line)
    if match is None:
        return line, "", ""
    return line[:match.start()], match.group(1), line[match.end():]


@lru_cache(maxsize=1)
def _packaged_index() -> RuleIndex:
    """The shipped rule files, parsed and indexed once per process — from the on-disk table cache when the
    files (and the code reading them) are unchanged; immutable data, so caching cannot change results."""
    folder = resources.files("dedup") / "rules"
    files = [(e.name, e.read_bytes()) for e in sorted(folder.iterdir(), key=lambda e: e.name)
             if e.name.endswith(".rules")]
    parts = [__version__, regex.__version__, _automaton_version(), *(b for f in files for b in f)]   # + the code
    return load_or_build("rules", parts, lambda: _build_packaged(files))


def _build_packaged(files: list[tuple[str, bytes]]) -> RuleIndex:
    rules: list[Rule] = []
    for name, data in files:
        rules.extend(parse_rules(data.decode("utf-8"), f"dedup/rules/{name}"))   # every regex compiles here
    return RuleIndex(replace(rule, compiled=None) for rule in rules)


def _automaton_version() -> str:
    try:
        import ahocorasick
    except ImportError:
        return "pure"
    return str(getattr(ahocorasick, "__version__", "ahocorasick"))


def _packaged() -> tuple[Rule, ...]:
    return _packaged_index().rules


def _read(path: str | Path) -> list[Rule]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleError(str(path), 0, f"cannot read rule file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise RuleError(str(path), line, f"not UTF-8 (byte {data[exc.start]:#04x} at column {column})") from None
    return parse_rules(text, str(path))


class RuleSet:
    """Noise rules plus keep rules; immutable — `extended`/`with_keep` return new sets.

    >>> rules = RuleSet.default()
    >>> rules.match("Advertisment").category
    'advertisement'
    >>> rules.match("The minister said the deal was signed on Monday.") is None
    True
    """

    def __init__(self, noise: Iterable[Rule] | RuleIndex = (), keep: Iterable[Rule] = (),
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self._noise = noise if isinstance(noise, RuleIndex) else RuleIndex(noise)
        self._keep = RuleIndex(keep)
        self.timeout = timeout
        # a pure function of (rules, line): memoised per rule set, because corpora repeat lines (templates,
        # syndicated copies) and the output is classified twice (pass 2, then `assemble`'s settling)
        self._memo: Any = lru_cache(maxsize=MATCH_MEMO_SIZE)(self._match)

    @classmethod
    def default(cls) -> RuleSet:
        return cls(_packaged_index())

    @property
    def noise_rules(self) -> tuple[Rule, ...]:
        return self._noise.rules

    @property
    def keep_rules(self) -> tuple[Rule, ...]:
        return self._keep.rules

    def extended(self, path: str | Path) -> RuleSet:
        """More noise rules from a user file (`--rules FILE`)."""
        return RuleSet((*self._noise.rules, *_read(path)), self._keep.rules, self.timeout)

    def with_keep(self, path: str | Path) -> RuleSet:
        """Keep rules from a user file (`--keep FILE`): a line they match is content whatever else matches."""
        return RuleSet(self._noise.rules, (*self._keep.rules, *_read(path)), self.timeout)

    def compile_all(self) -> None:
        """Compile every rule regex now instead of on first use (see `RuleIndex.compile_all`)."""
        self._noise.compile_all()
        self._keep.compile_all()

    def match(self, text: str) -> RuleMatch | None:
        """The strongest rule for this line: a keep rule wins; None when no rule applies."""
        result: RuleMatch | None = self._memo(text)
        return result

    def _match(self, text: str) -> RuleMatch | None:
        cleaned = clean(text)
        norm = _normalise_clean(cleaned)
        n_words = norm.count(" ") + 1 if norm else 0   # `len(norm.split())`: its words are joined by single spaces
        for index, keep in ((self._keep, True), (self._noise, False)):
            for rule, fuzzy in index.candidates(cleaned, norm, n_words, self.timeout) if index.rules else ():
                return RuleMatch(rule.category, rule.name, rule.location, keep, fuzzy)
        return None

    def __getstate__(self) -> dict[str, Any]:
        return {"noise": self._noise.rules, "keep": self._keep.rules, "timeout": self.timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["noise"], state["keep"], state["timeout"])  # type: ignore[misc]
