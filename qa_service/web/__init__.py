"""The web layer: FastAPI app factory, JSON API, HTML pages and error handlers (the core never imports it)."""

from qa_service.web.app import create_app, get_service

__all__ = ["create_app", "get_service"]
