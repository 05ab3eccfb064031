"""links: every link the outputs publish, checked, with a cache of verdicts in data/raw/links.

Which links: the catalog the build makes (`merge.build`), read as the writers read it: each visible
paper's link (`readme.link_of`: the README and the page), the URL the .bib, CSL-JSON and CSV carry
(every paper, hidden ones too), the page's doi.org link, and each long review's file (checked on
disk: a relative link in the repository). One URL used by two papers is asked once and reported
under both; every finding names the Zotero item key and title, since the fix belongs in Zotero.

The cache, one small canonical JSON file per URL (committed, like the other caches):

    urls/<sha1 of the URL>.json   {"url", "verdict", "status", "final_url", "redirects", "reason",
                                   "moved_to", "checked": "YYYY-MM-DD", "broken_since", "archive"}

A verdict is asked again once it is `[links] max_age_days` old (or with --refresh), so a weekly run
pays only for what expired. An "unknown" answer (rate limited, out of time) is not written: the old
verdict stands. `broken_since` is the first check of the current broken run; with
`[links] mend = "archive"`, emit publishes a link broken for `mend_after_days` (measured between
`broken_since` and the last check, so the same cache gives the same bytes on any day) as its Internet
Archive capture (`mend`).
"""
from __future__ import annotations

import hashlib
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import orjson

from pipeline.config import Settings
from pipeline.machinery import files
from pipeline.machinery.cache import JsonCache
from pipeline.model import Catalog, CorruptCacheEntry, Problem, Record
from pipeline.render import urls
from pipeline.render.markdown import clean
from pipeline.render.readme import link_of
from pipeline.report import Reporter
from pipeline.sources import links as checking
from pipeline.stages import Options, merge

from pipeline.sources.links import BROKEN, BROWSER, MOVED, OK, UNKNOWN

URLS = "urls"
ARCHIVED = "archived"     # a record's url_status once mend published its archived copy


# --- which links the outputs publish ---------------------------------------------------------------

@dataclass(frozen=True)
class Use:
    """Where one URL is published: the item, its title, and as what (paper, doi, review)."""

    key: str
    title: str
    kind: str


def doi_link(doi: str) -> str:
    """The page's DOI link, encoded as its script encodes it (encodeURIComponent per path segment)."""
    return "https://doi.org/" + "/".join(urllib.parse.quote(part, safe="-_.!~*'()") for part in doi.split("/"))


def published(catalog: Catalog) -> dict[str, list[Use]]:
    """{URL or review path: its uses}, in catalog order. Review files are repository paths."""
    found: dict[str, list[Use]] = {}

    def add(url: str, record: Record, kind: str) -> None:
        if url:
            uses = found.setdefault(url, [])
            use = Use(record.key, clean(record.title) or record.key, kind)
            if use not in uses:
                uses.append(use)

    for r in catalog.records:
        if not r.hidden:
            add(link_of(r), r, "paper")
            if clean(r.doi):
                add(doi_link(clean(r.doi)), r, "doi")
            if r.review_text and clean(r.review_path):
                add(clean(r.review_path), r, "review")
        add(urls.safe_url(r.url), r, "paper")        # the .bib, CSL-JSON and CSV, hidden papers too
    return found


def is_web(url: str) -> bool:
    return url.startswith(("http://", "https://"))


# --- the cache ---------------------------------------------------------------------------------------

def url_id(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


class LinkCache(JsonCache):
    """data/raw/links: one verdict per URL."""

    def verdict(self, url: str) -> dict | None:
        return self._read(self.file(URLS, f"{url_id(url)}.json"), lambda doc: _valid(doc, url))

    def write(self, doc: dict, durable: bool = True) -> bool:
        return self._write(self.folder / URLS / f"{url_id(doc['url'])}.json", doc, durable)


def _valid(doc: object, url: str) -> str:
    if not isinstance(doc, dict) or doc.get("url") != url:
        return "not a link verdict for this URL"
    if doc.get("verdict") not in (OK, BROKEN, MOVED, BROWSER):
        return f"unknown verdict {doc.get('verdict')!r}"
    try:
        date.fromisoformat(doc.get("checked", ""))
    except (TypeError, ValueError):
        return "no `checked` date"
    return ""


def age(doc: dict, today: date) -> int:
    return (today - date.fromisoformat(doc["checked"])).days


def record_answer(answer, old: dict | None, today: date, archive) -> dict:
    """The cache entry for a fresh answer (`pipeline.sources.links.Answer`), keeping when the link
    first broke and the archived copy found before."""
    doc = {"url": answer.url, "verdict": answer.verdict, "status": answer.status, "final_url": answer.final_url,
           "redirects": [list(hop) for hop in answer.redirects], "reason": answer.reason,
           "moved_to": answer.moved_to, "checked": today.isoformat(), "broken_since": ""}
    if answer.verdict == BROKEN:
        was_broken = old is not None and old.get("verdict") == BROKEN and old.get("broken_since")
        doc["broken_since"] = old["broken_since"] if was_broken else today.isoformat()
        if archive is not None:
            doc["archive"] = {"url": archive.url, "timestamp": archive.timestamp}
        elif was_broken and isinstance(old.get("archive"), dict):
            doc["archive"] = old["archive"]
    return doc


# --- findings --------------------------------------------------------------------------------------

@dataclass
class Finding:
    url: str
    verdict: str
    uses: list[Use]
    doc: dict = field(default_factory=dict)
    suggestions: list[tuple[str, str]] = field(default_factory=list)   # (URL, what it is)
    mended: bool = False


def suggestions(url: str, doc: dict, records: list[Record]) -> list[tuple[str, str]]:
    """For a broken link, in order: the item's doi.org link, its arXiv abstract page, the Internet
    Archive's capture. (Records hold no open-access copy of their own yet; one would go third.)"""
    out: list[tuple[str, str]] = []
    for r in records:
        doi, arxiv = clean(r.doi), clean(r.arxiv)
        if doi:
            out.append((doi_link(doi), "DOI"))
        if arxiv:
            out.append((f"https://arxiv.org/abs/{urllib.parse.quote(arxiv, safe='./')}", "arXiv"))
    archive = doc.get("archive")
    if isinstance(archive, dict) and archive.get("url"):
        stamp = str(archive.get("timestamp", ""))
        when = f", {stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if len(stamp) >= 8 else ""
        out.append((archive["url"], f"Internet Archive{when}"))
    return [s for s in dict.fromkeys(out) if s[0] != url]


def mendable(doc: dict | None, settings: Settings) -> str:
    """The archived copy to publish instead of a broken link, or "" (mending off, not broken long
    enough, no capture). Decided from the cache alone: same cache, same bytes."""
    if settings.links.mend != "archive" or not doc or doc.get("verdict") != BROKEN:
        return ""
    archive = doc.get("archive")
    try:
        days = (date.fromisoformat(doc["checked"]) - date.fromisoformat(doc.get("broken_since", ""))).days
    except (KeyError, TypeError, ValueError):
        return ""
    if days < settings.links.mend_after_days or not isinstance(archive, dict):
        return ""
    return urls.safe_url(archive.get("url", ""))


def findings(catalog: Catalog, cache: LinkCache, settings: Settings, problems: list[Problem] | None = None,
             fresh: dict[str, dict] | None = None) -> tuple[list[Finding], dict[str, dict]]:
    """(a finding per published link that is not ok, {URL: its verdict}) from the cache, or from
    `fresh` verdicts not written (a dry run)."""
    by_key = {r.key: r for r in catalog.records}
    docs: dict[str, dict] = {}
    out = []
    for url, uses in published(catalog).items():
        if not is_web(url):
            if not (settings.paths.root / url).is_file():
                out.append(Finding(url, BROKEN, uses, {"reason": "no such file in the repository"}))
            continue
        try:
            doc = (fresh or {}).get(url) or cache.verdict(url)
        except CorruptCacheEntry as exc:
            if problems is not None:
                problems.append(exc.problem(""))
            doc = None
        if doc is None:
            continue
        docs[url] = doc
        if doc["verdict"] == OK:
            continue
        finding = Finding(url, doc["verdict"], uses, doc)
        if doc["verdict"] == BROKEN:
            finding.suggestions = suggestions(url, doc, [by_key[u.key] for u in uses if u.key in by_key])
            finding.mended = any(u.kind == "paper" for u in uses) and bool(mendable(doc, settings))
        out.append(finding)
    order = {BROKEN: 0, MOVED: 1, BROWSER: 2}
    out.sort(key=lambda f: (order.get(f.verdict, 3), f.uses[0].key, f.url))
    return out, docs


def as_problems(found: list[Finding]) -> list[Problem]:
    """The findings as `make check` lists them: broken is an error (a warning once mended), moved a
    warning; needs-a-browser is counted, not listed."""
    out = []
    for f in found:
        for use in f.uses:
            if f.verdict == BROKEN:
                tried = "; try " + ", ".join(f"{u} ({what})" for u, what in f.suggestions) if f.suggestions else ""
                if f.mended:
                    out.append(Problem(use.key, f"{use.kind} link {f.url} is broken ({f.doc.get('reason', '')}) and "
                                       "published as its Internet Archive copy" + tried, "warning", "link-broken"))
                else:
                    out.append(Problem(use.key, f"{use.kind} link {f.url} is broken ({f.doc.get('reason', '')})"
                                       + tried, "error", "link-broken"))
            elif f.verdict == MOVED:
                out.append(Problem(use.key, f"{use.kind} link {f.url} moved permanently to {f.doc.get('moved_to')}: "
                                   "link the new address in Zotero", "warning", "link-moved"))
    return out


def summary(found: list[Finding], docs: dict[str, dict], links: dict[str, list[Use]], today: date) -> str:
    """One line: how many links, the verdicts, how old they are, how many were never checked."""
    counts = {v: sum(f.verdict == v for f in found) for v in (BROKEN, MOVED, BROWSER)}
    missing_files = {f.url for f in found if not is_web(f.url)}
    ok = sum(d["verdict"] == OK for d in docs.values()) + sum(
        1 for u in links if not is_web(u) and u not in missing_files)      # review files that are there
    total = len(links)
    never = sum(1 for u in links if is_web(u) and u not in docs)
    ages = [age(d, today) for d in docs.values()]
    old = f"verdicts {min(ages)}-{max(ages)} days old" if ages else "no verdicts yet"
    text = (f"{total} links: {ok} ok, {counts[MOVED]} moved, {counts[BROKEN]} broken, "
            f"{counts[BROWSER]} need a browser; {old}")
    return text + (f"; {never} never checked (run `python -m pipeline links`)" if never > 0 else "")


def report_lines(found: list[Finding]) -> list[str]:
    """The findings for a terminal, each naming the item and what to do."""
    lines = []
    for f in found:
        who = "; ".join(f"{u.key} {_short(u.title)} ({u.kind})" for u in f.uses)
        lines.append(f"{f.verdict:<15} {who}")
        reason = f.doc.get("reason", "")
        if f.verdict == MOVED:
            lines.append(f"{'':15} {f.url} -> {f.doc.get('moved_to', '')}")
        else:
            since = f", broken since {f.doc['broken_since']}" if f.doc.get("broken_since") else ""
            lines.append(f"{'':15} {f.url}: {reason}{since}" + (" [archived]" if f.mended else ""))
        if f.suggestions:
            lines.append(f"{'':15} try " + ", ".join(f"{u} ({what})" for u, what in f.suggestions))
    return lines


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- since the last sync, for the weekly pull request ------------------------------------------------

def committed_verdicts(settings: Settings) -> dict[str, dict]:
    """The verdicts as git's HEAD has them (the last sync's), by URL; {} outside a repository."""
    root = settings.paths.root
    try:
        folder = (settings.paths.links / URLS).relative_to(root).as_posix()
        listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD", "--", folder], cwd=root,
                                capture_output=True, check=False)
        names = listed.stdout.decode("utf-8", "replace").split() if listed.returncode == 0 else []
        if not names:
            return {}
        batch = subprocess.run(["git", "cat-file", "--batch"], cwd=root, capture_output=True, check=False,
                               input="".join(f"HEAD:{name}\n" for name in names).encode())
    except (OSError, ValueError):
        return {}
    out, data, at = {}, batch.stdout, 0
    while at < len(data):
        end = data.index(b"\n", at)
        header = data[at:end].split()
        at = end + 1
        if len(header) != 3:       # "<name> missing"
            continue
        size = int(header[2])
        try:
            doc = orjson.loads(data[at:at + size])
        except orjson.JSONDecodeError:
            doc = None
        at += size + 1
        if isinstance(doc, dict) and isinstance(doc.get("url"), str):
            out[doc["url"]] = doc
    return out


def changed(settings: Settings, catalog: Catalog, before: dict[str, dict]
            ) -> list[tuple[str, str, str, str, str, str]]:
    """(verdict, key, title, URL, what now, the new URL when moved) of each published link that is
    broken or moved now and was not so in `before` (the last sync's verdicts)."""
    found, _ = findings(catalog, LinkCache(settings.paths.links), settings)
    out = []
    for f in found:
        if f.verdict not in (BROKEN, MOVED) or (before.get(f.url) or {}).get("verdict") == f.verdict:
            continue
        now = ("moved to" if f.verdict == MOVED else
               f.doc.get("reason", "") + (" (published as its archived copy)" if f.mended else ""))
        out += [(f.verdict, u.key, u.title, f.url, now, f.doc.get("moved_to", "") if f.verdict == MOVED else "")
                for u in f.uses]
    return out


# --- the stage ---------------------------------------------------------------------------------------

def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def run(settings: Settings, options: Options, reporter: Reporter, *, today: date | None = None,
        policy=None, catalog: Catalog | None = None) -> bool:
    """Check what expired (everything with --refresh, nothing with --offline), then report from the
    cache. True when a published link is broken and not mended. `policy`: tests pass one whose
    sleep only records."""
    today = today or today_utc()
    catalog = catalog if catalog is not None else merge.build(settings)
    cache = LinkCache(settings.paths.links)
    links = published(catalog)
    web = [u for u in links if is_web(u)]
    due = []
    for url in web:
        try:
            doc = cache.verdict(url)
        except CorruptCacheEntry as exc:
            reporter.problem(exc.problem("checked again"))
            doc = None
        if options.refresh or doc is None or age(doc, today) >= settings.links.max_age_days:
            due.append((url, doc))
    checked, requests, fresh = 0, 0, {}
    if due and options.offline:
        reporter.info(f"links: offline: {len(due)} of {len(web)} links are due a check; answering from the cache")
    elif due:
        checked, requests, fresh = _check_due(settings, options, reporter, cache, due, today, policy)
    found, docs = findings(catalog, LinkCache(settings.paths.links), settings, fresh=fresh)
    for line in report_lines(found):
        reporter.info(line)
    asked = f"; {checked} checked now ({requests} requests)" if requests else ""
    reporter.info(f"links: {summary(found, docs, links, today)}{asked}"
                  + (" (dry run: nothing written)" if options.dry_run and requests else ""))
    return any(f.verdict == BROKEN and not f.mended for f in found)


def _check_due(settings: Settings, options: Options, reporter: Reporter, cache: LinkCache,
               due: list[tuple[str, dict | None]], today: date, policy) -> tuple[int, int, dict[str, dict]]:
    """Ask the servers about `due`; (links checked, requests sent, {URL: new verdict})."""
    conf = settings.links
    policy = policy or checking.default_policy(conf.timeout)
    old = dict(due)
    fresh: dict[str, dict] = {}
    with checking.LinkChecker(contact=settings.crossref_mailto, per_host=conf.per_host, rate=conf.rate,
                              run_timeout=conf.run_timeout, policy=policy) as checker, \
            reporter.progress("checking links", len(due)) as bar:
        answers = checker.check_all([u for u, _ in due], on_done=lambda _answer: bar.advance())
        unknown = 0
        for url, _ in due:
            answer = answers[url]
            if answer.verdict == UNKNOWN:
                unknown += 1
                reporter.detail(f"links: {url}: {answer.reason} (the old verdict stands)")
                continue
            snapshot = None
            previous = old.get(url)
            if answer.verdict == BROKEN and (options.refresh or not (previous or {}).get("archive")):
                snapshot, why = checker.archived(conf.archive_api_url, url)
                if why:
                    reporter.detail(f"links: {url}: {why}")
            doc = fresh[url] = record_answer(answer, previous, today, snapshot)
            if not options.dry_run:
                cache.write(doc, durable=False)     # a thousand fsyncs cost more than the checks
        files.flush()
        if unknown:
            reporter.problem(Problem("links", f"{unknown} link(s) could not be checked now (rate limited or out of "
                                     "time); their old verdicts stand and the next run asks again", "notice",
                                     "links-unchecked"))
        return len(due) - unknown, checker.requests, fresh


# --- mending, for emit ---------------------------------------------------------------------------

def mend(settings: Settings, catalog: Catalog) -> Catalog:
    """The catalog with each paper link broken for `mend_after_days` replaced by its Internet Archive
    capture and marked (`url_status = "archived"`). The Zotero items are not touched."""
    if settings.links.mend != "archive":
        return catalog
    cache = LinkCache(settings.paths.links)
    records = []
    for r in catalog.records:
        link = link_of(r) if not r.hidden else urls.safe_url(r.url)
        try:
            replacement = mendable(cache.verdict(link), settings) if link else ""
        except CorruptCacheEntry:
            replacement = ""
        records.append(r.evolve(url=replacement, url_status=ARCHIVED) if replacement else r)
    # A mended link changes no section or visibility: the tree merge built still stands.
    return Catalog(title=catalog.title, sections=catalog.sections, records=tuple(records),
                   problems=catalog.problems, tree=catalog.tree)
