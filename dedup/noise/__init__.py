"""Per-document noise removal: extract (HTML), segment, rules and line features, corpus line statistics, classify
and glued-word repair. Every removal carries its category and the rule or feature that fired."""
