"""add: papers named by DOI, arXiv id, DBLP key or link -> new items in the Zotero collection, then a pull.

Each identifier is looked up where it is kept (Crossref for a DOI, arXiv's API for a preprint, DBLP
for a record key, with Crossref too when the record has a DOI), so the item is made whole: title,
authors, date, venue, DOI. Every lookup is done before anything is written: an identifier that does
not resolve, or a paper the list already holds (the same DOI or arXiv id, the published version of a
listed preprint, or the same title), is refused in one line naming it, and the others go on. The new
items are filed in the section given, with the summary as a child note tagged with the summary tag;
then the collection is pulled, so the next build shows them.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from pipeline import identifiers
from pipeline.config import Settings
from pipeline.convert import arxiv as arxiv_convert
from pipeline.convert import crossref as crossref_convert
from pipeline.convert import dblp as dblp_convert
from pipeline.convert import to_zotero
from pipeline.machinery import files
from pipeline.model import Problem, Record, catalog_from_dict
from pipeline.report import Reporter
from pipeline.rules import curate
from pipeline.sources import arxiv, crossref, dblp, http
from pipeline.stages import Options, StageError, pull, push, source_errors


@dataclass
class Found:
    given: identifiers.Identifier
    record: Record
    url: str


def lookup(settings: Settings, ident: identifiers.Identifier, title: str,
           policy: http.RetryPolicy | None = None) -> Found:
    """The paper `ident` names, from its source (LookupFailed when it names none; a source's error when
    the source cannot be asked)."""
    if ident.kind == identifiers.URL:
        if not title.strip():
            raise LookupFailed(f"a web page needs its title: add --title \"...\"")
        return Found(ident, Record(key="", item_type="webpage", title=title.strip(), url=ident.value), ident.value)
    if ident.kind == identifiers.DOI:
        fields = crossref_work(settings, ident.value, policy)
        if fields is None:
            raise LookupFailed(f"Crossref does not know DOI {ident.value}; nothing added for it")
        if fields.get("doi", "").lower() == ident.value.lower():
            fields["doi"] = ident.value        # as typed: the registrant's case, which Crossref folds
        return Found(ident, _record(fields, title), f"https://doi.org/{fields.get('doi', ident.value)}")
    if ident.kind == identifiers.ARXIV:
        with arxiv.ArxivClient(settings.arxiv_api_url, policy=policy) as client:
            try:
                fields = arxiv_convert.entry_fields(client.feed(ident.value))
            except arxiv_convert.FeedError as exc:
                raise LookupFailed(str(exc)) from None
        if fields is None:
            raise LookupFailed(f"arXiv has no paper {ident.value}; nothing added for it")
        return Found(ident, _record(fields, title), fields["url"])
    with dblp.DblpClient(settings.dblp_api_url, policy=policy) as client:
        outcome = client.record(ident.value)
    if outcome.kind == "not-found":
        raise LookupFailed(f"DBLP has no record {ident.value}; nothing added for it")
    if outcome.kind != "found":
        raise dblp.DblpError(outcome.reason)       # the caller's source_errors says "nothing was added"
    fields = dblp_convert.hit_fields(outcome.value[0])
    url = next(iter(dblp_convert.links(dblp_convert.info_of(outcome.value[0]))), "")
    if fields.get("doi") and not fields.get("arxiv"):
        fields.update(crossref_work(settings, fields["doi"], policy) or {})
    return Found(ident, _record(fields, title), url or f"https://dblp.org/rec/{ident.value}")


class LookupFailed(Exception):
    """This identifier names no paper (the others may)."""


def crossref_work(settings: Settings, doi: str, policy: http.RetryPolicy | None) -> dict | None:
    with crossref.CrossrefClient(settings.crossref_api_url, settings.crossref_mailto, policy=policy) as client:
        work = client.work(doi)
    return None if work is None or crossref_convert.is_not_found(work) else crossref_convert.work_fields(work)


def _record(fields: dict, title: str) -> Record:
    known = {k: v for k, v in fields.items() if k in Record.__dataclass_fields__}
    record = Record(key="", **known)
    return record.evolve(title=title.strip()) if title.strip() else record


# --- the list as it is ------------------------------------------------------------------------------

def section_key(remote: push.Remote, top: str, name: str) -> str:
    """The collection of the section called `name` (or `Parent > Child`), below the top collection."""
    tree = remote.tree - {top}
    paths: dict[str, str] = {}
    for key in tree:
        names, at, seen = [], key, set()
        while at in tree and at not in seen:
            seen.add(at)
            names.append(str(remote.collections[at].get("name", "")))
            at = remote.collections[at].get("parentCollection") or ""
        paths[key] = " > ".join(reversed(names))
    wanted = " ".join(name.split()).casefold()
    by_path = [k for k, p in paths.items() if p.casefold() == wanted]
    by_name = [k for k, p in paths.items() if p.rsplit(" > ", 1)[-1].casefold() == wanted]
    found = by_path or by_name
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise StageError(f"add: more than one section is called {name!r}: name it as "
                         + " or ".join(repr(paths[k]) for k in sorted(found, key=paths.get)))
    near = difflib.get_close_matches(name, sorted(paths.values()), n=1, cutoff=0.6)
    raise StageError(f"add: the list has no section {name!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
                     + f"; its sections: {', '.join(sorted(paths.values())) or 'none yet'}")


def listed(remote: push.Remote, settings: Settings) -> list[tuple[Record, str]]:
    """Every paper the list holds, with how a message names it: what the collection holds now, and the
    last build's catalog (it knows the published version of a listed preprint)."""
    out = [(record, record.key) for record in push.records_of(remote.items)]
    records = settings.paths.records
    if records.is_file():
        try:
            catalog = catalog_from_dict(files.read_json(records))
        except (ValueError, TypeError, OSError):
            catalog = None
        for record in catalog.records if catalog else ():
            out.append((record, record.key))
    return out


def duplicate_of(record: Record, others: list[tuple[Record, str]]) -> str:
    """How `record` is already in the list ("" when it is not)."""
    mine = {("DOI", d.lower()) for d in (record.doi, record.published_doi) if d}
    mine |= {("arXiv id", record.arxiv)} if record.arxiv else set()
    title = curate.title_key(record.title)
    for other, key in others:
        theirs = {("DOI", d.lower()) for d in (other.doi, other.published_doi) if d}
        theirs |= {("arXiv id", other.arxiv)} if other.arxiv else set()
        same = sorted(mine & theirs)
        if same or (title and curate.title_key(other.title) == title):
            how = f"the same {same[0][0]}" if same else "the same title"
            return f"{key} {other.title[:60]!r} ({how})"
    return ""


# --- the stage --------------------------------------------------------------------------------------

def run(settings: Settings, options: Options, reporter: Reporter, ids: list[str], *, section: str,
        summary: str = "", tags: list[str] | tuple[str, ...] = (), title: str = "",
        policy: http.RetryPolicy | None = None) -> list[str]:
    """Adds the papers; returns the keys of the items made."""
    if options.offline:
        raise StageError("add: --offline: looking papers up and writing them to Zotero need the network; "
                         "nothing was changed")
    parsed = []
    for given in ids:
        try:
            parsed.append(identifiers.parse(given))
        except identifiers.NotAnIdentifier as exc:
            reporter.problem(Problem(given[:80], f"{exc}; nothing added for it", "error", "add"))
    state_path = settings.paths.zotero / files.STATE
    if state_path.is_file() and files.snapshot_state(settings.paths.zotero).get("source") == "import-readme":
        raise StageError("add: the list is still the imported one, not yet in Zotero: run `python -m pipeline "
                         "push` first; nothing was changed")
    with source_errors("add", "nothing was changed"):
        writer = push.connect(settings, policy)
    try:
        with source_errors("add"):      # no "nothing was added": the items may be made when the notes fail
            remote = push.read_remote(writer.client, settings.collection, settings, set())
            target = section_key(remote, settings.collection, section)
            others = listed(remote, settings)
            found: list[Found] = []
            for ident in parsed:
                # A DOI or arXiv id the list already holds is refused before anyone is asked about it.
                typed = Record(key="", doi=ident.value if ident.kind == identifiers.DOI else "",
                               arxiv=ident.value if ident.kind == identifiers.ARXIV else "")
                twin = duplicate_of(typed, others) if ident.kind in (identifiers.DOI, identifiers.ARXIV) else ""
                if twin:
                    reporter.problem(Problem(ident.given[:80], f"already in the list as {twin}; not added again",
                                             "error", "add-duplicate"))
                    continue
                try:
                    with source_errors("add", "nothing was added"):
                        item = lookup(settings, ident, title, policy)
                except LookupFailed as exc:
                    reporter.problem(Problem(ident.given[:80], str(exc), "error", "add"))
                    continue
                twin = duplicate_of(item.record, others + [(f.record, f.given.given) for f in found])
                if twin:
                    reporter.problem(Problem(ident.given[:80], f"already in the list as {twin}; not added again",
                                             "error", "add-duplicate"))
                    continue
                found.append(item)
            if not found:
                reporter.info("add: nothing to add")
                return []
            payload = [to_zotero.item_data(f.record, {"title": f.record.title, "url": f.url}, [target],
                                           tags=[{"tag": t} for t in tags if t.strip()]) for f in found]
            if options.dry_run:
                for f, data in zip(found, payload):
                    reporter.out(f"would add {data['itemType']} {f.record.title[:70]!r} ({f.given}) to {section!r}"
                                 + (" with its summary" if summary else ""))
                return []
            result = writer.create("items", payload, remote.version)
            made = []
            for i, f in enumerate(found):
                if i in result.failed:
                    failure = result.failed[i]
                    reporter.problem(Problem(f.given.given[:80], f"Zotero refused the item (HTTP {failure.code}: "
                                             f"{failure.message})", "error", "add"))
                elif i in result.created:
                    made.append(result.created[i])
                    reporter.info(f"add: {f.given} -> {result.created[i]} {f.record.title[:70]!r} in {section!r}")
            if summary.strip() and made:
                notes = [to_zotero.note(key, to_zotero.summary_html(summary), settings.summary_tag) for key in made]
                writer.create("items", notes, result.version)
    finally:
        writer.client.close()
    if made:
        pull.run(settings, options, reporter, policy=policy)
    return made
