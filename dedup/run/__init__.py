"""Running the passes over a corpus: pure pass functions (`passes`), the local process pool and the Dask engine
(which only schedule them), the one summary fold, resumable shards and the incremental index run."""
