"""The HTML pages: ask, search, documents and facts (JavaScript only adds copy buttons and a character count).

Each view builds one data dict and renders it as HTML, or as JSON with ``format=json``: the answer card
renders the same ``AskResponse`` the JSON API returns (built by ``api.answer``). Form fields arrive as
strings (an empty year box sends ``year_from=``), so the pages parse them through the request models and
show their messages next to the field instead of a bare 422. View logic lives in ``views.py``.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Annotated, NamedTuple
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from qa_service import calibration, export
from qa_service.errors import InvalidQueryError, UnknownDocumentError
from qa_service.schemas import FACT_KINDS, MAX_QUESTION_CHARS, AskRequest, AskResponse
from qa_service.service import QAService
from qa_service.web import views
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


def doc_link(doc_id: str, start: int, end: int, back: str | None = None) -> str:
    """The document view with [start:end] highlighted and scrolled into view; ``back``: the answer's query."""
    link = f"/documents/{quote(doc_id, safe='')}?start={start}&end={end}"
    return link + (f"&from={quote(back, safe='')}" if back else "") + "#hl"


templates.env.globals.update(split_span=split_span, doc_link=doc_link, is_korean=views.is_korean,
                             citation_text=views.citation_text, bibtex=views.bibtex, fact_sentence=views.fact_sentence,
                             passage_of=views.passage_of, source_name=views.source_name,
                             max_question_chars=MAX_QUESTION_CHARS)  # fmt: skip
templates.env.filters.update(number=number, tidy=tidy, ko=views.ko)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message}, status_code=status)


def _int_or_none(value: str | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidQueryError(f"{name} must be a whole number, not {value!r}") from None


def _json_errors(errors: dict[str, list[str]]) -> JSONResponse:
    items = [{"loc": ["query", field], "msg": m, "type": "invalid_form"} for field, ms in errors.items() for m in ms]
    return JSONResponse({"detail": items}, status_code=422)


def _answer_context(request: Request, service: QAService, response: AskResponse, form: dict) -> dict:
    """What the answer card shows beyond the response itself (all computed in ``views``)."""
    docs = {d.doc_id: d for d in service.documents()}
    s = service.settings
    bins = calibration.load_bins(calibration.calibration_files(s.ranker_file))
    filtered = views.filters_on(form)
    base = str(request.base_url).rstrip("/")
    shown = views.passage_views(response.passages, response.answer, response.found)
    all_docs = {"q": form["q"], "k": form["k"]}
    return {
        "level": response.confidence_level,
        "heading": views.level_heading(response, filtered),
        "explanation": calibration.explain(
            response.confidence_level, bins, service.abstain_threshold(response.answerer), s.confident_threshold
        ),
        "filtered": filtered,
        "search_all": "/?" + urlencode(all_docs) + "#answer",
        "passages": shown,
        "refs": [v.passage.rank for v in shown if v.supports],
        "conflicts": [(c, views.conflict_sentence(c, docs)) for c in response.conflicts],
        "docs": docs,
        "base_url": base,
        "back": request.url.query,
        "json_url": "/?" + urlencode([*request.query_params.multi_items(), ("format", "json")]),
    }


@router.get("/")
def home(
    request: Request,
    service: ServiceDep,
    q: str | None = None,
    doc: Annotated[list[str] | None, Query()] = None,
    year_from: str | None = None,
    year_to: str | None = None,
    k: str | None = None,
    format: str | None = None,
) -> Response:
    """The question form; with ``q``, also the answer (so an answer can be shared as a link); ``format=json``:
    the answer as the API returns it."""
    form = {"q": q or "", "doc": doc or [], "year_from": year_from or "", "year_to": year_to or "", "k": k or "5"}
    response, errors = None, {}
    if q is not None:
        try:
            ask = AskRequest(question=q, doc_ids=doc or None, year_from=year_from or None,
                             year_to=year_to or None, top_k=k or 5)  # fmt: skip
            response = answer(service, ask)
        except (ValidationError, InvalidQueryError, UnknownDocumentError) as exc:
            errors = views.field_errors(exc)
    if format == "json":
        if errors:
            return _json_errors(errors)
        if response is None:
            return _json_errors({"q": ["Give a question: ?q=...&format=json"]})
        return JSONResponse(response.model_dump(mode="json"))
    context = {"form": form, "response": response, "errors": errors, "examples": EXAMPLES,
               "documents": service.documents(), "tab": "ask"}  # fmt: skip
    if response is not None:
        context["view"] = _answer_context(request, service, response, form)
    return templates.TemplateResponse(request, "index.html", context, status_code=422 if errors else 200)


@router.get("/search")
def search_page(
    request: Request, service: ServiceDep, q: str | None = None, k: str | None = None, format: str | None = None
) -> Response:
    """Ranked passages for a query (the page of ``GET /api/search``)."""
    form = {"q": q or "", "k": k or "10"}
    result, errors = None, {}
    if q is not None:
        try:
            top = _int_or_none(k, "k") or 10
            if not 1 <= top <= 50:
                raise InvalidQueryError(f"k must be between 1 and 50, not {top}")
            result = service.search(q, k=top)
        except InvalidQueryError as exc:
            text = str(exc)
            errors = {"k" if text.startswith("k ") else "q": [text[0].upper() + text[1:]]}
    if format == "json":
        if errors:
            return _json_errors(errors)
        if result is None:
            return _json_errors({"q": ["Give a query: ?q=...&format=json"]})
        return JSONResponse(result.model_dump(mode="json"))
    context = {"form": form, "result": result, "errors": errors, "tab": "search",
               "docs": {d.doc_id: d for d in service.documents()}, "base_url": str(request.base_url).rstrip("/"),
               "passages": views.passage_views(result.hits, None, False, search=True) if result else [],
               "json_url": "/search?" + urlencode([*request.query_params.multi_items(), ("format", "json")])}  # fmt: skip
    return templates.TemplateResponse(request, "search.html", context, status_code=422 if errors else 200)


@router.get("/documents")
def documents_page(request: Request, service: ServiceDep) -> HTMLResponse:
    """Every indexed document (and, with QA_UPLOADS=1, the upload form and what the last upload did)."""
    params = request.query_params
    upload = {"enabled": service.settings.uploads, "token": bool(service.settings.api_token),
              "uploaded": params.get("uploaded"), "note": params.get("note"), "error": params.get("error")}  # fmt: skip
    return templates.TemplateResponse(request, "documents.html", {"documents": service.documents(), "upload": upload})


def current_section(sections: list, offset: int | None) -> int | None:
    """Index of the innermost section holding ``offset`` (the section a citation lands in)."""
    if offset is None:
        return None
    holding = [i for i, sec in enumerate(sections) if sec.start <= offset < sec.end]
    return max(holding, key=lambda i: (sections[i].start, sections[i].level)) if holding else None


@router.get("/documents/{doc_id}")
def document_page(
    request: Request,
    doc_id: str,
    service: ServiceDep,
    start: str | None = None,
    end: str | None = None,
    back: Annotated[str | None, Query(alias="from")] = None,
) -> HTMLResponse:
    """One document's cleaned text, with [start:end] highlighted (``#hl``), its sections and tables; ``from``:
    the query of the answer that cited it (for the link back)."""
    try:
        detail = service.document(doc_id)
    except UnknownDocumentError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    s, e = _int_or_none(start, "start"), _int_or_none(end, "end")
    highlight = (s, e) if s is not None and e is not None and 0 <= s < e <= len(detail.text) else None
    bad_span = bool(start or end) and highlight is None
    anchors = {sec.start: f"sec-{i}" for i, sec in enumerate(detail.sections)}
    current = current_section(detail.sections, highlight[0] if highlight else None)
    context = {"doc": detail, "segments": segments(detail.text, anchors, highlight), "highlight": highlight,
               "bad_span": bad_span, "current": current, "back": "/?" + back + "#answer" if back else None}  # fmt: skip
    return templates.TemplateResponse(request, "document.html", context)


def _facts_filters(kind, entity, doc, year) -> dict:
    return {"kind": kind or None, "entity": entity or None, "doc_id": doc or None, "year": _int_or_none(year, "year")}


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
        page = service.facts(**_facts_filters(kind, entity, doc, year), offset=start, limit=FACTS_PER_PAGE)
    except (InvalidQueryError, UnknownDocumentError) as exc:
        errors = [str(exc)]
    query = urlencode({k: v for k, v in form.items() if v})
    context = {"form": form, "page": page, "errors": errors, "kinds": FACT_KINDS, "documents": service.documents(),
               "export_query": query}  # fmt: skip
    return templates.TemplateResponse(request, "facts.html", context, status_code=422 if errors else 200)


@router.get("/facts/export")
def facts_export(
    service: ServiceDep,
    format: str = "csv",
    kind: str | None = None,
    entity: str | None = None,
    doc: str | None = None,
    year: str | None = None,
) -> StreamingResponse:
    """Every fact matching the filters, streamed as CSV or JSON lines (``format=csv|jsonl``)."""
    if format not in export.FORMATS:
        raise InvalidQueryError(f"format must be one of {', '.join(export.FORMATS)}, not {format!r}")
    where = _facts_filters(kind, entity, doc, year)
    service.facts(**where, limit=1)  # bad filters fail here, before the response starts

    def fetch(offset: int, limit: int):
        return service.facts(**where, offset=offset, limit=limit)

    return StreamingResponse(
        export.serialise(export.all_facts(fetch), format),
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="facts.{format}"'},
    )
