"""Generate a seeded pair of JSONL news corpora: a dirty one (noise lines, syndicated copies) and a clean one.

Why: `dedup check` gates pipelines on noise and duplicate shares; its tests need a corpus that must fail the
gate and one that must pass it, with known composition, without shipping megabytes of fixtures. The same seed
always gives the same files (no global random state is touched).

    python scripts/make_corpus_pair.py OUTDIR [--docs 40] [--seed 7]   # writes OUTDIR/dirty.jsonl, clean.jsonl

Dirty documents: 4 own paragraphs + 2 wire paragraphs shared with other documents (lightly edited copies) +
3 noise lines (advertisement, newsletter, share, related-link, credit line). Clean documents: 5 own paragraphs,
no noise, no copies. Every document carries a `url` on one of a few sites, so per-source tables fill.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

SITES = ("www.harbourdaily.com", "news.riverside-post.org", "valleytimes.net", "www.coastalwire.co.uk")
NOISE_LINES = (
    "Advertisement",
    "ADVERTISEMENT - SCROLL TO CONTINUE",
    "Sign up for our morning newsletter and get the top stories in your inbox.",
    "Subscribe to our newsletter for breaking news alerts.",
    "Share this article on Facebook, Twitter and WhatsApp",
    "Also read: Council approves new budget for road repairs",
    "Also read: What the new tax rules mean for you",
    "(With inputs from agencies)",
    "Click here to download our app",
)
SUBJECTS = ("The city council", "A regional hospital", "The port authority", "Local farmers", "The school board",
            "A group of residents", "The state environment agency", "Two rival bus companies", "The fire service",
            "A small software firm", "The university library", "Fishermen along the coast", "The museum director",
            "Nurses at the clinic", "The transport minister", "A neighbourhood bakery", "The water utility")
VERBS = ("announced", "postponed", "defended", "criticised", "approved", "questioned", "rejected", "welcomed",
         "reviewed", "expanded", "delayed", "funded", "described", "challenged", "outlined", "praised")
OBJECTS = ("a plan to rebuild the northern bridge", "new rules for night-time deliveries",
           "the cost of repairing flood defences", "a proposal to close two rural branches",
           "the results of an independent audit", "a pilot scheme for electric ferries",
           "changes to the winter timetable", "a dispute over parking charges near the market",
           "the decision to sell an old warehouse", "a study of air quality near the ring road",
           "plans for a second recycling centre", "a shortage of trained lifeguards",
           "the renovation of the central station", "an agreement with the teachers' union")
DETAILS = ("after a meeting that lasted well into the evening", "despite objections from several members",
           "following months of public consultation", "at a press conference on {day}",
           "in a statement published on {day}", "according to documents seen by reporters",
           "as the deadline approached", "while residents gathered outside the town hall",
           "two weeks before the budget vote", "after an inspection found {n} faults")
CLOSERS = ("Officials expect a final decision by {month}.", "The work is expected to cost about {n} million.",
           "Critics said the figures did not add up.", "A spokesperson declined to give further details.",
           "Supporters say {n} jobs could be created.", "Opposition members called for an inquiry.",
           "The next hearing is scheduled for {month}.", "Residents have until {month} to comment.")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "March", "April", "June", "September", "October", "November", "December")


def sentence(rng: random.Random) -> str:
    detail = rng.choice(DETAILS).format(day=rng.choice(DAYS), n=rng.randint(3, 90))
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {detail}."


def paragraph(rng: random.Random) -> str:
    """Three to four sentences: long enough to sign, varied enough that two random ones are not near-copies."""
    closer = rng.choice(CLOSERS).format(month=rng.choice(MONTHS), n=rng.randint(2, 400))
    return " ".join([*(sentence(rng) for _ in range(rng.randint(2, 3))), closer])


def light_edit(text: str, rng: random.Random) -> str:
    """A syndicated copy: same paragraph with a small edit (curly quotes, an extra word, one word dropped)."""
    words = text.split()
    edit = rng.randrange(3)
    if edit == 0:
        words.insert(rng.randrange(1, len(words)), "reportedly")
    elif edit == 1 and len(words) > 12:
        del words[rng.randrange(1, len(words) - 1)]
    else:
        return text.replace("'", "\u2019")
    return " ".join(words)


def documents(kind: str, count: int, seed: int) -> Iterator[dict[str, object]]:
    rng = random.Random(f"{kind}:{seed}")
    wire = [paragraph(rng) for _ in range(6)]
    for number in range(count):
        site = SITES[number % len(SITES)]
        if kind == "dirty":
            body = [paragraph(rng) for _ in range(4)] + [light_edit(p, rng) for p in rng.sample(wire, 2)]
            rng.shuffle(body)
            for line in rng.sample(NOISE_LINES, 3):
                body.insert(rng.randrange(len(body) + 1), line)
        else:
            body = [paragraph(rng) for _ in range(5)]
        yield {"id": f"{kind}-{number:04d}", "text": "\n\n".join(body),
               "url": f"https://{site}/news/{kind}-{number:04d}.html"}


def write_pair(out_dir: Path, count: int = 40, seed: int = 7) -> tuple[Path, Path]:
    """Write `dirty.jsonl` and `clean.jsonl` under OUT_DIR; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in ("dirty", "clean"):
        path = out_dir / f"{kind}.jsonl"
        with path.open("w", encoding="utf-8") as stream:
            for record in documents(kind, count, seed):
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths[0], paths[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for path in write_pair(args.out_dir, args.docs, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
