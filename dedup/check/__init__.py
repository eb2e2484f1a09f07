"""`dedup check`: the corpus hygiene report (tally), its records (model) and its text/JSON/Markdown/HTML forms."""
