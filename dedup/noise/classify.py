"""Classify each paragraph as content or noise, with a category and a reason a person can check.

Evidence, strongest first (a false removal costs much more than a leftover, so weaker evidence needs more):

1. keep rules (`--keep FILE`) — always content;
2. noise rules (packaged `dedup/rules/*.rules`, `--rules FILE`) — the reason names the rule's `file:line`;
3. structure: a line that is only a date/time (dateline), a dateline prefix ("Feb. 4 (UPI) — …") or a
   publisher suffix on the title ("Title – One America News Network") — only that part goes, to metadata;
4. corpus statistics: the same short, non-sentence line in several documents (repeated template);
5. line shape near other noise: a short call-to-action / link line next to noise at the start or end, and the
   linked lines right under a related-link heading that a rule removed (the teaser list it announces).

Shape evidence (4, 5) never removes a sentence-like paragraph (enough words and stop words in the document's
language, a sentence end): only an explicit rule can do that — or a line that is almost entirely one link in
the list under a rule-removed related-link heading (a linked headline is a teaser, whatever its shape).

>>> from dedup.records import Document, Paragraph
>>> doc = Document("d", "Advertisment\\nThe minister said so.")
>>> paras = [Paragraph("d", 0, "Advertisment", 0, 12), Paragraph("d", 1, "The minister said so.", 13, 34)]
>>> [v.category for v in Classifier().classify(doc, paras)]
['advertisement', 'content']
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import regex

from dedup.config import fingerprint
from dedup.noise.corpus_stats import LineStats
from dedup.noise.features import Context, Shape, block_contexts, link_densities, shape
from dedup.noise.model import LineModel, line_features, model_verdicts, with_neighbours
from dedup.noise.moved import may_move_part, moved_part
from dedup.noise.page_kind import ARTICLE, PAGE_KIND
from dedup.noise.rules import RuleMatch, RuleSet, normalise
from dedup.noise.segment import segment
from dedup.noise.stoplists import guess_language, words
from dedup.records import Document, Label, Paragraph, Verdict

CONTENT: Label = "content"
NOISE: Label = "noise"
CODE_TAGS = frozenset({"pre", "code", "samp", "kbd"})   # a program listing: its lines are never page furniture
COMMENTS_AT = "_comments_at"   # metadata (`dedup.noise.extract`): offset where trafilatura's comment block starts
KEEP_RULE = "keep-rule"   # the category of a line a keep rule protects: no later evidence may remove it
MOVED_KEYS = {"byline": "byline", "dateline": "dateline"}
# a teaser's own "Read more" link (or button): not the heading of a list of links
_LINK_LABEL = regex.compile(r"^\W*(?:(?:read|learn|see|view|load|show) (?:more|all)|continue reading|weiterlesen|"
                            r"mehr lesen|czytaj (?:więcej|dalej)|lire la suite|leer más|seguir leyendo|leggi tutto)\b",
                            regex.I)
# "Last updated: November 13, 2025", "Aktualisiert am 17.01.2021": a revision stamp, which ground truths keep as
# often as not (tune folds: 2 of 8 such lines were content, against 1 of 28 plain dates) — not a dateline to remove
_UPDATE_STAMP = regex.compile(r"^\W*(?:last )?(?:updated|modified|revised)\b|^\W*(?:zuletzt )?aktualisiert\b|"
                              r"^\W*mis à jour\b|^\W*actualizado\b|^\W*aggiornato\b|^\W*zaktualizowano\b", regex.I)
# "January 6-9, 2026", "2025-12-12 - 2025-12-17": an event's days, not the one moment a page was published, so
# not a dateline (the dateline moves into the metadata as the page's date)
_DATE_RANGE = regex.compile(r"(?<![\d./-])\d{1,2}(?:st|nd|rd|th)?\s*[-–—]\s*\d{1,2}(?:st|nd|rd|th)?\b(?![./:-]\d)|"
                            r"\d{4}-\d{2}-\d{2}\s*[-–—]\s*\d{4}-\d{2}-\d{2}|"
                            r"\d{1,2}[./]\d{1,2}[./]\d{2,4}\s*[-–—]\s*\d{1,2}[./]\d{1,2}[./]\d{2,4}")
_SENTENCE_END = frozenset(".!?:;…\"'”’»)]|。！？")
_CODE = regex.compile(r"[{};=<>]|\(\)|^\s*[/.$#>]")
_CTA_CATEGORY = (("newsletter", regex.compile(r"subscri|sign up|newsletter|inbox|abonn|zapisz|suscr|iscriv", regex.I)),
                 ("share", regex.compile(r"share|tweet|teilen|udostępnij|partag|compart|condivid", regex.I)),
                 ("social", regex.compile(r"follow|folg|obserwuj|suivez|síguenos|seguici", regex.I)))


@dataclass(frozen=True, slots=True)
class ClassifyConfig:
    """Thresholds of the classifier; `fingerprint` names caches built with these settings.

    template_min_docs: a line must occur in this many documents to count as a repeated template line;
    template_many_sources: ...or in this many distinct sources when each source has it only once;
    template_max_words: longer lines are never template noise on statistics alone;
    edge: bylines and datelines are trusted within this many paragraphs of the start or the end;
    shape_max_words: shape/neighbour evidence only applies to paragraphs of at most this many words;
    link_density: paragraphs whose link density (metadata `_link_density`) reaches this are link lists;
    use_context: use the HTML block context (metadata `_block_context`): weak evidence (inside `<header>`/
    `<aside>`/`<footer>`, a class/id token 'share'/'comment'/'breadcrumb'…) removes only short lines (at most
    `context_max_words` words) that are not sentences; strong evidence (inside `<button>`, promo/sponsor/ad/
    sign-up tokens) removes any paragraph;
    link_list_*: a related-link heading removed by a rule ("Lesen Sie auch:", "Empfohlene Beiträge") takes the
    linked lines right under it (link density >= `link_list_density`, at most `link_list_max_words` words each,
    at most `link_list_max_items` of them; 0 turns this off) — the teaser list it announces;
    comments_page_kind: trafilatura's comment block (metadata `_comments_at`) is removed where the page declares
    itself an article and nothing on it says discussion (metadata `_page_kind`, `dedup.noise.page_kind`):
    reader comments under an article are not its text, under a forum post or on a Q&A page the replies are the
    thread; an undeclared page keeps the block. Opt-in (`--reader-comments drop`): right on 1,077 of 1,086
    removals on the WCXB tune folds (.992) but on 262 of 281 on its test folds (.932), and trafilatura-eval's
    annotators keep reader comments as text (.700 tune, .684 test) — under the 0.97 a default removal needs;
    comments_min_words: also removed when the main text before it has at least this many words (0 = off, the
    default), whatever the page declares. At 250 words it was right on 1,081 of 1,090 removals on the tune folds
    but on 283 of 329 on the test folds (0.86): the length boundary was fitted on three forum pages and does not
    hold on unseen sites, so it is opt-in;
    use_model / model_threshold: the line model (`dedup.noise.model`) on HTML pages; 0 = its shipped threshold;
    header_menu_max_words: a fully linked line of at most this many words inside both a `<nav>` and a `<header>`
    element is the site menu (0 = off). On the dev tune folds every such line was furniture (152 of 152 judged
    on 10 sites, from 2 to 6 words alike); a `<nav>` alone also holds tables of contents, related searches and
    pagination that annotators keep as text (26 of 200), so both zones are needed;
    html_verdicts, use_shape, use_title_position, link_list_max_items: HTML evidence alone, a call to action
    beside noise, short lines above the title, the list under a related heading remove lines — off by default:
    on unseen dev sites each was wrong on 20-60 % of its removals (`scripts/evaluate.py`); the model weighs them.
    """

    template_min_docs: int = 3
    template_many_sources: int = 8
    template_max_words: int = 12
    edge: int = 5
    shape_max_words: int = 12
    link_density: float = 0.8
    use_shape: bool = False
    use_context: bool = True
    context_max_words: int = 12
    link_list_max_items: int = 0
    link_list_density: float = 0.8
    link_list_max_words: int = 25
    comments_min_words: int = 0
    comments_page_kind: bool = False
    header_menu_max_words: int = 4
    use_model: bool = True
    html_verdicts: bool = False
    use_title_position: bool = False
    model_threshold: float = 0.0

    @property
    def fingerprint(self) -> str:
        return fingerprint(self)

    @property
    def template_min_count(self) -> int:
        """The fewest documents a line must be in for `_template` to call it noise (either way), so corpus
        statistics may forget rarer lines (`LineStats.without_rare`)."""
        return max(1, min(self.template_min_docs, self.template_many_sources))


def _content(reason: str) -> Verdict:
    return Verdict(CONTENT, CONTENT, reason)


def _continues(previous: str, line: str) -> bool:
    """Does `line` carry on the sentence of the `previous` line (which ends without closing punctuation, while
    this one starts in lower case or with a bracket or comma)? Script-neutral: cased scripts only say so by case,
    the punctuation check covers the rest."""
    head = line[:1]
    return previous.rstrip()[-1:] not in _SENTENCE_END and (head.islower() or head in "(,;")


class Classifier:
    """Paragraph verdicts for one document at a time; stateless between calls (stats are read-only here)."""

    def __init__(self, rules: RuleSet | None = None, config: ClassifyConfig = ClassifyConfig(),
                 stats: LineStats | None = None) -> None:
        self.rules = rules if rules is not None else RuleSet.default()
        self.config = config
        self.stats = stats
        self.model = LineModel.packaged() if config.use_model else None

    def classify(self, doc: Document, paragraphs: Sequence[Paragraph], language: str | None = None,
                 tokens: Sequence[list[str]] | None = None) -> list[Verdict]:
        """One verdict per paragraph, in order; paragraph texts are never modified.

        `tokens` (`words` of each paragraph) and `language` (`guess_language` over them) may be passed when the
        caller has them: tokenising is the classifier's biggest cost after the rules.
        """
        if tokens is None:
            tokens = [words(p.text) for p in paragraphs]
        if language is None:
            language = guess_language(itertools.chain.from_iterable(tokens))[0]
        densities = link_densities(doc, len(paragraphs))
        contexts = block_contexts(doc, len(paragraphs)) if self.config.use_context else {}
        shapes = [shape(p.text, language, densities.get(p.index), t) for p, t in zip(paragraphs, tokens, strict=True)]
        title = normalise(str(doc.metadata.get("title") or ""))
        comments = self._comments_at(doc)
        credits = self._credit_list(paragraphs)
        movable = [may_move_part(p.text) for p in paragraphs]
        verdicts = [self._one(doc, p, i, len(paragraphs), s, title, contexts.get(p.index), comments, credits, m)
                    for i, (p, s, m) in enumerate(zip(paragraphs, shapes, movable, strict=True))]
        if self.model is not None and contexts:   # trained on HTML pages: plain text (and settling) go without
            threshold = self.config.model_threshold or self.model.threshold
            x = self._features(paragraphs, shapes, contexts, title)
            verdicts = model_verdicts(self.model, x, threshold, paragraphs, shapes, contexts, title, verdicts)
        if self.config.use_shape:
            verdicts = self._neighbours(paragraphs, shapes, verdicts)
        if self.config.link_list_max_items:
            verdicts = self._link_lists(paragraphs, shapes, verdicts)
        is_title = [bool(title) and normalise(p.text) == title for p in paragraphs]
        if title and self.config.use_title_position:
            verdicts = self._before_title(shapes, verdicts, is_title)
        return [replace(v, positional=True) if not v.positional and (t or self._position_sensitive(p, s, m)) else v
                for p, s, v, t, m in zip(paragraphs, shapes, verdicts, is_title, movable, strict=True)]

    def line_features(self, doc: Document, paragraphs: Sequence[Paragraph], language: str | None = None,
                      tokens: Sequence[list[str]] | None = None) -> np.ndarray:
        """The line model's feature matrix of a document (one row per paragraph), as `classify` computes it."""
        if tokens is None:
            tokens = [words(p.text) for p in paragraphs]
        if language is None:
            language = guess_language(itertools.chain.from_iterable(tokens))[0]
        densities = link_densities(doc, len(paragraphs))
        contexts = block_contexts(doc, len(paragraphs))
        shapes = [shape(p.text, language, densities.get(p.index), t) for p, t in zip(paragraphs, tokens, strict=True)]
        title = normalise(str(doc.metadata.get("title") or ""))
        return self._features(paragraphs, shapes, contexts, title)

    def _features(self, paragraphs: Sequence[Paragraph], shapes: Sequence[Shape], contexts: dict[int, Context],
                  title: str) -> np.ndarray:
        n = len(paragraphs)
        rows = []
        for i, (p, s) in enumerate(zip(paragraphs, shapes, strict=True)):
            match = self.rules.match(p.text)
            category = None if match is None or match.keep else match.category
            rows.append(line_features(p.text, s, contexts.get(p.index), category, i, n,
                                      bool(title) and normalise(p.text) == title))
        return with_neighbours(rows)

    def windows(self, position: int, count: int) -> tuple[bool, bool, bool]:
        """The positional evidence for paragraph `position` of `count`: within `config.edge` of the start
        (bylines, date lines, dateline prefixes), of the end (bylines, date lines), among the first two
        (publisher suffixes). `assemble` compares these before and after removals."""
        edge = self.config.edge
        return position < edge, position >= count - edge, position <= 1

    def _position_sensitive(self, p: Paragraph, s: Shape, movable: bool) -> bool:
        """Could positional evidence apply to this paragraph somewhere in a document? A superset of what `_one`
        trusts only near the edges; it lets `assemble` skip re-classifying outputs where nothing could change.
        (The title line is position-sensitive too — whether it sits in the start window decides `_before_title`;
        `classify` marks it.) `movable`: `may_move_part` of its text."""
        match = self.rules.match(p.text)   # memoised: the same lookup `_one` made
        return bool((match is not None and match.category == "byline") or s.date_only or movable)

    # ------------------------------------------------------------------------------------------ per paragraph

    def _comments_at(self, doc: Document) -> tuple[int, str] | None:
        """Where the page's comment block starts and why it goes: the page declares itself an article (metadata
        `_page_kind`, `dedup.noise.page_kind`), or (opt-in) the main text before it is long; None: it stays."""
        at = doc.metadata.get(COMMENTS_AT)
        if not isinstance(at, int) or isinstance(at, bool) or not 0 < at <= len(doc.text):
            return None
        minimum = self.config.comments_min_words
        if minimum and len(doc.text[:at].split()) >= minimum:
            return at, f"after {minimum}+ words of main text"
        kind = doc.metadata.get(PAGE_KIND)
        if self.config.comments_page_kind and isinstance(kind, dict) and kind.get("kind") == ARTICLE:
            return at, f"reader comments under an article: {kind.get('evidence')}"
        return None

    def _credit_list(self, paragraphs: Sequence[Paragraph]) -> bool:
        """Does the page hold more distinct byline-shaped lines than an edge window has lines? Then its "By …"
        lines credit the entries of a list (books, talks, podcasts: "The House of Modernity / By Oliveira
        Andreotti"), and none of them is the page's byline: one story has one byline, a few with co-authors or
        an author box at the end. Distinct lines, so dropping a repeated one cannot change the answer.
        """
        names = set()
        for p in paragraphs:
            match = self.rules.match(p.text)   # memoised: the same lookup `_one` makes
            if match is not None and match.category == "byline" and not match.keep:
                names.add(normalise(p.text))
        return len(names) > self.config.edge

    def _one(self, doc: Document, p: Paragraph, i: int, n: int, s: Shape, title: str,
             context: Context | None = None, comments: tuple[int, str] | None = None, credits: bool = False,
             movable: bool = True) -> Verdict:
        match = self.rules.match(p.text)
        if match is not None and match.keep:
            return Verdict(CONTENT, KEEP_RULE, match.reason)
        if context is not None and context.tag in CODE_TAGS:
            return Verdict(CONTENT, "code", f"inside <{context.tag}>: a listing, not page furniture")
        if comments is not None and p.end > (comments_at := comments[0]):
            why = f"the page's comment block (from offset {comments_at}, {comments[1]})"
            if p.start >= comments_at:
                return Verdict(NOISE, "comments", f"in {why}")
            head = p.text[:comments_at - p.start].rstrip()   # a block of lines running into the comments
            return Verdict(CONTENT, "comments", f"the lines from {why} go", keep=(0, len(head)))
        windows = self.windows(i, n)
        near_edge = windows[0] or windows[1]
        if "\n" in p.text:   # a block of lines: rules per line first, so a story line in it is never taken along
            trimmed = self._line_rules(p)
            if trimmed is not None:
                return trimmed
        if match is not None:
            verdict = self._from_rule(p, match, near_edge and not credits, title)
            if verdict is not None:
                return verdict
        if s.date_only and near_edge and not _UPDATE_STAMP.match(p.text) and not _DATE_RANGE.search(p.text):
            return Verdict(NOISE, "dateline", f"only a date/time ({s.words} words)", moved=(("dateline", p.text),))
        partial = moved_part(doc, p, windows, s, title) if movable else None   # `may_move_part` said no part can move
        if partial is not None:
            return partial
        template = self._template(doc, p, s)
        if template is not None:
            return template
        menu = self._header_menu(p, s, title, context)
        if menu is not None:
            return menu
        if not self.config.html_verdicts:
            return _content(f"no noise evidence: {s.describe()}")
        if context is not None:
            verdict = self._context(p, s, title, context)
            if verdict is not None:
                return verdict
        if s.link_density is not None and s.link_density >= self.config.link_density and not s.sentence_like() \
                and s.words <= self.config.shape_max_words and (s.cta or s.url):
            # link density alone is not enough: on real pages linked headings, table-of-contents entries and
            # product names are as link-dense as menus (measured on the dev pages: most such lines are content)
            return Verdict(NOISE, "navigation", f"linked call to action: {s.describe()}")
        return _content(f"no noise evidence: {s.describe()}")

    def _from_rule(self, p: Paragraph, match: RuleMatch, near_edge: bool, title: str) -> Verdict | None:
        key = MOVED_KEYS.get(match.category)
        if match.category == "byline" and (not near_edge or normalise(p.text) == title):
            return None   # a "By …" line in mid-story (or in a list of credits) or the title is more likely a heading
        moved = ((key, p.text),) if key else ()
        return Verdict(NOISE, match.category, match.reason, moved=moved)

    def _line_rules(self, p: Paragraph) -> Verdict | None:
        """A block of several lines: rule-matched lines go (at its start or end, or cut from its middle), the
        other lines stay.

        Why: one blank line in a page's text makes `segment` return blocks, and a block can then start with
        "NOTAS RELACIONADAS" or end with "Alle Angaben ohne Gewähr". Only rules count here (the other evidence
        was measured on single lines), bylines and datelines excepted (they are trusted only near the edges).
        """
        spans = [(line.start, line.end) for line in segment(p.text, p.doc_id)]   # no blank line in a block
        if len(spans) < 2:
            return None
        marks = []
        for start, end in spans:
            match = self.rules.match(p.text[start:end])
            marks.append(match if match is not None and not match.keep and match.category not in MOVED_KEYS
                         else None)
        lead = next((k for k, m in enumerate(marks) if m is None), len(marks))
        if lead == len(marks):
            first = marks[0]
            assert first is not None
            return Verdict(NOISE, first.category, f"every line of the block matches a rule, the first {first.reason}")
        trail = next(k for k, m in enumerate(reversed(marks)) if m is None)
        # a rule-matched line between kept lines is cut on its own, unless it continues the sentence of the kept
        # line before it (hard-wrapped prose: "… the page chrome (cookie banner, navigation, …" is not a cookie
        # notice). The kept line, not the line above: that is the line before it in the output, so a rerun agrees.
        cuts: list[tuple[int, int, str, str]] = []
        previous = p.text[slice(*spans[lead])]   # the first kept line
        for (start, end), m in zip(spans[lead:len(spans) - trail], marks[lead:len(marks) - trail], strict=True):
            line = p.text[start:end]
            if m is not None and not _continues(previous, line):
                cuts.append((start, end, m.category, m.reason))
            else:
                previous = line
        inner = tuple(cuts)
        if not (lead or trail or inner):
            return None
        cut = marks[0] if lead else marks[-1] if trail else None
        counts = ((lead, "first"), (trail, "last"), (len(inner), "inner"))
        where = " and ".join(f"{count} {side}" for count, side in counts if count)
        category, reason = (cut.category, cut.reason) if cut is not None else inner[0][2:]
        return Verdict(CONTENT, category, f"{where} line(s) of the block match rules ({reason})",
                       keep=(spans[lead][0], spans[len(spans) - 1 - trail][1]), cuts=inner)

    def _header_menu(self, p: Paragraph, s: Shape, title: str, context: Context | None) -> Verdict | None:
        """A link of the site menu: fully linked, a few words, inside both a `<nav>` and a `<header>` element."""
        if context is None or not 0 < s.words <= self.config.header_menu_max_words or s.link_density != 1.0 \
                or not context.in_header_menu() or (title and normalise(p.text) == title):
            return None
        return Verdict(NOISE, "navigation", f"site menu: a fully linked line in <nav> inside <header>; {s.describe()}")

    def _context(self, p: Paragraph, s: Shape, title: str, context: Context) -> Verdict | None:
        """Page furniture the paragraph sits in; a sentence needs strong evidence, the title is never noise."""
        evidence = context.evidence()
        if evidence is None or s.words == 0 or (title and normalise(p.text) == title):
            return None
        category, strong, where = evidence
        if not strong and (s.sentence_like() or s.words > self.config.context_max_words):
            return None
        return Verdict(NOISE, category, f"page furniture: {where}; {s.describe()}")

    def _template(self, doc: Document, p: Paragraph, s: Shape) -> Verdict | None:
        """Repeated template line: on several pages of this document's own site, or a call to action / URL
        on very many sites; never a sentence, never code (a shared `fn main() {` is not a template)."""
        if self.stats is None or s.words > self.config.template_max_words or s.sentence_like() or s.words == 0 \
                or _CODE.search(p.text):
            return None
        docs, sources = self.stats.repeats(p.text)
        site = self.stats.site_repeats(p.text, doc)
        cfg = self.config
        many_sites = sources >= cfg.template_many_sources and (s.cta or s.url)
        if not (site >= cfg.template_min_docs or many_sites):
            return None
        return Verdict(NOISE, "repeated-template", f"repeated line: in {site} documents of this source, {docs} "
                                                   f"documents from {sources} sources overall; {s.describe()}")

    # ------------------------------------------------------------------------------------------ neighbours

    def _neighbours(self, paragraphs: Sequence[Paragraph], shapes: Sequence[Shape],
                    verdicts: list[Verdict]) -> list[Verdict]:
        """Short call-to-action/URL lines touching a run of noise at the start or end join it.

        Computed from the first-pass verdicts only (one pass, no cascade), so the result does not depend on
        paragraph order beyond the immediate neighbours.
        """
        n = len(paragraphs)
        out = list(verdicts)
        for i, (s, v) in enumerate(zip(shapes, verdicts, strict=True)):
            if v.label == NOISE or v.keep is not None or v.category != CONTENT or s.sentence_like():
                continue
            if s.words > self.config.shape_max_words or not (s.cta or (s.url and s.words <= 4)):
                continue
            before = i > 0 and verdicts[i - 1].is_noise
            after = i + 1 < n and verdicts[i + 1].is_noise
            if not (before or after):
                continue
            category = next((c for c, rx in _CTA_CATEGORY if rx.search(paragraphs[i].text)), "navigation")
            side = "previous" if before else "next"
            out[i] = Verdict(NOISE, category, f"call to action next to noise ({side} paragraph): {s.describe()}")
        return out

    def _before_title(self, shapes: Sequence[Shape], verdicts: list[Verdict],
                      is_title: Sequence[bool]) -> list[Verdict]:
        """Short lines above the title line are page furniture: breadcrumbs, section labels, "Back to blog".

        Only when the page's title (metadata) is a line of its own in the start window, and only lines that
        are not sentences: the article starts at its title, what an extractor kept above it is the page's.
        """
        at = next((i for i, t in enumerate(is_title[:self.config.edge]) if t), 0)
        out = list(verdicts)
        for j in range(at):
            s, v = shapes[j], verdicts[j]
            if v.category != CONTENT or v.keep is not None or s.words == 0 or s.sentence_like() \
                    or s.words > self.config.shape_max_words:
                continue
            out[j] = Verdict(NOISE, "navigation", f"above the title line (paragraph {at}): page furniture such as "
                                                  f"a breadcrumb or section label; {s.describe()}")
        return out

    def _link_lists(self, paragraphs: Sequence[Paragraph], shapes: Sequence[Shape],
                    verdicts: list[Verdict]) -> list[Verdict]:
        """Linked lines right under a related-link heading (removed by a rule) are the list it announces.

        Only the first-pass verdict of the heading counts (no cascade from one list into the next), and the list
        stops at the first line that is not almost entirely a link: a story paragraph after the box is safe.
        """
        cfg = self.config
        out = list(verdicts)
        for i, v in enumerate(verdicts):
            if not (v.is_noise and v.category == "related-link" and v.reason.startswith("rule ")) \
                    or (shapes[i].link_density or 0.0) >= 0.5 or _LINK_LABEL.search(paragraphs[i].text):
                continue   # "Read more" (linked or a button) is a teaser's own link, not the heading of a list
            heading = paragraphs[i].text[:40]
            for j in range(i + 1, min(len(paragraphs), i + 1 + cfg.link_list_max_items)):
                s = shapes[j]
                if s.link_density is None or s.link_density < cfg.link_list_density or s.words == 0 \
                        or s.words > cfg.link_list_max_words or verdicts[j].keep is not None:
                    break
                if out[j].category == CONTENT:
                    out[j] = Verdict(NOISE, "related-link", f"linked line {j - i} of the list under the "
                                                            f"related-link heading {heading!r}: {s.describe()}")
        return out
