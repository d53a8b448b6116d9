"""Settings: one pydantic-settings class, environment prefix ``QA_``.

Every field is documented in the README (a test checks it) and validated at
start-up, so a bad value fails early with a message that names it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The checkout (the folder above the package): where the repository's own tools find eval/ and the shipped files.
# The settings' paths do not use it: they are relative to the working directory, as the README says.
ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration of the service."""

    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    corpus_dir: Path = Field(
        Path("corpus"), description="Folder of source documents and sources.json (relative: to the working directory)."
    )
    index_dir: Path = Field(
        Path("index"), description="Folder of the built index (relative: to the working directory)."
    )
    embedder: str = Field(
        "minilm-onnx",
        description="Embedding backend: 'minilm' (sentence-transformers, torch), "
        "'minilm-onnx' (same model, int8 ONNX) or 'hash' (no model; tests only).",
    )
    embed_threads: int = Field(
        0,
        ge=0,
        le=64,
        description="Threads of one ONNX embedding call (minilm-onnx); 0 = all cores, shared out among the "
        "workers of `serve --workers N`.",
    )
    chunk_words: int = Field(120, ge=20, le=1000, description="Target chunk size in words.")
    chunk_overlap: int = Field(1, ge=0, le=5, description="Sentences shared by consecutive chunks.")
    top_k: int = Field(5, ge=1, le=50, description="Passages returned by default.")
    candidates: int = Field(30, ge=5, le=500, description="Candidates each retriever passes to fusion.")
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal rank fusion constant.")
    abstain_threshold: float = Field(
        0.25, ge=0.0, le=1.0, description="Confidence below which ask() answers 'not found'."
    )
    confident_threshold: float = Field(
        0.7, ge=0.0, le=1.0, description="Confidence at or above which an answer is shown as confident, not tentative."
    )
    answerer: str = Field(
        "learned", description="'learned' (the trained candidate ranker) or 'rules' (the hand-written rules)."
    )
    ranker_file: Path | None = Field(
        None, description="Trained ranker (JSON) to load; default: the one shipped in qa_service/answering/model/."
    )
    store: str = Field("faiss", description="'faiss' (the embedded FAISS + bm25s index) or 'milvus'.")
    milvus_uri: str = Field(
        "milvus.db",
        description="Milvus to use with QA_STORE=milvus: a local path ending in .db (Milvus Lite; relative to the "
        "working directory) or http://host:19530.",
    )
    milvus_token: str = Field("", description="Milvus token ('user:password' or an API key); empty for none.")
    milvus_collection: str = Field("qa", description="Name (alias) of the served index's collections on Milvus.")
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    uploads: bool = Field(
        False, description="Accept new documents (POST/DELETE /api/documents and the upload form); off by default."
    )
    api_token: str | None = Field(
        None,
        description="Bearer token that uploads and deletions must send; required when the server listens beyond "
        "loopback.",
    )
    max_upload_mb: int = Field(20, ge=1, le=1024, description="Largest upload accepted, in MB.")
    # Server limits: each bounds what one client can make the server hold (memory, sockets, threads, time).
    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=1 << 30, description="Largest request body (uploads excepted), checked before parsing."
    )
    max_header_bytes: int = Field(16_384, ge=1024, le=1 << 20, description="Largest request line and headers.")
    header_timeout: float = Field(
        10.0, gt=0, le=600, description="Seconds a connection may take to send a request's headers (idle ones too)."
    )
    body_timeout: float = Field(30.0, gt=0, le=3600, description="Seconds a client may take to send a request body.")
    keepalive_timeout: int = Field(5, ge=1, le=600, description="Seconds an idle kept-alive connection stays open.")
    max_connections: int = Field(
        512, ge=1, le=100_000, description="Open connections (and tasks) beyond which uvicorn answers 503."
    )
    max_in_flight: int = Field(
        64, ge=1, le=10_000, description="Requests processed at once; more are shed with 503 and Retry-After."
    )
    reload_interval: float = Field(
        2.0, ge=0, le=3600, description="Seconds between checks for a newly built index to swap in; 0 = never."
    )
    repair_index: bool = Field(
        True, description="Rebuild a damaged index from the corpus in the background when the server starts."
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.embedder not in {"minilm", "minilm-onnx", "hash"}:
            raise ValueError(f"QA_EMBEDDER must be 'minilm', 'minilm-onnx' or 'hash', not {self.embedder!r}")
        if self.answerer not in {"learned", "rules"}:
            raise ValueError(f"QA_ANSWERER must be 'learned' or 'rules', not {self.answerer!r}")
        if self.confident_threshold < self.abstain_threshold:
            raise ValueError("QA_CONFIDENT_THRESHOLD must not be below QA_ABSTAIN_THRESHOLD")
        if self.store not in {"faiss", "milvus"}:
            raise ValueError(f"QA_STORE must be 'faiss' or 'milvus', not {self.store!r}")
        if not re.match(r"^(https?|tcp|grpc|unix)://\S+$", self.milvus_uri) and not self.milvus_uri.endswith(".db"):
            raise ValueError(
                f"QA_MILVUS_URI must be a local path ending in .db (Milvus Lite) or a URL such as "
                f"http://host:19530, not {self.milvus_uri!r}"
            )
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", self.milvus_collection):
            raise ValueError(f"QA_MILVUS_COLLECTION must be letters, digits and _, not {self.milvus_collection!r}")
        if self.chunk_overlap >= self.chunk_words:
            raise ValueError("QA_CHUNK_OVERLAP must be smaller than QA_CHUNK_WORDS")
        if self.uploads and not self.api_token and not is_loopback(self.host):
            raise ValueError(f"QA_UPLOADS=1 with QA_HOST={self.host} (beyond loopback) needs QA_API_TOKEN")
        return self


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or name (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
