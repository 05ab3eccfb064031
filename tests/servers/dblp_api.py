"""A DBLP search API server on 127.0.0.1, for the tests and the benchmark.

Real HTTP from a background thread, speaking the documented search API ("How to use the dblp search
API?", dblp.org/faq/13501473):

- `GET /search/publ/api?q=...&format=json&h=<hits, default 30, capped at 1000>&f=<first, default
  0>&c=<completions, default 10, capped at 1000>` and `GET /search/venue/api?q=...` with the same
  parameters. Without `format=json` the answer is XML, DBLP's default.
- The query syntax of DBLP's search box: words are ANDed; each word matches case-insensitively as a
  prefix of any word of the record (title, authors, venue, year); `word$` matches the whole word only;
  `a|b` is either. `-` and `.` are read as plain words, as DBLP has done since 2017.
- The answer's shape is DBLP's: `{"result": {"query", "status": {"@code", "text"}, "time": {"@unit",
  "text"}, "completions": {"@total", "@computed", "@sent", "c"}, "hits": {"@total", "@computed",
  "@sent", "@first", "hit": [{"@score", "@id", "info": {...}, "url"}]}}}`, with its XML-born quirks:
  every number a string, `hit` a list (absent when nothing matched), one author an object rather
  than a list of one, one completion an object too.
- Ranking: hits whose title holds more of the query's words, then shorter titles, then newer years.
- `GET /rec/<key>.xml` (e.g. `/rec/conf/sosp/PeiCYJ17.xml`): the record as DBLP exports it, built from
  the same publications: `<dblp><inproceedings key=... mdate=...>` (or `article`, with
  `publtype="informal"` for CoRR, `incollection`, `book`, `phdthesis`, `proceedings` as the hit's type
  says) holding `author` (with its `pid`), `title`, `pages`, `year`, `volume`, `journal` or
  `booktitle`, `number`, `ee` and `url`, in US-ASCII with every other character as a numeric
  reference, as DBLP sends it. An unknown key is a 404.
- Faults on demand: `throttle_next(n, retry_after)` (429 with `Retry-After` seconds), `fail_next(n,
  status)` (503 by default), `slow_next(n, seconds)`, `malformed_next(n)` (a 200 whose body is cut
  short), `failing = 503` (every request), and `min_interval` (seconds): a request sooner than that
  after the previous one gets a 429 with `Retry-After`, as DBLP throttles clients that are not gentle.
- It counts: `requests`, `throttled`, a `log` of (path, query, status) and `times` (the
  `time.monotonic()` of each request's arrival), so a test can check a client's pacing.

Fed with the `info` objects a test gives (`add_publication(info)`, `add_venue(info)`).
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import time
import unicodedata
import urllib.parse
from collections import deque
from typing import Iterable
from xml.sax.saxutils import escape

from tests.servers.loopback import Handler, LoopbackServer

MAX_HITS = 1000
MAX_COMPLETIONS = 1000
DEFAULT_HITS = 30
DEFAULT_COMPLETIONS = 10
MAX_COMPUTED = 10000     # DBLP computes at most this many hits of a query


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(value: str) -> list[str]:
    return re.findall(r"\w+", _fold(value))


def _text(value) -> str:
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return str(value or "")


def _many(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _one_or_many(values: list):
    """DBLP's JSON is XML turned into JSON: a list of one is the element itself."""
    return values[0] if len(values) == 1 else values


class _Entry:
    """One indexed record: its JSON `info`, and the words a query can match."""

    def __init__(self, info: dict, ident: int):
        self.info = info
        self.id = ident
        self.title_words = _words(_text(info.get("title")))
        names = [_text(a) for a in _many((info.get("authors") or {}).get("author"))]
        venues = [_text(v) for v in _many(info.get("venue"))]
        rest = " ".join(names + venues + [_text(info.get("year")), _text(info.get("acronym"))])
        self.words = set(self.title_words) | set(_words(rest))


class DblpServer(LoopbackServer):
    thread_name = "dblp-api"

    def __init__(self, publications: Iterable[dict] = (), venues: Iterable[dict] = (), *,
                 min_interval: float = 0.0):
        self.publications: list[_Entry] = []
        self.venues: list[_Entry] = []
        self._ids = itertools.count(1)
        for info in publications:
            self.add_publication(info)
        for info in venues:
            self.add_venue(info)
        self.min_interval = min_interval
        self.failing: int | None = None
        self._faults: deque[tuple[str, object]] = deque()
        self._lock = threading.Lock()
        self._last_admitted: float | None = None
        self.reset_counters()

    # --- data -----------------------------------------------------------------------------------

    def add_publication(self, info: dict) -> None:
        """Index one publication, given as the `info` object of a DBLP hit."""
        info = dict(info)
        info.setdefault("url", f"https://dblp.org/rec/{info.get('key', '')}")
        self.publications.append(_Entry(info, next(self._ids)))

    def add_venue(self, info: dict) -> None:
        """Index one venue: {"venue", "acronym", "type", "url"}."""
        self.venues.append(_Entry(dict(info), next(self._ids)))

    # --- faults and counters --------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        self._faults.extend([("fail", status)] * n)

    def throttle_next(self, n: int = 1, retry_after: float | str = 1) -> None:
        self._faults.extend([("throttle", retry_after)] * n)

    def slow_next(self, n: int = 1, seconds: float = 0.5) -> None:
        self._faults.extend([("slow", seconds)] * n)

    def malformed_next(self, n: int = 1) -> None:
        self._faults.extend([("malformed", None)] * n)

    def reset_counters(self) -> None:
        self.requests = 0
        self.throttled = 0
        self.log: list[tuple[str, str, int]] = []
        self.times: list[float] = []

    # --- the protocol ---------------------------------------------------------------------------

    def arrive(self) -> tuple[str, object] | None:
        """Count one request; the fault it gets, if any (a throttle when it came too soon)."""
        with self._lock:
            now = time.monotonic()
            self.requests += 1
            self.times.append(now)
            fault = self._faults.popleft() if self._faults else None
            if fault is None and self.min_interval and self._last_admitted is not None:
                early = self.min_interval - (now - self._last_admitted)
                if early > 0:
                    fault = ("throttle", max(1, round(early + 0.5)))
            if fault is None or fault[0] in ("slow", "malformed"):
                self._last_admitted = now
        if fault is None and self.failing:
            return ("fail", self.failing)
        return fault

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET."""
        if path.startswith("/rec/") and path.endswith(".xml"):
            return self.record(path[len("/rec/"):-len(".xml")])
        if path == "/search/publ/api":
            index = self.publications
        elif path == "/search/venue/api":
            index = self.venues
        else:
            return 404, "text/html", b"<h1>Not Found</h1>"
        try:
            hits = min(MAX_HITS, max(0, int(params.get("h", DEFAULT_HITS))))
            first = max(0, int(params.get("f", 0)))
            completions = min(MAX_COMPLETIONS, max(0, int(params.get("c", DEFAULT_COMPLETIONS))))
        except ValueError:
            return 400, "text/html", b"<h1>Bad Request</h1>"
        query = params.get("q", "")
        started = time.perf_counter()
        found = self.search(index, query)
        result = {
            "query": _echo(query),
            "status": {"@code": "200", "text": "OK"},
            "time": {"@unit": "msecs", "text": f"{(time.perf_counter() - started) * 1000:.2f}"},
            "completions": self._completions(index, query, completions),
            "hits": self._hits(found, first, hits),
        }
        if params.get("format") == "json":
            return 200, "application/json", json.dumps({"result": result}).encode("utf-8")
        return 200, "application/xml", _xml(result)

    def record(self, key: str) -> tuple[int, str, bytes]:
        """`/rec/<key>.xml`: one publication in DBLP's XML record format."""
        entry = next((e for e in self.publications if e.info.get("key") == key), None)
        if entry is None:
            return 404, "text/html", b"<h1>Not Found</h1>"
        return 200, "application/xml", _record_xml(entry.info)

    def search(self, index: list[_Entry], query: str) -> list[tuple[int, _Entry]]:
        """(score, entry) of every entry matching all query terms, best first."""
        terms = [t for t in (_terms(part) for part in query.split()) if t]
        if not terms:
            return []
        scored = []
        for entry in index:
            if not all(any(_matches(alt, entry.words) for alt in term) for term in terms):
                continue
            in_title = sum(1 for term in terms if any(_matches(alt, entry.title_words) for alt in term))
            year_text = _text(entry.info.get("year"))
            year = int(year_text) if year_text.isdigit() else 0
            scored.append(((in_title, -len(entry.title_words), year, -entry.id), in_title, entry))
        scored.sort(key=lambda s: s[0], reverse=True)
        return [(score, entry) for _, score, entry in scored]

    def _hits(self, found: list[tuple[int, _Entry]], first: int, hits: int) -> dict:
        page = found[first:first + hits]
        out = {"@total": str(len(found)), "@computed": str(min(len(found), MAX_COMPUTED)),
               "@sent": str(len(page)), "@first": str(first)}
        if page:
            out["hit"] = [{"@score": str(score), "@id": str(entry.id), "info": _shaped(entry.info),
                           "url": f"URL#{entry.id}"} for score, entry in page]
        return out

    def _completions(self, index: list[_Entry], query: str, wanted: int) -> dict:
        """Completions of the query's last word: the indexed words it is a prefix of, commonest first."""
        parts = query.split()
        last = _words(parts[-1])[-1:] if parts else []
        counts: dict[str, int] = {}
        if last:
            for entry in index:
                for word in entry.words:
                    if word.startswith(last[0]):
                        counts[word] = counts.get(word, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        sent = ranked[:wanted]
        out = {"@total": str(len(ranked)), "@computed": str(len(ranked)), "@sent": str(len(sent))}
        if sent:
            out["c"] = _one_or_many([{"@sc": str(n), "@dc": str(n), "@oc": str(n), "@id": str(i),
                                      "text": word} for i, (word, n) in enumerate(sent, start=1)])
        return out


def _terms(part: str) -> list[tuple[str, bool]]:
    """One query word as its alternatives: (folded word, exact?). `a|b$` -> [(a, False), (b, True)]."""
    out = []
    for alt in part.split("|"):
        exact = alt.endswith("$")
        words = _words(alt)
        if words:
            out.append((words[0], exact))
    return out


def _matches(term: tuple[str, bool], words) -> bool:
    word, exact = term
    if exact:
        return word in words
    return any(w.startswith(word) for w in words)


def _shaped(info: dict) -> dict:
    """`info` as DBLP's JSON has it: one author an object, not a list of one."""
    out = dict(info)
    authors = out.get("authors")
    if isinstance(authors, dict) and isinstance(authors.get("author"), list):
        out["authors"] = {"author": _one_or_many(authors["author"])}
    return out


def _echo(query: str) -> str:
    """DBLP echoes the query with each word marked as a prefix search: 'a b' -> 'a* b*'."""
    return " ".join(w if w.endswith("$") else w + "*" for w in query.split())


def _xml(result: dict) -> bytes:
    hits = result["hits"]
    body = "".join(f'<hit score="{h["@score"]}" id="{h["@id"]}"><info><title>{escape(_text(h["info"].get("title")))}'
                   f'</title></info></hit>' for h in hits.get("hit", []))
    return (f'<?xml version="1.0" encoding="UTF-8"?><result><query>{escape(result["query"])}</query>'
            f'<status code="200">OK</status><hits total="{hits["@total"]}" computed="{hits["@computed"]}" '
            f'sent="{hits["@sent"]}" first="{hits["@first"]}">{body}</hits></result>').encode("utf-8")


# The search hit's `type` -> the record's element, and the element naming its venue.
RECORD_ELEMENTS = {
    "Conference and Workshop Papers": ("inproceedings", "booktitle"),
    "Journal Articles": ("article", "journal"),
    "Informal and Other Publications": ("article", "journal"),
    "Informal Publications": ("article", "journal"),
    "Parts in Books or Collections": ("incollection", "booktitle"),
    "Books and Theses": ("book", "publisher"),
    "Editorship": ("proceedings", "booktitle"),
}


def _record_xml(info: dict) -> bytes:
    key = str(info.get("key", ""))
    element, venue_tag = RECORD_ELEMENTS.get(_text(info.get("type")), ("article", "journal"))
    if element == "book" and key.startswith("phd/"):
        element, venue_tag = "phdthesis", "school"
    attrs = f' key="{escape(key)}" mdate="{escape(str(info.get("mdate", "2024-01-01")))}"'
    if _text(info.get("type")).startswith("Informal"):
        attrs += ' publtype="informal"'
    lines = []
    for author in _many((info.get("authors") or {}).get("author")):
        pid = author.get("@pid") if isinstance(author, dict) else None
        pid_attr = f' pid="{escape(pid)}"' if pid else ""
        lines.append(f"<author{pid_attr}>{escape(_text(author))}</author>")
    lines.append(f"<title>{escape(_text(info.get('title')))}</title>")
    for tag, value in (("pages", info.get("pages")), ("year", info.get("year")), ("volume", info.get("volume")),
                       (venue_tag, info.get("venue")), ("number", info.get("number"))):
        for one in _many(value):
            if _text(one):
                lines.append(f"<{tag}>{escape(_text(one))}</{tag}>")
    for link in _many(info.get("ee")):
        oa = ' type="oa"' if "arxiv.org" in _text(link) else ""
        lines.append(f"<ee{oa}>{escape(_text(link))}</ee>")
    parts = key.split("/")
    if len(parts) == 3 and info.get("year") and element in ("inproceedings", "article"):
        stream, name = parts[1], parts[2]
        issue = _text(info.get("year")) if element == "inproceedings" else _text(info.get("volume")) or _text(info.get("year"))
        lines.append(f"<url>db/{parts[0]}/{stream}/{stream}{escape(issue)}.html#{escape(name)}</url>")
    body = "".join(f"\n{line}" for line in lines)
    text = f'<?xml version="1.0" encoding="US-ASCII"?>\n<dblp>\n<{element}{attrs}>{body}\n</{element}>\n</dblp>\n'
    return text.encode("ascii", "xmlcharrefreplace")


class _Handler(Handler):
    api: DblpServer

    def do_GET(self) -> None:
        api = self.api
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path).rstrip("/") or "/"
        params = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        fault = api.arrive()
        headers: dict[str, str] = {}
        if fault and fault[0] == "throttle":
            status, ctype, body = 429, "text/html", b"<h1>Too Many Requests</h1>"
            headers["Retry-After"] = str(fault[1])
            with api._lock:
                api.throttled += 1
        elif fault and fault[0] == "fail":
            status, ctype, body = int(fault[1]), "text/html", b"<h1>Service Unavailable</h1>"
        else:
            if fault and fault[0] == "slow":
                time.sleep(float(fault[1]))
            status, ctype, body = api.answer(path, params)
            if fault and fault[0] == "malformed":
                body = body[: max(1, len(body) // 2)]
        with api._lock:
            api.log.append((path, split.query, status))
        self.reply(status, {"Content-Type": ctype, **headers}, body)


DblpServer.handler = _Handler
