"""Pure: Catalog -> docs/index.html, one self-contained page to search and filter the list.

The page is a single file: its CSS and JavaScript (page_assets/, read as package data) are inlined,
and the papers travel inside it as JSON in a `<script type="application/json">` block, so it works
from a clone's file:// URL and on GitHub Pages alike, with no request at view time. A Content
Security Policy in the page says the same to the browser: no fetch, no image, no script but ours
(by hash), so even markup that slipped into the DOM could not load or run anything.

What each paper carries is decided here, once, in Python: the title as a reader sees it, the link
rules the README uses (`readme.link_of`), the BibTeX entry exactly as papers.bib has it, and the
summary already split into plain / bold / italic / code runs. The script only turns those values
into DOM nodes with `textContent`, so no title or summary is ever parsed as HTML.

Untrusted text reaches the JSON block as data. Every `<`, `>` and `&` in it is written as a
`\\u003c`-style escape, which JSON reads back as the same character but HTML never sees as
`</script` or `<!--`.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from importlib import resources

import orjson

from pipeline.model import Catalog, Record
from pipeline.render import bibtex
from pipeline.render import citekeys as citekeys_
from pipeline.render.markdown import clean, relative_link
from pipeline.render.readme import link_of
from pipeline.render.richtext import plain_text
from pipeline.render.urls import is_open, open_copy, safe_url

ASSETS = "page_assets"
MAX_AUTHORS = 12          # shown; the rest read "et al." (all of them are searched)


@cache
def asset(name: str) -> str:
    """The text of page_assets/NAME, shipped as package data."""
    return resources.files(__package__).joinpath(ASSETS, name).read_text(encoding="utf-8")


def render(catalog: Catalog, keys: dict[str, str] | None = None, *, repository_url: str = "",
           entries: dict[str, str] | None = None) -> str:
    """The page for `catalog`. `keys` is {item key: citation key} as emit assigned them for
    papers.bib (without it, keys are derived afresh). `repository_url` ("https://github.com/o/r")
    makes review links absolute; without it the page works them out at view time (see page.js)."""
    data = page_data(catalog, keys, repository_url=repository_url, entries=entries)
    entries = data.pop("bibtex")
    css, js = asset("page.css"), asset("page.js")
    title = html.escape(clean(catalog.title) or "Awesome list")
    csp = "; ".join((
        "default-src 'none'",
        f"style-src '{_sha256(css)}'",
        f"script-src '{_sha256(js)}'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="generator" content="awesome-ml-reliability pipeline (emit)">\n'
        f"<title>{title}</title>\n<style>{css}</style>\n</head>\n"
        + asset("page.html").replace("{{title}}", title)
        + '<script type="application/json" id="papers-data">{'
        f'"title":{embed_json(data["title"])},"sections":{_lines(data["sections"])},'
        f'"papers":{_lines(data["papers"])}}}</script>\n'
        f'<script type="application/json" id="papers-bibtex">{_lines(entries)}</script>\n'
        f"<script>{js}</script>\n</body>\n</html>\n"
    )


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


_JSON_HTML_RE = re.compile("[<>&\u2028\u2029]")


def embed_json(data: object) -> str:
    """`data` as JSON that is safe inside a `<script>` element: no `<`, `>` or `&` appears raw, so no
    string can close the element (`</script`) or open a comment (`<!--`) that changes where it ends."""
    try:
        # orjson writes what json.dumps(ensure_ascii=False, separators=(",", ":")) writes, several times
        # faster (a test holds it to that). The page's data holds no floats (a year is an int or null).
        text = orjson.dumps(data).decode("utf-8")
    except TypeError:          # an integer past 64 bits: json writes it
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JSON_HTML_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _JSON_HTML_RE.search(text) else text


def _lines(items: list) -> str:
    """A JSON array with one item per line: a sync that adds a paper changes a line or two of the
    page in git (and in `emit --dry-run`'s diff), not one line of megabytes."""
    return "[\n" + ",\n".join(embed_json(item) for item in items) + "\n]" if items else "[]"


# --- what the page shows ---------------------------------------------------------------------------

def page_data(catalog: Catalog, keys: dict[str, str] | None = None, *, repository_url: str = "",
              entries: dict[str, str] | None = None) -> dict:
    """The plain data the page's script reads: sections and papers in the README's order, and each
    paper's BibTeX entry (as papers.bib has it, without the `ids` of older keys) in that order."""
    records = list_order(catalog)
    if keys is None:
        keys, _ = citekeys_.assign(records, {})
    known = {b.section.key for b in catalog.tree}
    base = repository_url.rstrip("/")
    return {
        "title": clean(catalog.title) or "Awesome list",
        "sections": [
            {"key": b.section.key, "name": clean(b.section.name) or clean(b.section.key) or "Untitled",
             "depth": b.depth, "parent": b.parent}
            for b in catalog.tree
        ],
        "papers": [paper(r, known, base) for r in records],
        # Apart, in the papers' order: the largest part of the page, read only when a reader opens
        # an entry, so the first render does not decode it.
        "bibtex": [(entries or {}).get(r.key) or (bibtex.entry(r, keys[r.key]) if keys.get(r.key) else "")
                   for r in records],
    }


def list_order(catalog: Catalog) -> list[Record]:
    """The visible records, each once, in the README's order: depth-first through the catalog's tree,
    a paper where it first appears; papers filed in no known section come last."""
    records = _unique_visible(catalog.records)
    by_section: dict[str, list[Record]] = {}
    for r in records.values():
        for s in dict.fromkeys(r.sections):
            by_section.setdefault(s, []).append(r)
    order: dict[str, Record] = {}
    for branch in catalog.tree:
        for r in by_section.get(branch.section.key, ()):
            order.setdefault(r.key, r)
    for r in records.values():
        order.setdefault(r.key, r)
    return list(order.values())


def _unique_visible(records: tuple[Record, ...]) -> dict[str, Record]:
    """Visible records by key, each once (an item filed in two sections may arrive twice)."""
    out: dict[str, Record] = {}
    for r in records:
        if not r.hidden:
            out.setdefault(r.key, r)
    return out


def paper(r: Record, sections: set[str], repository_url: str = "") -> dict:
    """One paper as the page's script reads it; empty fields are left out to keep the page small."""
    authors, _ = r.people
    # A work with no author (an edited volume) shows whoever it names, editors and translators alike.
    names = [n for n in (clean(f"{c.given} {c.family}" if not c.name else c.name) for c in authors or r.creators) if n]
    doi = clean(r.doi)
    review = relative_link(r.review_path) if r.review_text and clean(r.review_path) else ""
    url = link_of(r)
    out = {
        "key": r.key,
        "title": clean(plain_text(r.title)) or f"Untitled ({clean(r.key)})",
        "authors": names,
        "venue": clean(r.venue_label),
        "venueFull": clean(r.venue) if clean(r.venue) != clean(r.venue_label) else "",
        "year": r.year if isinstance(r.year, int) else None,
        "note": clean(r.note),
        "tags": [t for t in (clean(t) for t in dict.fromkeys(r.tags)) if t],
        "sections": [s for s in dict.fromkeys(r.sections) if s in sections],
        "summary": summary_runs(_summary_of(r)),
        "url": url,
        "doi": doi,
        "review": f"{repository_url}/blob/HEAD/{review}" if review and repository_url else review,
        "draft": r.review_status == "draft",
        "retracted": r.retracted,
        "archived": r.url_status == "archived",     # the link is the Internet Archive's copy (links.mend)
        "citations": r.citations,
        "pdf": open_copy(url, r.oa_url) if r.oa_url else "",     # an open copy beside a closed link (OpenAlex)
        "open": bool(safe_url(r.oa_url)) or is_open(url),        # readable without a subscription
    }
    # Empty values are left out to keep the page small; a count of 0 is a count (0 == False in Python).
    return {k: v for k, v in out.items() if v is not None and v is not False and v != "" and v != []}


def _summary_of(r: Record) -> str:
    if clean(r.summary):
        return r.summary
    # No summary of its own: the first per-section one, so the paper still says what it is.
    return next((text for _s, text in r.section_summaries if clean(text)), "")


# --- the curator's Markdown, as runs of text ---------------------------------------------------------

_RUN_RE = re.compile(r"\\[!-/:-@\[-`{-~]|`+|\*\*|\*")
_TAGS = {"**": "b", "*": "i"}


def summary_runs(markdown: str) -> list:
    """The curator's summary Markdown as a list of runs: a plain string, or [tag, text] with tag
    "b" (`**bold**`), "i" (`*em*`) or "code" (`` `code` ``). Backslash escapes give the character;
    any other Markdown (links, HTML, `_`) stays literal text. An opener without its closer is text."""
    text = clean(markdown)
    runs: list = []
    plain: list[str] = []

    def flush() -> None:
        if plain:
            runs.append("".join(plain))
            plain.clear()

    pos = 0
    while True:
        m = _RUN_RE.search(text, pos)
        if not m:
            plain.append(text[pos:])
            break
        plain.append(text[pos:m.start()])
        token = m.group()
        pos = m.end()
        if token[0] == "\\":
            plain.append(token[1])
            continue
        if token[0] == "`":
            close = _closing_backticks(text, pos, len(token))
            if close < 0:
                plain.append(token)
                continue
            code = text[pos:close]
            if code.startswith(" ") and code.endswith(" ") and code.strip():
                code = code[1:-1]          # CommonMark strips one space on each side
            flush()
            runs.append(["code", code])
            pos = close + len(token)
            continue
        close = _closing_star(text, pos, token)
        if close < 0 or close == pos or text[pos].isspace() or text[close - 1].isspace():
            plain.append(token)
            continue
        flush()
        inner = "".join(r if isinstance(r, str) else r[1] for r in summary_runs(text[pos:close]))
        runs.append([_TAGS[token], inner])
        pos = close + len(token)
    flush()
    return [r for r in runs if r]


def _closing_backticks(text: str, start: int, length: int) -> int:
    for run in re.finditer(r"`+", text[start:]):
        if len(run.group()) == length:
            return start + run.start()
    return -1


def _closing_star(text: str, start: int, token: str) -> int:
    """Where the `*` or `**` that closes emphasis opened before `start` begins, or -1; a lone `*`
    does not close on half of a `**`, and escaped stars are skipped."""
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            run = re.match(r"`+", text[i:]).group()
            close = _closing_backticks(text, i + len(run), len(run))
            i = close + len(run) if close >= 0 else i + len(run)
            continue
        if ch == "*":
            run = re.match(r"\*+", text[i:]).group()
            if token == "**" and len(run) >= 2:
                return i
            if token == "*" and len(run) == 1:
                return i
            i += len(run)
            continue
        i += 1
    return -1
