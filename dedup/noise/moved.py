"""The parts of a paragraph that move into metadata while the rest stays: a dateline prefix ("WASHINGTON
(Reuters) — …", "(AP) — …") and a publisher suffix on the title ("Title – One America News Network").

Why a module of its own: these are the classifier's only partial verdicts that are not rule cuts — a
`Verdict(CONTENT, …)` with a `keep` span and a `moved` part — and they need their own patterns, which the
rest of the classifier does not.
"""

from __future__ import annotations

import re

import regex

from dedup.noise.features import Shape
from dedup.noise.rules import normalise
from dedup.records import Document, Label, Paragraph, Verdict

__all__ = ["may_move_part", "moved_part"]

CONTENT: Label = "content"

# "WASHINGTON (Reuters) - ", "Feb. 4 (UPI) — ", "BERLIN, 3 March (dpa) – ", "LONDON — "
_DATELINE_PREFIX = regex.compile(
    r"^(?:(?:\p{Lu}[\p{L}.'-]*\.?\s?){0,3}\d{1,2}(?:,\s*\d{4})?\s*|"         # Feb. 4 / Feb 4, 2025
    r"\p{Lu}[\p{Lu} .'-]{2,30}(?:,\s*\p{Lu}[\p{L} .'-]{1,30}){0,2}\s*|"       # WASHINGTON / NEW YORK, N.Y.
    r"(?:\d{1,2}\.?\s*)?\p{Lu}[\p{L}]+\s+\d{1,2},?\s*\d{4}\s*)"              # Mar 3, 2025
    r"(?:\((?:[\p{L}\p{N} .&/-]{2,25})\)\s*)?"                                 # (UPI) / (Reuters)
    r"[—–-]{1,2}\s+(?=\S)")
_AGENCY_PREFIX = regex.compile(r"^\((?:AP|AFP|UPI|Reuters|dpa|PAP|IANS|PTI|ANI|CNN|KNA|APA|SDA|epd)\)\s*[—–-]{0,2}\s*")
_TITLE_SEP = regex.compile(r"\s+[|–—-]\s+|\s+[|–—:]{1,2}\s*$")
# what every match of `_DATELINE_PREFIX` / `_TITLE_SEP` holds: a dash before a space, a space before a separator
# (`re`'s \s covers `regex`'s): a line without it skips the slow search (performance only, same answers)
_DATELINE_HINT = re.compile(r"[—–-]\s")
_TITLE_SEP_HINT = re.compile(r"[|–—:-](?<=\s.)")   # `\s[|–—:-]` written to scan for the rarer separator first
_PUBLISHER = regex.compile(
    r"\b(?:news|network|times|post|journal|daily|herald|tribune|gazette|media|tv|radio|online|magazine|press|"
    r"today|channel|broadcasting|chronicle|observer|telegraph|guardian|express|independent|mirror|review|"
    r"report|zeitung|gazeta|dziennik|wiadomości|le monde|el país|corriere|\.com|\.org|\.net|\.de|\.pl)\b", regex.I)


def _dateline_prefix(text: str) -> regex.Match[str] | None:
    """`_DATELINE_PREFIX.match(text)`, without running it on a line that cannot hold one."""
    return _DATELINE_PREFIX.match(text) if _DATELINE_HINT.search(text) else None


def _title_separator(text: str) -> bool:
    """Whether `_TITLE_SEP` occurs in the text, without running it on a line that cannot hold one."""
    return bool(_TITLE_SEP_HINT.search(text)) and _TITLE_SEP.search(text) is not None


def may_move_part(text: str) -> bool:
    """Could a dateline prefix, an agency prefix or a title separator be in `text`? (Where the paragraph
    stands decides whether one moves, so `assemble` re-classifies such paragraphs.) Where it is False,
    `moved_part` is None wherever the paragraph stands, so the classifier skips it."""
    return bool(_dateline_prefix(text) or _AGENCY_PREFIX.match(text) or _title_separator(text))


def moved_part(doc: Document, p: Paragraph, windows: tuple[bool, bool, bool], s: Shape, title: str) -> Verdict | None:
    """A dateline prefix or a publisher suffix: keep the rest of the paragraph, move the part."""
    at_start, _at_end, top = windows
    if at_start:
        m = _dateline_prefix(p.text) or _AGENCY_PREFIX.match(p.text)
        rest = p.text[m.end():] if m else ""
        if m and len(rest.split()) >= 8 and rest[:1].isupper():
            prefix = p.text[:m.end()].strip(" —–-")
            return Verdict(CONTENT, "dateline", f"dateline prefix {prefix!r} moved to metadata",
                           keep=(m.end(), len(p.text)), moved=(("dateline", prefix),))
    if top or (title and normalise(p.text).startswith(title[:40])):
        return _title_suffix(doc, p, s)
    return None

def _title_suffix(doc: Document, p: Paragraph, s: Shape) -> Verdict | None:
    if s.sentence_end or s.words > 30:
        return None
    separators = list(_TITLE_SEP.finditer(p.text))
    if not separators:
        return None
    sep = separators[-1]
    suffix = p.text[sep.end():].strip()
    if not suffix or len(suffix.split()) > 6 or len(p.text[:sep.start()].split()) < 3:
        return None
    site = normalise(str(doc.metadata.get("sitename") or doc.metadata.get("site") or ""))
    known = bool(site) and (site in normalise(suffix).replace(" ", "") or normalise(suffix) in site)
    if not (known or _PUBLISHER.search(suffix)):
        return None
    why = "the site name" if known else "a publisher name"
    return Verdict(CONTENT, "title-suffix", f"title suffix {suffix!r} looks like {why}; moved to metadata",
                   keep=(0, sep.start()), moved=(("title_suffix", suffix),))
