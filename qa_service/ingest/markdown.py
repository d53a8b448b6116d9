"""Markdown -> cleaned text and sections, parsed with markdown-it-py (CommonMark plus pipe tables).

The cleaned text keeps the document's shape without its markup: a ``#`` heading is a line of its own
and a section (its level from the number of ``#``), a paragraph is one line (soft breaks become
spaces), a list item is a ``- `` or ``1. `` line (indented by depth), a pipe table is tab-separated
rows (so :func:`qa_service.ingest.structure.find_tables` makes a Table of it, header and all), a code
block is kept verbatim. Emphasis, links and images leave their text; raw HTML leaves nothing.
Every offset of the index refers to this text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa_service.ingest.cleaning import normalise
from qa_service.records import Section

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HTML_TAG = re.compile(r"<[^>]+>")


@dataclass
class _Out:
    parts: list[str] = field(default_factory=list)
    length: int = 0
    headings: list[tuple[int, str, int]] = field(default_factory=list)  # (start, title, level)

    def block(self, text: str, tight: bool = False) -> int:
        """Append a block (after a blank line, or a line break when ``tight``); return where it starts."""
        if self.parts:
            sep = "\n" if tight else "\n\n"
            self.parts.append(sep)
            self.length += len(sep)
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start


def _inline(token) -> str:
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(child.content or "".join(c.content for c in child.children or []))
    return re.sub(r"[ \t]+", " ", "".join(out)).strip()


def markdown_text(raw: str) -> tuple[str, tuple[Section, ...]]:
    """The cleaned text of a Markdown document and its ``#`` sections."""
    from markdown_it import MarkdownIt

    source = _FRONT_MATTER.sub("", normalise(raw))
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    out = _Out()
    lists: list[list[int | str]] = []  # per open list: [its next number, or "-"]
    last_item = False  # the output ends in a list item (the next item goes on the next line)
    pending: str | None = None  # the marker of a list item whose first paragraph is still to come
    row: list[str] | None = None
    in_table_rows = 0
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1) if kind == "ordered_list_open" else "-"
            lists.append([start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            last_item = bool(lists)
        elif kind == "list_item_open":
            current = lists[-1]
            marker = "-" if current[0] == "-" else f"{current[0]}."
            if current[0] != "-":
                current[0] = int(current[0]) + 1
            pending = "  " * (len(lists) - 1) + marker + " "
        elif kind == "list_item_close" and pending is not None:
            out.block(pending.rstrip(), tight=last_item)  # an empty item
            pending, last_item = None, True
        elif kind == "inline" and row is not None:
            row.append(_inline(token).replace("\t", " "))
        elif kind == "inline":
            text = _inline(token).replace("\t", " ")
            if heading_level:
                start = out.block(text)
                out.headings.append((start, text, heading_level))
                heading_level = 0
            elif pending is not None:
                out.block(pending + text, tight=last_item)
                pending, last_item = None, True
            elif text:
                out.block(text, tight=bool(lists))
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            out.block("\t".join(row), tight=in_table_rows > 0)
            in_table_rows += 1
            row = None
        elif kind == "table_close":
            in_table_rows = 0
        elif kind in ("fence", "code_block"):
            code = token.content.rstrip("\n").replace("\t", "    ")
            if code.strip():
                out.block(code)
        elif kind == "html_block":
            text = _HTML_TAG.sub("", token.content).strip()
            if text:
                out.block(re.sub(r"\s+", " ", text))
    text = "".join(out.parts)
    sections = tuple(
        Section(title=title, start=start, end=out.headings[n + 1][0] if n + 1 < len(out.headings) else len(text),
                level=level)
        for n, (start, title, level) in enumerate(out.headings)
    )  # fmt: skip
    return text, sections
