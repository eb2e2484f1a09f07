"""Input and output: where records come from (files, stdin, fsspec URLs; text, JSONL, HTML, WARC, Parquet, gzip/zstd)
and where cleaned records go (atomic files, devices, shards, Dolma attributes), in the ecosystem's record shape."""
