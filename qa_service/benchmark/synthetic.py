"""Synthetic inputs for the benchmark, all made from the bundled corpus.

* ``corpus_sentences``: the real sentences of the corpus.
* ``make_queries``: paraphrase-ish questions from ``eval/questions.jsonl`` and corpus sentences.
* ``write_pdf_corpus``: a multi-page PDF corpus of reshuffled real sentences, for the ingest benchmark.
* ``VectorMixture``: clustered, normalised vectors around real embeddings, for the scale benchmark.

Everything is seeded, so two runs see the same inputs.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

_STOP = frozenset(
    "a an the of in on at to for and or but is are was were be been by with from as that this these those it its "
    "which who whom what when where how why do does did has have had not no than then there their they we our "
    "you your he she his her i also such into about between over under more most other some any each all can "
    "may will would should could per via".split()
)
# Light rewrites that keep a question's meaning: the embedder and BM25 see other words for the same thing.
_REWRITES = (
    (r"^How many\b", "What number of"),
    (r"^When\b", "In which year"),
    (r"^What is\b", "Tell me"),
    (r"^What was\b", "Which was"),
    (r"^Which\b", "What"),
    (r"\broughly\b", "approximately"),
    (r"\baccording to\b", "per"),
    (r"\bpaper\b", "article"),
    (r"\breport\b", "evaluation"),
    (r"\bgovernment\b", "state"),
)
_PREFIXES = ("", "In the documents, ", "Quick question: ", "Based on the sources, ")


class Query(NamedTuple):
    text: str
    kind: str  # eval | eval-rewrite | sentence-topic | sentence-cloze


class SyntheticCorpus(NamedTuple):
    path: Path
    documents: int
    pages: int
    words: int


def corpus_sentences(corpus_dir: Path, min_words: int = 5) -> list[str]:
    """The sentences of every readable document of ``corpus_dir``, in corpus order."""
    from qa_service.ingest import load_corpus
    from qa_service.text.sentences import sentence_spans

    docs, _errors = load_corpus(Path(corpus_dir))
    out = []
    for doc in docs:
        for s, e in sentence_spans(doc.text):
            text = " ".join(doc.text[s:e].split())
            if len(text.split()) >= min_words:
                out.append(text)
    return out


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w'-]+", text) if w.lower() not in _STOP and len(w) > 2]


def _rewrite(question: str, rng: random.Random) -> str:
    text = question
    for pattern, repl in rng.sample(_REWRITES, k=len(_REWRITES)):
        if re.search(pattern, text, flags=re.IGNORECASE):
            text = re.sub(pattern, repl, text, count=1, flags=re.IGNORECASE)
            break
    prefix = rng.choice(_PREFIXES)
    if prefix:
        text = prefix + text[0].lower() + text[1:]
    return text


def _topic_question(sentence: str, rng: random.Random) -> str:
    words = _content_words(sentence)
    picked = sorted(rng.sample(range(len(words)), k=min(len(words), rng.randint(3, 6))))
    return f"What do the documents say about {' '.join(words[i] for i in picked)}?"


def _cloze_question(sentence: str, rng: random.Random) -> str:
    words = sentence.rstrip(".").split()
    if len(words) > 16:
        start = rng.randint(0, len(words) - 12)
        words = words[start : start + 12]
    blank = rng.randrange(len(words))
    words[blank] = "what"
    return " ".join(words) + "?"


def make_queries(questions_path: Path, sentences: Sequence[str], n: int, seed: int = 13) -> list[Query]:
    """``n`` questions: the eval set's, light rewrites of them, and questions made from corpus sentences.

    A quarter come from the eval set (every other one rewritten), the rest alternate between a topic question
    ("What do the documents say about <3-6 content words of a sentence>?") and a cloze question (a span of a
    sentence with one word replaced by "what").
    """
    rng = random.Random(seed)
    path = Path(questions_path)
    questions = []
    if path.exists():
        questions = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    usable = [s for s in sentences if len(_content_words(s)) >= 3]
    if not questions and not usable:
        raise ValueError(f"no questions in {path} and no usable sentences to make queries from")
    out: list[Query] = []
    n_eval = (n // 4 if usable else n) if questions else 0
    for i in range(n_eval):
        q = questions[i % len(questions)]
        out.append(Query(_rewrite(q, rng), "eval-rewrite") if i % 2 else Query(q, "eval"))
    while len(out) < n:
        sentence = rng.choice(usable)
        if len(out) % 2:
            out.append(Query(_topic_question(sentence, rng), "sentence-topic"))
        else:
            out.append(Query(_cloze_question(sentence, rng), "sentence-cloze"))
    rng.shuffle(out)
    return out


def _pdf_safe(text: str) -> bool:
    # The standard PDF fonts encode cp1252 only (no Hangul); such sentences stay out of the PDFs.
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def write_pdf_corpus(
    dest: Path,
    sentences: Sequence[str],
    documents: int = 20,
    pages_per_document: int = 100,
    words_per_page: int = 300,
    seed: int = 7,
) -> SyntheticCorpus:
    """Write ``documents`` PDFs of ``pages_per_document`` pages of reshuffled ``sentences`` into ``dest``.

    Each page holds paragraphs of 3-6 sentences (about ``words_per_page`` words), a running header and a
    page number, like a real report; a ``sources.json`` gives each document a title and a year.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    pool = [s for s in sentences if _pdf_safe(s)]
    if not pool:
        raise ValueError("no sentences to build a synthetic corpus from")
    rng = random.Random(seed)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    width, height = A4
    margin, leading, chars_per_line = 56, 13, 95
    sources, total_words = [], 0
    for d in range(documents):
        doc_id = f"synthetic-{d + 1:03d}"
        canvas = Canvas(str(dest / f"{doc_id}.pdf"), pagesize=A4, pageCompression=1)
        canvas.setTitle(f"Synthetic cluster-policy report {d + 1}")
        for page in range(pages_per_document):
            canvas.setFont("Helvetica", 8)
            canvas.drawString(margin, height - 36, f"Synthetic cluster-policy report {d + 1}")
            canvas.drawCentredString(width / 2, 30, str(page + 1))
            canvas.setFont("Helvetica", 10)
            y, words = height - 64, 0
            while words < words_per_page and y > 60:
                paragraph = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 6)))
                for line in _wrap(paragraph, chars_per_line):
                    if y <= 60:
                        break
                    canvas.drawString(margin, y, line)
                    words += len(line.split())
                    y -= leading
                y -= leading // 2
            total_words += words
            canvas.showPage()
        canvas.save()
        sources.append(
            {
                "id": doc_id,
                "file": f"{doc_id}.pdf",
                "title": f"Synthetic cluster-policy report {d + 1}",
                "year": 2000 + d % 25,
                "kind": "synthetic PDF",
            }
        )
    (dest / "sources.json").write_text(json.dumps(sources, indent=1), encoding="utf-8")
    return SyntheticCorpus(dest, documents, documents * pages_per_document, total_words)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


class VectorMixture:
    """A mixture of ``centres`` Gaussian clusters on the unit sphere, its centres near real embeddings.

    Each centre is a random blend of two real embeddings (``seeds``) plus a little noise, so the clusters
    live where the model's vectors live; each cluster has its own spread. The noise is shaped like the
    seeds' own covariance (80% of its energy; the rest isotropic), since real embeddings vary along a few
    dominant directions rather than evenly in all of them. Samples are L2-normalised. Without seeds the
    centres are random directions and the noise is isotropic. Base vectors and queries are drawn from the
    same mixture with different generators, so no query is a base vector.
    """

    def __init__(
        self, dim: int, seeds: np.ndarray | None = None, centres: int = 4000, spread: float = 0.04, seed: int = 0
    ) -> None:
        if centres < 1:
            raise ValueError(f"centres must be >= 1, not {centres}")
        rng = np.random.default_rng(seed)
        if seeds is not None and len(seeds):
            seeds = np.asarray(seeds, dtype=np.float32)
            if seeds.shape[1] != dim:
                raise ValueError(f"seed vectors have dimension {seeds.shape[1]}, not {dim}")
            a = seeds[rng.integers(0, len(seeds), centres)]
            b = seeds[rng.integers(0, len(seeds), centres)]
            w = rng.uniform(0.5, 1.0, (centres, 1)).astype(np.float32)
            base = w * a + (1 - w) * b + rng.normal(0, spread, (centres, dim)).astype(np.float32)
            centred = seeds - seeds.mean(axis=0)
            _u, sv, vt = np.linalg.svd(centred, full_matrices=False)
            energy = sv**2 / max(float((sv**2).sum()), 1e-12)
            self.shape: np.ndarray | None = (vt * np.sqrt(energy)[:, None]).astype(np.float32)
        else:
            base = rng.normal(0, 1, (centres, dim)).astype(np.float32)
            self.shape = None
        self.centres = _unit(base)
        self.spreads = rng.uniform(0.5 * spread, 1.5 * spread, centres).astype(np.float32)
        self.weights = rng.dirichlet(np.full(centres, 2.0))
        self.dim = dim

    def sample(self, n: int, seed: int, batch: int = 100_000) -> np.ndarray:
        """``n`` normalised float32 vectors (generated in batches to bound the temporary memory)."""
        rng = np.random.default_rng(seed)
        out = np.empty((n, self.dim), dtype=np.float32)
        for i in range(0, n, batch):
            m = min(batch, n - i)
            which = rng.choice(len(self.centres), size=m, p=self.weights)
            noise = rng.standard_normal((m, self.dim), dtype=np.float32)
            if self.shape is not None:
                shaped = rng.standard_normal((m, len(self.shape)), dtype=np.float32) @ self.shape
                noise = np.sqrt(0.2) * noise + np.sqrt(0.8 * self.dim) * shaped
            out[i : i + m] = _unit(self.centres[which] + noise * self.spreads[which, None])
        return out


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)
