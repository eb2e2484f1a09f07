"""Page kind: reader comments under an article go, the replies of a forum thread stay (hand-written pages in the
markup real publishing and forum systems emit), and what each piece of page evidence says."""

from __future__ import annotations

import pytest

from dedup.noise.classify import COMMENTS_AT, Classifier, ClassifyConfig
from dedup.noise.extract import extract
from dedup.noise.html_tree import load_html
from dedup.noise.page_kind import ARTICLE, DISCUSSION, PAGE_KIND, page_kind
from dedup.noise.segment import segment
from dedup.records import Document, Verdict

STORY = [
    "The harbour council approved the new ferry timetable on Tuesday after a debate that lasted most of the evening.",
    "Under the plan, boats to the outer islands will leave every forty minutes in summer instead of every hour.",
    "Fishermen had asked for the change for years, saying the old schedule left them waiting at the quay at dawn.",
    "The mayor said the extra crossings would be paid for by a small rise in parking fees near the terminal.",
    "Opponents argued that the fees would hurt shop owners in the old town, who rely on visitors arriving by car.",
    "A final vote on the parking fees is expected next month, once the council has heard from the traders.",
]
READER_COMMENTS = [
    "I take the early boat every day and this is the best news I have heard all year.",
    "Parking is already too expensive down by the terminal, so I am not convinced.",
    "Will the winter timetable change as well, or only the summer one?",
]
QUESTION = [
    "My sourdough starter bubbles well for two days after feeding and then goes completely flat.",
    "I keep it in the kitchen at about twenty degrees and feed it equal weights of rye flour and water.",
    "The jar has a loose lid, the flour is fresh from the mill, and I discard half before every feed.",
    "Is it the temperature, the flour, or am I feeding it at the wrong time of day? Any ideas welcome.",
]
REPLIES = [
    "Try feeding it twice a day for a week, a starter that goes flat is usually just hungry.",
    "Rye ferments fast, so at twenty degrees it peaks early; a cooler spot in the pantry helped mine.",
    "Thanks both, two feeds a day fixed it and the loaf on Sunday rose properly for the first time.",
]


def news_article(head: str = "") -> str:
    """A news story as a WordPress site with an SEO plugin serves it: og:type and a JSON-LD graph in the head,
    the theme's reader comments (`#comments`, `ol.comment-list`, `li.comment`) under the story."""
    items = "".join(
        f'<li id="comment-{i}" class="comment even thread-even depth-1"><article id="div-comment-{i}" '
        f'class="comment-body"><footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Reader '
        f'{i}</b> <span class="says">says:</span></div><div class="comment-metadata"><time datetime="2025-06-0{i}">'
        f'June {i}, 2025</time></div></footer><div class="comment-content"><p>{text}</p></div></article></li>'
        for i, text in enumerate(READER_COMMENTS, 1))
    head = head or ('<meta property="og:type" content="article"><script type="application/ld+json">{"@context":'
                    '"https://schema.org","@graph":[{"@type":"WebPage","@id":"https://news.example.org/ferry/"},'
                    '{"@type":"NewsArticle","headline":"Ferry timetable approved","author":{"@type":"Person",'
                    '"name":"Ann Lee"}}]}</script>')
    return ('<!DOCTYPE html><html lang="en"><head><title>Ferry timetable approved</title>' + head + '</head><body>'
            '<header><nav><a href="/">Home</a></nav></header><main><article class="post type-post">'
            '<h1>Ferry timetable approved</h1><div class="entry-content">'
            + "".join(f"<p>{s}</p>" for s in STORY) + '</div></article><div id="comments" class="comments-area">'
            '<h2 class="comments-title">3 thoughts on “Ferry timetable approved”</h2><ol class="comment-list">'
            + items + "</ol></div></main></body></html>")


def forum_topic() -> str:
    """A forum topic as Drupal's forum module serves it: og:type "article" (the metatag default for every node),
    the replies through the comment module (`section.comments`, `article.comment`), the node typed `forum`."""
    replies = "".join(
        f'<article id="comment-{i}" class="comment js-comment by-anonymous"><footer class="comment__meta">'
        f'<span class="username">baker{i}</span></footer><div class="comment__content"><div class="field '
        f'field--name-comment-body"><p>{text}</p></div></div></article>' for i, text in enumerate(REPLIES, 1))
    return ('<!DOCTYPE html><html lang="en"><head><title>Starter goes flat after two days | Baking forum</title>'
            '<meta property="og:type" content="article"></head><body class="path-node page-node-type-forum"><main>'
            '<article class="node node--type-forum node--view-mode-full"><h1>Starter goes flat after two days</h1>'
            '<div class="node__content">' + "".join(f"<p>{s}</p>" for s in QUESTION) + '</div></article>'
            '<section id="comments" class="comments"><h2>Replies</h2>' + replies + "</section></main></body></html>")


DROP_READER_COMMENTS = ClassifyConfig(comments_page_kind=True)   # `--reader-comments drop`


def cleaned(html: str, url: str, config: ClassifyConfig | None = None) -> tuple[Document, list[tuple[str, Verdict]]]:
    """The page extracted as `dedup clean` does, with each paragraph's verdict."""
    doc = extract(Document("p", html, {"url": url}, is_html=True))
    assert isinstance(doc, Document)
    paras = segment(doc.text, "p")
    verdicts = Classifier(config=config or DROP_READER_COMMENTS).classify(doc, paras)
    return doc, [(p.text, v) for p, v in zip(paras, verdicts, strict=True)]


def test_reader_comments_under_a_news_article_go_and_say_why() -> None:
    doc, verdicts = cleaned(news_article(), "https://news.example.org/2025/06/ferry-timetable/")
    assert doc.metadata[PAGE_KIND]["kind"] == ARTICLE
    gone = {text: v for text, v in verdicts if v.is_noise}
    assert set(READER_COMMENTS) <= set(gone)
    assert all(v.category == "comments" and "reader comments under an article" in v.reason
               and "NewsArticle" in v.reason and "og:type article" in v.reason for v in gone.values())
    assert not any(line in gone for line in STORY)


def test_replies_of_a_forum_topic_stay_although_it_calls_itself_an_article() -> None:
    doc, verdicts = cleaned(forum_topic(), "https://baking.example.org/node/4521")
    assert doc.metadata[COMMENTS_AT] < len(doc.text)   # trafilatura did take the replies for a comment block
    assert doc.metadata[PAGE_KIND] == {"kind": DISCUSSION, "evidence": "forum markup 'node--type-forum'"}
    kept = [text for text, v in verdicts if not v.is_noise]
    assert all(any(reply in text for text in kept) for reply in REPLIES + QUESTION)
    assert not any("comment block" in v.reason for _text, v in verdicts)


def test_undeclared_page_keeps_its_comments_unless_the_length_option_is_on() -> None:
    """No page type: unsure, the block stays; `comments_min_words` (opt-in) still removes it after a long text."""
    html = news_article(head="<meta name='description' content='Ferry news'>")
    doc, verdicts = cleaned(html, "https://news.example.org/2025/06/ferry-timetable/")
    assert doc.metadata[PAGE_KIND]["kind"] == "unsure"
    assert not any(v.is_noise for _text, v in verdicts)
    _doc, verdicts = cleaned(html, "https://news.example.org/2025/06/ferry-timetable/",
                             ClassifyConfig(comments_min_words=100, comments_page_kind=True))
    gone = [text for text, v in verdicts if v.is_noise]
    assert gone == READER_COMMENTS and all("after 100+ words" in v.reason for _t, v in verdicts if v.is_noise)
    _doc, verdicts = cleaned(news_article(), "https://news.example.org/a/", ClassifyConfig())
    assert not any(v.is_noise for _text, v in verdicts)   # the default keeps every comment block


def test_reader_comments_option_of_the_cli(tmp_path) -> None:
    """`dedup clean --reader-comments drop` removes the reader comments under an article and lists them in
    `removed`; without the option the page comes out with its comments."""
    import orjson
    from click.testing import CliRunner

    from dedup.cli import main

    page = tmp_path / "ferry.html"
    page.write_text(news_article(), encoding="utf-8")
    outputs = {}
    for extra in ([], ["--reader-comments", "drop"]):
        result = CliRunner().invoke(main, ["clean", str(page), "--format", "jsonl", "-q", *extra])
        assert result.exit_code == 0, result.output
        outputs[bool(extra)] = orjson.loads(result.output.splitlines()[0])
    assert all(comment in outputs[False]["text"] for comment in READER_COMMENTS)
    assert not any(comment in outputs[True]["text"] for comment in READER_COMMENTS)
    assert all(line in outputs[True]["text"] for line in STORY)
    removed = [r for r in outputs[True]["metadata"]["dedup"]["removed"] if r["category"] == "comments"]
    assert sorted(r["text"] for r in removed) == sorted(READER_COMMENTS)


def kind_of(head: str, body: str = "<p>Text.</p>", url: str | None = None) -> dict[str, str]:
    return page_kind(load_html(f"<html><head>{head}</head><body>{body}</body></html>"), url)


def ld(*types: str) -> str:
    graph = ",".join(f'{{"@type":"{t}"}}' for t in types)
    return f'<script type="application/ld+json">{{"@context":"https://schema.org","@graph":[{graph}]}}</script>'


@pytest.mark.parametrize(("head", "body", "url", "kind"), [
    # declared articles
    (ld("BlogPosting"), "", None, ARTICLE),
    ('<meta property="og:type" content="article">', "", None, ARTICLE),
    ("", '<div itemscope itemtype="http://schema.org/Recipe"><p>Bake.</p></div>', None, ARTICLE),
    (ld("Article", "FAQPage", "Question", "Answer"), "", None, ARTICLE),     # an article's FAQ block
    (ld("NewsArticle", "Comment"), "", None, ARTICLE),                        # Article.comment: reader comments
    # declared discussions, whatever og:type says
    ('<meta property="og:type" content="article">' + ld("DiscussionForumPosting"), "", None, DISCUSSION),
    ("", '<div itemscope itemtype="https://schema.org/QAPage"><p>Q?</p></div>', None, DISCUSSION),
    (ld("Question", "Answer"), "", None, DISCUSSION),
    ('<meta property="og:type" content="article">', '<div itemscope itemtype="https://schema.org/Comment"></div>',
     None, DISCUSSION),                                                       # replies marked up, no article type
    ('<meta property="og:type" content="article"><meta name="generator" content="Discourse 3.2">', "", None,
     DISCUSSION),
    ('<meta property="og:type" content="article">', '<div class="message-body"><div class="bbWrapper">Hi</div></div>',
     None, DISCUSSION),                                                       # XenForo's post markup
    ('<meta property="og:type" content="article">', "", "https://talk.example.com/t/starter-goes-flat/4521",
     DISCUSSION),
    ('<meta property="og:type" content="article">', "", "https://example.com/viewtopic.php?t=3", DISCUSSION),
    ('<meta property="og:type" content="article">', "", "https://forum.example.com/catering-tips", DISCUSSION),
    # article URLs that only look like threads stay articles; nothing declared is unsure
    ('<meta property="og:type" content="article">', "", "https://www.example.com/topic/history-of-coffee", ARTICLE),
    ('<meta property="og:type" content="article">', "", "https://example.com/terms/d/digital-marketing.asp",
     ARTICLE),
    ('<meta property="og:type" content="website">', "", None, "unsure"),
    ("", "", "https://news.example.org/2025/06/ferry/", "unsure"),
])
def test_what_each_piece_of_evidence_says(head: str, body: str, url: str | None, kind: str) -> None:
    found = kind_of(head, body or "<p>Text.</p>", url)
    assert found["kind"] == kind, found
    assert found["evidence"]
