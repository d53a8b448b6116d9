"""Settings: one pydantic-settings class, environment prefix ``QA_``.

Every field is documented in the README (a test checks it) and validated at
start-up, so a bad value fails early with a message that names it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration of the service."""

    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    corpus_dir: Path = Field(ROOT / "corpus", description="Folder of source documents and sources.json.")
    index_dir: Path = Field(ROOT / "index", description="Folder of the built index.")
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
    answerer: str = Field("learned", description="'learned' (the trained candidate ranker) or 'rules' (the old rules).")
    ranker_file: Path | None = Field(
        None, description="Trained ranker (JSON) to load; default: the one shipped in qa_service/answering/model/."
    )
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.embedder not in {"minilm", "minilm-onnx", "hash"}:
            raise ValueError(f"QA_EMBEDDER must be 'minilm', 'minilm-onnx' or 'hash', not {self.embedder!r}")
        if self.answerer not in {"learned", "rules"}:
            raise ValueError(f"QA_ANSWERER must be 'learned' or 'rules', not {self.answerer!r}")
        if self.confident_threshold < self.abstain_threshold:
            raise ValueError("QA_CONFIDENT_THRESHOLD must not be below QA_ABSTAIN_THRESHOLD")
        if self.chunk_overlap >= self.chunk_words:
            raise ValueError("QA_CHUNK_OVERLAP must be smaller than QA_CHUNK_WORDS")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
