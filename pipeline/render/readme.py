"""Pure: Catalog -> README.md text (the awesome list), keeping the hand-written parts of the old one.

The README has three parts: the curator's intro, the generated block between the BEGIN and END
marker lines, and the curator's outro. Only the block is ours; the intro and outro are copied byte
for byte, so a sync never touches them. The block holds "## Contents" (each section with its entry
count) and the sections, one entry per line in the curator's format:

    - [Title](url), *VENUE YEAR* (note) \\[Tag\\] - summary. [Review](reviews/file.md)

Every part after the link is optional. Every piece of text goes through `pipeline.render.markdown`,
so no title, tag or summary can add a line, a link or HTML (tests/test_readme_hostile.py).

Choices that follow from awesome-lint (tools/lint) and GitHub:
- The ToC goes two levels deep (awesome-lint's limit). A count is the number of distinct entries in
  the section and its sub-sections, so a section's count covers the deeper ones the ToC leaves out.
- Anchors are numbered over every heading of the whole document, in order, intro and outro too,
  as GitHub numbers them; level-2 headings of the outro are listed in the ToC after the sections
  (awesome-lint wants every level-2 heading after "Contents" in it), except the ones awesome-lint
  itself exempts ("Contributing", "Footnotes", "Related Lists").
- An item filed in two sections appears, identically, in both; tools/lint/awesome-lint-offline.mjs
  explains why its double-link rule skips such verbatim repeats.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.model import Catalog, Record
from pipeline.render.richtext import plain_text
from pipeline.render.urls import open_copy
from pipeline.render.markdown import (
    Slugger, clean, curator_inline, heading_text, inline, link_destination, relative_link,
)

BEGIN = "<!-- BEGIN GENERATED LIST: edit Zotero and reviews/, not this block; `make sync` rewrites it -->"
END = "<!-- END GENERATED LIST -->"

BADGE = "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"
CONTENTS = "Contents"
# Level-2 headings awesome-lint's ToC rule does not expect in the ToC.
_TOC_EXEMPT = frozenset({"Contributing", "Footnotes", "Related Lists"})
_TOC_DEPTH = 2


def render(catalog: Catalog, existing: str = "") -> str:
    """The README for `catalog`, keeping everything of `existing` outside the generated block.

    Without both marker lines in `existing` (a new README, or one whose markers were edited away)
    nothing is dropped: the whole text is kept as the intro and a fresh block follows it. With no
    text at all, the intro is the list's title with the Awesome badge.
    """
    head, tail = split(existing)
    if not head.strip() and not tail.strip():
        head = f"# {heading_text(catalog.title or 'Awesome list')} {BADGE}\n\n"
    elif not head.endswith("\n\n"):
        head = head.rstrip("\n") + "\n\n" if head.strip() else ""
    tree = _Tree(catalog)

    # Anchors: the intro's headings, then ours, then the outro's, in document order.
    slugger = Slugger()
    for _level, text in headings(head):
        slugger.slug(text)
    slugger.slug(CONTENTS)
    anchors = {s.key: slugger.slug(tree.names[s.key]) for s in tree.sections}
    outro_toc = []
    for level, text in headings(tail):
        anchor = slugger.slug(text)
        if level == 2 and text and text not in _TOC_EXEMPT and text != CONTENTS:
            outro_toc.append(f"- [{inline(text)}](#{anchor})")

    lines = [BEGIN, "", f"## {CONTENTS}", ""]
    for s in tree.sections:
        depth = tree.depth[s.key]
        if depth <= _TOC_DEPTH:
            lines.append(f"{'  ' * (depth - 1)}- [{heading_text(tree.names[s.key])}](#{anchors[s.key]}) "
                         f"({tree.count[s.key]})")
    lines += outro_toc
    lines += charts(tree)
    rendered: dict[tuple[str, str], str] = {}   # an entry filed in two sections is rendered once
    for s in tree.sections:
        level = min(tree.depth[s.key] + 1, 6)
        lines += ["", f"{'#' * level} {heading_text(tree.names[s.key])}"]
        entries = tree.entries.get(s.key, ())
        if entries:
            lines.append("")
            for r in entries:
                # Rendered once per item, or once per section when the item has a summary for it.
                section = s.key if r.section_summaries else ""
                line = rendered.get((r.key, section))
                if line is None:
                    line = rendered[(r.key, section)] = entry(r, section)
                lines.append(line)
    lines += ["", END]
    return head + "\n".join(lines) + "\n" + tail


def split(existing: str) -> tuple[str, str]:
    """(intro, outro) around the generated block: the lines before the BEGIN line, and those after
    the END line. Markers count only as whole lines, so an entry (which always starts with "- ")
    can never fake one. Without a BEGIN line followed by an END line, all of it is intro."""
    lines = existing.splitlines(keepends=True)
    begin = next((i for i, line in enumerate(lines) if line.strip() == BEGIN), None)
    if begin is not None:
        end = next((i for i in range(begin + 1, len(lines)) if lines[i].strip() == END), None)
        if end is not None:
            return "".join(lines[:begin]), "".join(lines[end + 1:])
    return existing, ""


def entry(r: Record, section: str = "") -> str:
    """One list item: `- [Title](url), *VENUE YEAR* (note) \\[Tag\\] - summary. [Review](path)`.
    In `section` (a section key), the item's summary for that section is shown, if it has one."""
    # Zotero's rich-text tags (<i>, <sub>, nocase spans) are shown as the text a reader sees.
    title = inline(plain_text(r.title)) or inline(f"Untitled ({clean(r.key)})")
    url = link_of(r)
    parts = [f"- [{title}]({url})" if url else f"- {_not_a_block_marker(title)}"]
    if url and r.url_status:
        parts.append(f" \\[{inline(r.url_status)}\\]")    # "[archived]": the link is a copy (links.mend)
    if r.oa_url:
        pdf = open_copy(url, r.oa_url)
        if pdf:     # the curator's link stays; an open copy OpenAlex knows is offered beside it
            parts.append(f" [PDF]({pdf})")
    venue = inline(r.venue_label)
    if venue:
        parts.append(f", *{venue}{f' {r.year}' if r.year else ''}*")
    elif r.year:
        parts.append(f", *{r.year}*")      # a report or a page with a date: the year alone
    note = inline(r.note)
    if note:
        parts.append(f" ({note})")
    for tag in map(inline, r.tags):
        if tag:
            parts.append(f" \\[{tag}\\]")
    summary = curator_inline(dict(r.section_summaries).get(section, r.summary))
    if summary:
        parts.append(f" - {summary}")
    if r.review_text and clean(r.review_path):
        label = "Review (TBD)" if r.review_status == "draft" else "Review"
        parts.append(f" [{label}]({relative_link(r.review_path)})")
    return "".join(parts)


def link_of(r: Record) -> str:
    """Where the title links: the item's URL if it is http(s), else its DOI, else its arXiv page;
    "" when there is none (the entry then shows the title without a link)."""
    for candidate in (r.url, f"https://doi.org/{r.doi}" if clean(r.doi) else "",
                      f"https://arxiv.org/abs/{r.arxiv}" if clean(r.arxiv) else ""):
        url = link_destination(candidate)
        if url:
            return url
    return ""


_ORDERED_MARKER_RE = re.compile(r"^(\d{1,9})([.)])")


def _not_a_block_marker(text: str) -> str:
    """A title that starts an unlinked entry would be read as a nested block ("1. ", "# ", "> ",
    "+ ", "---"): escape its first character (or an ordered-list number's dot)."""
    match = _ORDERED_MARKER_RE.match(text)
    if match:
        return f"{match.group(1)}\\{match.group(2)}{text[match.end():]}"
    if text[:1] in "#>+-=|:" and not text.startswith("\\"):
        return "\\" + text
    return text


# --- papers per year and per section, as charts GitHub draws --------------------------------------

_CHART_TEXT_RE = re.compile(r"[^\w .,:&+/()'-]+")
CHART_YEARS = 24          # bars at most; the years before them are summed into the first bar
CHART_LABEL = 32          # characters of a section's name on its bar


def charts(tree: "_Tree") -> list[str]:
    """Lines of two Mermaid bar charts (a ```mermaid block GitHub renders; no image in git): the
    papers per year, oldest first, every year in between shown, and per top-level section in list
    order, counted as the Contents list counts them. Each paper is counted once. Nothing without
    a dated paper; no section chart for a single section."""
    papers = {r.key: r for s in tree.sections for r in tree.entries.get(s.key, ())}
    per_year: dict[int, int] = {}
    for r in papers.values():
        if isinstance(r.year, int) and r.year > 0:
            per_year[r.year] = per_year.get(r.year, 0) + 1
    if not per_year:
        return []
    last = max(per_year)
    first = max(min(per_year), last - CHART_YEARS + 1)
    labels = [str(y) for y in range(first, last + 1)]
    counts = [per_year.get(y, 0) for y in range(first, last + 1)]
    earlier = sum(n for y, n in per_year.items() if y < first)
    if earlier:
        labels[0], counts[0] = f"until {first}", counts[0] + earlier
    out = _bar_chart("Papers per year", labels, counts)
    tops = [s for s in tree.sections if tree.depth[s.key] == 1]
    if len(tops) > 1:
        out += _bar_chart("Papers per section", [_chart_label(tree.names[s.key]) for s in tops],
                          [tree.count[s.key] for s in tops], horizontal=True)
    return out


def _chart_label(name: str) -> str:
    """A section's name as a Mermaid label: quotes, brackets, `#`, `;`, `<` and the like (which
    Mermaid reads as syntax or entities) become spaces; long names are cut with an ellipsis."""
    text = " ".join(_CHART_TEXT_RE.sub(" ", clean(name)).split()) or "Untitled"
    if len(text) <= CHART_LABEL:
        return text
    cut = text[:CHART_LABEL - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" .,:&+/('-") + "\u2026"


def _bar_chart(title: str, labels: list[str], counts: list[int], horizontal: bool = False) -> list[str]:
    axis = ", ".join(f'"{label}"' for label in labels)
    return ["", "```mermaid", "xychart-beta" + (" horizontal" if horizontal else ""),
            f'    title "{title}"', f"    x-axis [{axis}]", f'    y-axis "Papers" 0 --> {max(counts)}',
            f"    bar [{', '.join(map(str, counts))}]", "```"]


class _Tree:
    """The sections that show something (the catalog's tree: depth-first, in the catalog's order), with
    their entries."""

    def __init__(self, catalog: Catalog) -> None:
        tree = catalog.tree
        known = {b.section.key for b in tree}
        direct: dict[str, list[Record]] = {}
        for r in catalog.records:
            if r.hidden:
                continue
            for key in dict.fromkeys(r.sections):
                if key in known:
                    direct.setdefault(key, []).append(r)
        self.entries = direct
        self.sections = [b.section for b in tree]
        self.depth = {b.section.key: b.depth for b in tree}
        self.count = {b.section.key: b.count for b in tree}
        self.names = {s.key: clean(s.name) or clean(s.key) or "Untitled" for s in self.sections}


# --- the hand-written parts' headings ------------------------------------------------------------

@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    # GitHub's dialect is CommonMark plus tables and strikethrough; for headings only those matter.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _text_content(tokens) -> str:
    """What a browser's textContent gives for the rendered inline tokens: text and code as they
    read, links as their text, images and HTML tags as nothing (GitHub's anchors come from it)."""
    out = []
    for token in tokens or ():
        if token.type in ("text", "code_inline", "text_special"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out).strip()


def headings(markdown: str) -> list[tuple[int, str]]:
    """(level, rendered text) of each heading of hand-written Markdown, in document order, read by a
    CommonMark parser: ATX and setext headings, none inside code, HTML blocks or comments."""
    tokens = _parser().parse(markdown)
    return [(int(token.tag[1]), _text_content(tokens[i + 1].children))
            for i, token in enumerate(tokens) if token.type == "heading_open"]
