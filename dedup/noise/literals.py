"""What a rule regex must contain, and whether it is safe to compile — read from its parse tree.

Why: a line is tried against ~200 regexes; most of them need a word ("advertisement", "photo", "staff") that
the line does not contain. `required_literals` names pieces of which every match holds at least one, so a
substring automaton over the line picks the handful of regexes worth running. `repeat_problem` refuses
patterns like `a{1000000000}` whose compilation alone takes minutes and gigabytes.

The tree comes from Python's own `re` parser: the `regex` module reads the same syntax for everything the
parser accepts, except a few `regex`-only forms (POSIX classes, fuzzy constraints, `\\p{..}`) that are
rewritten or refused first. Anything not understood yields no literals: the rule then always runs (slower,
never wrong).
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from collections.abc import Iterable
from typing import Any

_NEW = sys.version_info >= (3, 11)   # the parser moved into `re` in 3.11
sre: Any = importlib.import_module("re._constants" if _NEW else "sre_constants")
sre_parse: Any = importlib.import_module("re._parser" if _NEW else "sre_parse")

MAX_SET = 256         # alternatives kept for one literal position (a product beyond this is dropped)
MAX_CLASS = 16        # a character class of up to this many plain characters ([Bb], [»›>]) is expanded
MAX_PATTERN = 5000    # characters in a user regex
MAX_REPEAT = 1000     # a counted repeat {m,n}: each bound ...
MAX_NESTED = 100_000  # ... and the product of nested bounds (`regex` unrolls counted repeats when compiling)
_PROPERTY = re.compile(r"\\[pP]\{[^}]*\}|\\[pP][A-Za-z]")
_ESCAPE = re.compile(r"\\.", re.S)
_TOKEN = re.compile(r"\\.|\{[^}]*\}|.", re.S)
_COUNT = re.compile(r"\{\d*(?:,\d*)?\}")
_POSIX = re.compile(r"\[:\^?[A-Za-z]+:\]")
_REGEX_ONLY = ("(?|", "(?V", "(?r", "(?&", "(?R", "(?(", "(?P>")

Pieces = frozenset[str]


def required_literals(pattern: str) -> tuple[str, ...]:
    """Case-folded pieces, one of which is in every line the pattern matches; () when none is known."""
    tree = _parse(pattern)
    if tree is None:
        return ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pieces = _sequence(list(tree))[0]
    if not pieces:
        return ()
    return tuple(sorted(p for p in pieces if not any(q != p and q in p for q in pieces)))  # 'bild' covers 'bildquelle'


def repeat_problem(pattern: str) -> str | None:
    """Why compiling this pattern could hang or exhaust memory (too long, huge counted repeats); None if fine."""
    if len(pattern) > MAX_PATTERN:
        return f"regex is {len(pattern)} characters long (at most {MAX_PATTERN})"
    for token in _TOKEN.findall(pattern):
        if _COUNT.fullmatch(token):
            bounds = [int(b) for b in token[1:-1].split(",") if b]
            if any(b > MAX_REPEAT for b in bounds):
                return f"repeat count {token} is above {MAX_REPEAT}"
    tree = _parse(pattern)
    product = _repeat_product(list(tree)) if tree is not None else 1
    if product > MAX_NESTED:
        return f"nested repeat counts multiply to {product} (at most {MAX_NESTED})"
    return None


def _parse(pattern: str) -> Any:
    """The `re` parse tree of the pattern with `regex`-only escapes neutralised; None when unsure."""
    if pattern.startswith("(?-i)"):
        pattern = pattern[len("(?-i)"):]
    unescaped = _ESCAPE.sub("__", pattern)
    if any(form in unescaped for form in _REGEX_ONLY) or _POSIX.search(unescaped):
        return None
    pattern = _PROPERTY.sub(r"\\d", pattern)  # a class of unknown letters: breaks a literal run, as \p{L} does
    if any(t.startswith("{") and not _COUNT.fullmatch(t) for t in _TOKEN.findall(pattern)):
        return None   # `{e<=1}` is a fuzzy constraint for `regex`, a literal for `re`
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sre_parse.parse(pattern, 0)
    except (re.error, ValueError, OverflowError, RecursionError):
        return None


def _repeat_product(items: list[Any]) -> int:
    """The largest product of counted-repeat bounds along any nesting path (an open bound counts its minimum)."""
    worst = 1
    for op, av in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, child = av
            bound = high if high != sre.MAXREPEAT else max(low, 1)
            worst = max(worst, max(bound, 1) * _repeat_product(list(child)))
        elif op == sre.SUBPATTERN:
            worst = max(worst, _repeat_product(list(av[-1])))
        elif op == sre.BRANCH:
            worst = max([worst, *(_repeat_product(list(b)) for b in av[1])])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            worst = max(worst, _repeat_product(list(av[1])))
        elif op == getattr(sre, "ATOMIC_GROUP", None):
            worst = max(worst, _repeat_product(list(av)))
    return worst


def _fold(chars: Iterable[int]) -> Pieces | None:
    """The case-folded characters of a class of literals, or None."""
    out = {chr(c).casefold() for c in chars}
    return frozenset(out) if out and len(out) <= MAX_CLASS else None


def _class(av: list[Any]) -> Pieces | None:
    """A small class of plain letters (`[Bb]`), folded; None for anything else (ranges, categories, negation)."""
    if any(op != sre.LITERAL for op, _ in av):
        return None
    return _fold(c for _, c in av)


def _best(candidates: list[Pieces]) -> Pieces | None:
    """The most selective candidate: longest shortest piece, then fewest pieces."""
    usable = [c for c in candidates if c and all(c)]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


def _product(left: Pieces, right: Pieces) -> Pieces | None:
    if len(left) * len(right) > MAX_SET:
        return None
    return frozenset(a + b for a in left for b in right)


def _sequence(items: list[Any]) -> tuple[Pieces | None, Pieces | None]:
    """(required pieces, exact strings) of a concatenation; exact is set when the whole is a finite set."""
    candidates: list[Pieces] = []
    run: Pieces | None = frozenset({""})
    exact = True
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue                       # zero-width: the characters around it stay adjacent
        here: Pieces | None = None
        need: Pieces | None = None
        if op == sre.LITERAL:
            here = frozenset({chr(av).casefold()})
        elif op == sre.IN:
            here = _class(list(av))
        elif op == sre.SUBPATTERN:
            need, here = _sequence(list(av[-1]))
        elif op == sre.BRANCH:
            need, here = _branch(av[1])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, child = av
            if low >= 1:
                need = _sequence(list(child))[0]
            if low == high == 1:
                need, here = _sequence(list(child))
            elif low == 0 and high == 1:   # optional: its exact strings or nothing (`\[/?caption`)
                optional = _sequence(list(child))[1]
                here = optional | {""} if optional is not None else None
        elif op == getattr(sre, "ATOMIC_GROUP", None):
            need, here = _sequence(list(av))
        joined = _product(run, here) if run is not None and here is not None else None
        if joined is not None:
            run = joined
            continue
        exact = False
        if run is not None and run != frozenset({""}):
            candidates.append(run)
        if need is not None:
            candidates.append(need)
        if here is not None:
            candidates.append(here)
        run = here if here is not None else frozenset({""})
    if run is not None and run != frozenset({""}):
        candidates.append(run)
    return _best(candidates), (run if exact else None)


def _branch(alternatives: list[Any]) -> tuple[Pieces | None, Pieces | None]:
    """An alternation needs one piece of each branch; it is exact when every branch is."""
    needs: set[str] = set()
    exact: set[str] | None = set()
    for alternative in alternatives:
        need, here = _sequence(list(alternative))
        if need is None:
            return None, None
        needs |= need
        if exact is not None and here is not None:
            exact |= here
        else:
            exact = None
    if len(needs) > MAX_SET:
        return None, None
    return frozenset(needs), (frozenset(exact) if exact is not None and len(exact) <= MAX_SET else None)
