"""The library API: what the CLI calls and what users import.

>>> import dedup
>>> docs = dedup.clean(["Storm hits the coast.\\n\\nAdvertisement\\n\\nResidents were evacuated on Monday."])
>>> print(docs[0].text)
Storm hits the coast.
<BLANKLINE>
Residents were evacuated on Monday.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from dedup.config import MinHashConfig
from dedup.errors import ConfigError
from dedup.io.attributes import write_attributes
from dedup.io.output import check_writable, refuse_input_as_output
from dedup.io.parquet import write_parquet
from dedup.io.read import ReadOptions, read_sources
from dedup.io.shape import from_records
from dedup.io.write import (
    RejectsWriter,
    atomic_output,
    document_text,
    output_format,
    write_clusters,
    write_jsonl,
    write_text,
)
from dedup.near.plan import ClusterRecord
from dedup.noise.classify import ClassifyConfig
from dedup.noise.extract import ExtractConfig
from dedup.records import EMPTY, EXTRACTION, SPLIT_LINES, CleanedDocument, Document, Reject
from dedup.run.local import CleanRun, as_documents, clean_sources
from dedup.run.options import CleanOptions
from dedup.run.summary import Summary

RejectHandler = Callable[[Reject], None]


def make_options(*, input_format: str = "auto", text_field: str = "text", id_field: str = "id",
                 glob: str | None = None, rules: Sequence[str] = (), keep: Sequence[str] = (),
                 on_error: str = "fail", workers: int = 1, batch_size: int = 64, threshold: float | None = None,
                 num_perm: int | None = None, ngram: int | None = None, repair: bool = True, progress: bool = False,
                 dedup: str = "drop", level: str = "paragraph", tmp_dir: str | None = None,
                 html_evidence: bool = True, site_field: str | None = None,
                 drop_empty: bool = False, reader_comments: str = "keep",
                 recall_fallback: bool = True, split_long_lines: bool = True) -> CleanOptions:
    """Build `CleanOptions` from flat keyword arguments (the CLI's shape); None keeps a stage default.

    `html_evidence=False` skips the per-paragraph block context and link density of HTML pages: ~12 % less
    extraction time, at the cost of the classifier's page-furniture evidence (see scripts/evaluate.py).
    `reader_comments="drop"` removes trafilatura's comment block on pages that declare themselves an article
    (schema.org type, og:type) and show no forum or Q&A evidence; "keep" (default) leaves every comment block.
    `recall_fallback=False` keeps trafilatura's default text on every page (`dedup.noise.recall_fallback`);
    `split_long_lines=False` keeps its lines as they are (`dedup.noise.flat_lines`).
    """
    minhash = MinHashConfig()
    if threshold is not None:
        minhash = replace(minhash, threshold=threshold)
    if ngram is not None:
        minhash = replace(minhash, ngram=ngram)
    if num_perm is not None:  # keep rows per band; use as many bands as fit
        minhash = replace(minhash, num_perm=num_perm, bands=max(1, num_perm // minhash.rows))
    return CleanOptions(
        read=ReadOptions(input_format=input_format, text_field=text_field, id_field=id_field,  # type: ignore[arg-type]
                         glob=glob, site_field=site_field),
        extract=ExtractConfig(block_context=html_evidence, link_density=html_evidence,
                              recall_fallback=recall_fallback, split_long_lines=split_long_lines),
        classify=ClassifyConfig(comments_page_kind=reader_comments == "drop"),
        minhash=minhash, rules=tuple(rules), keep=tuple(keep),
        dedup=dedup,  # type: ignore[arg-type]
        level=level,  # type: ignore[arg-type]
        repair=repair, drop_empty=drop_empty, workers=workers, batch_size=batch_size, on_error=on_error,  # type: ignore[arg-type]
        tmp_dir=tmp_dir, progress=progress)


def _records(items: Iterable[str | Document | dict[str, Any]] | None, sources: Sequence[str] | None,
             options: CleanOptions) -> Iterable[Document | Reject]:
    if sources is not None:
        return read_sources(list(sources), options.read)
    return as_documents(from_records(items or [], options.read))


def clean(texts_or_documents: Iterable[str | Document | dict[str, Any]], options: CleanOptions | None = None,
          **kwargs: Any) -> list[CleanedDocument]:
    """Clean in-memory texts, `Document`s or dict records (an HF `datasets.Dataset` row, a datatrove/Dolma
    record: `text_field`/`id_field` as for JSONL); returns one `CleanedDocument` per input, in order.

    Keyword arguments are those of `make_options` (e.g. `dedup="off"`, `rules=["my.rules"]`).
    """
    options = options or make_options(**kwargs)
    with CleanRun(_records(texts_or_documents, None, options), options) as run:
        return list(run.documents())


def clean_to(sources: Sequence[str], output: str, fmt: str, options: CleanOptions,
             on_reject: RejectHandler | None = None, index: str | None = None,
             attributes_dir: str | None = None) -> Summary:
    """Clean SOURCES into OUTPUT (atomically; '-' is stdout) as text, JSONL or Parquet; returns the summary.

    An OUTPUT ending in `.parquet` is written as Parquet whatever `fmt` says; `attributes_dir` also writes
    Dolma-style attribute files (`dedup.io.attributes`).
    """
    refuse_input_as_output(output, sources)
    check_writable(output)
    fmt = output_format(output, fmt)
    if index is not None and (fmt == "parquet" or attributes_dir is not None):
        raise ConfigError("--index writes text or JSONL only: Parquet output and --attributes-dir need a run "
                          "without --index")
    if index is not None:
        from dedup.run.incremental import clean_with_index

        return clean_with_index(sources, output, fmt, options, index, on_reject)
    with clean_sources(sources, options, on_reject, cluster_records=False) as run, \
            atomic_output(output, "wb" if fmt in ("jsonl", "parquet") else "w") as stream:   # JSONL: orjson bytes
        docs = run.documents()
        if attributes_dir is not None:
            docs = write_attributes(docs, attributes_dir)
        if fmt == "parquet":
            write_parquet(docs, stream, document_text)
        else:
            (write_jsonl if fmt == "jsonl" else write_text)(docs, stream)
        return run.summary


def clean_on_dask(sources: Sequence[str], options: CleanOptions, *, output: str | None = None,
                  output_dir: str | None = None, fmt: str = "text", scheduler: str | None = None,
                  shard_size: int = 1000, overwrite: bool = False,
                  on_reject: RejectHandler | None = None) -> Summary:
    """`clean_to` on a Dask cluster (`scheduler` address, or a LocalCluster of `options.workers` processes).

    Same stage functions, same bytes as the local run; with `output_dir` the output is one part file per shard
    and a rerun skips finished shards (see `dedup.run.dask.run_dask`).
    """
    from dedup.run.dask import run_dask

    if output_format(output, fmt) == "parquet":
        raise ConfigError("the Dask engine writes text or JSONL: use --engine local for Parquet output")
    refuse_input_as_output(output, sources)
    check_writable(output)
    result = run_dask(sources, options, scheduler=scheduler, output=output, output_dir=output_dir,
                      fmt="jsonl" if fmt == "jsonl" else "text", shard_size=shard_size, overwrite=overwrite,
                      on_reject=on_reject)
    return result.summary


def cluster(texts_or_documents: Iterable[str | Document], options: CleanOptions | None = None,
            singletons: bool = False, **kwargs: Any) -> list[ClusterRecord]:
    """Near-duplicate clusters among in-memory texts or documents (noise is classified out first)."""
    options = options or make_options(**kwargs)
    with CleanRun(_records(texts_or_documents, None, options), replace(options, dedup="drop")) as run:
        return run.cluster_records(singletons)


def cluster_to(sources: Sequence[str], output: str, fmt: str, options: CleanOptions,
               on_reject: RejectHandler | None = None, singletons: bool = False) -> Summary:
    """Write one record per cluster of SOURCES to OUTPUT (JSONL or text)."""
    with clean_sources(sources, replace(options, dedup="drop"), on_reject) as run, \
            atomic_output(output) as stream:
        records = run.cluster_records(singletons)
        write_clusters(records, stream, fmt)
        run.summary.documents_out = run.summary.documents_in - run.summary.rejected
        return run.summary


def explain(texts_or_documents: Iterable[str | Document] | None = None, sources: Sequence[str] | None = None,
            options: CleanOptions | None = None, on_reject: RejectHandler | None = None) -> Iterator[Any]:
    """Every classified document (paragraphs + verdicts), for debugging rules."""
    options = replace(options or CleanOptions(), dedup="off")
    with CleanRun(_records(texts_or_documents, sources, options), options, on_reject) as run:
        yield from run.classified()


def explain_lines(sources: Sequence[str], options: CleanOptions,
                  on_reject: RejectHandler | None = None) -> Iterator[str]:
    """`dedup explain` output: one line per paragraph — verdict, category, reason, then the text."""
    import click

    for item in explain(sources=sources, options=options, on_reject=on_reject):
        yield click.style(f"== {item.doc.id}", bold=True)
        for key in (EXTRACTION, SPLIT_LINES, EMPTY):   # where the text and its lines differ from trafilatura's
            if item.doc.metadata.get(key):
                yield f"     {key}: {item.doc.metadata[key]}"
        for paragraph, verdict, kept in zip(item.paragraphs, item.verdicts, item.kept, strict=True):
            if verdict.is_noise:
                head = click.style(f"NOISE  {verdict.category:<18}", fg="red")
            elif verdict.keep is not None:
                head = click.style(f"TRIM   {verdict.category:<18}", fg="yellow")
            else:
                head = click.style(f"keep   {'content':<18}", fg="green")
            yield f"{paragraph.index:>4} {head} {paragraph.text[:100]!r}"
            yield f"     {'':<25}why: {verdict.reason}" + (f" → kept {kept[:60]!r}" if verdict.keep and kept else "")
            for key, moved in verdict.moved:
                yield f"     {'':<25}moved to metadata[{key!r}]: {moved!r}"
        for index, glued, fixed, _ in item.repairs:
            yield f"     repaired paragraph {index}: {glued!r} → {fixed!r}"


def open_rejects(path: str) -> RejectsWriter:
    return RejectsWriter(path)
