"""The rule matcher: every kind of rule looked up in one pass over the line, not one rule after another.

Why: a line used to be tried against each of ~200 regexes and each `contains:` phrase in turn (~500 µs per
line, most of a run). Now `contains:` phrases and the literal pieces each regex needs (its `needs=`, or
pieces read from the pattern by `literals.required_literals`) go into two Aho-Corasick automata; one scan of
the line names the few regexes that can match, and only those run, in file order. The first match wins as
before, so results — the rule, and the `file:line` in its reason — are those of trying every rule in order.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import regex

from dedup.noise.literals import required_literals

FUZZY_LINE_CHARS = 40
# a line of more than N words needs only the pieces of regexes without `max_words` or with a larger one: the
# automaton scan costs per character, and the long lines (most of a corpus's characters) are most of the scans
REGEX_WORD_BOUNDS = (80, 60, 40, 30, 20, 12)


@dataclass(frozen=True, slots=True)
class Rule:
    """One parsed rule line."""

    category: str
    kind: str
    pattern: str          # normalised phrase, or the regex source
    source: str
    line: int
    max_words: int | None = None
    compiled: Any = None  # regex.Pattern for kind == "regex"
    needs: tuple[str, ...] = ()   # lower-case literals, one of which every regex match contains

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.pattern}"


class RuleTimeoutWarning(UserWarning):
    """A regex rule ran out of time on a line; the rule was treated as not matching that line."""


def allowed_edits(phrase: str) -> int:
    """How many typos a phrase tolerates: none below 8 characters (too many real words are that close)."""
    return 0 if len(phrase) < 8 else 1 if len(phrase) < 20 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or limit + 1 once it is certainly above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Finder:
    """Which keys occur in a text, as the set of the numbers filed under them.

    One Aho-Corasick scan (pyahocorasick) when it is installed; otherwise one substring test per key, which
    gives the same sets more slowly.
    """

    def __init__(self, keys: Mapping[str, Iterable[int]], automaton: bool = True) -> None:
        self.keys = {key: tuple(numbers) for key, numbers in keys.items() if key}
        self.automaton: Any = _automaton(self.keys) if automaton else None

    def found(self, text: str) -> set[int]:
        out: set[int] = set()
        if self.automaton is not None:   # the union of the numbers of every hit, gathered in C
            out.update(itertools.chain.from_iterable(map(itemgetter(1), self.automaton.iter(text))))
        else:
            for key, numbers in self.keys.items():
                if key in text:
                    out.update(numbers)
        return out


def _automaton(keys: Mapping[str, tuple[int, ...]]) -> Any:
    try:
        import ahocorasick
    except ImportError:
        return None
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key, numbers in keys.items():
        automaton.add_word(key, numbers)
    automaton.make_automaton()
    return automaton


def fold(text: str) -> str:
    """What pieces and lines are compared in: case-folded, U+0307 dropped (case-insensitive `regex` lets `i`
    match `İ`, whose fold is `i` + U+0307). Dropping a character can only add piece hits, never lose one."""
    return text.casefold().replace("\u0307", "")


def regex_pieces(rule: Rule) -> tuple[str, ...]:
    """The folded pieces one of which a line must hold for the rule to be tried: its own `needs=`, or what
    the pattern itself requires; () means "always try"."""
    pieces = rule.needs or required_literals(rule.pattern)
    return tuple(sorted({fold(piece) for piece in pieces} - {""}))


class RuleIndex:
    """Lookup structures over one list of rules, built once (rules are immutable afterwards)."""

    def __init__(self, rules: Iterable[Rule], automaton: bool = True) -> None:
        self.rules = tuple(rules)
        self.exact: dict[str, Rule] = {}
        self.prefix: dict[str, list[Rule]] = {}
        self.contains = tuple(rule for rule in self.rules if rule.kind == "contains")
        self.regexes = tuple(rule for rule in self.rules if rule.kind == "regex")
        for rule in self.rules:
            if rule.kind == "phrase":
                self.exact.setdefault(rule.pattern, rule)
            elif rule.kind == "prefix":
                self.prefix.setdefault(rule.pattern.split()[0], []).append(rule)
        self.contains_finder = Finder(_filed(f" {rule.pattern} " for rule in self.contains), automaton)
        self.fuzzy = tuple(rule for rule in self.rules if rule.kind == "phrase"
                           and len(rule.pattern) <= FUZZY_LINE_CHARS and allowed_edits(rule.pattern))
        self.fuzzy_finder = Finder(_filed_many([_pigeonholes(rule.pattern) for rule in self.fuzzy]), automaton)
        pieces = [regex_pieces(rule) for rule in self.regexes]
        self.always = frozenset(number for number, found in enumerate(pieces) if not found)
        self.regex_finder = Finder(_filed_many(pieces), automaton)
        self.regex_finders = _bounded_finders(self.regexes, pieces, automaton, self.regex_finder)
        # the finder for a line of n words (the last one for all longer lines): the first whose bound n exceeds
        self.finder_by_words = tuple(next(f for bound, f in self.regex_finders if n > bound)
                                     for n in range(max(REGEX_WORD_BOUNDS) + 2))
        # compiled on first use: a run meets a fraction of the rules, and packaged ones come from the cache
        # uncompiled (a pickled pattern is recompiled on load anyway)
        self.compiled: list[Any] = [rule.compiled for rule in self.regexes]

    def candidates(self, text: str, norm: str, n_words: int, timeout: float) -> Iterator[tuple[Rule, bool]]:
        """Matching rules (rule, fuzzy?) in order of strength: exact phrase, prefix, contains, regex, fuzzy."""
        if norm in self.exact:
            yield self.exact[norm], False
        first = norm.split(" ", 1)[0]
        for rule in self.prefix.get(first, ()):
            if (norm == rule.pattern or norm.startswith(rule.pattern + " ")) and _fits(rule, n_words):
                yield rule, False
        if self.contains:
            for number in sorted(self.contains_finder.found(f" {norm} ")):
                if _fits(self.contains[number], n_words):
                    yield self.contains[number], False
        if self.regexes:
            finder = self.finder_by_words[min(n_words, len(self.finder_by_words) - 1)]
            found = finder.found(fold(text))
            for number in sorted(found | self.always if self.always else found):
                rule = self.regexes[number]
                if _fits(rule, n_words) and _search(rule, self._compiled(number), text, timeout):
                    yield rule, False
        if self.fuzzy and 0 < len(norm) <= FUZZY_LINE_CHARS + 2:
            yield from ((rule, True) for rule in self._fuzzy(norm))

    def compile_all(self) -> None:
        """Compile every regex now (a process about to fork workers that will each meet most of them)."""
        for number in range(len(self.regexes)):
            self._compiled(number)

    def _compiled(self, number: int) -> Any:
        pattern = self.compiled[number]
        if pattern is None:
            pattern = self.compiled[number] = compile_rule(self.regexes[number].pattern)
        return pattern

    def _fuzzy(self, norm: str) -> list[Rule]:
        """The phrases within their allowed edits of the line, in file order.

        Each candidate holds one of its pigeonhole pieces intact (see `_pigeonholes`), so only those found by
        the automaton are measured.
        """
        found = []
        for number in self.fuzzy_finder.found(norm) if len(norm) >= 7 else ():
            rule = self.fuzzy[number]
            limit = allowed_edits(rule.pattern)
            if edit_distance(norm, rule.pattern, limit) <= limit:
                found.append(rule)
        return sorted(found, key=lambda r: (r.source, r.line))


def _pigeonholes(phrase: str) -> tuple[str, ...]:
    """The phrase cut into 2k+1 pieces for k allowed edits: an edit touches at most two pieces (a transposition
    across a cut), so a line within k edits contains at least one piece unchanged."""
    parts = 2 * allowed_edits(phrase) + 1
    cuts = [round(i * len(phrase) / parts) for i in range(parts + 1)]
    return tuple(phrase[a:b] for a, b in itertools.pairwise(cuts))


def _bounded_finders(rules: tuple[Rule, ...], pieces: list[tuple[str, ...]], automaton: bool,
                     full: Finder) -> tuple[tuple[int, Finder], ...]:
    """(bound, a finder of the pieces of the rules that fit a line of more than `bound` words), the largest
    bound first, then (-1, `full`): a line is scanned for the pieces of the rules that can match it only."""
    bounded = [(bound, Finder(_filed_many([found if _fits(rule, bound + 1) else ()
                                           for rule, found in zip(rules, pieces, strict=True)]), automaton))
               for bound in REGEX_WORD_BOUNDS]
    return (*bounded, (-1, full))


def _filed(keys: Iterable[str]) -> dict[str, list[int]]:
    """key -> the numbers of the items that have it."""
    out: dict[str, list[int]] = {}
    for number, key in enumerate(keys):
        out.setdefault(key, []).append(number)
    return out


def _filed_many(pieces: list[tuple[str, ...]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for number, found in enumerate(pieces):
        for piece in found:
            out.setdefault(piece, []).append(number)
    return out


def _fits(rule: Rule, n_words: int) -> bool:
    return rule.max_words is None or n_words <= rule.max_words


def compile_rule(pattern: str) -> Any:
    """A rule regex as every rule is compiled: case-insensitive, `regex` version 0 semantics."""
    return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)


def _search(rule: Rule, pattern: Any, text: str, timeout: float) -> bool:
    try:
        return pattern.search(text, timeout=timeout) is not None
    except TimeoutError:
        warnings.warn(RuleTimeoutWarning(f"{rule.location}: regex {rule.pattern[:60]!r} timed out after "
                                         f"{timeout}s on a {len(text)}-character line; treated as no match"),
                      stacklevel=4)
        return False
