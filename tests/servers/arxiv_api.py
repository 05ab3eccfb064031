"""An arXiv query API server on 127.0.0.1, for the tests of `add` (a preprint looked up by its arXiv id).

Real HTTP from a background thread, speaking what arXiv's API User's Manual documents
(info.arxiv.org/help/api/user-manual):

- `GET /api/query?id_list=A,B&search_query=...&start=0&max_results=10&sortBy=&sortOrder=`. With
  `id_list` alone it answers those articles (an id without `vN` is the latest version, `1705.06640v1`
  that version); with `search_query` alone the articles matching it; with both, the listed articles
  that match. The query language: field prefixes `ti: au: abs: co: jr: cat: id: all:`, a bare word
  meaning `all:`, `"quoted phrases"`, `AND`, `OR`, `ANDNOT` read left to right, and parentheses.
- The answer is always an Atom 1.0 feed (`application/atom+xml`): the feed's `title` (the
  canonicalized query), `id`, `updated` (midnight of `today`), `link rel=self`,
  `opensearch:totalResults`, `startIndex`, `itemsPerPage`; each entry's `id`
  (`http://arxiv.org/abs/<id>v<n>`), `published` (version 1), `updated` (this version), `title`,
  `summary`, one `author/name` per author, `arxiv:doi`, `arxiv:comment`, `arxiv:journal_ref`,
  `link rel=alternate` (abstract page), `link rel=related title=pdf`, `link rel=related title=doi`
  (when there is a DOI), `arxiv:primary_category` and `category` elements. Titles and summaries come
  hard-wrapped as arXiv sends them, so a client must fold the whitespace.
- Errors are feeds too, with HTTP 400: one entry titled "Error" whose `id` is
  `http://arxiv.org/api/errors#<what>` and whose `summary` says what (a malformed id, a `start` or
  `max_results` that is not a non-negative integer, `max_results` above 30000). A well-formed id that
  names no article is no error: the feed simply has no entry and `totalResults` 0.
- Faults on demand, as the other loopback servers: `fail_next("429", "503", "reset")` ("429" answers
  arXiv's plain-text "Rate exceeded."; both carry `Retry-After`). It counts `requests` and keeps a
  `log` of (path, query, status).

Fed with a dict the test gives: arXiv id (no version) -> {"title", "summary", "authors": [names],
"published" (v1's timestamp), "versions": [timestamps of v1, v2, ...] (optional), "doi", "journal_ref",
"comment", "primary_category", "categories"}.
"""
from __future__ import annotations

import hashlib
import re
import textwrap
import threading
import unicodedata
import urllib.parse
from collections import deque
from xml.sax.saxutils import escape, quoteattr

from tests.servers.loopback import Handler, LoopbackServer

DEFAULT_MAX_RESULTS = 10
MAX_RESULTS_LIMIT = 30000
NEW_ID = re.compile(r"(\d{4}\.\d{4,5})(?:v(\d+))?")
OLD_ID = re.compile(r"([a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?")
FIELDS = {"ti": ("title",), "au": ("authors",), "abs": ("summary",), "co": ("comment",),
          "jr": ("journal_ref",), "cat": ("categories",), "id": ("id",),
          "all": ("title", "authors", "summary", "comment", "journal_ref", "categories", "id")}
SORT_KEYS = ("relevance", "lastUpdatedDate", "submittedDate")


class QueryError(ValueError):
    """A parameter arXiv refuses: (anchor of the error id, the summary arXiv gives)."""

    def __init__(self, anchor: str, message: str):
        super().__init__(message)
        self.anchor, self.message = anchor, message


def parse_id(raw: str) -> tuple[str, int | None]:
    """'1705.06640v2' -> ('1705.06640', 2); QueryError for what is not an arXiv identifier."""
    text = raw.strip()
    match = NEW_ID.fullmatch(text) or OLD_ID.fullmatch(text)
    if not match:
        raise QueryError(f"incorrect_id_format_for_{text}", f"incorrect id format for {text}")
    return match.group(1), int(match.group(2)) if match.group(2) else None


def _fold(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.findall(r"\w+(?:[.\-/]\w+)*", plain)   # keeps cs.LG, 1705.06640 and hep-th/9901001 whole


# --- search_query --------------------------------------------------------------------------------------

def _tokens(query: str) -> list[str]:
    return re.findall(r'\(|\)|[a-z]+:"[^"]*"|"[^"]*"|[^\s()]+', query)


def _term_matches(token: str, paper: dict) -> bool:
    prefix, _, value = token.partition(":") if re.match(r"[a-z]+:", token) else ("all", "", token)
    if prefix not in FIELDS:
        prefix, value = "all", token
    words = _fold(value.strip('"'))
    if not words:
        return False
    for field in FIELDS[prefix]:
        content = paper.get(field) or ""
        haystack = _fold(" ".join(content) if isinstance(content, list) else str(content))
        if value.startswith('"'):   # a phrase: the words in a row
            n = len(words)
            if any(haystack[i:i + n] == words for i in range(len(haystack) - n + 1)):
                return True
        elif all(w in haystack for w in words):
            return True
    return False


def matches(query: str, paper: dict) -> bool:
    """Does `paper` match `query`? Boolean operators are read left to right; parentheses group."""
    tokens = _tokens(query)

    def expression(at: int) -> tuple[bool, int]:
        value, at = operand(at)
        while at < len(tokens) and tokens[at] in ("AND", "OR", "ANDNOT"):
            op = tokens[at]
            right, at = operand(at + 1)
            value = {"AND": value and right, "OR": value or right, "ANDNOT": value and not right}[op]
        return value, at

    def operand(at: int) -> tuple[bool, int]:
        if at >= len(tokens):
            return False, at
        if tokens[at] == "(":
            value, at = expression(at + 1)
            return value, at + (1 if at < len(tokens) and tokens[at] == ")" else 0)
        value, at = _term_matches(tokens[at], paper), at + 1
        # words side by side with no operator are ANDed, as in arXiv's search box
        while at < len(tokens) and tokens[at] not in ("AND", "OR", "ANDNOT", ")"):
            right, at = operand(at)
            value = value and right
        return value, at

    return bool(tokens) and expression(0)[0]


# --- the feed ------------------------------------------------------------------------------------------

def _wrapped(text: str, indent: str) -> str:
    """Hard-wrapped as arXiv sends titles and abstracts."""
    lines = textwrap.wrap(" ".join(text.split()), 78, break_long_words=False, break_on_hyphens=False)
    return ("\n" + indent).join(lines)


class ArxivServer(LoopbackServer):
    """`with ArxivServer({"1705.06640": {...}}) as server:` then GET `server.url + "/api/query?..."`."""

    thread_name = "arxiv-api"

    def __init__(self, papers: dict[str, dict] | None = None, *, retry_after: int = 1,
                 base: str = "http://arxiv.org", today: str = "2026-12-04T00:00:00-05:00"):
        self.papers = {key: self._filled(key, value) for key, value in (papers or {}).items()}
        self.retry_after = retry_after
        self.base = base            # arXiv's current API writes https://; the manual shows http://
        self.today = today          # the feed's <updated>: midnight of the day asked
        self.faults: deque[str] = deque()
        self.requests = 0
        self.log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()

    @staticmethod
    def _filled(key: str, paper: dict) -> dict:
        primary = paper.get("primary_category") or (paper.get("categories") or ["cs.LG"])[0]
        return {**paper, "id": key, "primary_category": primary,
                "categories": list(paper.get("categories") or [primary])}

    def fail_next(self, *kinds: str) -> None:
        self.faults.extend(kinds)

    def _arrive(self) -> str | None:
        with self._lock:
            self.requests += 1
            return self.faults.popleft() if self.faults else None

    # the protocol
    def answer(self, path: str, query: str) -> tuple[int, bytes]:
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        search = params.get("search_query", "")
        id_list = params.get("id_list", "")
        start_raw, max_raw = params.get("start", "0"), params.get("max_results", str(DEFAULT_MAX_RESULTS))
        canonical = f"search_query={search}&id_list={id_list}&start={start_raw}&max_results={max_raw}"
        try:
            start = self._number(start_raw, "start")
            wanted = self._number(max_raw, "max_results")
            if wanted > MAX_RESULTS_LIMIT:
                raise QueryError("max_results_must_be_less_than_30000",
                                 f"max_results must be less than or equal to {MAX_RESULTS_LIMIT}")
            found = self.select(search, id_list)
        except QueryError as err:
            return 400, self.feed(canonical, [self.error_entry(err)], total=1, start=0)
        found = self.sort(found, params.get("sortBy", "relevance"), params.get("sortOrder", "descending"))
        page = found[start:start + wanted]
        return 200, self.feed(canonical, [self.entry(paper, version) for paper, version in page],
                              total=len(found), start=start)

    @staticmethod
    def _number(raw: str, name: str) -> int:
        if not re.fullmatch(r"-?\d+", raw.strip()):
            raise QueryError(f"{name}_must_be_an_integer", f"{name} must be an integer")
        value = int(raw)
        if value < 0:
            raise QueryError(f"{name}_must_be_non-negative", f"{name} must be non-negative")
        return value

    def select(self, search: str, id_list: str) -> list[tuple[dict, int]]:
        """(paper, version) pairs the query names, in the order asked."""
        if id_list.strip():
            out = []
            for raw in id_list.split(","):
                key, version = parse_id(raw)
                paper = self.papers.get(key)
                if paper is None:
                    continue
                latest = len(self.versions(paper))
                version = version or latest
                if version > latest:
                    continue
                if not search or matches(search, paper):
                    out.append((paper, version))
            return out
        if not search.strip():
            return []
        return [(p, len(self.versions(p))) for p in self.papers.values() if matches(search, p)]

    def sort(self, found: list[tuple[dict, int]], by: str, order: str) -> list[tuple[dict, int]]:
        if by not in ("lastUpdatedDate", "submittedDate"):
            return found
        def when(pair):
            versions = self.versions(pair[0])
            return versions[pair[1] - 1] if by == "lastUpdatedDate" else versions[0]
        return sorted(found, key=when, reverse=order != "ascending")

    @staticmethod
    def versions(paper: dict) -> list[str]:
        return list(paper.get("versions") or [paper.get("published", "2017-01-01T00:00:00Z")])

    def entry(self, paper: dict, version: int) -> str:
        versions = self.versions(paper)
        versioned = f"{paper['id']}v{version}"
        lines = [f"<id>{self.base}/abs/{versioned}</id>",
                 f"<updated>{versions[version - 1]}</updated>",
                 f"<published>{versions[0]}</published>",
                 f"<title>{escape(_wrapped(paper.get('title', ''), '  '))}</title>",
                 f"<summary>  {escape(_wrapped(paper.get('summary', ''), ''))}\n</summary>"]
        lines += [f"<author>\n      <name>{escape(name)}</name>\n    </author>" for name in paper.get("authors", ())]
        doi = paper.get("doi")
        if doi:
            lines.append(f"<arxiv:doi>{escape(doi)}</arxiv:doi>")
            lines.append(f'<link title="doi" href={quoteattr("https://doi.org/" + doi)} rel="related"/>')
        lines.append(f'<link href="{self.base}/abs/{versioned}" rel="alternate" type="text/html"/>')
        lines.append(f'<link title="pdf" href="{self.base}/pdf/{versioned}" rel="related" type="application/pdf"/>')
        for tag in ("comment", "journal_ref"):
            if paper.get(tag):
                lines.append(f"<arxiv:{tag}>{escape(paper[tag])}</arxiv:{tag}>")
        scheme = 'scheme="http://arxiv.org/schemas/atom"'
        lines.append(f"<arxiv:primary_category term={quoteattr(paper['primary_category'])} {scheme}/>")
        lines += [f"<category term={quoteattr(c)} {scheme}/>" for c in paper["categories"]]
        return "  <entry>\n" + "".join(f"    {line}\n" for line in lines) + "  </entry>\n"

    def error_entry(self, err: QueryError) -> str:
        where = f"http://arxiv.org/api/errors#{err.anchor}"
        return ("  <entry>\n"
                f"    <id>{escape(where)}</id>\n    <title>Error</title>\n"
                f"    <summary>{escape(err.message)}</summary>\n    <updated>{self.today}</updated>\n"
                f"    <link href={quoteattr(where)} rel=\"alternate\" type=\"text/html\"/>\n"
                "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n")

    def feed(self, canonical: str, entries: list[str], *, total: int, start: int) -> bytes:
        digest = hashlib.sha1(canonical.encode()).hexdigest()[:27]
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
                'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
                f'  <id>{self.base}/api/{digest}</id>\n'
                f'  <title>arXiv Query: {escape(canonical)}</title>\n'
                f'  <updated>{self.today}</updated>\n'
                f'  <link href={quoteattr(self.base + "/api/query?" + canonical)} type="application/atom+xml"/>\n'
                f'  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>\n'
                f'  <opensearch:totalResults>{total}</opensearch:totalResults>\n'
                f'  <opensearch:startIndex>{start}</opensearch:startIndex>\n')
        return (head + "".join(entries) + "</feed>\n").encode("utf-8")


class _Handler(Handler):
    api: ArxivServer

    def do_GET(self) -> None:
        api = self.api
        split = urllib.parse.urlsplit(self.path)
        fault = api._arrive()
        headers = {"Content-Type": "application/atom+xml; charset=UTF-8"}
        if fault == "reset":
            self._log(split, 0)
            self.reset()
            return
        if fault in ("429", "503"):
            status = int(fault)
            body = b"Rate exceeded." if status == 429 else b"Service Unavailable"
            headers = {"Content-Type": "text/plain", "Retry-After": str(api.retry_after)}
        elif split.path.rstrip("/") != "/api/query":
            status, body, headers["Content-Type"] = 404, b"Not Found", "text/plain"
        else:
            status, body = api.answer(split.path, split.query)
        self._log(split, status)
        self.reply(status, headers, body)

    def _log(self, split, status: int) -> None:
        with self.api._lock:
            self.api.log.append((split.path, split.query, status))


ArxivServer.handler = _Handler
