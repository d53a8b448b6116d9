"""The command line: ``qa-service ingest | serve | ask | search | facts | eval | bench``.

Thin commands over the core; each maps the project's errors to a one-line
message and a non-zero exit code. Heavy imports happen inside the commands so
``qa-service --help`` is instant.
"""

from qa_service.cli.app import app, main

__all__ = ["app", "main"]
