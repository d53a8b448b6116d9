"""The evaluation set in BEIR's layout, for any IR toolkit (ir_datasets, pyserini, beir, ranx):

- ``corpus.jsonl``: one passage per line, ``{"_id": chunk_id, "title": document title, "text": chunk text}``;
- ``queries.jsonl``: ``{"_id": question id, "text": question}`` (answerable questions with evidence only);
- ``qrels/test.tsv``: ``query-id<TAB>corpus-id<TAB>score`` with a header; a chunk is relevant (score 1) when it
  holds the question's evidence quote, the same judgement as the eval's own retrieval metrics.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from qa_service.evaluation import metrics as m
from qa_service.evaluation.dataset import Question


def export_beir(service, questions: Sequence[Question], out_dir: Path) -> dict[str, Path]:
    """Write the corpus of ``service``'s index, the judged questions and their qrels to ``out_dir``."""
    out_dir = Path(out_dir)
    (out_dir / "qrels").mkdir(parents=True, exist_ok=True)
    chunks = service.index.chunks
    titles = {doc_id: doc.meta.title for doc_id, doc in service.index.documents.items()}
    evidence = {q.id: q.evidence for q in questions if q.answerable and q.evidence}
    qrels = m.build_qrels(((c.chunk_id, c.text) for c in chunks), evidence)
    paths = {
        "corpus": out_dir / "corpus.jsonl",
        "queries": out_dir / "queries.jsonl",
        "qrels": out_dir / "qrels" / "test.tsv",
    }
    with paths["corpus"].open("w", encoding="utf-8") as f:
        for c in chunks:
            row = {
                "_id": c.chunk_id,
                "title": titles.get(c.doc_id, ""),
                "text": c.text,
                "metadata": {"doc_id": c.doc_id},
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    judged = [q for q in questions if qrels.get(q.id)]
    with paths["queries"].open("w", encoding="utf-8") as f:
        for q in judged:
            f.write(
                json.dumps({"_id": q.id, "text": q.question, "metadata": {"type": q.type}}, ensure_ascii=False) + "\n"
            )
    with paths["qrels"].open("w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q in judged:
            for chunk_id, score in sorted(qrels[q.id].items()):
                f.write(f"{q.id}\t{chunk_id}\t{score}\n")
    return paths
