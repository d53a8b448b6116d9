"""Reference lists and front matter yield no facts: their years and numbers never answer a question."""

from __future__ import annotations

import json
from pathlib import Path

from qa_service.facts import extract_facts
from qa_service.index.chunking import chunk_document, is_evidence
from qa_service.ingest.corpus import CorpusFile, load_document

PAPER = Path(__file__).resolve().parent / "fixtures" / "references" / "paper.txt"


def _paper():
    doc = load_document(CorpusFile(PAPER, "paper"))
    return doc, chunk_document(doc, target_words=40, overlap=0)


def test_no_fact_comes_from_the_reference_list_and_the_content_keeps_its_facts():
    doc, chunks = _paper()
    (refs,) = [r for r in doc.regions if r.kind == "references"]
    assert "Porter, M. (1990)" in doc.text[refs.start : refs.end]
    facts = extract_facts(doc, chunks)
    assert facts, "the content has facts"
    assert not [f for f in facts if f.start < refs.end and f.end > refs.start]
    texts = {f.text for f in facts}
    assert {"43 project teams", "120 patents", "900 engineers"} <= texts
    assert not texts & {"1990", "1-20", "855 pp", "37 regions", "240 pages"}
    # The reference list is still there to read and cite, in chunks that are never evidence.
    ref_chunks = [c for c in chunks if c.start >= refs.start and c.end <= refs.end]
    assert ref_chunks and all(not is_evidence(c) and doc.text[c.start : c.end] == c.text for c in ref_chunks)
    assert {f.chunk_id for f in facts} <= {c.chunk_id for c in chunks if is_evidence(c)}


def test_the_built_index_and_the_service_give_no_fact_from_references(tmp_path):
    import shutil

    from qa_service.config import Settings
    from qa_service.index.embedding import HashEmbedder
    from qa_service.index.store import build_index, index_folder
    from qa_service.service import QAService

    corpus = tmp_path / "corpus"
    shutil.copytree(PAPER.parent, corpus)
    build_index(corpus, tmp_path / "index", HashEmbedder(), chunk_words=40)
    chunks = {}
    for line in (index_folder(tmp_path / "index") / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        chunks[row["chunk_id"]] = row["kind"]
    assert "references" in chunks.values()  # the list is indexed, as a not-content chunk
    facts = [json.loads(line) for line in (index_folder(tmp_path / "index") / "facts.jsonl").open(encoding="utf-8")]
    assert facts and all(chunks[f["chunk_id"]] in ("text", "table") for f in facts)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash", chunk_words=40)
    svc = QAService.open(settings, HashEmbedder())
    years = {f.text for f in svc.facts(kind="date", limit=100).items}
    assert "2004" in years and not years & {"1990", "2005", "2009", "2011"}
