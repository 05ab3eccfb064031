"""Pure: a paper of the list -> the Zotero objects that hold it (item data, child notes).

The other direction of `convert/zotero.py`: `push` and `add` write what this module shapes. An item
is filled from what the sources found (creators, date, DOI, venue fields, pages...) over what the
list gave (title, link, tags), so the library becomes a good library and not a list of bare titles.
Only fields the item type has are written (Zotero refuses an object with an unknown field), and
empty ones are left out. Summaries and reviews become child notes in the HTML that Zotero's note
editor writes, so the next `pull` reads them back through `convert/notes.py` to the same Markdown.
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

from pipeline.model import AUTHOR_ROLES, CROSSREF, DBLP, Creator, Record

# The fields this module may write, by item type (Zotero schema v41 `itemTypes[].fields`, only those
# the pipeline knows a value for). `title`, `date`, `url`, `DOI`, `abstractNote`, `language` and
# `extra` belong to every regular type.
COMMON = frozenset({"title", "date", "url", "DOI", "abstractNote", "language", "extra", "shortTitle", "accessDate"})
FIELDS: dict[str, frozenset[str]] = {t: COMMON | extra for t, extra in {
    "journalArticle": {"publicationTitle", "journalAbbreviation", "volume", "issue", "pages", "publisher", "series"},
    "conferencePaper": {"proceedingsTitle", "conferenceName", "volume", "issue", "pages", "publisher", "series",
                        "place"},
    "preprint": {"repository", "archiveID", "series", "place"},
    "bookSection": {"bookTitle", "volume", "pages", "publisher", "series", "place"},
    "book": {"volume", "publisher", "series", "place"},
    "report": {"institution", "reportNumber", "pages", "place"},
    "thesis": {"university", "series", "place"},
    "manuscript": {"institution", "number", "place"},
    "magazineArticle": {"publicationTitle", "volume", "issue", "pages", "publisher"},
    "newspaperArticle": {"publicationTitle", "volume", "issue", "pages", "publisher"},
    "webpage": {"websiteTitle", "publisher"},
    "blogPost": {"blogTitle"},
    "document": {"publisher"},
    "presentation": {"series"},
    "computerProgram": set(),
    "forumPost": set(),
    "dataset": {"repository"},
}.items()}

# Where the venue's full name goes, by item type.
VENUE_FIELD = {
    "journalArticle": "publicationTitle", "magazineArticle": "publicationTitle",
    "newspaperArticle": "publicationTitle", "conferencePaper": "proceedingsTitle", "bookSection": "bookTitle",
    "preprint": "repository", "webpage": "websiteTitle", "blogPost": "blogTitle", "report": "institution",
    "thesis": "university", "manuscript": "institution", "dataset": "repository",
}

# A creator's role as the item type names it (a program has programmers, a talk presenters).
MAIN_ROLE = {"computerProgram": "programmer", "presentation": "presenter"}

_EXTRA_LINE = re.compile(r"^\s*(venue|arxiv)\s*:", re.IGNORECASE)


def writable(item_type: str) -> bool:
    return item_type in FIELDS


def creators(record: Record, item_type: str) -> list[dict]:
    main = MAIN_ROLE.get(item_type, "author")
    out = []
    for c in record.creators:
        role = c.role if c.role in ("author", "editor", "contributor", "translator") else main
        if item_type in MAIN_ROLE and c.role in AUTHOR_ROLES:
            role = main
        out.append(_creator(c, role))
    return out


def _creator(c: Creator, role: str) -> dict:
    if c.name or not c.given:
        return {"creatorType": role, "name": c.name or c.family}
    return {"creatorType": role, "firstName": c.given, "lastName": c.family}


def item_data(record: Record, base: dict, collections: list[str], *, venue_line: str = "",
              tags: list[dict] | None = None) -> dict:
    """The item to create for `record`: `base` (the item as the list made it: its title, link and tags)
    with what the sources found written over it, filed in `collections`. `venue_line` is the label
    to keep as a `Venue:` line in extra ("" when the sources give the same label)."""
    item_type = record.item_type if writable(record.item_type) else (
        base.get("itemType") if writable(str(base.get("itemType"))) else "document")
    allowed = FIELDS[item_type]
    data: dict = {"itemType": item_type}
    for name, value in base.items():
        if name in allowed and isinstance(value, str) and value.strip():
            data[name] = value
    values = {
        "title": base.get("title") or record.title,
        "date": record.date or (str(record.year) if record.year else ""),
        "url": base.get("url") or record.url,
        "DOI": record.doi,
        "abstractNote": record.abstract,
        "language": record.language,
        "pages": record.pages,
        "volume": record.volume,
        "issue": record.issue,
        "publisher": record.publisher,
        "series": record.series,
    }
    if record.venue and item_type in VENUE_FIELD:
        # A proceedings title is what Crossref or DBLP publish; the name the list gives a conference
        # (`SOSP`, made `Symposium on Operating Systems Principles (SOSP)`) is the conference's name.
        conference = item_type == "conferencePaper" and record.source_of("venue") not in (CROSSREF, DBLP)
        values["conferenceName" if conference else VENUE_FIELD[item_type]] = record.venue
    if item_type == "preprint" and record.arxiv:
        values["repository"] = "arXiv"
        values["archiveID"] = f"arXiv:{record.arxiv}"
    if item_type == "report" and record.number:
        values["reportNumber"] = record.number
    for name, value in values.items():
        if name in allowed and value:
            data[name] = value
    if item_type != "conferencePaper":
        data.pop("conferenceName", None)
    people = creators(record, item_type)
    if people:
        data["creators"] = people
    extra_lines = [line for line in str(base.get("extra") or "").splitlines()
                   if line.strip() and not _EXTRA_LINE.match(line)]
    if venue_line:
        extra_lines.insert(0, f"Venue: {venue_line}")
    if record.arxiv and item_type != "preprint":
        extra_lines.append(f"arXiv: {record.arxiv}")
    if extra_lines:
        data["extra"] = "\n".join(extra_lines)
    if base.get("dateAdded"):
        # The list's own order lives here (import-readme stamps its entries in order; `sort = ["added"]`).
        data["dateAdded"] = base["dateAdded"]
    data["tags"] = list(tags if tags is not None else base.get("tags") or [])
    data["collections"] = list(collections)
    return data


# --- notes --------------------------------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def note(parent: str, html: str, tag: str) -> dict:
    """A child note of `parent`, tagged `tag` (the summary or review tag of pipeline.toml)."""
    return {"itemType": "note", "parentItem": parent, "note": html, "tags": [{"tag": tag}] if tag else []}


def summary_html(summary: str) -> str:
    """A one-line Markdown summary as a note's HTML: one paragraph."""
    return f"<p>{_MARKDOWN.renderInline(summary.strip())}</p>"


def review_html(markdown: str) -> str:
    """A long review (Markdown) as a note's HTML. Raw HTML in it is shown as text, never passed on."""
    return _MARKDOWN.render(markdown.strip() + "\n").strip()
