"""The streamed ingest (embed_pipeline.py): late pooling, the per-document cache and resuming an interrupted build."""

from __future__ import annotations

import numpy as np
import pytest

from qa_service.index import embed_pipeline
from qa_service.index.embed_pipeline import EmbedCache, plan_document, prepare_corpus
from qa_service.index.embedding import HashEmbedder
from qa_service.index.onnx_embedding import late_pool


def _tokenizer():
    from tokenizers import Tokenizer

    from qa_service.index.onnx_embedding import MAX_TOKENS, _tokenizer_path

    tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def _pooled_tokens(vector: np.ndarray) -> set[int]:
    return {int(i) for i in np.flatnonzero(np.abs(vector) > 1e-6)}


def test_late_pool_averages_the_tokens_inside_each_span_with_the_title_cls_and_sep():
    title = "Regional policy"
    text = f"{title}\nClusters grew fast. The ministry funded 12 hubs in 2007."
    enc = _tokenizer().encode(text)
    n = len(enc.ids)
    states = np.eye(n, dtype=np.float32)  # token k's state is the k-th axis: the mean shows which tokens it took
    prefix = len(title) + 1
    first = (prefix, text.index(".") + 1)
    second = (text.index("The"), len(text))
    out = late_pool(states, enc.offsets, [first, second], prefix)

    title_tokens = {k for k in range(1, n - 1) if enc.offsets[k][1] <= len(title)}
    assert [enc.tokens[k] for k in sorted(title_tokens)] == ["regional", "policy"]
    for (a, b), vector in zip([first, second], out, strict=True):
        inside = {k for k in range(1, n - 1) if a <= enc.offsets[k][0] < b}
        assert "".join(enc.tokens[k].removeprefix("##") for k in sorted(inside)).replace(" ", "") == (
            text[a:b].lower().replace(" ", "")
        )
        assert _pooled_tokens(vector) == {0, n - 1} | title_tokens | inside
        assert np.allclose(vector[sorted(_pooled_tokens(vector))], vector[0])  # an equal-weight mean
        assert np.isclose(np.linalg.norm(vector), 1.0)


def test_late_pool_leaves_a_span_that_truncation_cut_as_nan():
    text = "One short sentence here. " + "word " * 400 + "The last sentence."
    enc = _tokenizer().encode(text)
    assert enc.overflowing  # truncated to MAX_TOKENS
    states = np.eye(len(enc.ids), dtype=np.float32)
    kept, cut = (0, 24), (text.index("The last"), len(text))
    out = late_pool(states, enc.offsets, [kept, cut], truncated=True)
    assert not np.isnan(out[0]).any()
    assert np.isnan(out[1]).all()  # the caller embeds it on its own


KOREAN = (
    "포항 이차전지 특화단지 육성계획\n\n포항은 2023. 7. 20. 이차전지 국가첨단전략산업 특화단지로 지정되었다. "
    "입주 기업들은 2027년까지 총 12조 1,000억 원의 민간투자를 계획하고 있다. 국비 412억 원이 2024년 정부 예산에 "
    "반영되었다. 포항테크노파크가 사업단을 맡는다.\n"
)


@pytest.fixture(params=["fixture", "korean"])
def corpus_dir(request, fixture_settings, tmp_path):
    if request.param == "fixture":
        return fixture_settings.corpus_dir
    (tmp_path / "pohang.txt").write_text(KOREAN * 3, encoding="utf-8")
    return tmp_path


def test_the_pooled_spans_slice_each_sentence_out_of_its_chunk_text(fixture_settings, corpus_dir):
    """A Korean chunk's embedding text ends with its words in English and its names romanized: its sentences
    keep their offsets after the title."""
    from qa_service.index.chunking import chunk_document
    from qa_service.index.store import embedding_text, titled_text
    from qa_service.ingest import load_corpus

    docs, _errors = load_corpus(corpus_dir)
    cache = EmbedCache(None, HashEmbedder(), late=True)
    n_spans = 0
    for doc in docs:
        chunks = chunk_document(doc, fixture_settings.chunk_words, fixture_settings.chunk_overlap)
        p = plan_document(doc, chunks, cache, late=True)
        for text, spans, title in zip(p.texts, p.spans, p.prefixes, strict=True):
            if not spans:
                continue
            chunk = next(c for c in chunks if embedding_text(c) == text)
            shift = len(titled_text(chunk)) - len(chunk.text)  # the title embedding_text put before the chunk
            assert text[shift : shift + len(chunk.text)] == chunk.text
            if "포항" in chunk.text:
                assert {"pohang", "investment", "budget"} <= set(text[shift + len(chunk.text) :].split())
            assert text[:title] == (chunk.section or "")  # put before it, or the heading the chunk opens with
            for a, b in spans:
                n_spans += 1
                assert text[a:b] == doc.text[a - shift + chunk.start : b - shift + chunk.start]
        for u, pooled in enumerate(p.unit_pooled):  # every unit is either a text of its own or a pooled span
            assert (pooled >= 0) != (p.unit_rows[u] >= 0)
    assert n_spans > 0


def test_with_the_hashing_embedder_a_pooled_sentence_is_its_title_and_sentence_embedded_alone(fixture_settings):
    """The hashing embedder's token "states" add up exactly, so late pooling must give each sentence's own
    "title: sentence" vector wherever the chunk's title is the sentence's (and the sentence is not a piece of
    the heading itself, which pools to the title alone): this checks every offset end to end."""
    embedder = HashEmbedder()
    late = prepare_corpus(fixture_settings.corpus_dir, embedder, fixture_settings.chunk_words, 1)
    assert late.counts["texts_embedded"] < len(late.chunks) + len(late.units.chunk_index)
    from qa_service.index.evidence_units import build_units

    docs = {d.doc_id: d for d in late.docs}
    texts = build_units(late.chunks, docs).embed_texts
    alone = embedder.encode(texts)
    same = []
    for u, c in enumerate(late.units.chunk_index):
        chunk, start = late.chunks[c], int(late.units.start[u])
        inside_heading = chunk.text.startswith(chunk.section or "\0") and start < chunk.start + len(chunk.section)
        if docs[chunk.doc_id].section_at(start) == chunk.section and not inside_heading:
            same.append(u)
    assert len(same) > len(texts) // 2
    assert np.allclose(late.unit_vectors[same], alone[same], atol=1e-5)
    assert np.allclose(np.linalg.norm(late.unit_vectors, axis=1), 1.0, atol=1e-5)


def test_the_cache_key_changes_with_the_sentence_mode_the_model_and_the_texts(tmp_path):
    texts = ["Clusters grew fast.", "The ministry funded 12 hubs."]
    late, standalone = EmbedCache(tmp_path, HashEmbedder(), late=True), EmbedCache(tmp_path, HashEmbedder())
    assert late.key(texts) != standalone.key(texts)
    assert late.key(texts) == EmbedCache(tmp_path, HashEmbedder(), late=True).key(texts)
    assert late.key(texts) != EmbedCache(tmp_path, HashEmbedder(dim=128), late=True).key(texts)
    assert late.key(texts) != late.key(texts[:1])
    assert late.key(texts, "|0:[(0, 5)]") != late.key(texts)  # the pooled spans are part of the key
    assert late.spans_key(texts, [0, 20]) != late.spans_key(texts, [0, 21])


class _Crashing:
    """The hashing embedder, failing after ``calls`` calls: an ingest killed part way."""

    name, version, dim = HashEmbedder.name, HashEmbedder.version, 256

    def __init__(self, calls: int) -> None:
        self.inner, self.calls, self.texts = HashEmbedder(), calls, 0

    def encode(self, texts, batch_size=32, progress=False):
        return self.encode_spans(texts, None)[0]

    def encode_spans(self, texts, spans, prefixes=None, batch_size=32, progress=False):
        if self.calls == 0:
            raise KeyboardInterrupt
        self.calls -= 1
        self.texts += len(texts)
        return self.inner.encode_spans(texts, spans, prefixes)


def test_an_interrupted_ingest_resumes_from_the_cached_documents(fixture_settings, tmp_path, monkeypatch):
    monkeypatch.setattr(embed_pipeline, "EMBED_POOL", 1)  # one document a model call
    corpus, cache = fixture_settings.corpus_dir, tmp_path / "cache"
    whole = prepare_corpus(corpus, HashEmbedder(), fixture_settings.chunk_words, 1, None, spans=True)
    assert len(whole.docs) >= 2

    with pytest.raises(KeyboardInterrupt):
        prepare_corpus(corpus, _Crashing(calls=1), fixture_settings.chunk_words, 1, cache, spans=True)
    assert len(list(cache.glob("*.npy"))) == 1
    assert not list(cache.glob(".*"))  # written by rename: no half file

    resumed_embedder = _Crashing(calls=10)
    resumed = prepare_corpus(corpus, resumed_embedder, fixture_settings.chunk_words, 1, cache, spans=True)
    assert resumed.counts["documents_cached"] == 1
    assert 0 < resumed.counts["texts_embedded"] < whole.counts["texts_embedded"]
    assert resumed_embedder.texts == resumed.counts["texts_embedded"]
    assert np.allclose(resumed.chunk_vectors, whole.chunk_vectors)
    assert np.allclose(resumed.unit_vectors, whole.unit_vectors)
    assert resumed.spans.by_unit == whole.spans.by_unit

    again = prepare_corpus(corpus, _Crashing(calls=0), fixture_settings.chunk_words, 1, cache, spans=True)
    assert again.counts == {"texts_embedded": 0, "documents_cached": len(whole.docs)}  # nothing left to embed


def test_a_build_without_spans_keeps_the_cached_spans(fixture_settings, tmp_path):
    corpus, cache = fixture_settings.corpus_dir, tmp_path / "cache"
    prepare_corpus(corpus, HashEmbedder(), fixture_settings.chunk_words, 1, cache, spans=True)
    parsed = sorted(cache.glob("*.spans.json"))
    assert parsed
    prepare_corpus(corpus, HashEmbedder(), fixture_settings.chunk_words, 1, cache)  # the Milvus store's build
    assert sorted(cache.glob("*.spans.json")) == parsed


def test_a_span_inside_the_title_pools_to_the_title():
    text = "1. Introduction\n\nClusters grew fast."
    enc = _tokenizer().encode(text)
    states = np.eye(len(enc.ids), dtype=np.float32)
    inside, title = late_pool(states, enc.offsets, [(3, 15), (0, 15)], prefix=15)
    assert np.allclose(inside, title)
    assert not np.isnan(inside).any()


def test_parsing_each_distinct_sentence_once_gives_the_spans_of_parsing_every_unit(fixture_settings):
    from qa_service.index.spans import annotate, spans_of
    from qa_service.ingest import load_corpus
    from qa_service.text.nlp import nlp

    docs, _errors = load_corpus(fixture_settings.corpus_dir)
    prepared = prepare_corpus(fixture_settings.corpus_dir, HashEmbedder(), 20, 1)  # small chunks: overlap
    by_id = {d.doc_id: d for d in docs}
    texts, starts = [], []
    for u, c in enumerate(prepared.units.chunk_index):
        s, e = int(prepared.units.start[u]), int(prepared.units.end[u])
        texts.append(by_id[prepared.chunks[c].doc_id].text[s:e])
        starts.append(s)
    assert len(set(texts)) < len(texts)  # chunk overlap repeats sentences
    each = [spans_of(nlp()(t), s) for t, s in zip(texts, starts, strict=True)]
    assert annotate(texts, starts).by_unit == each


def test_a_consumer_that_stops_early_stops_its_reader_thread():
    import threading
    import time

    pulled = []

    def items():
        for i in range(100):
            pulled.append(i)
            yield i

    ahead = embed_pipeline._read_ahead(items(), 2)
    assert next(ahead) == 0
    ahead.close()  # what an error or an interrupt in the build does to the generator
    taken = len(pulled)
    time.sleep(0.2)
    assert len(pulled) == taken <= 4  # the reader takes nothing more once told to stop
    assert not [t for t in threading.enumerate() if t.name == "ingest-reader" and t.is_alive()]
