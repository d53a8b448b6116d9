"""The FastAPI application: a thin shell around one QAService, built in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from qa_service import __version__
from qa_service.config import Settings, get_settings
from qa_service.errors import IndexDamagedError, IndexMismatchError, IndexMissingError, NLPModelMissing
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
        from qa_service.web.reload import IndexWatcher, repair

        config = settings or get_settings()
        watcher = None
        if app.state.service is None:  # a service passed in (tests) is never swapped
            try:
                app.state.service = await run_in_threadpool(QAService.open, config)
                await run_in_threadpool(app.state.service.warm_up)  # parse models load now, not on the first ask
            except IndexDamagedError as exc:
                if config.repair_index:
                    repair(app, config, exc)  # 503 until the rebuilt index is served
                else:
                    log.error("no usable index: %s", exc)
                    app.state.service_error = exc
            except (IndexMissingError, IndexMismatchError, NLPModelMissing) as exc:
                # Keep serving so /healthz and every route answer 503 with what to run.
                log.error("no usable index: %s", exc)
                app.state.service_error = exc
            if config.reload_interval > 0:
                watcher = app.state.index_watcher = IndexWatcher(app, config)
        task = asyncio.create_task(watcher.run()) if watcher else None
        try:
            yield
        finally:
            if task:
                task.cancel()

    # The routers import ServiceDep from this module.
    from qa_service.web import api, pages, uploads
    from qa_service.web.errors import install_error_handlers
    from qa_service.web.limits import BodyLimit, LoadShedding, SecurityHeaders

    limits = settings or (service.settings if service is not None else get_settings())

    # /docs and /redoc serve Swagger UI and ReDoc from the pinned fastapi-offline package, not a CDN.
    app = FastAPIOffline(
        title="qa-service",
        # Operation ids are the route functions' names ("ask", "search", "facts"), not FastAPI's "ask_api_ask_post".
        generate_unique_id_function=lambda route: route.name,
        version=__version__,
        description="Document-grounded question answering over Korean regional industrial-cluster policy "
        'documents. Every error is `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.',
        lifespan=lifespan,
    )
    # The last added runs first: security headers go on every response, shed and refused ones included.
    upload_bytes = getattr(limits, "max_upload_mb", 0) * 1024 * 1024
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes, limits={"/api/documents": upload_bytes})
    app.add_middleware(LoadShedding, max_in_flight=limits.max_in_flight)
    app.add_middleware(SecurityHeaders)
    app.state.service = service
    app.state.service_error = None
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(api.health_router)
    app.include_router(uploads.router)
    app.include_router(uploads.page_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
