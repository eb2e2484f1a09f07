"""commerce.rules: sales calls to action, shop widgets, forum member panels, feedback prompts.

The lines that must match are real lines from the dev pages (WCXB dev, trafilatura-eval); the lines that must
not are content lines of the same shape (most from the same dev pages: WCXB counts them as main content).
"""

from __future__ import annotations

import pytest

from dedup.noise.rules import RuleSet


@pytest.mark.parametrize(("text", "category"), [
    # sales calls to action
    ("Get started today", "promo"),
    ("Get started for free", "promo"),
    ("Schedule Consultation", "promo"),
    ("Find out more", "promo"),
    ("MEHR ERFAHREN", "promo"),
    ("Stop Searching & Start Winning. Talk To Our Social Media Marketing Experts", "promo"),
    ("Questions? Chat with an expert.", "promo"),
    ("Request a Free Consultation", "promo"),
    ("Schedule Your Personalized Demo!", "promo"),
    ("Book Your Discovery Call Today", "promo"),
    ("Jetzt Angebot anfordern", "promo"),
    ("Kostenlos testen", "promo"),
    (">>> Jetzt die aktuelle Ausgabe bestellen! <<<", "promo"),
    # shop furniture
    ("Out of stock", "shop"),
    ("Filter & Sort", "shop"),
    ("Continue Shopping", "shop"),
    ("Your cart is empty.", "shop"),
    ("OUT OF STOCK", "shop"),
    ("Verified buyer", "shop"),
    ("Write a Review", "shop"),
    ("FREE Fast Delivery", "shop"),
    ("Sort and Filter", "shop"),
    ("Skip to product list", "shop"),
    ("Save 25%", "shop"),
    ("Free Shipping on Domestic Orders $75+", "shop"),
    ("Free shipping on all orders over $100", "shop"),
    ("Kostenloser Versand ab 50 €", "shop"),
    ("Ships from: Israel", "shop"),
    ("Sold By: Poetry in Stitches", "shop"),
    ("Order today to get by Mar 23-Apr 14", "shop"),
    ("End of Season Sale - Shop Now", "shop"),
    ("Buy a Case, Get a Free Screen Protector", "shop"),
    ("Found a lower price? Let us know. Although we can't match every price reported, we'll use your feedback "
     "to ensure that our prices remain competitive.", "shop"),
    ("Regular price", "shop"),
    ("Sale price", "shop"),
    ("Unit price", "shop"),
    ("Prix soldé", "shop"),
    # forum member panels
    ("Posts: 1,077", "forum-meta"),
    ("- Posts: 524", "forum-meta"),
    ("- Reaction score", "forum-meta"),
    ("- Join Date", "forum-meta"),
    ("- Joined: 9. Jul 2007, 20:02", "forum-meta"),
    ("Joined 2019", "forum-meta"),
    ("7 Likes", "forum-meta"),
    ("#1AjayJunkies, May 11, 2024 IPMargoFarrel likes this.\n-", "forum-meta"),
    ("Join to see EXIF info for this image (if available)", "forum-meta"),
    ("You must log in or register to reply here.", "forum-meta"),
    ("Registered User", "forum-meta"),
    # page furniture and feedback prompts
    ("Results per page:", "navigation"),
    ("Skip to navigation", "navigation"),
    ("| Rate this article | |", "navigation"),
    ("Jump to navigationJump to search", "navigation"),
    ("How Was This Issue?", "navigation"),
    ("Did you find this useful?", "navigation"),
    ("Showing 1–16 of 29 results", "navigation"),
])
def test_commerce_furniture(text: str, category: str) -> None:
    match = RuleSet.default().match(text)
    assert match is not None and match.category == category, (text, match)
    assert match.location.startswith("dedup/rules/commerce.rules"), match.location


@pytest.mark.parametrize("text", [
    "dedup/rules/commerce.rules",
])
def test_commerce_rules_are_packaged(text: str) -> None:
    assert any(rule.source == text for rule in RuleSet.default().noise_rules)


@pytest.mark.parametrize("text", [
    # WCXB main content of the same shape (service and product pages keep their own calls to action)
    "Get Started",
    "Get a Free Consultation",
    "Talk to One of Our Client Advisors",
    "Ready to scale your workforce? Schedule your demo today",
    "Want to see how it works? Request a demo!",
    "Learn More",
    "Temporarily Out of Stock",
    "Continue shopping for gifts at the market on Sunday, when stalls reopen at nine.",
    "Sold out",
    "Customer reviews",
    "100k+ 5 Star Reviews",
    "Save 10% when you create a Custom Skincare Set",
    "Up to 50% off",
    "FREE standard shipping",
    "Free shipping over $75 USD & easy returns.",
    "4.7 out of 5 stars",
    "Trusted by 500,000 leading teams",
    "Join 74,000+ companies uncomplicating customer service",
    "Get started with Hello, World.",
    "messages.",
    "filter {",
    "The mockup looks like this:",
    "something like this:",
    "My dog likes this.",
    "Skillshare Membership: Price varies by region (login to see exact pricing)",
    "Price",
    "Sale price $14.99",
    "Regular price: $32.00 Sale price: $22.40",
    "The regular price of the ticket rises to $40 in May.",
    # prose that uses the same words
    "Customers who order today should get their parcels by Friday, the company said.",
    "The shop ran out of stock within an hour of opening on Saturday.",
    "Sie können sich jederzeit kostenlos beraten lassen, sagte die Verbraucherzentrale.",
    "Jetzt will die Stadt die neuen Busse doch früher bestellen, sagte der Bürgermeister.",
    "Posts on the forum have doubled since the new moderators joined in 2019.",
    "Showing restraint, the committee sorted the applications by date.",
])
def test_commerce_rules_spare_content(text: str) -> None:
    match = RuleSet.default().match(text)
    assert match is None or not match.location.startswith("dedup/rules/commerce.rules"), (text, match)
