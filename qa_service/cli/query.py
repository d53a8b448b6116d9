"""Commands that query the index: ask, search, facts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from qa_service.cli.app import app
from qa_service.cli.common import console, fail_on_errors, open_service
from qa_service.schemas import FactKind, SearchMode


class ExportFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"


DocOption = Annotated[list[str] | None, typer.Option("--doc", help="Only this document id (repeatable).")]


def _filters(docs, year_from, year_to):
    from pydantic import ValidationError

    from qa_service.schemas import Filters

    try:
        return Filters(doc_ids=docs or None, year_from=year_from, year_to=year_to)
    except ValidationError as exc:
        console.print(f"[red]error:[/red] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None


def _highlight(text: str, start: int, end: int, base: int) -> str:
    from rich.markup import escape

    s, e = start - base, end - base
    if not 0 <= s <= e <= len(text):
        return escape(text)
    return escape(text[:s]) + "[bold yellow]" + escape(text[s:e]) + "[/bold yellow]" + escape(text[e:])


def _print_passages(passages) -> None:
    for p in passages:
        where = ", ".join(x for x in (p.section, f"p. {p.page}" if p.page else None) if x)
        console.print(f"\n[bold]{p.rank}. {p.title}[/bold] ({p.year or 'n.d.'}) [dim]{p.doc_id} {where} "
                      f"[{p.start}:{p.end}] score {p.score:.4f}[/dim]")  # fmt: skip
        ev = p.evidence
        console.print(_highlight(p.text, ev.start, ev.end, p.start) if ev else p.text)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=50, help="Passages to cite.")] = 5,
    doc: DocOption = None,
    year_from: Annotated[int | None, typer.Option(help="Only documents from this year on.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Only documents up to this year.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON response.")] = False,
) -> None:
    """Answer a question with cited passages and the facts they hold."""
    filters = _filters(doc, year_from, year_to)
    service = open_service()
    with fail_on_errors():
        response = service.ask(question, top_k=top_k, filters=filters)
    if as_json:
        print(response.model_dump_json(indent=2))
        return
    if response.found:
        console.print(f"[bold green]{response.answer}[/bold green]")
    else:
        console.print(f"[bold red]Not found.[/bold red] {response.message}")
    console.print(f"[dim]type {response.answer_type}, confidence {response.confidence:.2f}[/dim]")
    if response.found and response.message:
        console.print(f"[yellow]{response.message}[/yellow]")
    for fact in response.facts:
        value = f" = {fact.value:g} {fact.unit or ''}" if fact.value is not None else ""
        console.print(f"  [cyan]{fact.kind}[/cyan] {fact.text}{value} [dim]({fact.citation.doc_id})[/dim]")
    _print_passages(response.passages)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages.")] = 10,
    doc: DocOption = None,
    year_from: Annotated[int | None, typer.Option(help="Only documents from this year on.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Only documents up to this year.")] = None,
    mode: Annotated[
        SearchMode,
        typer.Option(
            case_sensitive=False,
            help="full: hybrid re-ranked by evidence sentences; hybrid: BM25 + dense fused; bm25; dense.",
        ),
    ] = SearchMode.FULL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON response.")] = False,
) -> None:
    """Ranked passages with the evidence sentence highlighted."""
    filters = _filters(doc, year_from, year_to)
    service = open_service()
    with fail_on_errors():
        response = service.search(query, k=k, filters=filters, mode=mode.value)
    if as_json:
        print(response.model_dump_json(indent=2))
        return
    _print_passages(response.hits)


@app.command()
def facts(
    kind: Annotated[FactKind | None, typer.Option(case_sensitive=False, help="Only facts of this kind.")] = None,
    entity: Annotated[str | None, typer.Option(help="Any name or acronym of an entity.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document id.")] = None,
    year: Annotated[int | None, typer.Option(help="Facts about this year.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="How many to show (table and --json).")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON page.")] = False,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="table (readable), or every matching fact as jsonl or csv (no --limit)."),
    ] = ExportFormat.table,
) -> None:
    """List the structured facts extracted from the corpus, or export them (--format jsonl|csv)."""
    import sys

    service = open_service()
    wanted = kind.value if kind else None
    if fmt is not ExportFormat.table:
        from qa_service.export import all_facts, serialise

        def fetch(offset: int, size: int):
            return service.facts(kind=wanted, entity=entity, doc_id=doc, year=year, offset=offset, limit=size)

        with fail_on_errors():
            for line in serialise(all_facts(fetch), fmt.value):
                sys.stdout.write(line)
        return
    with fail_on_errors():
        page = service.facts(kind=wanted, entity=entity, doc_id=doc, year=year, limit=limit)
    if as_json:
        print(page.model_dump_json(indent=2))
        return
    for f in page.items:
        value = f"{f.value:g}" if f.value is not None else ""
        extra = f.entity or f.date_start or ""
        console.print(f"{f.kind:<11} {f.text[:60]:<60} {value:>14} {f.unit or '':<10} {extra[:40]} "
                      f"[dim]{f.citation.doc_id}[{f.citation.start}:{f.citation.end}][/dim]")  # fmt: skip
    console.print(f"[dim]{len(page.items)} of {page.total} facts[/dim]")
