"""disclosure.rules: real dev lines (trafilatura-eval and WCXB pages) that must match, by family and language, and
real content lines with the same vocabulary (commission, agree, copyright, support, follow, writer) that must not."""

from __future__ import annotations

import pytest

from dedup.noise.rules import RuleSet

SOURCE = "dedup/rules/disclosure.rules"


def disclosure_only() -> RuleSet:
    return RuleSet([r for r in RuleSet.default().noise_rules if r.source == SOURCE])


@pytest.mark.parametrize(("text", "category"), [
    ("We may be compensated when you click on a link, when an application is approved, or when"
     " an account is opened from one or more of our advertising partners. Terms apply to the"
     " offers below. See our Advertising Policy for more about our partners, how we make"
     " money, and our rating methodology. Opinions and recommendations are ours alone.",
     "advertisement"),
    ("Many of the credit card offers that appear on this site are from credit card companies"
     " from which we may receive financial compensation when a customer clicks on a link, when"
     " an application is approved, or when an account is opened. This compensation may impact"
     " how and where products appear on this site (including, for example, the order in which"
     " they appear). However, the credit card information that we publish has been written and"
     " evaluated by experts who know these products inside out. We only recommend products we"
     " either use ourselves or endorse. This site does not include all credit card companies"
     " or all available credit card offers that are on the market. See our advertising policy"
     " here where we list advertisers that we work with, and how we make money. You can also"
     " review our credit card rating methodology.",
     "advertisement"),
    ("SeniorLiving.org is supported by commissions from providers listed on our site. Read our"
     " Editorial Guidelines",
     "advertisement"),
    ("We earn commissions from links on our site, enabling us to deliver independent reviews."
     " See our editorial policy.",
     "advertisement"),
    ("Disclaimer: The responses below are not provided or commissioned by the bank advertiser."
     " Responses have not been reviewed, approved or otherwise endorsed by the bank"
     " advertiser. It is not the bank advertiser’s responsibility to ensure all posts and/or"
     " questions are answered.",
     "advertisement"),
    ("Dieser Artikel kann Links zu Anbietern enthalten, von denen outdoor-magazin eine"
     " Provision erhält. Diese Links sind mit folgendem Icon gekennzeichnet:",
     "advertisement"),
    ("(*) Alle mit einem Stern gekennzeichneten Links sind Affiliate-Links. Wenn Du über diese"
     " Links Produkte oder Abonnements kaufst, erhält Tarnkappe.info eine kleine Provision."
     " Dir entstehen keine zusätzlichen Kosten. Wenn Du die Redaktion anderweitig finanziell"
     " unterstützen möchtest, schau doch mal auf unserer Spendenseite oder in unserem"
     " Online-Shop vorbei.",
     "advertisement"),
    ("Unsere unabhängigen Experten untersuchen regelmäßig Produkte und Dienstleister. Nur wenn"
     " sie dann ein besonders verbraucherfreundliches Angebot empfehlen, kann der"
     " entsprechende Anbieter einen Link zu diesem Angebot setzen lassen. Solche Links"
     " kennzeichnen wir mit einem Sternchen (*). Geld erhalten wir, wenn Sie diesen Link z.B."
     " klicken oder beim Anbieter dann einen Vertrag abschließen. Ob und in welcher Höhe uns"
     " ein Anbieter vergütet, hat keinerlei Einfluss auf unsere Empfehlungen. Was Ihnen unsere"
     " Experten empfehlen, hängt allein davon ab, ob ein Angebot gut für Sie als Verbraucher"
     " ist.",
     "advertisement"),
    ("Some of the links in this article are affiliate ones.",
     "advertisement"),
    ("Also, this article contains sponsored content.",
     "advertisement"),
    ("By entering your email address you agree to our Terms of Use and Privacy Policy and"
     " consent to receive emails from Time Out about news, events, offers and partner"
     " promotions.",
     "legal"),
    ("By providing my email, l am consenting to receive Bombas emails and Email-Based"
     " Advertising. For additional information, please see our Privacy Policy.",
     "legal"),
    ("New accounts only. By submitting your email you agree to our Privacy Policy",
     "legal"),
    ("Mit der Registrierung akzeptieren Sie unsere Datenschutz- und Nutzungsbedingungen."
     " Selbstverständlich werden Ihre Daten vertraulich behandelt und nicht an Dritte"
     " weitergegeben. Sie können der Einwilligung in die Verarbeitung Ihrer Daten jederzeit"
     " widersprechen.",
     "legal"),
    ("Mit der Registrierung akzeptiere ich die Nutzungsbedingungen der Portale im"
     " Industrie-Medien-Netzwerks. Die Datenschutzerklärung habe ich zur Kenntnis genommen.",
     "legal"),
    ("En cliquant sur « OK TOUT ACCEPTER », vous acceptez que ARTE RADIO",
     "legal"),
    ("© 2022, BreakingBelizeNews.com. This article is the copyrighted property of Breaking"
     " Belize News. Written permission must be obtained before reprint in online or print"
     " media. REPRINTING CONTENT WITHOUT PERMISSION AND/OR PAYMENT IS THEFT AND PUNISHABLE BY"
     " LAW.",
     "legal"),
    ("From the book The Great Democracy by Ganesh Sitaraman. Copyright © 2019 by Ganesh"
     " Sitaraman. Reprinted by permission of Basic Books, New York, NY. All rights reserved.",
     "legal"),
    ("This story is funded by readers like you",
     "donation"),
    ("MTB Project is built by riders like you. Add Your Trails",
     "donation"),
    ("Fund independent journalism with €12 per month",
     "donation"),
    ("|  We need your help Help us continue to spread the magic of words to readers everywhere"
     " Donate |",
     "donation"),
    ("Unterstütze RosaMag bereits mit 2,50!",
     "donation"),
    ("Darum: Hilf mit und unterstütze unser Magazin mit einem kleinen Beitrag. Natürlich"
     " profitierst du mehrfach. Wie? Das erfährst du hier.",
     "donation"),
    ("Helfen Sie mit, unseren Journalismus auch in Zukunft möglich zu machen! Jetzt mit"
     " wenigen Klicks unterstützen!",
     "donation"),
    ("Czytasz właśnie nowy rodzaj materiału na naszym portalu. W krótki sposób informujemy Cię"
     " o tym, co ważne z perspektywy naszych priorytetów. Wesprzyj nas darowizną lub przekaż"
     " nam 1% podatku.",
     "donation"),
    ("Gefällt dir unser Klettermagazin? Bei der Lancierung von LACRUX haben wir entschieden,"
     " keine Bezahlschranke (Paywall) einzuführen. Das wird auch so bleiben, denn wir möchten"
     " möglichst viele Gleichgesinnte mit News aus der Kletterszene versorgen.",
     "donation"),
    ("Playful Void is a production of Idle Cartulary. If you liked this article, please"
     " consider liking, sharing, and subscribing to the Idle Digest Newsletter. If you want to"
     " support Idle Cartulary continuing to provide Bathtub Reviews, I Read Reviews, and"
     " Dungeon Regular, please consider a one-off donation or becoming a regular supporter of"
     " Idle Cartulary on Ko-fi.",
     "donation"),
    ("Love Tech World With Milan Newsletter? Tell your friends and get rewards.",
     "newsletter"),
    ("Dieser Text entspricht den Vorgaben der ärztlichen Fachliteratur, medizinischen"
     " Leitlinien sowie aktuellen Studien und wurde von Medizinern geprüft.",
     "editorial-note"),
    ("Follow The Gleaner on Twitter and Instagram @JamaicaGleaner and on Facebook"
     " @GleanerJamaica. Send us a message on WhatsApp at 1-876-499-0169 or email us at"
     " onlinefeedback@gleanerjm.com or editors@gleanerjm.com",
     "social"),
    ("Catch up on NBC Select’s in-depth coverage of tech and tools, wellness and more, and"
     " follow us on Facebook, Instagram, Twitter and TikTok to stay up to date.",
     "social"),
    ("¿Ya sabías que en Guatemala.com tenemos canal de Telegram? Únete desde tu celular en"
     " este enlace de invitación.",
     "social"),
    ("Follow me on instagram: @talkinghomerenovations",
     "social"),
    ("This story about tutoring effectiveness was written by Jill Barshay and produced by The"
     " Hechinger Report, a nonprofit, independent news organization focused on inequality and"
     " innovation in education. Sign up for Proof Points and other Hechinger newsletters.",
     "syndication-footer"),
    ("Inga Buller ist Head of Social & Community bei CHIP. Wenn sie gerade nichts bei Ebay"
     " Kleinanzeigen verkauft, testet sie gerne neue Haushalts-Gadgets wie Staubsaugerroboter,"
     " Sous-vide-Garer oder smarte Fleisch-Thermometer.",
     "byline"),
    ("Schreibt seit 2008 für die taz. Beschäftigt sich mit der Frage, ob Kapitalismus auch öko"
     " kann. War Korrespondent in Baden-Württemberg, gründete erfolglos ein Magazin und"
     " besuchte eine Journalistenschule. Ist außerdem Elektroingenieur.",
     "author-bio"),
    ("Redakteur in der Wirtschaft.",
     "author-bio"),
    ("Insight Wealth Strategies, LLC is a Registered Investment Adviser. Advisory services are"
     " only offered to clients or prospective clients where Insight Wealth Strategies, LLC and"
     " its representatives are properly licensed or exempt from licensure. Past performance is"
     " no guarantee of future returns. Investing involves risk and possible loss of principal"
     " capital. No advice may be rendered by Insight Wealth Strategies, LLC unless a client"
     " service agreement is in place.",
     "legal"),
    ("All personal loans made by WebBank.",
     "legal"),
    ("Disclaimer: This article is intended for educational and informational purposes only and"
     " is not a substitute for medical advice. Always consult a qualified healthcare"
     " professional or registered dietitian before making significant changes to your diet.",
     "legal"),
    ("Help me spread the word about this podcast!",
     "donation"),
    ("Learn more about our editorial process.",
     "advertisement"),
    ("Cleveland Clinic is a non-profit academic medical center. Advertising on our site helps"
     " support our mission. We do not endorse non-Cleveland Clinic products or services."
     " Policy",
     "advertisement"),
])
def test_disclosure_noise(text: str, category: str) -> None:
    match = RuleSet.default().match(text)
    assert match is not None and match.category == category, (text, match)
    assert match.location.startswith(SOURCE + ":")


# content lines from the same pages' vocabulary; several are WCXB ground-truth lines (kept by the reference)
@pytest.mark.parametrize("text", [
    "Travel agents recommend that you get travel insurance (because they get a commission"
    " when you buy it, and because they can be held liable for your losses if they don’t"
    " explain insurance options to you). While travel agents can give you information and"
    " advice, they are not insurance agents — always direct any specific questions to the"
    " insurance provider.",
    "Ich stimme dir voll und ganz zu! Auch ich besitze Produkte aus der Naturkosmetik und"
    " eben auch konventionelle Cremes- wichtig ist, dass all jene wir gut vertragen und uns"
    " damit wohl fühlen! Jeder sollte schlussendlich selbst entscheiden, was er auf seine"
    " Haut lässt oder nicht! :-)",
    "I agree with trilby here:",
    "By providing customers with relevant deals and information, businesses can improve"
    " customer loyalty, increase engagement, and increase the efficacy of marketing"
    " initiatives.",
    "Jesse Porter is a longtime beverage writer living in Los Angeles whose writing has"
    " appeared in Mutineer Magazine, Simply Recipes, and Liquor.com. A coffee aficionado for"
    " over two decades who uses a gooseneck kettle to prepare his morning brew, Jesse is an"
    " enthusiastic consumer of many different beverages, but coffee is the only one (besides"
    " water) that he makes a practice of enjoying every single day.",
    "LWN.net is a reader-supported news site dedicated to producing the best",
    "Nach dem Motto – “some rights reserved” (einige Rechte vorbehalten) – stehen die"
    " Lizenzen als Konzept zwischen dem traditionellen Urheberrecht bzw. Copyright (all"
    " rights reserved) und dem Public Domain (PD).",
    "Wir setzen uns alle mit Nachdruck für eine nachhaltige Entwicklung unseres Landes ein."
    " Wir verteidigen die Alpenkonvention, wir wollen nachhaltigen Tourismus, wir treiben die"
    " Verlagerungspolitik voran, die Biodiversität, den Klimaschutz. Vergessen wir nicht,"
    " dass das Gebot der Nachhaltigkeit für alle Gebiete gilt, auch für die Städte.",
    "The Healthy Eating Plate image is owned by Harvard University. The downloadable version"
    " may be used, without permission, for educational and other non-commercial uses with"
    " proper attribution, including the following copyright notification and credit line:",
    "NOTE: The above is an excerpt from Achieving Your Pinnacle: A Career Guide for"
    " Actuaries, by Tom Miller, Copyright 2013. It is reprinted here with permission.",
    "Dennoch unterstützen wir dieses Volksbegehren, da es trotz dieser Diskriminierung besser"
    " ist, als der Status quo.",
    "Als Regionalverband mit Hauptsitz in München prüfen, beraten und unterstützen wir unsere"
    " Mitglieder – und das seit nunmehr über 125 Jahren. Mit rund 500 Mitarbeitern gehören"
    " wir dabei zu den größeren Wirtschaftsprüfungsorganisationen in Deutschland.",
    "James Clear is a writer and speaker focused on habits, decision making, and continuous"
    " improvement. He is the author of the #1 New York Times bestseller, Atomic Habits. The"
    " book has sold over 20 million copies worldwide and has been translated into more than"
    " 60 languages.",
    "Nina Koziol is a garden writer and horticulturist who lives and gardens in Palos Park,"
    " Illinois.",
    "By using ESPHome Bluethooth proxy devices sprinkled around your home, you can enable"
    " person-specific room-level tracking for very cool Home Assistant automations. For"
    " example, you could have a dynamic mobile dashboard which automatically flips to the"
    " right dashboard within seconds of stepping into a different room. Or you could"
    " customize the lighting or HVAC settings depending on WHO is in the room, not just the"
    " fact that the room is occupied.",
    "If you agree to an hourly contract on Upwork, you can track your time using the app."
    " Hourly contracts make sure that you're paid for every hour that you work. If you're"
    " working on the project, you're on the clock. Hourly contracts pay out to freelancers"
    " weekly, which can give you steadier pay compared to fixed-priced projects.",
    "Save the guesswork and follow a proven system to design your own beautiful, productive,"
    " and thriving kitchen garden, no matter your prior gardening experience.",
    "Slate prides itself on maintaining high standards in San Diego by offering competitive"
    " compensation to its cleaners, well above the local minimum wage. Here's a brief"
    " breakdown of their pricing structure:",
    "- Wir wollen auch Provisionen - dafür ist das Fixum moderater",
    "Die im EEG festgelegte Vergütung für Offshore-Windstrom beträgt 15,4ct/kWh für die"
    " ersten 12 Jahre (seit August 2014). Danach fällt diese gesetzlich garantierte"
    " Anfangsvergütung auf ein Viertel (3,9 ct/kWh). Die Windpark-Betreiber können sich"
    " alternativ auch für das sogenannte „Stauchungsmodell“ entscheiden, bei dem die"
    " Anfangsvergütung 19,4 ct/kWh beträgt, dann aber schon nach 8 Jahren auf die"
    " Grundvergütung von 3,9 ct/kWh fällt. Über 20 Jahre gerechnet liegen die Kosten für"
    " Offshore-Windenergie damit im Mittelfeld aller Erneuerbaren Energien.",
    "Bereits 2019 konnte das Start-up einen ersten Erfolg verbuchen: Es war eines von sechs"
    " Start-ups, das für zunächst zwei Jahre von der Europäischen Raumfahrtbehörde ESA in"
    " deren Inkubationszentrum «ESA BIC Switzerland» gefördert wurde. «Unser Gerät ist"
    " interessant für die ESA, da es einerseits auf Missionen zur Erkundung der Atmosphäre"
    " von Planeten wie dem Mars verwendet werden könnte, andererseits kann es auf der Erde"
    " als Referenzstation für Satelliten-gestützte Messungen dienen», erklärte damals Morten"
    " Hundt.",
    "The report was commissioned to better understand the disparities in mental health"
    " support in communities and schools nationwide, as the Centers for Disease Control and"
    " Prevention (CDC) reports that 1 in 5 Americans will experience a mental illness each"
    " year. This comprehensive report aims to elevate the conversations about mental health"
    " and the crucial need for increased access to mental wellness services across the"
    " country.",
    "Edited & Fact-checked by Oleg Parashchak – CEO Finance Media & Editor-in-Chief at"
    " Beinsure Media and Insurance TOP Ratings (25+ years of professional experience in"
    " Rankings, Insurance & Media) by AM Best Data.",
    "Wir wollen auch in Zukunft unsere Themen nicht hinter einer Bezahlschranke verstecken,"
    " denn wir glauben: Lesbische Anliegen gehören in die Öffentlichkeit – und zwar für alle"
    " sichtbar und lesbar.",
    "By clicking the button several times in a short amount of time, you'll even see the"
    " different promises being fulfilled one after another.",
    "Der Verlust erreichte 1,1 Milliarden Dollar - vor allem wegen Kosten für die Vergütung"
    " mit Aktien im Zuge des Börsengangs in Höhe von 859 Millionen Dollar. Der bereinigte"
    " Verlust sank im Jahresvergleich von 228,4 auf 211,5 Millionen Dollar. Analysten hatten"
    " mit einem höheren Minus bei über 270 Millionen Dollar gerechnet.",
    "This calculator is for illustrative purposes only and is not intended to provide"
    " investment advice or portray actual investment results. Your financial situation and"
    " goals may change, so you might want to revisit the calculator at least once a year. Be"
    " sure to discuss your results with your financial professional.",
    "The NCCIH Clearinghouse provides information on NCCIH and complementary and integrative"
    " health approaches, including publications and searches of Federal databases of"
    " scientific and medical literature. The Clearinghouse does not provide medical advice,"
    " treatment recommendations, or referrals to practitioners.",
])
def test_disclosure_spares_content(text: str) -> None:
    assert disclosure_only().match(text) is None, text


def test_short_role_line_is_an_author_bio() -> None:
    match = disclosure_only().match("Redakteur in der Wirtschaft.")
    assert match is not None and match.category == "author-bio"
