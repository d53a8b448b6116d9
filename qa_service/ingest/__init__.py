"""Ingestion: files -> cleaned Documents with pages, sections and tables."""

from qa_service.ingest.corpus import corpus_files, corpus_hash, load_corpus, load_document, load_manifest

__all__ = ["corpus_files", "corpus_hash", "load_corpus", "load_document", "load_manifest"]
