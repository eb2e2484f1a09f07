"""The `dedup` command: a thin Click layer over the library API in `dedup.api`.

Exit codes follow Click's convention: 0 success, 1 a `check` threshold exceeded, 2 usage or input error.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dedup.errors import DedupError
from dedup.run.pool import cpu_count

if TYPE_CHECKING:
    from dedup.records import Reject
    from dedup.run.options import CleanOptions
    from dedup.run.summary import Summary

EXIT_INTERRUPTED = 130   # 128 + SIGINT, what shells report for a run stopped by Ctrl-C

F = TypeVar("F", bound=Callable[..., Any])


class _Deferred:
    """`dedup.api`, imported when a command first uses it: `dedup --version`/`--help` skip ~0.5 CPU-s of imports."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("dedup.api"), name)


api: Any = _Deferred()


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      file: Any = None, line: str | None = None) -> None:
    """Warnings as one `dedup: warning: …` line, without Python's echo of the warning's source line."""
    click.echo(f"dedup: warning: {message}", err=True)


NATIVE_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def _one_thread_per_native_library() -> None:
    """numpy's BLAS starts a thread per core when it is imported (~0.07 CPU-s of spinning per process) that
    nothing here uses: the commands do no linear algebra and parallelise with worker processes, where extra
    threads only oversubscribe the cores (Dask's nanny sets the same variables). A value the user set wins."""
    for variable in NATIVE_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")


class DedupGroup(click.Group):
    """Turns the library's user-facing errors into one stderr line and exit code 2, and Ctrl-C or SIGTERM into
    one line and exit 130 (worker processes stopped, temporary files removed, no output file half-written: the
    interrupt unwinds through the same `with` blocks as an error)."""

    def invoke(self, ctx: click.Context) -> Any:
        _one_thread_per_native_library()
        warnings.showwarning = _one_line_warning   # set before pool workers fork, so they inherit it
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("dedup: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except DedupError as error:
            click.echo(f"dedup: error: {error}", err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:  # `dedup clean … | head`
            sys.stderr.close()
            ctx.exit(0)
        finally:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM takes the Ctrl-C path: the run unwinds and cleans up instead of dying with orphaned workers."""
    raise KeyboardInterrupt


def input_options(fn: F) -> F:
    """Options every command that reads a corpus shares."""
    decorators = [
        click.argument("sources", nargs=-1, required=True),
        click.option("--input-format", type=click.Choice(["auto", "text", "jsonl", "html", "warc", "parquet"]),
                     default="auto", show_default=True, help="How to read SOURCES; auto sniffs extension and content."),
        click.option("--site-field", default=None,
                     help="Record field that names a document's site (template lines are per site) "
                          "[default: the host of url / metadata.url]."),
        click.option("--text-field", default="text", show_default=True, help="JSONL field holding the text."),
        click.option("--id-field", default="id", show_default=True, help="JSONL field holding the document id."),
        click.option("--glob", "glob_pattern", default=None, help="File-name pattern when walking directories."),
        click.option("--rules", "rules", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Extra noise rule file (repeatable)."),
        click.option("--keep", "keep", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Keep-rule file: lines it matches are never removed (repeatable)."),
        click.option("--on-error", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
                     help="fail: stop at the first bad record; skip: send it to --rejects and go on."),
        click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), default=None,
                     help="JSONL file for records that could not be read (with --on-error skip)."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Processes for extract/classify/sign [default: all cores]."),
        click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True,
                     help="Documents per worker batch."),
        click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=None,
                     help="Jaccard similarity that links near-duplicates."),
        click.option("--num-perm", type=click.IntRange(min=16), default=None, help="MinHash permutations."),
        click.option("--ngram", type=click.IntRange(min=1), default=None, help="Words per shingle."),
        click.option("--html-evidence/--no-html-evidence", default=True, show_default=True,
                     help="HTML input: use each paragraph's page block (nav, aside, share bar…) and link density "
                          "as noise evidence; off is ~12% faster."),
        click.option("--recall-fallback/--no-recall-fallback", default=True, show_default=True,
                     help="HTML input: where trafilatura's text holds under 40% of the page's words, also run "
                          "its recall mode and take that text when it holds every word of the default text and "
                          "1.2x more (metadata.dedup.extraction says so); off is the bare default extraction."),
        click.option("--split-long-lines/--no-split-long-lines", default=True, show_default=True,
                     help="HTML input: split a line of 150+ words where the page's own blocks (p, div, li, td…) "
                          "end; only whitespace changes (metadata.dedup.split_lines counts the breaks)."),
        click.option("--repair/--no-repair", default=True, show_default=True,
                     help="Split glued words (\"hasoffered\" → \"has offered\")."),
        click.option("--reader-comments", type=click.Choice(["keep", "drop"]), default="keep", show_default=True,
                     help="HTML input: drop the comment block under pages that declare themselves an article "
                          "(schema.org/og:type, no forum or Q&A markup); keep: leave every comment block."),
        click.option("--drop-empty", is_flag=True,
                     help="Leave pages without main content out of the output (default: an empty record "
                          "whose metadata.dedup.empty_reason says why)."),
        click.option("--progress/--no-progress", default=None,
                     help="Progress bar on stderr [default: on when stderr is a terminal]."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line on stderr."),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def build_options(params: dict[str, Any], **extra: Any) -> CleanOptions:
    """Map CLI parameters onto the library's option objects."""

    progress = params["progress"] if params["progress"] is not None else sys.stderr.isatty()
    return api.make_options(
        input_format=params["input_format"], text_field=params["text_field"], id_field=params["id_field"],
        glob=params["glob_pattern"], rules=params["rules"], keep=params["keep"], on_error=params["on_error"],
        workers=_workers(params["workers"]), batch_size=params["batch_size"],
        threshold=params["threshold"], num_perm=params["num_perm"], ngram=params["ngram"], repair=params["repair"],
        html_evidence=params["html_evidence"], progress=progress and not params["quiet"],
        site_field=params["site_field"], drop_empty=params["drop_empty"],
        reader_comments=params["reader_comments"], recall_fallback=params["recall_fallback"],
        split_long_lines=params["split_long_lines"], **extra)


def _workers(asked: int | None) -> int:
    """All cores by default; more processes than cores only compete for them, so a larger value is capped."""
    cores = cpu_count()
    if asked is not None and asked > cores:
        click.echo(f"dedup: warning: --workers {asked} is more than the {cores} cores here; using {cores}", err=True)
    return min(asked or cores, cores)


def finish(params: dict[str, Any], summary: Summary, command: str) -> None:
    """The summary line on stderr (unless --quiet) and the --stats JSON file when asked for."""
    if params.get("stats_path"):
        import json

        from dedup.io.write import atomic_output
        from dedup.run.summary import stats_report

        report = stats_report(summary, command=command, sources=list(params["sources"]),
                              engine=params.get("engine", "local"))
        with atomic_output(params["stats_path"]) as stream:
            stream.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if not params["quiet"]:
        click.echo(summary.line(), err=True)


stats_option = click.option("--stats", "stats_path", type=click.Path(dir_okay=False), default=None,
                            help="Write the run's counts per pass, category and rule, and timings, as JSON here.")


def reject_reporter(params: dict[str, Any]) -> tuple[Callable[[Reject], None], Callable[[], None]]:
    """Where rejected records go: the --rejects file, and always a one-line note on stderr."""
    writer = api.open_rejects(params["rejects_path"]) if params["rejects_path"] else None

    def report(reject: Reject) -> None:
        click.echo(f"dedup: skipped {reject.message()}", err=True)
        if writer is not None:
            writer.write(reject)

    def close() -> None:
        if writer is not None:
            writer.close()

    return report, close


@click.group(cls=DedupGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="dedup-toolkit", prog_name="dedup")
def main() -> None:
    """Clean scraped news and web text: remove in-article noise, keep one copy of syndicated paragraphs."""


@main.command()
@input_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file, written atomically [default: stdout].")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl", "parquet"]), default="text", show_default=True,
              help="Output format; an -o name ending in .parquet is Parquet, in .gz/.zst compressed.")
@click.option("--attributes-dir", type=click.Path(file_okay=False), default=None,
              help="Also write Dolma-style attribute files (noise and duplicate spans) here, one per input file.")
@click.option("--dedup", "dedup_mode", type=click.Choice(["drop", "canonical"]), default="drop", show_default=True,
              help="drop: later copies of a paragraph are removed; canonical: the kept copy is its best variant.")
@click.option("--no-dedup", is_flag=True, help="Keep near-duplicate paragraphs (noise removal only).")
@click.option("--index", "index_spec", default=None,
              help="Persistent index (PATH or redis://host:port/db?prefix=…): drop paragraphs seen in earlier runs.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine's process pool; dask: a Dask cluster (pip install 'dedup-toolkit[dask]').")
@click.option("--scheduler", default=None,
              help="Dask scheduler address (tcp://host:8786) [default: start a LocalCluster of --workers].")
@click.option("--output-dir", type=click.Path(file_okay=False), default=None,
              help="With --engine dask: one part file per shard here; a rerun skips finished shards.")
@click.option("--shard-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="With --engine dask: input records per shard.")
@click.option("--overwrite", is_flag=True, help="With --output-dir: replace a run made with other settings.")
@stats_option
def clean(**params: Any) -> None:
    """Remove noise and repeated paragraphs from SOURCES (files, directories, globs, - for stdin)."""
    options = build_options(params, dedup="off" if params["no_dedup"] else params["dedup_mode"])
    dask_only = [name for name in ("scheduler", "output_dir") if params[name] is not None]
    if params["engine"] == "local" and dask_only:
        raise click.UsageError(f"--{dask_only[0].replace('_', '-')} needs --engine dask")
    if params["engine"] == "dask" and params["index_spec"] is not None:
        raise click.UsageError("--index works with --engine local only")
    if params["engine"] == "dask" and params["attributes_dir"] is not None:
        raise click.UsageError("--attributes-dir works with --engine local only")
    if params["output_dir"] is not None and params["output"] != "-":
        raise click.UsageError("give either -o/--output or --output-dir, not both")
    report, close = reject_reporter(params)
    try:
        if params["engine"] == "dask":
            summary = api.clean_on_dask(
                params["sources"], options, output=None if params["output_dir"] else params["output"],
                output_dir=params["output_dir"], fmt=params["fmt"], scheduler=params["scheduler"],
                shard_size=params["shard_size"], overwrite=params["overwrite"], on_reject=report)
        else:
            summary = api.clean_to(params["sources"], params["output"], params["fmt"], options, on_reject=report,
                                   index=params["index_spec"], attributes_dir=params["attributes_dir"])
    finally:
        close()
    finish(params, summary, "clean")


@main.command()
@input_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="jsonl", show_default=True)
@click.option("--level", type=click.Choice(["paragraph", "document"]), default="paragraph", show_default=True)
@click.option("--singletons", is_flag=True, help="Also list paragraphs that have no near-duplicate.")
@stats_option
def cluster(**params: Any) -> None:
    """List near-duplicate clusters across SOURCES, one record per cluster."""
    options = build_options(params, level=params["level"])
    report, close = reject_reporter(params)
    try:
        summary = api.cluster_to(params["sources"], params["output"], params["fmt"], options, on_reject=report,
                                 singletons=params["singletons"])
    finally:
        close()
    finish(params, summary, "cluster")


@main.command()
@input_options
@click.option("--color/--no-color", default=None, help="Colour verdicts [default: when stdout is a terminal].")
def explain(**params: Any) -> None:
    """Show every paragraph with its verdict, category and the rule or feature that decided it."""
    options = build_options(params, dedup="off")
    colour = params["color"] if params["color"] is not None else sys.stdout.isatty()
    report, close = reject_reporter(params)
    try:
        for line in api.explain_lines(params["sources"], options, on_reject=report):
            click.echo(line if colour else click.unstyle(line))
    finally:
        close()


@main.group()
def index() -> None:
    """The persistent paragraph index (a directory or redis://host:port/db?prefix=NAME) for incremental batches."""


index_option = click.option("--index", "index_spec", required=True,
                            help="Index location: a directory path or redis://host:port/db?prefix=NAME.")


@index.command("add")
@input_options
@index_option
def index_add(**params: Any) -> None:
    """Clean SOURCES and add their new paragraphs to the index (no text output)."""
    from dedup.run.incremental import index_add as add

    report, close = reject_reporter(params)
    try:
        summary, added, seen = add(params["sources"], build_options(params), params["index_spec"], report)
    finally:
        close()
    click.echo(f"added {added} paragraphs; {seen} already seen (dropped as duplicates)")
    finish(params, summary, "index add")


@index.command("query")
@input_options
@index_option
def index_query(**params: Any) -> None:
    """For each paragraph of SOURCES, print its verified matches in the index (JSONL)."""
    import orjson

    from dedup.run.incremental import index_query as query

    report, close = reject_reporter(params)
    try:
        for record in query(params["sources"], build_options(params), params["index_spec"], report):
            click.echo(orjson.dumps(record).decode())
    finally:
        close()


def _stats_command(compact: bool) -> Callable[..., None]:
    def command(index_spec: str, num_perm: int | None, ngram: int | None, threshold: float | None) -> None:
        import orjson

        from dedup.run.incremental import index_stats

        options = api.make_options(num_perm=num_perm, ngram=ngram, threshold=threshold)
        stats = index_stats(index_spec, options, compact=compact)
        click.echo(orjson.dumps(stats, option=orjson.OPT_INDENT_2, default=str).decode())

    return command


for _name, _compact, _help in (("stats", False, "Print the index's size, bytes per paragraph and fingerprint."),
                               ("compact", True, "Merge the index's segments, then print its stats.")):
    index.command(_name, help=_help)(
        index_option(click.option("--num-perm", type=int, default=None)(
            click.option("--ngram", type=int, default=None)(
                click.option("--threshold", type=float, default=None)(_stats_command(_compact))))))


@main.command("check")
@input_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text",
              show_default=True, help="Report format; json follows docs/check-schema.json, html is one offline file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Report file, written atomically [default: stdout].")
@click.option("--max-noise", type=click.FloatRange(0.0, 1.0), default=None,
              help="Exit 1 when noise paragraphs / paragraphs exceeds this, e.g. 0.05.")
@click.option("--max-dup", type=click.FloatRange(0.0, 1.0), default=None,
              help="Exit 1 when duplicate paragraphs / content paragraphs exceeds this, e.g. 0.10.")
@click.option("--max-dup-docs", type=click.FloatRange(0.0, 1.0), default=None,
              help="Exit 1 when the share of duplicate documents (>= 80 % copied content) exceeds this.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Length of each list (clusters, repeated lines, sources, rejects).")
@click.pass_context
def check(ctx: click.Context, **params: Any) -> None:
    """Hygiene report on SOURCES: noise by category, duplicate shares, largest clusters, repeated lines.

    With --max-noise/--max-dup/--max-dup-docs it gates a pipeline: exit 0 within the limits, 1 when one is
    exceeded (named on stderr), 2 on a usage or input error.
    """
    from dedup.check.render import render
    from dedup.check.tally import check as check_corpus
    from dedup.check.tally import gate
    from dedup.io.write import atomic_output

    options = build_options(params)
    report_reject, close = reject_reporter(params)
    try:
        report = check_corpus(params["sources"], options, on_reject=report_reject, top=params["top"])
    finally:
        close()
    limits = (params["max_noise"], params["max_dup"], params["max_dup_docs"])
    if any(limit is not None for limit in limits):
        gate(report, *limits)
    with atomic_output(params["output"]) as stream:
        stream.write(render(report, params["fmt"]))
    if report.gate is not None:
        for measure in report.gate.exceeded:
            click.echo(f"dedup: check failed: {measure}", err=True)
        ctx.exit(report.gate.exit_code)


if __name__ == "__main__":
    main()
