"""What kind of page a comment block sits on, from what the page says about itself: an article (news story, blog
post, recipe…) whose comments are its readers', or a discussion (forum thread, Q&A page, link aggregator, social
post) whose replies are the page's content.

trafilatura appends the comment block it finds to the main text (`dedup.noise.extract` records where it starts).
Under an article the reader comments are not the page's text (WCXB's ground truth leaves them out); on a forum or
Q&A page the replies are (its ground truth keeps them). The length of the text before the block does not tell
the two apart on unseen sites (README, issue 11); what the page declares does:

* schema.org types (JSON-LD `@type`, microdata `itemtype`): Article/NewsArticle/BlogPosting/Recipe… say
  article; QAPage/DiscussionForumPosting/SocialMediaPosting say discussion, and so do Question/Answer outside an
  FAQPage and Comment/UserComments without an article type (forum engines mark each reply as a Comment);
* OpenGraph `og:type` "article" (set by publishing systems on posts and stories);
* the forum engine: a `<meta name="generator">` naming one (Discourse, phpBB, XenForo…) or its markup (class/id
  names such as phpBB's `postprofile`, XenForo's `bbWrapper`, bbPress's `bbp-reply-content`, Stack Exchange's
  `answercell`);
* the URL, weak evidence and only ever for keeping: a path such as `/forum/`, `/threads/`, `/t/<slug>/<id>`,
  `/questions/`, `viewtopic.php`, or a host such as `forum.…`, `community.…`.

A page is an article only with article evidence and no discussion evidence at all; anything else keeps its
comment block (a false removal costs more than a leftover). The evidence is read from the parsed tree at extract
time, only on pages whose comment block holds text, before the date search prunes the tree.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

__all__ = ["ARTICLE", "DISCUSSION", "PAGE_KIND", "page_kind"]

PAGE_KIND = "_page_kind"   # metadata: {"kind": ARTICLE | DISCUSSION | "unsure", "evidence": "…"}
ARTICLE = "article"
DISCUSSION = "discussion"
UNSURE = "unsure"

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "BlogPosting", "Recipe", "TechArticle", "ScholarlyArticle", "Report",
    "AnalysisNewsArticle", "OpinionNewsArticle", "ReportageNewsArticle", "BackgroundNewsArticle",
    "ReviewNewsArticle", "SatiricalArticle", "AdvertiserContentArticle", "MedicalScholarlyArticle"})
DISCUSSION_TYPES = frozenset({"QAPage", "DiscussionForumPosting", "SocialMediaPosting", "Conversation", "Message"})
_QA_TYPES = frozenset({"Question", "Answer"})          # discussion unless inside an FAQPage (an article's FAQ)
_REPLY_TYPES = frozenset({"Comment", "UserComments"})  # discussion unless the page is typed as an article
_FORUM_GENERATORS = re.compile(
    r"discourse|phpbb|vbulletin|xenforo|invision|ips community|mybb|simple machines|\bsmf\b|flarum|nodebb|"
    r"vanilla|phorum|punbb|fluxbb|woltlab|burning board|yabb|bbpress|discuz|jforum|askbot|question2answer|"
    r"osqa|lemmy|khoros|lithium|jive|tapatalk|misago", re.I)
# class/id names of forum, Q&A and aggregator engines: phpBB, vBulletin, XenForo, bbPress, Invision, Discourse,
# Flarum, Vanilla, SMF, MyBB, Stack Exchange, Reddit, Hacker News, Khoros, Drupal's forum module
_FORUM_NAMES = frozenset({
    "postprofile", "postcontainer", "postbit", "postbitlegacy", "bbwrapper", "message--post", "bbp-reply-content",
    "bbp-topic-content", "bbp-replies", "ipscomment", "cpost", "topic-post", "topic-body", "post-stream",
    "poststream", "commentpost", "messagelist", "itemdiscussion", "post_wrapper", "post_body", "answercell",
    "postcell", "answers-subheader", "accepted-answer", "commentarea", "comment-tree", "athing", "lia-message-body",
    "forum-post", "forumpost", "forum-topic", "node--type-forum", "node-type-forum", "page-node-type-forum",
    "thread-post", "threadpost", "topic-reply"})
_DISCUSSION_PATH = re.compile(
    r"/(?:forums?|threads?|discussions?|questions|answers|comments|boards?)/|/topics?/\d|/[td]/(?:[^/]+/)?\d|"
    r"/(?:showthread|viewtopic|showtopic|viewthread)\.php", re.I)
_DISCUSSION_HOST = re.compile(r"^(?:forums?|community|discuss|discussions|answers|boards?|talk|bbs)\.", re.I)
_LD_TYPE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_QUOTED = re.compile(r'"([^"]+)"')
_DECLARED = etree.XPath('descendant::script[@type="application/ld+json"] | descendant::meta[@property="og:type" '
                        'or @name="generator"] | descendant::*[@itemtype]')
_NAMES = etree.XPath("descendant::*/@class | descendant::*/@id", smart_strings=False)


def page_kind(tree: Any, url: str | None) -> dict[str, str]:
    """The page's kind and the evidence that says so (see the module docstring)."""
    types, og_types, generators = _declared(tree)
    article = sorted(types & ARTICLE_TYPES)
    discussion = sorted(types & DISCUSSION_TYPES)
    if types & _QA_TYPES and "FAQPage" not in types:
        discussion += sorted(types & _QA_TYPES)
    if types & _REPLY_TYPES and not article:
        discussion += sorted(types & _REPLY_TYPES)
    said = [f"schema.org {', '.join(article)}"] if article else []
    said += [f"og:type {t}" for t in og_types if t == "article"]
    against = [f"schema.org {', '.join(discussion)}"] if discussion else []
    against += [f"generator {g[:40]}" for g in generators if _FORUM_GENERATORS.search(g)]
    if said and not against:
        against += _discussion_hints(tree, url)
    if against:
        return {"kind": DISCUSSION, "evidence": "; ".join(against)}
    return {"kind": ARTICLE if said else UNSURE, "evidence": "; ".join(said) or "no page type declared"}


def _declared(tree: Any) -> tuple[set[str], list[str], list[str]]:
    """schema.org type names (JSON-LD and microdata), og:type values and generator names the page declares."""
    types: set[str] = set()
    og_types: list[str] = []
    generators: list[str] = []
    for element in _DECLARED(tree):
        if element.tag == "script":
            for value in _LD_TYPE.findall(element.text or ""):
                types.update(_type_name(t) for t in _QUOTED.findall(value))
        elif element.tag == "meta":
            content = (element.get("content") or "").strip()
            if content:
                (generators if element.get("name") == "generator" else og_types).append(content.lower())
        if (itemtype := element.get("itemtype")) is not None:
            types.update(_type_name(t) for t in itemtype.split())
    return types, og_types, generators


def _type_name(value: str) -> str:
    """"https://schema.org/NewsArticle" and "schema:NewsArticle" → "NewsArticle"."""
    return re.split(r"[/:#]", value.rstrip("/"))[-1]


def _discussion_hints(tree: Any, url: str | None) -> list[str]:
    """Undeclared signs of a discussion: a forum engine's markup, the URL of a thread (weak: only for keeping)."""
    hints = []
    found = _FORUM_NAMES.intersection(" ".join(_NAMES(tree)).lower().split())
    if found:
        hints.append(f"forum markup '{min(found)}'")
    if url:
        parts = urlsplit(url)
        if _DISCUSSION_HOST.match(parts.netloc) or _DISCUSSION_PATH.search(parts.path + "/"):
            hints.append(f"discussion URL {parts.netloc}{parts.path}"[:80])
    return hints
