"""The FastAPI application: a thin shell around one QAService, built in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from qa_service import __version__
from qa_service.config import Settings, get_settings
from qa_service.errors import IndexMismatchError, IndexMissingError
from qa_service.service import QAService

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"


def get_service(request: Request) -> QAService:
    """The app's one service (tests override this dependency)."""
    service = request.app.state.service
    if service is None:
        error = request.app.state.service_error
        # A fresh exception per request: re-raising one instance would grow its traceback forever.
        raise type(error)(str(error)) if error else IndexMissingError("the service has not started yet")
    return service


ServiceDep = Annotated[QAService, Depends(get_service)]


def create_app(service: QAService | None = None, settings: Settings | None = None) -> FastAPI:
    """The app over ``service``, or over ``QAService.open(settings)`` built once at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.service is None:
            try:
                app.state.service = await run_in_threadpool(QAService.open, settings or get_settings())
            except (IndexMissingError, IndexMismatchError) as exc:
                # Keep serving so /healthz and every route answer 503 with what to run.
                log.error("no usable index: %s", exc)
                app.state.service_error = exc
        yield

    # The routers import ServiceDep from this module.
    from qa_service.web import api, pages
    from qa_service.web.errors import install_error_handlers

    app = FastAPI(
        title="qa-service",
        version=__version__,
        description="Document-grounded question answering over Korean regional industrial-cluster policy "
        'documents. Every error is `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.',
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.service_error = None
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(api.health_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
