"""The pre-embedding stages grow linearly: lookups by offset bisect, and give what the old scans gave."""

from __future__ import annotations

import itertools
import random
import time

from qa_service.cli.common import ProgressLog
from qa_service.facts import _ChunkFinder
from qa_service.index.chunking import chunk_document
from qa_service.records import Chunk, Document, DocumentMeta, Page, Section


def _page_scan(doc: Document, offset: int) -> int | None:  # the old linear scan, as the reference
    for page in doc.pages:
        if page.start <= offset < page.end or (offset == page.end == len(doc.text)):
            return page.number
    return None


def _section_scan(doc: Document, offset: int) -> str | None:
    current = None
    for section in doc.sections:
        if section.start > offset:
            break
        current = section.title
    return current


def _doc(rng: random.Random, n: int = 300) -> Document:
    text = "x" * (n * 10)
    cuts = sorted(rng.sample(range(1, len(text)), n))
    bounds = [0, *cuts, len(text)]
    pages = tuple(Page(i + 1, a, b - rng.randint(0, 1)) for i, (a, b) in enumerate(itertools.pairwise(bounds)))
    heads = sorted(rng.sample(range(len(text)), n // 3))
    sections = tuple(Section(f"s{i}", s, s + 5) for i, s in enumerate(heads))
    if rng.random() < 0.5:  # out of order, as nothing promises they are sorted
        sections = tuple(rng.sample(sections, len(sections)))
    return Document(DocumentMeta("d", "D", "d.txt"), text, pages, sections)


def test_page_and_section_lookups_agree_with_the_scans():
    rng = random.Random(3)
    for _ in range(20):
        doc = _doc(rng)
        for offset in [*rng.sample(range(len(doc.text) + 1), 200), 0, len(doc.text)]:
            assert doc.page_at(offset) == _page_scan(doc, offset), offset
            assert doc.section_at(offset) == _section_scan(doc, offset), offset


def _finder_scan(chunks, start, end):  # the old _ChunkFinder.find, as the reference
    ordered = sorted(chunks, key=lambda c: (c.kind != "text", c.start))
    text = [c for c in ordered if c.kind == "text"]
    before = [c for c in text if c.start <= start]
    for c in before:
        if end <= c.end:
            return c.chunk_id
    for c in (c for c in ordered if c.kind != "text"):
        if c.start <= start and end <= c.end:
            return c.chunk_id
    for c in before:
        if start < c.end:
            return c.chunk_id
    return None


def test_the_chunk_of_a_fact_is_found_as_the_scan_found_it():
    rng = random.Random(5)
    for _ in range(30):
        chunks, pos = [], 0
        for i in range(40):
            start = max(0, pos - rng.randint(0, 30))
            end = start + rng.randint(5, 120)
            kind = "table" if rng.random() < 0.15 else "text"
            chunks.append(Chunk(f"c{i}", "d", start, end, "", kind=kind))
            pos = end
        finder = _ChunkFinder(chunks)
        for _ in range(200):
            s = rng.randint(0, pos)
            e = s + rng.randint(1, 40)
            assert finder.find(s, e) == _finder_scan(chunks, s, e), (s, e)


def test_chunking_time_grows_linearly_with_the_number_of_sections():
    def doc(n: int) -> Document:
        parts, sections, pos = [], [], 0
        for i in range(n):
            head = f"Part {i}\n"
            body = "The cluster grew. It hosts firms and labs. " * 3 + "\n"
            sections.append(Section(f"Part {i}", pos, pos + len(head) + len(body)))
            parts += [head, body]
            pos += len(head) + len(body)
        return Document(DocumentMeta("d", "D", "d.txt"), "".join(parts), sections=tuple(sections))

    def seconds(n: int) -> float:
        d = doc(n)
        t0 = time.perf_counter()
        chunk_document(d, 60, 1)
        return time.perf_counter() - t0

    small, large = min(seconds(2000) for _ in range(2)), min(seconds(8000) for _ in range(2))
    assert large < 12 * small, (small, large)  # 4x the sections: ~4x the time (the old scans: ~16x)


def test_progress_is_a_line_every_few_seconds_with_counts_and_rate():
    now = [0.0]
    lines: list[str] = []
    progress = ProgressLog(lines.append, every=5.0, clock=lambda: now[0])
    for i in range(1, 101):
        now[0] = i * 0.2  # 20 s in all
        progress("read+embed", i, 100)
    assert 3 <= len(lines) <= 5
    assert lines[0] == "ingest: read+embed 25/100 documents (5.0/s)"


def test_claims_take_what_a_scan_of_every_claimed_span_takes():
    from qa_service.facts.base import Claims, Found

    rng = random.Random(9)
    for _ in range(50):
        claims, taken = Claims(), []
        # Families claim in text order one after another; a few claims out of order too.
        spans = [s for _ in range(5) for s in sorted(rng.sample(range(2000), 60))] + rng.sample(range(2000), 40)
        for s in spans:
            found = Found("count", s, s + rng.randint(1, 15))
            expected = not any(a < found.end and found.start < b for a, b in taken)
            assert claims.claim(found) == expected
            if expected:
                taken.append((found.start, found.end))
        assert len(claims) == len(taken)


def test_claims_time_grows_linearly_with_the_number_of_facts():
    from qa_service.facts.base import Claims, Found

    def seconds(n: int) -> float:
        rng = random.Random(1)
        families = [sorted(rng.sample(range(0, n * 100, 7), n // 7)) for _ in range(7)]
        spans = [Found("count", s, s + 5) for family in families for s in family]
        claims = Claims()
        t0 = time.process_time()
        for found in spans:
            claims.claim(found)
        return time.process_time() - t0

    small, large = min(seconds(25_000) for _ in range(2)), min(seconds(100_000) for _ in range(2))
    # 4x the facts: ~5x the time (log factors); a sorted list with insert: ~16x.
    assert large < 9 * small, (small, large)


def test_facts_of_a_document_grow_linearly_with_its_size():
    from qa_service.facts import find_all
    from qa_service.text.aliases import mine_aliases

    rng = random.Random(2)
    sentences = [
        "The Daejeon Regional Innovation Agency (DRIA) funded 43 project teams in 2004.",
        "The Ministry of Commerce, Industry and Energy (MCIE) spent 12.5 billion won on the program.",
        "About 61% of the 850 firms were small, covering 2.3 km2 with 12,000 residents.",
        "From 2005 to 2008 the Regional Research Center (RRC) hired 120 researchers.",
        "Cluster Plan",  # a heading-like line: a definition after it must not grow the alias table
    ]

    def text(n: int) -> str:
        # Heading lines juxtaposed with definitions made the alias table grow with the text.
        return "\n".join(rng.choice(sentences) + (f" Part {i}" if i % 7 == 0 else "") for i in range(n))

    def seconds(n: int) -> float:
        t = text(n)
        aliases = mine_aliases([t])
        t0 = time.process_time()
        find_all(t, aliases)
        return time.process_time() - t0

    small, large = min(seconds(1000) for _ in range(2)), min(seconds(4000) for _ in range(2))
    assert large < 7 * small, (small, large)  # 4x the text: ~4x the time (a quadratic step: ~16x)


def test_lists_of_abbreviations_are_read_in_time_linear_in_the_text():
    from qa_service.text.aliases import _glossary_rows

    def timed(n: int) -> float:
        text = "ERDF\tEuropean Regional Development Fund\nA line of running text.\n" * n
        t0 = time.perf_counter()
        rows = list(_glossary_rows(text))
        assert len(rows) == n
        return time.perf_counter() - t0

    small, large = min(timed(2_000) for _ in range(2)), min(timed(8_000) for _ in range(2))
    assert large < 12 * small, (small, large)  # 4x the rows: ~4x the time (counting lines from the start: ~16x)
