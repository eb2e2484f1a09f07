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
("commission|compensat"): a line holding none of them skips the regex. Why: a dozen unanchored alternations
searched on every line were a third of the rule-matching time; a substring test is ~50× cheaper. A wrong
`needs` loses matches — the test suite checks each packaged one on the dev lines.
A bad line raises `RuleError` with `file:line`.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import regex

from dedup.errors import RuleError

Kind = Literal["phrase", "prefix", "contains", "regex"]
KINDS: tuple[str, ...] = ("phrase", "prefix", "contains", "regex")
DEFAULT_TIMEOUT = 0.2
MATCH_MEMO_SIZE = 1 << 16
_CATEGORY = regex.compile(r"[a-z][a-z0-9-]*")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_TAGS = regex.compile(r"\[/?[a-z]+\]|</?[a-z][^>]{0,200}>", regex.I)
_NON_WORD = regex.compile(r"[^\w']+")
_SPACE = regex.compile(r"\s+")
_FUZZY_LINE_CHARS = 40


class RuleTimeoutWarning(UserWarning):
    """A regex rule ran out of time on a line; the rule was treated as not matching that line."""


def clean(text: str) -> str:
    """The form regex rules see: NFKC, typographic quotes folded to ASCII, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES)).strip()


def normalise(text: str) -> str:
    """The form phrase rules (and corpus statistics) compare: `clean`, case-folded, tags and punctuation gone.

    >>> normalise("We don’t spam! Read our [link]privacy policy[/link].")
    "we don't spam read our privacy policy"
    """
    text = _TAGS.sub(" ", clean(text)).casefold()
    return " ".join(w.strip("'_") for w in _NON_WORD.sub(" ", text).split() if w.strip("'_"))


def allowed_edits(phrase: str) -> int:
    """How many typos a phrase tolerates: none below 8 characters (too many real words are that close)."""
    return 0 if len(phrase) < 8 else 1 if len(phrase) < 20 else 2


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
        try:
            compiled = regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
        except (regex.error, ValueError) as exc:
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


def _deletes(word: str, depth: int) -> set[str]:
    """All strings reachable by deleting up to `depth` characters (the SymSpell trick for fast fuzzy lookup)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


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


class _Index:
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


@lru_cache(maxsize=1)
def _packaged() -> tuple[Rule, ...]:
    """The shipped rule files, parsed once (immutable data, so caching cannot change results)."""
    rules: list[Rule] = []
    folder = resources.files("dedup") / "rules"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rules"):
            rules.extend(parse_rules(entry.read_text(encoding="utf-8"), f"dedup/rules/{entry.name}"))
    return tuple(rules)


def _read(path: str | Path) -> list[Rule]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(str(path), 0, f"cannot read rule file: {exc}") from None
    return parse_rules(text, str(path))


class RuleSet:
    """Noise rules plus keep rules; immutable — `extended`/`with_keep` return new sets.

    >>> rules = RuleSet.default()
    >>> rules.match("Advertisment").category
    'advertisement'
    >>> rules.match("The minister said the deal was signed on Monday.") is None
    True
    """

    def __init__(self, noise: Iterable[Rule] = (), keep: Iterable[Rule] = (),
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self._noise = _Index(noise)
        self._keep = _Index(keep)
        self.timeout = timeout
        # a pure function of (rules, line): memoised per rule set, because corpora repeat lines (templates,
        # syndicated copies) and the output is classified twice (pass 2, then `assemble`'s settling)
        self._memo: Any = lru_cache(maxsize=MATCH_MEMO_SIZE)(self._match)

    @classmethod
    def default(cls) -> RuleSet:
        return cls(_packaged())

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

    def match(self, text: str) -> RuleMatch | None:
        """The strongest rule for this line: a keep rule wins; None when no rule applies."""
        result: RuleMatch | None = self._memo(text)
        return result

    def _match(self, text: str) -> RuleMatch | None:
        cleaned = clean(text)
        norm = normalise(cleaned)
        n_words = len(norm.split())
        for index, keep in ((self._keep, True), (self._noise, False)):
            for rule, fuzzy in index.candidates(cleaned, norm, n_words, self.timeout):
                return RuleMatch(rule.category, rule.name, rule.location, keep, fuzzy)
        return None

    def __getstate__(self) -> dict[str, Any]:
        return {"noise": self._noise.rules, "keep": self._keep.rules, "timeout": self.timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["noise"], state["keep"], state["timeout"])  # type: ignore[misc]
