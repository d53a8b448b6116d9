"""The JSON API: thin routes over QAService (OpenAPI at /docs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from qa_service.errors import InvalidQueryError, UnknownDocumentError
from qa_service.schemas import (
    MAX_QUESTION_CHARS,
    AskRequest,
    AskResponse,
    DocumentDetail,
    DocumentSummary,
    FactKind,
    FactsPage,
    Filters,
    Health,
    SearchMode,
    SearchResponse,
)
from qa_service.service import QAService
from qa_service.web.app import ServiceDep
from qa_service.web.errors import error_responses

router = APIRouter(prefix="/api", tags=["api"])
health_router = APIRouter(tags=["health"])


def answer(service: QAService, request: AskRequest) -> AskResponse:
    """The one view of a question: the API returns it as JSON, the web page renders it."""
    if request.doc_ids and len(request.doc_ids) > len(service.index.documents):
        raise InvalidQueryError(
            f"doc_ids lists {len(request.doc_ids)} ids but the corpus has {len(service.index.documents)} documents"
        )
    filters = Filters(doc_ids=request.doc_ids, year_from=request.year_from, year_to=request.year_to)
    return service.ask(request.question, top_k=request.top_k, filters=filters)


def query_filters(
    doc_id: Annotated[list[str] | None, Query(description="Only this document id (repeatable).")] = None,
    year_from: Annotated[int | None, Query(ge=1000, le=3000, description="Only documents from this year on.")] = None,
    year_to: Annotated[int | None, Query(ge=1000, le=3000, description="Only documents up to this year.")] = None,
) -> Filters:
    """Filters from the query string, with the same checks (and 422 messages) as the JSON body's."""
    try:
        return Filters(doc_ids=doc_id or None, year_from=year_from, year_to=year_to)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
        ) from None


FiltersDep = Annotated[Filters, Depends(query_filters)]


@router.post("/ask", response_model=AskResponse, responses=error_responses(422, 503))
def ask(request: AskRequest, service: ServiceDep) -> AskResponse:
    """Answer a question with a short answer, its facts, cited passages and any conflicting sources."""
    return answer(service, request)


@router.get("/search", response_model=SearchResponse, responses=error_responses(422, 503))
def search(
    service: ServiceDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages (1-50).")] = 10,
    mode: Annotated[
        SearchMode,
        Query(
            description="full: BM25 and dense fused, then re-ranked by each passage's best evidence sentence; "
            "hybrid: BM25 and dense fused; bm25: lexical only; dense: embeddings only (the CLI's --mode)."
        ),
    ] = SearchMode.FULL,
) -> SearchResponse:
    """Ranked passages for a query, each with its evidence sentence and source."""
    return service.search(q, k=k, filters=filters, mode=mode.value)


@router.get("/facts", response_model=FactsPage, responses=error_responses(422, 503))
def facts(
    service: ServiceDep,
    kind: Annotated[FactKind | None, Query(description="Only facts of this kind.")] = None,
    entity: Annotated[str | None, Query(description="Any name or acronym of an entity.")] = None,
    doc_id: Annotated[str | None, Query(description="Only this document id.")] = None,
    year: Annotated[int | None, Query(ge=1000, le=3000, description="Facts about this year.")] = None,
    offset: Annotated[int, Query(ge=0, description="How many matching facts to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size (1-500).")] = 50,
) -> FactsPage:
    """The structured facts extracted from the corpus (figures, dates, programs, table cells), paged."""
    wanted = kind.value if kind else None
    return service.facts(kind=wanted, entity=entity, doc_id=doc_id, year=year, offset=offset, limit=limit)


@router.get("/documents", response_model=list[DocumentSummary], responses=error_responses(503))
def documents(service: ServiceDep) -> list[DocumentSummary]:
    """Every indexed document with its metadata and counts."""
    return service.documents()


@router.get("/documents/{doc_id}", response_model=DocumentDetail, responses=error_responses(404, 503))
def document(doc_id: str, service: ServiceDep) -> DocumentDetail:
    """One document: metadata, cleaned text (citation offsets index it), sections and tables."""
    try:
        return service.document(doc_id)
    except UnknownDocumentError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@health_router.get("/healthz", response_model=Health, responses=error_responses(503))
def healthz(service: ServiceDep) -> Health:
    """Liveness and the index manifest (model, corpus hash, counts)."""
    return service.health()


@health_router.head("/healthz", include_in_schema=False)
def healthz_head(service: ServiceDep) -> Response:
    """The same check without a body (load balancers and uptime probes send HEAD)."""
    return Response(status_code=200, media_type="application/json")
