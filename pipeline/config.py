"""Settings: `pipeline.toml` (curator-owned, committed) overridden by the environment.

This is the only module that reads `os.environ` and `.env`. The API key is kept in a `Secret`, whose
`repr` and `str` never show it, so a settings object can be logged or put in an error message safely.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ZOTERO_API_URL = "https://api.zotero.org"
DEFAULT_CROSSREF_API_URL = "https://api.crossref.org"
DEFAULT_DBLP_API_URL = "https://dblp.org"


class ConfigError(Exception):
    """pipeline.toml or the environment is unusable; the message names the file or variable."""


class Secret:
    """A value that never prints. `reveal()` is the one way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str = ""):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Paths:
    """Where each stage reads and writes, relative to the project root."""

    root: Path
    zotero: Path          # data/raw/zotero: pull's snapshot
    crossref: Path        # data/raw/crossref: enrich's response cache
    dblp: Path            # data/raw/dblp: enrich's DBLP response cache
    reviews: Path         # reviews/: the curator's files
    build: Path           # build/: intermediate files, not committed
    readme: Path
    bib: Path
    biblatex: Path        # the same entries for biber, UTF-8 kept
    page: Path            # docs/index.html: the page to search the list
    csv: Path
    csljson: Path
    datapackage: Path
    citekeys: Path        # committed map of published citation keys
    venues: Path          # curator-extendable venue label table

    @property
    def records(self) -> Path:
        """merge's output, emit's input."""
        return self.build / "records.json"


@dataclass(frozen=True)
class Settings:
    paths: Paths
    title: str = "Awesome list"
    library_type: str = "user"
    library_id: str = ""
    collection: str = ""
    api_key: Secret = field(default_factory=Secret)
    zotero_api_url: str = DEFAULT_ZOTERO_API_URL
    crossref_api_url: str = DEFAULT_CROSSREF_API_URL
    crossref_mailto: str = ""
    dblp_api_url: str = DEFAULT_DBLP_API_URL
    section_order: tuple[str, ...] = ()
    sort: tuple[str, ...] = ("-year", "title")
    tags: str | tuple[str, ...] = "manual"      # "manual", "all", "none" or the names to show
    summary_tag: str = "summary"                # a child note with this tag is the one-line summary
    review_tag: str = "review"                  # ... and with this one, the long review

    @property
    def is_local_api(self) -> bool:
        """Zotero desktop's local API: no key needed."""
        return self.zotero_api_url.rstrip("/").endswith("/api")

    @property
    def has_zotero_credentials(self) -> bool:
        return bool(self.library_id) and bool(self.collection) and (
            bool(self.api_key) or self.is_local_api
        )

    @property
    def library_label(self) -> str:
        """How messages name the library: 'user library 12345'. Never the key."""
        return f"{self.library_type} library {self.library_id or '?'}"


def in_ci(environ: dict[str, str] | None = None) -> bool:
    """True on a CI runner, where progress bars only clutter the log."""
    environ = os.environ if environ is None else environ
    return environ.get("CI", "").lower() not in ("", "0", "false", "no")


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a `.env` file; comments, blanks and `export ` prefixes allowed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def load(root: Path | str = ".", environ: dict[str, str] | None = None) -> Settings:
    """Settings for the project at `root`. `environ` defaults to `.env` overlaid by `os.environ`."""
    root = Path(root).resolve()
    if environ is None:
        environ = {**read_dotenv(root / ".env"), **os.environ}
    toml_path = root / "pipeline.toml"
    try:
        doc = tomllib.loads(toml_path.read_text(encoding="utf-8")) if toml_path.is_file() else {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{toml_path.name}: {exc}") from None
    lst = doc.get("list", {})
    zot = doc.get("zotero", {})
    cr = doc.get("crossref", {})
    db = doc.get("dblp", {})
    out = doc.get("outputs", {})
    sec = doc.get("sections", {})
    ent = doc.get("entries", {})
    rev = doc.get("reviews", {})

    def env(name: str, default: str) -> str:
        value = environ.get(name)
        return value if value not in (None, "") else default

    def p(name: str, default: str) -> Path:
        return root / out.get(name, default)

    paths = Paths(
        root=root,
        zotero=root / "data/raw/zotero",
        crossref=root / "data/raw/crossref",
        dblp=root / "data/raw/dblp",
        reviews=root / "reviews",
        build=root / "build",
        readme=p("readme", "README.md"),
        bib=p("bib", "data/curated/papers.bib"),
        biblatex=p("biblatex", "data/curated/papers.biblatex.bib"),
        page=p("page", "docs/index.html"),
        csv=p("csv", "data/curated/papers.csv"),
        csljson=p("csljson", "data/curated/papers.json"),
        datapackage=p("datapackage", "data/curated/datapackage.json"),
        citekeys=p("citekeys", "data/curated/citekeys.json"),
        venues=p("venues", "data/curated/venues.csv"),
    )
    library_type = env("ZOTERO_LIBRARY_TYPE", str(zot.get("library_type", "user")))
    if library_type not in ("user", "group"):
        raise ConfigError(f"ZOTERO_LIBRARY_TYPE must be 'user' or 'group', not {library_type!r}")
    zotero_api_url = env("ZOTERO_API_URL", str(zot.get("api_url", DEFAULT_ZOTERO_API_URL))).rstrip("/")
    library_id = env("ZOTERO_LIBRARY_ID", str(zot.get("library_id", "")))
    if not library_id and zotero_api_url.endswith("/api"):
        library_id = "0"        # the desktop's local API serves the logged-in user as user 0
    tags = ent.get("tags", "manual")
    if isinstance(tags, list):
        tags = tuple(str(t) for t in tags)
    elif tags not in ("manual", "all", "none"):
        raise ConfigError("pipeline.toml: [entries] tags must be 'manual', 'all', 'none' or a list")
    sort = ent.get("sort", ["-year", "title"])
    if isinstance(sort, str):
        sort = [sort]
    return Settings(
        paths=paths,
        title=str(lst.get("title", "Awesome list")),
        library_type=library_type,
        library_id=library_id,
        collection=env("ZOTERO_COLLECTION", str(zot.get("collection", ""))),
        api_key=Secret(environ.get("ZOTERO_API_KEY", "") or ""),
        zotero_api_url=zotero_api_url,
        crossref_api_url=env("CROSSREF_API_URL", str(cr.get("api_url", DEFAULT_CROSSREF_API_URL))).rstrip("/"),
        crossref_mailto=env("CROSSREF_MAILTO", str(cr.get("mailto", ""))),
        dblp_api_url=env("DBLP_API_URL", str(db.get("api_url", DEFAULT_DBLP_API_URL))).rstrip("/"),
        section_order=tuple(str(s) for s in sec.get("order", [])),
        sort=tuple(str(s) for s in sort),
        tags=tags,
        summary_tag=str(rev.get("summary_tag", "summary")).strip(),
        review_tag=str(rev.get("review_tag", "review")).strip(),
    )
