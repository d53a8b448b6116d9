"""The HTML pages: a question form with its answer card, documents and facts (no JavaScript needed).

The answer card renders the same ``AskResponse`` the JSON API returns (built by ``api.answer``).
Form fields arrive as strings (an empty year box sends ``year_from=``), so the pages parse them
through the request models and show their messages in the form instead of a bare 422.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Annotated, NamedTuple
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from qa_service.errors import InvalidQueryError, UnknownDocumentError
from qa_service.schemas import AskRequest
from qa_service.web.api import answer
from qa_service.web.app import ServiceDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

EXAMPLES = (
    "How many companies do Korea's 30 industrial complexes host?",
    "How many regional industrial clusters were operational as of September 2024?",
    "What was the total budget allocated to regional industrial clusters over 2021-2025?",
    "How many Technoparks did the Industry ministry create?",
    "When was the Daedeok Science Town built?",
    "대전의 산업 클러스터 정책은 무엇인가?",
)
FACT_KINDS = ("money", "count", "percent", "area", "population", "date", "period", "entity", "table_cell")
FACTS_PER_PAGE = 50
_BLANK_LINES = re.compile(r"\n(?:[ \t\u00a0]*\n){2,}")


class Segment(NamedTuple):
    """A run of document text: maybe highlighted, maybe starting at an anchor."""

    text: str
    mark: bool = False
    mark_id: str | None = None
    anchor: str | None = None


def split_span(text: str, base: int, start: int, end: int) -> tuple[str, str, str] | None:
    """``text`` (which starts at offset ``base``) cut around [start:end], or None if the span is outside it."""
    s, e = start - base, end - base
    if not 0 <= s <= e <= len(text):
        return None
    return text[:s], text[s:e], text[e:]


def segments(text: str, anchors: dict[int, str], highlight: tuple[int, int] | None) -> list[Segment]:
    """Cut ``text`` at anchor offsets and around the highlight; the first highlighted run gets id ``hl``."""
    cuts = {0, len(text), *(p for p in anchors if 0 <= p <= len(text))}
    if highlight:
        cuts.update(highlight)
    out, first = [], True
    for a, b in pairwise(sorted(cuts)):
        mark = bool(highlight) and highlight[0] <= a and b <= highlight[1]
        out.append(Segment(text[a:b], mark, "hl" if mark and first else None, anchors.get(a)))
        first = first and not mark
    return out


def number(value: float | None) -> str:
    """A fact's value for people: 26768.0 -> '26,768', 0.35 -> '0.35'."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e18:
        return f"{int(value):,}"
    return f"{value:,.6g}"


def tidy(text: str) -> str:
    """Passage text for display: runs of blank lines shrink to one (offsets are cut before this)."""
    return _BLANK_LINES.sub("\n\n", text)


def doc_link(doc_id: str, start: int, end: int) -> str:
    """The document view with [start:end] highlighted and scrolled into view."""
    return f"/documents/{quote(doc_id, safe='')}?start={start}&end={end}#hl"


templates.env.globals.update(split_span=split_span, doc_link=doc_link)
templates.env.filters.update(number=number, tidy=tidy)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message}, status_code=status)


def _messages(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors(include_url=False):
        field = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        out.append(f"{field}: {msg}" if field else msg)
    return out


def _int_or_none(value: str | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidQueryError(f"{name} must be a whole number, not {value!r}") from None


@router.get("/")
def home(
    request: Request,
    service: ServiceDep,
    q: str | None = None,
    doc: Annotated[list[str] | None, Query()] = None,
    year_from: str | None = None,
    year_to: str | None = None,
    k: str | None = None,
) -> HTMLResponse:
    """The question form; with ``q``, also the answer (so an answer can be shared as a link)."""
    form = {"q": q or "", "doc": doc or [], "year_from": year_from or "", "year_to": year_to or "", "k": k or "5"}
    response, errors = None, []
    if q is not None:
        try:
            ask = AskRequest(question=q, doc_ids=doc or None, year_from=year_from or None,
                             year_to=year_to or None, top_k=k or 5)  # fmt: skip
            response = answer(service, ask)
        except ValidationError as exc:
            errors = _messages(exc)
        except (InvalidQueryError, UnknownDocumentError) as exc:
            errors = [str(exc)]
    context = {"form": form, "response": response, "errors": errors, "examples": EXAMPLES,
               "documents": service.documents()}  # fmt: skip
    return templates.TemplateResponse(request, "index.html", context, status_code=422 if errors else 200)


@router.get("/documents")
def documents_page(request: Request, service: ServiceDep) -> HTMLResponse:
    """Every indexed document."""
    return templates.TemplateResponse(request, "documents.html", {"documents": service.documents()})


@router.get("/documents/{doc_id}")
def document_page(
    request: Request, doc_id: str, service: ServiceDep, start: str | None = None, end: str | None = None
) -> HTMLResponse:
    """One document's cleaned text, with [start:end] highlighted (``#hl``), its sections and tables."""
    try:
        detail = service.document(doc_id)
    except UnknownDocumentError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    s, e = _int_or_none(start, "start"), _int_or_none(end, "end")
    highlight = (s, e) if s is not None and e is not None and 0 <= s < e <= len(detail.text) else None
    bad_span = bool(start or end) and highlight is None
    anchors = {sec.start: f"sec-{i}" for i, sec in enumerate(detail.sections)}
    context = {"doc": detail, "segments": segments(detail.text, anchors, highlight), "highlight": highlight,
               "bad_span": bad_span}  # fmt: skip
    return templates.TemplateResponse(request, "document.html", context)


@router.get("/facts")
def facts_page(
    request: Request,
    service: ServiceDep,
    kind: str | None = None,
    entity: str | None = None,
    doc: str | None = None,
    year: str | None = None,
    offset: str | None = None,
) -> HTMLResponse:
    """The extracted facts, filtered and paged, each linked to its span in the document view."""
    form = {"kind": kind or "", "entity": entity or "", "doc": doc or "", "year": year or ""}
    page, errors = None, []
    try:
        start = max(0, _int_or_none(offset, "offset") or 0)
        page = service.facts(kind=kind or None, entity=entity or None, doc_id=doc or None,
                             year=_int_or_none(year, "year"), offset=start, limit=FACTS_PER_PAGE)  # fmt: skip
    except (InvalidQueryError, UnknownDocumentError) as exc:
        errors = [str(exc)]
    context = {"form": form, "page": page, "errors": errors, "kinds": FACT_KINDS, "documents": service.documents()}
    return templates.TemplateResponse(request, "facts.html", context, status_code=422 if errors else 200)
