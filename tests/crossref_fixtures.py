"""Crossref test data: the recorded cassettes in ../shared/fixtures/crossref, and generated works.

Recorded: `load_cassettes()` decodes both cassette formats into `Interaction`s. habanero's (vcrpy) keep
gzip bodies as YAML `!!binary`; rcrossref's (R vcr) keep plain JSON text and string status codes.
Tests that need them call `cassettes_or_skip()`, which skips with the reason when ../shared is absent.

Generated: `generate_works(n)` makes Crossref-shaped works (proceedings and journal papers with the
fields enrichment reads) and `zotero_item(work, ...)` the Zotero item a hurried curator would file for
one, so the stage tests and the benchmark run on a plain clone.
"""
from __future__ import annotations

import gzip
import json
import random
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CROSSREF_FIXTURES = SHARED / "fixtures" / "crossref"


@dataclass(frozen=True)
class Interaction:
    """One recorded request and its answer."""

    source: str            # cassette file, relative to fixtures/crossref
    method: str
    path: str              # '/works/10.1371/journal.pone.0033693'
    params: tuple[tuple[str, str], ...]
    status: int
    headers: dict          # lower-case name -> one string
    body: bytes            # decoded (not gzip) body

    def json(self):
        return json.loads(self.body)


def _header(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _decode(body, headers: dict) -> bytes:
    if isinstance(body, str):
        data = body.encode("utf-8")
    elif isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    else:
        return b""
    if data[:2] == b"\x1f\x8b":   # gzip magic; rcrossref says gzip but stores the plain text
        data = gzip.decompress(data)
    return data


def load_cassette(path: Path) -> list[Interaction]:
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for raw in doc.get("interactions") or doc.get("http_interactions") or ():
        request, response = raw["request"], raw["response"]
        status = response["status"]
        code = int(status.get("code") or status.get("status_code"))
        headers = {k.lower(): _header(v) for k, v in (response.get("headers") or {}).items()}
        body = (response.get("body") or {}).get("string", "")
        url = urllib.parse.urlsplit(request["uri"])
        out.append(Interaction(
            source=str(path.relative_to(CROSSREF_FIXTURES)) if path.is_relative_to(CROSSREF_FIXTURES) else path.name,
            method=request["method"].upper(),
            path=urllib.parse.unquote(url.path),
            params=tuple(urllib.parse.parse_qsl(url.query)),
            status=code,
            headers=headers,
            body=_decode(body, headers),
        ))
    return out


def load_cassettes(folder: Path = CROSSREF_FIXTURES) -> list[Interaction]:
    out = []
    for path in sorted(folder.rglob("*.y*ml")):
        out.extend(load_cassette(path))
    return out


def cassettes_or_skip() -> list[Interaction]:
    import pytest

    if not CROSSREF_FIXTURES.is_dir():
        pytest.skip(f"{CROSSREF_FIXTURES} is absent: the recorded Crossref responses live in ../shared, "
                    "beside the repository, only in CI and on the developers' machines")
    return load_cassettes()


def recorded_works(interactions: list[Interaction]) -> dict[str, dict]:
    """{lower-case DOI: work} from every recorded single-work answer and full list item."""
    works: dict[str, dict] = {}
    for i in interactions:
        if i.status != 200:
            continue
        try:
            doc = i.json()
        except ValueError:
            continue
        if doc.get("message-type") == "work":
            works.setdefault(doc["message"]["DOI"].lower(), doc["message"])
        elif doc.get("message-type") == "work-list" and not dict(i.params).get("select"):
            for item in doc["message"].get("items", ()):
                works.setdefault(item["DOI"].lower(), item)
    return works


# --- generated data ---------------------------------------------------------------------------------

WORDS = (
    "adaptive adversarial anomaly approximate assurance automated bayesian benchmark bounded calibrated "
    "causal certified checking compiler concurrent confidence coverage data debugging deep detection "
    "differential distributed drift dynamic efficient ensemble estimation evaluation explainable fairness "
    "fault formal fuzzing generative gradient graph guided hardware incremental inference interpretable "
    "invariant kernel language latent learning lightweight localization memory metamorphic model "
    "monitoring mutation network neural noisy online oracle out-of-distribution partial performance "
    "probabilistic program pruning quantized random regression reliable repair robust runtime safety "
    "scalable scheduling search semantic shift simulation slicing sparse specification static "
    "statistical stochastic symbolic synthesis systems testing trustworthy uncertainty validation "
    "verification vision"
).split()
FAMILIES = ("Pei Cao Yang Jana Tian Zhang Li Wang Chen Liu Ma Xie Sun Odena Goodfellow Katz Huang Kwiatkowska "
            "Gopinath Pasareanu Harman Zeller Bohme Godefroid Sen Cadar Engler Avgerinos Brumley Rinard "
            "Kim Lee Park Nguyen Tran Muller Schmidt Rossi Bianchi Silva Santos").split()
GIVENS = "Ana Ben Chen Dan Eva Fei Gil Hao Ivy Jun Kai Lea Min Noa Oli Pia Qin Rui Sam Tao".split()
CONFERENCES = (
    ("ICSE", "International Conference on Software Engineering", "IEEE"),
    ("FSE", "ACM International Conference on the Foundations of Software Engineering", "ACM"),
    ("ISSTA", "ACM SIGSOFT International Symposium on Software Testing and Analysis", "ACM"),
    ("SOSP", "Symposium on Operating Systems Principles", "ACM"),
    ("NeurIPS", "Conference on Neural Information Processing Systems", "Curran"),
    ("ICML", "International Conference on Machine Learning", "PMLR"),
)
JOURNALS = (
    ("ACM Transactions on Software Engineering and Methodology", "ACM Trans. Softw. Eng. Methodol.", "ACM"),
    ("IEEE Transactions on Software Engineering", "IIEEE Trans. Software Eng.", "IEEE"),
    ("Empirical Software Engineering", "Empir Software Eng", "Springer"),
)
GENERATED_PREFIX = "10.5555/gen."


def _date(year: int, month: int, day: int) -> dict:
    return {"date-parts": [[year, month, day]]}


def generate_works(n: int, seed: int = 0, start: int = 0) -> list[dict]:
    """`n` deterministic, distinct Crossref works with DOIs 10.5555/gen.NNNNNN."""
    rng = random.Random(seed)
    works = []
    for i in range(start, start + n):
        year = rng.randint(2012, 2025)
        title_words = rng.sample(WORDS, rng.randint(5, 9))
        # The serial number keeps generated titles distinct, as real ones are.
        title = f"{' '.join(title_words).capitalize()} for {rng.choice(WORDS)} systems {i}"
        people = rng.sample(FAMILIES, rng.randint(1, 4))
        authors = [{"given": rng.choice(GIVENS), "family": f, "sequence": "first" if k == 0 else "additional",
                    "affiliation": []} for k, f in enumerate(people)]
        work = {
            "DOI": f"{GENERATED_PREFIX}{i:06d}",
            "URL": f"https://doi.org/{GENERATED_PREFIX}{i:06d}",
            "title": [title],
            "author": authors,
            "issued": _date(year, rng.randint(1, 12), rng.randint(1, 28)),
            "is-referenced-by-count": rng.randint(0, 900),
            "page": f"{(p := rng.randint(1, 900))}-{p + rng.randint(8, 14)}",
            "relation": {},
            "prefix": "10.5555",
            "member": "0",
            "indexed": {"date-parts": [[2026, 6, 2]], "timestamp": 1780407788344},
        }
        if rng.random() < 0.6:
            acronym, name, publisher = rng.choice(CONFERENCES)
            edition = rng.randint(10, 45)
            work.update({
                "type": "proceedings-article",
                "container-title": [f"Proceedings of the {edition}th {name}"],
                "event": {"name": f"{year} {name}", "acronym": f"{acronym} '{year % 100:02d}"},
                "publisher": publisher,
            })
        else:
            name, short, publisher = rng.choice(JOURNALS)
            work.update({
                "type": "journal-article",
                "container-title": [name],
                "short-container-title": [short],
                "volume": str(rng.randint(20, 50)),
                "issue": str(rng.randint(1, 6)),
                "publisher": publisher,
            })
        works.append(work)
    return works


def zotero_item(work: dict, key: str, *, with_doi: bool = True, year_offset: int = 0,
                collection: str = "COLL0001") -> dict:
    """The Zotero API item a curator files for `work`: DOI optional, the year possibly mistyped."""
    year = work["issued"]["date-parts"][0][0] + year_offset
    proceedings = work.get("type") == "proceedings-article"
    data = {
        "key": key,
        "version": 1,
        "itemType": "conferencePaper" if proceedings else "journalArticle",
        "title": work["title"][0],
        "creators": [{"creatorType": "author", "firstName": a.get("given", ""), "lastName": a["family"]}
                     for a in work.get("author", ())],
        "date": str(year),
        "DOI": work["DOI"] if with_doi else "",
        "url": "",
        "extra": "",
        "tags": [],
        "collections": [collection],
        "relations": {},
        "dateAdded": "2026-01-01T00:00:00Z",
        "dateModified": "2026-01-01T00:00:00Z",
    }
    if proceedings:
        data["proceedingsTitle"] = work["container-title"][0]
        data["conferenceName"] = work["event"]["acronym"]
    else:
        data["publicationTitle"] = work["container-title"][0]
    return {"key": key, "version": 1, "library": {"type": "user", "id": 1, "name": "test"},
            "links": {}, "meta": {}, "data": data}


def item_key(i: int) -> str:
    """A Zotero-style 8-character key for item number `i`."""
    alphabet = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
    out = []
    for _ in range(8):
        i, r = divmod(i, len(alphabet))
        out.append(alphabet[r])
    return "".join(reversed(out))
