"""Uploads and deletions: ``POST /api/documents``, ``DELETE /api/documents/{doc_id}`` and the documents page's form.

Off unless ``QA_UPLOADS=1``. With ``QA_API_TOKEN`` set every change needs ``Authorization: Bearer <token>``
(the form sends it as a field); without one, changes are taken only from loopback clients of a server
bound to loopback. The size limit (``QA_MAX_UPLOAD_MB``) is checked on ``Content-Length`` before the body
is parsed, and again on the bytes read. The service does the rest (type by content, safe name,
incremental indexing, atomic publication); this module swaps the app's service for the new one, under a
lock, so requests already running finish on the old index and new ones see the new.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from qa_service.config import is_loopback
from qa_service.errors import IngestError, UnknownDocumentError, UploadRejectedError
from qa_service.schemas import UploadResponse
from qa_service.service import QAService
from qa_service.web.app import get_service
from qa_service.web.errors import error_responses

router = APIRouter(prefix="/api", tags=["api"])
page_router = APIRouter(include_in_schema=False)
_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small fields beside the file
_META_FIELDS = ("title", "author", "year", "kind", "note")
_swap_guard = threading.Lock()


def _swap_lock(request: Request) -> threading.Lock:
    with _swap_guard:
        lock = getattr(request.app.state, "swap_lock", None)
        if lock is None:
            lock = request.app.state.swap_lock = threading.Lock()
        return lock


def swap_service(request: Request, change: Callable[[QAService], tuple[QAService, Any]]) -> Any:
    """Apply ``change`` to the app's current service and serve the service it returns (one change at a time)."""
    with _swap_lock(request):
        new, result = change(get_service(request))
        request.app.state.service = new
    return result


def check_allowed(request: Request, service: QAService, form_token: str | None = None) -> None:
    """Refuse a change when uploads are off, or the token is missing or wrong."""
    settings = service.settings
    if not settings.uploads:
        raise HTTPException(403, "uploads are off on this server (set QA_UPLOADS=1 to turn them on)")
    sent = form_token or ""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        sent = header[7:].strip()
    if settings.api_token:
        if not hmac.compare_digest(sent.encode(), settings.api_token.encode()):
            raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        return
    client = request.client.host if request.client else ""
    if not (is_loopback(settings.host) and is_loopback(client)):
        raise HTTPException(401, "set QA_API_TOKEN: changes from beyond loopback need a bearer token")


def check_length(request: Request, limit_mb: int) -> None:
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411, "send the file with a Content-Length (chunked uploads are not taken)")
    if not length.isdigit() or int(length) > limit_mb * 1024 * 1024 + _FORM_OVERHEAD:
        raise HTTPException(413, f"the upload is larger than {limit_mb} MB (QA_MAX_UPLOAD_MB)")


async def read_upload(request: Request, limit_mb: int) -> tuple[bytes, str | None, dict[str, Any], str | None]:
    """The file's bytes, its client name, its metadata fields and a token field, from a multipart form."""
    try:
        form = await request.form(max_files=1, max_fields=len(_META_FIELDS) + 2)
    except Exception as exc:  # a malformed multipart body
        raise HTTPException(422, f"send multipart/form-data with a 'file' field ({exc})") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "send multipart/form-data with a 'file' field holding the document")
    limit = limit_mb * 1024 * 1024
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"the upload is larger than {limit_mb} MB (QA_MAX_UPLOAD_MB)")
    metadata: dict[str, Any] = {}
    for key in _META_FIELDS:
        value = form.get(key)
        if isinstance(value, str) and value.strip():
            metadata[key] = int(value) if key == "year" and value.strip().isdigit() else value.strip()
    token = form.get("token")
    return data, upload.filename, metadata, token if isinstance(token, str) else None


async def _upload(request: Request, from_form: bool) -> tuple[str, bool, QAService]:
    service = get_service(request)
    check_length(request, service.settings.max_upload_mb)
    data, name, metadata, token = await read_upload(request, service.settings.max_upload_mb)
    if from_form:  # the form's token arrives in the body; the API's header was checked before reading it
        check_allowed(request, service, token)
    try:
        result = await run_in_threadpool(
            swap_service, request, lambda svc: svc.with_files([(data, name, metadata or None)])
        )
    except UploadRejectedError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    except IngestError as exc:
        raise HTTPException(422, f"the file cannot be read: {exc.reason}") from None
    doc_id, duplicate = result[0]
    return doc_id, duplicate, get_service(request)


def _summary(service: QAService, doc_id: str):
    return next(d for d in service.documents() if d.doc_id == doc_id)


@router.post(
    "/documents",
    response_model=UploadResponse,
    status_code=201,
    responses=error_responses(422, 503) | {200: {"description": "The same file was indexed already."}},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            **{k: {"type": "string"} for k in _META_FIELDS},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def upload_document(request: Request) -> Response:
    """Add a .txt, .md or .pdf file (multipart field ``file``; optional ``title``, ``author``, ``year``, ``kind``,
    ``note``). Its type is read from its content; it is indexed at once and served without a restart."""
    check_allowed(request, get_service(request))  # before reading a byte of the body
    doc_id, duplicate, service = await _upload(request, from_form=False)
    body = UploadResponse(doc_id=doc_id, duplicate=duplicate, document=_summary(service, doc_id))
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if duplicate else 201)


@router.delete("/documents/{doc_id}", status_code=204, responses=error_responses(404, 503))
async def delete_document(doc_id: str, request: Request) -> Response:
    """Remove a document from the corpus folder and the index."""
    check_allowed(request, get_service(request))
    try:
        await run_in_threadpool(swap_service, request, lambda svc: (svc.without_document(doc_id), None))
    except UnknownDocumentError as exc:
        raise HTTPException(404, str(exc)) from None
    except UploadRejectedError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return Response(status_code=204)


@page_router.post("/documents")
async def upload_form(request: Request) -> Response:
    """The documents page's form: upload, then back to the list with the new document named."""
    try:
        doc_id, duplicate, _service = await _upload(request, from_form=True)
    except HTTPException as exc:
        return RedirectResponse(f"/documents?error={quote(str(exc.detail))}", status_code=303)
    note = "already there" if duplicate else "added"
    return RedirectResponse(f"/documents?uploaded={quote(doc_id)}&note={note}", status_code=303)
