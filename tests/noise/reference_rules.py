"""The rule matcher as it was before the one-pass index: a reference the new matcher is compared with.

Kept verbatim (one regex after another, a combined start-of-line pre-check) so the test can show that the
automaton-screened matcher returns the same rule for every line.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import regex

from dedup.noise.rule_index import allowed_edits, compile_rule, edit_distance
from dedup.noise.rules import Rule, RuleMatch, RuleTimeoutWarning, clean, normalise

_FUZZY_LINE_CHARS = 40


def _deletes(word: str, depth: int) -> set[str]:
    """All strings reachable by deleting up to `depth` characters (the SymSpell trick for fast fuzzy lookup)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


class ReferenceIndex:
    """Lookup structures over one list of rules, built once (rules are immutable afterwards)."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self.exact: dict[str, Rule] = {}
        self.fuzzy: dict[str, list[Rule]] = {}
        self.prefix: dict[str, list[Rule]] = {}
        self.contains: list[Rule] = []
        self.regexes: list[Rule] = []
        for rule in self.rules:
            if rule.kind == "phrase":
                self.exact.setdefault(rule.pattern, rule)
                if len(rule.pattern) <= _FUZZY_LINE_CHARS:
                    for key in _deletes(rule.pattern, allowed_edits(rule.pattern)):
                        self.fuzzy.setdefault(key, []).append(rule)
            elif rule.kind == "prefix":
                self.prefix.setdefault(rule.pattern.split()[0], []).append(rule)
            elif rule.kind == "contains":
                self.contains.append(rule)
            else:
                self.regexes.append(rule)
        self.regexes = [replace(r, compiled=r.compiled or compile_rule(r.pattern)) for r in self.regexes]
        self.screen, self.unscreened = _screen(self.regexes)

    def candidates(self, text: str, norm: str, n_words: int, timeout: float) -> Iterator[tuple[Rule, bool]]:
        """Matching rules (rule, fuzzy?) in order of strength: exact phrase, prefix, contains, regex, fuzzy."""
        if norm in self.exact:
            yield self.exact[norm], False
        first = norm.split(" ", 1)[0]
        for rule in self.prefix.get(first, ()):
            if (norm == rule.pattern or norm.startswith(rule.pattern + " ")) and _fits(rule, n_words):
                yield rule, False
        padded = f" {norm} "
        for rule in self.contains:
            if f" {rule.pattern} " in padded and _fits(rule, n_words):
                yield rule, False
        lowered = text.lower()
        for rule in self.regexes if self._may_match(text, timeout) else self.unscreened:
            if _fits(rule, n_words) and _has_needed(rule, lowered) and _search(rule, text, timeout):
                yield rule, False
        if 0 < len(norm) <= _FUZZY_LINE_CHARS + 2:
            yield from ((rule, True) for rule in self._fuzzy(norm))

    def _may_match(self, text: str, timeout: float) -> bool:
        """One match of the combined start-of-line pattern instead of one per rule (see `_screen`)."""
        if self.screen is None:
            return True
        try:
            return self.screen.match(text, timeout=timeout) is not None
        except TimeoutError:
            return True   # let each rule try (and time out) on its own, so the slow rule is named

    def _fuzzy(self, norm: str) -> list[Rule]:
        found: dict[int, Rule] = {}
        depth = 2 if len(norm) >= 18 else 1   # phrases under 20 characters tolerate one edit only
        for key in _deletes(norm, depth) if len(norm) >= 7 else ():
            for rule in self.fuzzy.get(key, ()):
                limit = allowed_edits(rule.pattern)
                if id(rule) not in found and edit_distance(norm, rule.pattern, limit) <= limit:
                    found[id(rule)] = rule
        return sorted(found.values(), key=lambda r: (r.source, r.line))


_NOT_EMBEDDABLE = regex.compile(r"\\[1-9]|\\g<|\(\?P[=<]|\(\?<(?![=!])|\(\?[a-zA-Z-]+\)")


def _has_top_level_bar(pattern: str) -> bool:
    """True when `pattern` has an alternation outside every group (`^a|b`): then `^` anchors only one branch."""
    depth, escaped, in_class = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def _anchored_body(rule: Rule) -> str | None:
    """The rule's pattern without its leading `^` (a leading `(?-i)` scoped to it), when it can join the
    combined start-of-line pattern; None otherwise."""
    pattern = rule.pattern
    scoped = pattern.startswith("(?-i)")
    body = pattern[len("(?-i)"):] if scoped else pattern
    if not body.startswith("^") or _has_top_level_bar(body) or _NOT_EMBEDDABLE.search(body):
        return None
    return f"(?-i:{body[1:]})" if scoped else f"(?:{body[1:]})"


def _screen(rules: list[Rule]) -> tuple[Any, list[Rule]]:
    """The rules anchored at the start of the line as one alternation tried at position 0; the others.

    Most regex rules look at the start of a line (`^\\W*also read…`); a content line fails all of them, and one
    `match` of the alternation costs about as much as one of them. Only a pre-check: when it matches, every
    rule still runs in its own order, with its own `max_words` and timeout, so results are unchanged.
    """
    bodies: list[str] = []
    others: list[Rule] = []
    for rule in rules:
        body = _anchored_body(rule)
        if body is None:
            others.append(rule)
        else:
            bodies.append(body)
    if len(bodies) < 2:
        return None, list(rules)
    try:
        return regex.compile("|".join(bodies), regex.IGNORECASE | regex.VERSION0), others
    except (regex.error, ValueError):
        return None, list(rules)


def _fits(rule: Rule, n_words: int) -> bool:
    return rule.max_words is None or n_words <= rule.max_words


def _has_needed(rule: Rule, lowered: str) -> bool:
    return not rule.needs or any(piece in lowered for piece in rule.needs)


def _search(rule: Rule, text: str, timeout: float) -> bool:
    try:
        return rule.compiled.search(text, timeout=timeout) is not None
    except TimeoutError:
        warnings.warn(RuleTimeoutWarning(f"{rule.location}: regex {rule.pattern[:60]!r} timed out after "
                                         f"{timeout}s on a {len(text)}-character line; treated as no match"),
                      stacklevel=4)
        return False


def reference_match(noise: ReferenceIndex, keep: ReferenceIndex, text: str, timeout: float = 0.2) -> RuleMatch | None:
    """`RuleSet.match` as it was, over reference indexes."""
    cleaned = clean(text)
    norm = normalise(cleaned)
    n_words = len(norm.split())
    for index, is_keep in ((keep, True), (noise, False)):
        for rule, fuzzy in index.candidates(cleaned, norm, n_words, timeout):
            return RuleMatch(rule.category, rule.name, rule.location, is_keep, fuzzy)
    return None
