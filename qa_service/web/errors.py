"""Exception handlers: the project's errors -> HTTP status codes.

Every JSON error has FastAPI's validation shape, so a client reads one format:
``{"detail": [{"loc": [...], "msg": "what to fix", "type": "..."}]}``.
Paths under ``/api`` and ``/healthz`` get JSON; the HTML pages get a small HTML page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa_service.errors import IndexMismatchError, IndexMissingError, InvalidQueryError, UnknownDocumentError

log = logging.getLogger(__name__)


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """The body of every JSON error (the same shape as FastAPI's 422)."""

    detail: list[ErrorItem]


def error_responses(*codes: int) -> dict[int | str, dict]:
    """OpenAPI ``responses=`` entries for the given status codes."""
    text = {
        404: "Unknown document or path.",
        422: "Invalid request, or a body that is not JSON (`type` json_invalid): each item's `msg` says what to fix.",
        503: "The index is missing or was built with another model or corpus.",
    }
    return {code: {"model": ErrorResponse, "description": text[code]} for code in codes}


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path == "/healthz" or path.startswith("/openapi")


def error_body(msg: str, type_: str, loc: list[str | int] | None = None) -> dict:
    return {"detail": [{"loc": loc or [], "msg": msg, "type": type_}]}


def _respond(request: Request, status: int, msg: str, type_: str, loc: list[str | int] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(msg, type_, loc), status_code=status)
    from qa_service.web.pages import render_error  # late: the pages import the API, which imports this module

    return render_error(request, status, msg)


def _filter_loc(request: Request) -> list[str | int]:
    # The ask form posts ``doc_ids`` in its body; the GET endpoints take ``doc_id`` in the query.
    return ["body", "doc_ids"] if request.method == "POST" else ["query", "doc_id"]


async def _invalid_query(request: Request, exc: Exception) -> Response:
    return _respond(request, 422, str(exc), "invalid_query", ["body" if request.method == "POST" else "query"])


async def _unknown_document(request: Request, exc: Exception) -> Response:
    return _respond(request, 422, str(exc), "unknown_document", _filter_loc(request))


async def _no_index(request: Request, exc: Exception) -> Response:
    log.warning("service unavailable: %s", exc)
    response = _respond(request, 503, str(exc), "index_unavailable")
    if "being rebuilt" in str(exc):  # a damaged index repairing itself (qa_service/web/reload.py): worth a retry
        response.headers["Retry-After"] = "5"
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI could not decode the body (not UTF-8): an invalid body like any other, so the same documented
        # 422 as a body that is not JSON, not a 400 the OpenAPI schema would have to carry too.
        msg = f'{exc.detail}: send a UTF-8 JSON object such as {{"question": "..."}}'
        return _respond(request, 422, msg, "json_invalid", ["body"])
    if exc.status_code == 404 and exc.detail == "Not Found":
        msg = f"no such page: {request.method} {request.url.path}; see /docs for the API"
    else:
        msg = str(exc.detail)
    response = _respond(request, exc.status_code, msg, "not_found" if exc.status_code == 404 else "http_error")
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _message(error: dict) -> str:
    msg = error.get("msg", "invalid value")
    if error.get("type") == "json_invalid":  # a body that is not JSON is a 422 like any other invalid body
        return f'{msg}: send a UTF-8 JSON object such as {{"question": "..."}}'
    return msg


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": _message(e), "type": e.get("type", "value_error")} for e in exc.errors()
    ]
    if wants_json(request):
        return JSONResponse(jsonable_encoder({"detail": errors}), status_code=422)
    from qa_service.web.pages import render_error

    return render_error(request, 422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))


async def _unexpected(request: Request, exc: Exception) -> Response:
    from qa_service.web.limits import security_headers

    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    response = _respond(request, 500, "internal error; the server log has the details", "internal_error")
    # Sent by Starlette's outermost middleware, past SecurityHeaders: the headers are set here.
    for key, value in security_headers(request.url.path):
        response.headers.setdefault(key.decode("latin-1"), value.decode("latin-1"))
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InvalidQueryError, _invalid_query)
    app.add_exception_handler(UnknownDocumentError, _unknown_document)
    app.add_exception_handler(IndexMissingError, _no_index)
    app.add_exception_handler(IndexMismatchError, _no_index)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
