"""Near-duplicate paragraphs across documents: shingles, MinHash signatures, LSH bands, verification on real
shingle sets, star clusters, canonical variants and the dedup plan (`plan.plan_from_pairs`)."""
