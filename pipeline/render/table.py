"""Pure: records -> papers.csv and the Table Schema (datapackage.json) that documents it.

For analysts who load the list with pandas. The contract is the schema: one row per paper keyed by
the Zotero key, a fixed column order, RFC 4180 (CRLF, quotes only where needed), UTF-8 without a BOM,
"" for a missing value, lists joined with "; ". `PANDAS` holds the `read_csv` arguments that give the
records' values back exactly (tests/test_table.py proves it); `datapackage()` states the same types for
`frictionless validate`.

Values are written as the records hold them: titles keep Zotero's rich-text markup (`<i>`, `<sub>`),
as CSL-JSON does. Two things are made safe for the people who open the file in a spreadsheet:
control characters are dropped, and a text cell that a spreadsheet would run as a formula (it starts
with `=`, `+`, `-`, `@`, a tab or a carriage return, as OWASP lists them) gets a leading `'`, as does a
cell that itself starts with `'`, so the prefix is never ambiguous. `pipeline.analysis.load_papers()`
takes the prefix off again and gives back the exact text; so does `unguard` for any other reader.
"""
from __future__ import annotations

import csv
import io

from pipeline.convert import ISO_DATETIME
from pipeline.model import Record, unique
from pipeline.render.urls import safe_url

LIST_SEPARATOR = "; "

# (name, Table Schema type, pandas dtype, description, extra constraints). The order is the CSV's.
_ISO_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_ISO_DATETIME = ISO_DATETIME    # what inputs checks date_added and date_modified against
COLUMNS: tuple[tuple[str, str, str, str, dict], ...] = (
    ("key", "string", "str", "Zotero item key; unique, the primary key.", {"required": True, "unique": True}),
    ("citekey", "string", "str", "Citation key of the paper in papers.bib and papers.json; stable once published.",
     {"required": True, "unique": True, "pattern": r"^[A-Za-z0-9_:.\-]+$"}),
    ("type", "string", "str", "Zotero item type (journalArticle, conferencePaper, preprint, ...).", {}),
    ("title", "string", "str", "Title as in Zotero, including its rich-text markup (<i>, <b>, <sub>, <sup>, "
     '<span class="nocase">).', {}),
    ("authors", "string", "str", 'Authors as "Family, Given" (an institution by its name), joined with "; ".', {}),
    ("editors", "string", "str", 'Editors, formatted like authors.', {}),
    ("year", "integer", "Int64", "Year of publication; empty when unknown.", {}),
    ("date", "string", "str", "Publication date as precise as known: YYYY, YYYY-MM or YYYY-MM-DD.",
     {"pattern": _ISO_DATE}),
    ("venue", "string", "str", "Full venue name: journal, proceedings, book, website, university.", {}),
    ("venue_label", "string", "str", 'The short label the list shows ("SOSP", "TOSEM").', {}),
    ("doi", "string", "str", "DOI in lower case, without a resolver prefix (a shortDOI, 10/abcd, as typed).",
     {"pattern": r"^10(?:\.\S+)?/\S+$"}),
    ("arxiv", "string", "str", "arXiv identifier, without version.", {}),
    ("url", "string", "str", "Link the list uses for the paper.", {}),
    ("sections", "string", "str", 'README sections the paper is filed in, as "Parent > Child", joined with "; ".', {}),
    ("tags", "string", "str", 'Tags shown in the list, joined with "; ".', {}),
    ("summary", "string", "str", "One-line summary (Markdown) from the paper's review file.", {}),
    ("note", "string", "str", "Short note shown after the venue (an award, a workshop).", {}),
    ("review", "string", "str", "Path of the paper's review file in the repository; empty if none.", {}),
    ("review_status", "string", "str", 'Status of the review: empty or "draft".', {}),
    ("citations", "integer", "Int64", "Times cited, as OpenAlex counts it (else Crossref); empty when unknown.",
     {"minimum": 0}),
    ("citations_date", "string", "str", "The day OpenAlex's count was read (YYYY-MM-DD); empty when the count "
     "is Crossref's or unknown.", {"pattern": _ISO_DATE}),
    ("oa_url", "string", "str", "An open-access copy OpenAlex knows (its PDF, else its landing page); the list "
     "links it as [PDF] when `url` is not open. Empty when none is known.", {}),
    ("oa_license", "string", "str", 'Licence of that copy as OpenAlex names it ("cc-by"); empty when unknown.', {}),
    ("retracted", "boolean", "boolean", "Crossref knows a retraction notice for the paper.",
     {"trueValues": ["true"], "falseValues": ["false"]}),
    ("enrichment", "string", "str", "How the record was matched on Crossref: doi, search, no-doi, doi-unknown, "
     "unavailable, not-enriched, skipped.", {}),
    ("sources", "string", "str", 'Where each field came from, as "field=source" (zotero, crossref, review, '
     'derived), joined with "; ".', {}),
    ("date_added", "string", "str", "When the paper was added to Zotero (ISO 8601).", {"pattern": _ISO_DATETIME}),
    ("date_modified", "string", "str", "When the Zotero item last changed (ISO 8601).", {"pattern": _ISO_DATETIME}),
)
NAMES = tuple(c[0] for c in COLUMNS)
# Written after `url` only when `[links] mend` is on, so the CSV of a list that does not mend stays as it was.
URL_STATUS = ("url_status", "string", "str", 'Empty, or "archived": the link was found broken and `url` is its '
              "Internet Archive copy ([links] mend in pipeline.toml).", {})
_URL_STATUS_AT = NAMES.index("url") + 1


def columns(url_status: bool = False) -> tuple[tuple[str, str, str, str, dict], ...]:
    """The CSV's columns: COLUMNS, with `url_status` after `url` when the list mends broken links."""
    return COLUMNS[:_URL_STATUS_AT] + (URL_STATUS,) + COLUMNS[_URL_STATUS_AT:] if url_status else COLUMNS


def names(url_status: bool = False) -> tuple[str, ...]:
    return tuple(c[0] for c in columns(url_status))

_CONSTRAINT_KEYS = ("required", "unique", "pattern", "minimum")

# The arguments for pandas.read_csv that give back the records' values: "" is a missing number, but
# a real string everywhere else (a title "NA" stays "NA").
PANDAS = {
    "dtype": {c[0]: c[2] for c in (*COLUMNS, URL_STATUS)},
    "keep_default_na": False,
    "na_values": {c[0]: [""] for c in COLUMNS if c[2] == "Int64"},
    "encoding": "utf-8",
}


# OWASP "CSV Injection": what a spreadsheet reads as the start of a formula. The quote is guarded too,
# so that `unguard` can take exactly one `'` off any cell that starts with one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_CONTROLS = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0))}
_TEXT_COLUMNS = frozenset(c[0] for c in (*COLUMNS, URL_STATUS) if c[1] == "string")


def drop_controls(cell: str) -> str:
    """Without C0/C1 control characters (tab, line feed and carriage return stay: CSV quotes them)."""
    return cell.translate(_CONTROLS)


def guard(cell: str) -> str:
    """A text cell as a spreadsheet may open it: no control characters, no formula."""
    if cell.isprintable() and not cell.startswith(_FORMULA_START):
        return cell             # the common case: nothing to drop, nothing to defuse
    cell = drop_controls(cell)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def unguard(cell: str) -> str:
    """The inverse of `guard` for cells `guard` wrote."""
    return cell[1:] if cell.startswith("'") else cell


def join(values) -> str:
    return LIST_SEPARATOR.join(values)


def split(cell: str) -> list[str]:
    """The inverse of `join`; an empty cell is an empty list (not [''])."""
    return cell.split(LIST_SEPARATOR) if cell else []


def row(record: Record, citekey: str, section_names: dict[str, str] | None = None) -> list[str]:
    section_names = section_names or {}
    authors, editors = record.people
    return [
        record.key,
        citekey,
        record.item_type,
        record.title,
        join(c.display for c in authors),
        join(c.display for c in editors),
        "" if record.year is None else str(record.year),
        record.date,
        record.venue,
        record.venue_label,
        record.doi,
        record.arxiv,
        safe_url(record.url),   # only http(s): a spreadsheet makes the cell a live link
        join(section_names.get(s, s) for s in record.sections),
        join(record.tags),
        record.summary,
        record.note,
        record.review_path,
        record.review_status,
        "" if record.citations is None else str(record.citations),
        record.citations_date,
        safe_url(record.oa_url),
        record.oa_license,
        "true" if record.retracted else "false",
        record.enrichment,
        join(f"{field}={source}" for field, source in record.provenance),
        record.date_added,
        record.date_modified,
    ]


def render_csv(records: list[Record], citekeys: dict[str, str],
               section_names: dict[str, str] | None = None, url_status: bool = False) -> str:
    """papers.csv: one row per record (an item in two sections once), sorted by Zotero key.

    `section_names` is {section key: "Parent > Child"}; an unknown key is written as itself.
    `url_status`: with the `url_status` column (`[links] mend` is on).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    header = names(url_status)
    writer.writerow(header)
    for record in sorted(unique(records), key=lambda r: r.key):
        cells = row(record, citekeys[record.key], section_names)
        if url_status:
            cells.insert(_URL_STATUS_AT, record.url_status)
        writer.writerow([guard(c) if name in _TEXT_COLUMNS else c for name, c in zip(header, cells)])
    return buf.getvalue()


def datapackage(csv_name: str, url_status: bool = False) -> dict:
    """The Data Package descriptor written beside the CSV (frictionless validate reads it)."""
    fields = []
    for name, kind, dtype, description, extra in columns(url_status):
        field = {"name": name, "type": kind, "description": description + f" pandas dtype: {dtype}."}
        constraints = {k: v for k, v in extra.items() if k in _CONSTRAINT_KEYS}
        if constraints:
            field["constraints"] = constraints
        field.update({k: v for k, v in extra.items() if k not in _CONSTRAINT_KEYS})
        fields.append(field)
    return {
        "name": "papers",
        "profile": "tabular-data-package",
        "resources": [{
            "name": "papers",
            "path": csv_name,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "doubleQuote": True,
                        "header": True},
            "description": (
                "One row per paper, keyed by the Zotero item key. RFC 4180, UTF-8 without BOM. An empty cell "
                "is a missing value. Lists are joined with \"; \". Read it with pandas.read_csv(path, "
                "dtype=<each field's pandas dtype>, keep_default_na=False, na_values={'year': [''], "
                "'citations': ['']}), or with pipeline.analysis.load_papers(). Text cells are safe to open in a "
                "spreadsheet: control characters are dropped and a cell starting with =, +, -, @, a tab, a carriage "
                "return or ' gets one leading ' (load_papers removes it again)."
            ),
            "schema": {"fields": fields, "primaryKey": ["key"], "missingValues": [""]},
        }],
    }
