"""Settings: `pipeline.toml` (curator-owned, committed) overridden by the environment.

This is the only module that reads `os.environ` and `.env`. The API key is kept in a `Secret`, whose
`repr` and `str` never show it, so a settings object can be logged or put in an error message safely.
Nothing unusable gets past `load`: a `.env` line dotenv cannot read, a setting of the wrong type, an
output path outside the repository or on top of another file is a `ConfigError` of one line (exit 2).
"""
from __future__ import annotations

import io
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values
from dotenv import parser as dotenv_parser

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
    def outputs(self) -> tuple[Path, ...]:
        """Every file emit writes, in the order it writes them (the citation-key map last)."""
        return (self.readme, self.bib, self.biblatex, self.csv, self.datapackage, self.csljson, self.page,
                self.citekeys)

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
    credentials_problem: str = ""               # why the Zotero settings are half there, "" if not
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


def find_root(start: Path | str = ".") -> Path:
    """The project folder: `start` or the nearest folder above it holding `pipeline.toml`.

    Run from `reviews/`, a stage must still read and write the real tree, not start a second one
    under the subfolder. With no `pipeline.toml` anywhere above, `start` itself is the root.
    """
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "pipeline.toml").is_file():
            return folder
    return start


_NAME_RE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)")


def read_dotenv(path: Path) -> dict[str, str]:
    """The variables of a `.env` file, read with python-dotenv's rules (quotes, inline `# comments`,
    `export `, a byte-order mark). A line dotenv cannot read is a ConfigError naming `file:line`
    and the variable, never the value: the line may hold the API key."""
    path = Path(path)
    if not path.is_file():
        return {}
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:200]:
        raise ConfigError(f"{path.name}: saved as UTF-16; save it as UTF-8 (one NAME=value per line)")
    try:
        text = data.decode("utf-8-sig")     # Notepad's BOM would otherwise become part of the first name
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path.name}:{line}: not UTF-8; save the file as UTF-8") from None
    for binding in dotenv_parser.parse_stream(io.StringIO(text)):
        if binding.error:
            source = binding.original.string
            # dotenv counts a statement from the blank lines before it; the message names the line itself.
            line = binding.original.line + source[: len(source) - len(source.lstrip())].count("\n")
            name = _NAME_RE.match(source)
            what = f" ({name.group(1)})" if name else ""
            raise ConfigError(f"{path.name}:{line}: cannot read this line{what}: "
                              "expected NAME=value, with a value in matching quotes if it has spaces")
    values = dotenv_values(stream=io.StringIO(text))
    # `NAME` alone (no `=`) is "unset" to dotenv: it gives None, which means no value here either.
    return {name: value for name, value in values.items() if value is not None}


# --- pipeline.toml: every known key and the type it takes ---------------------------------------------
# A value of the wrong type is one line naming the file and key (exit 2), never a traceback or a
# setting quietly read as something else (`order = "Background"` was once read as ten one-letter
# section names, and so ignored).

_TEXT = "a string"
_NAMES = "a list of strings"
_TEXT_OR_NAMES = "a string or a list of strings"

OUTPUT_DEFAULTS = {
    "readme": "README.md",
    "bib": "data/curated/papers.bib",
    "biblatex": "data/curated/papers.biblatex.bib",
    "page": "docs/index.html",
    "csv": "data/curated/papers.csv",
    "csljson": "data/curated/papers.json",
    "datapackage": "data/curated/datapackage.json",
    "citekeys": "data/curated/citekeys.json",
    "venues": "data/curated/venues.csv",
}
# venues.csv is the curator's file that merge reads: it may be moved, but nothing may be written over it.
_INPUT_SETTINGS = ("venues",)

SCHEMA: dict[str, dict[str, str]] = {
    "list": {"title": _TEXT},
    "zotero": {"library_type": _TEXT, "library_id": "a string or a number", "collection": _TEXT,
               "api_url": _TEXT},
    "crossref": {"api_url": _TEXT, "mailto": _TEXT},
    "dblp": {"api_url": _TEXT},
    "reviews": {"summary_tag": _TEXT, "review_tag": _TEXT},
    "sections": {"order": _NAMES},
    "entries": {"sort": _TEXT_OR_NAMES, "tags": _TEXT_OR_NAMES},
    "outputs": {name: _TEXT for name in OUTPUT_DEFAULTS},
}

# What outputs may never land on or in: the project's inputs, code and version control.
_PROTECTED_FILES = ("pipeline.toml", ".env", "pyproject.toml", "Makefile", ".gitignore")
_PROTECTED_DIRS = ("data/raw", "reviews", "build", ".git", "pipeline", "tests", "tools")


def _type_ok(value: object, kind: str) -> bool:
    names = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return {
        _TEXT: isinstance(value, str),
        _NAMES: names,
        _TEXT_OR_NAMES: isinstance(value, str) or names,
        "a string or a number": isinstance(value, (str, int)) and not isinstance(value, bool),
    }[kind]


def _describe(value: object) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:39] + "…"
    return f"{shown} ({kind})"


def check_types(doc: dict, source: str = "pipeline.toml") -> None:
    """Raise ConfigError on the first known key whose value has the wrong type."""
    for table, keys in SCHEMA.items():
        if table not in doc:
            continue
        section = doc[table]
        if not isinstance(section, dict):
            raise ConfigError(f"{source}: {table} must be a table ([{table}] followed by its keys), "
                              f"not {_describe(section)}")
        for key, kind in keys.items():
            if key in section and not _type_ok(section[key], kind):
                raise ConfigError(f"{source}: [{table}] {key} must be {kind}, not {_describe(section[key])}")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def output_paths(root: Path, outputs: dict, source: str = "pipeline.toml") -> dict[str, Path]:
    """{setting: path} of the output files, each checked: inside the repository once symlinks are
    followed, not a folder, not an input, and no two the same (`bib = "README.md"` would replace the
    README with BibTeX)."""
    paths: dict[str, Path] = {}
    owner: dict[Path, str] = {}
    try:
        return _checked_outputs(root, outputs, source, paths, owner)
    except (RuntimeError, OSError) as exc:   # a symlink loop (RuntimeError before Python 3.13)
        raise ConfigError(f"{source}: [outputs]: {str(exc).splitlines()[0]}") from None


def _checked_outputs(root: Path, outputs: dict, source: str, paths: dict[str, Path],
                     owner: dict[Path, str]) -> dict[str, Path]:
    for name, default in OUTPUT_DEFAULTS.items():
        value = outputs.get(name, default)
        where = f"{source}: [outputs] {name} = {value!r}"
        # normpath, not resolve: the path the stages write stays the one the curator named ...
        path = Path(os.path.normpath(root / value))
        # ... while every check is on where it really lands.
        real = path.resolve()
        if not _inside(real, root) or real == root:
            raise ConfigError(f"{where} lies outside the repository ({root}); outputs are written inside it")
        if real.is_dir():
            raise ConfigError(f"{where} is a folder; name a file")
        if name not in _INPUT_SETTINGS:
            for protected in _PROTECTED_FILES:
                if real == (root / protected).resolve():
                    raise ConfigError(f"{where} would overwrite {protected}")
            for protected in _PROTECTED_DIRS:
                if _inside(real, (root / protected).resolve()):
                    raise ConfigError(f"{where} is inside {protected}/, which the pipeline reads or owns")
        if real in owner:
            # Name the setting the curator changed, not the default it now collides with.
            moved = lambda key: outputs.get(key, OUTPUT_DEFAULTS[key]) != OUTPUT_DEFAULTS[key]  # noqa: E731
            named, other = (name, owner[real]) if moved(name) or not moved(owner[real]) else (owner[real], name)
            raise ConfigError(f"{source}: [outputs] {named} = {outputs.get(named, OUTPUT_DEFAULTS[named])!r} "
                              f"is also [outputs] {other}; each output needs its own file")
        owner[real] = name
        paths[name] = path
    return paths


def _credentials_problem(settings: Settings, environ: dict[str, str]) -> str:
    """Why the Zotero settings are half there ("" when complete or wholly absent).

    No credentials at all is a normal state (build from the committed snapshot); some without the
    rest is a mistake that would otherwise pass as that normal state.
    """
    missing = [name for name, value in (("ZOTERO_LIBRARY_ID", settings.library_id),
                                        ("ZOTERO_COLLECTION", settings.collection)) if not value]
    if settings.api_key or settings.is_local_api:
        given = "ZOTERO_API_KEY" if settings.api_key else f"ZOTERO_API_URL={settings.zotero_api_url}"
        if missing:
            return (f"{' and '.join(missing)} not set, but {given} is: set {'them' if len(missing) > 1 else 'it'} "
                    f"in .env (or [zotero] in pipeline.toml), or unset {given.split('=')[0]} "
                    "to build from the committed snapshot")
        return ""
    named = [n for n in ("ZOTERO_LIBRARY_ID", "ZOTERO_COLLECTION") if environ.get(n)]
    if named and not settings.is_local_api:
        return (f"ZOTERO_API_KEY not set, but {' and '.join(named)} {'are' if len(named) > 1 else 'is'}: "
                "add the key to .env (zotero.org/settings/keys), or unset them to build from the committed snapshot")
    return ""


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
    except UnicodeDecodeError:
        raise ConfigError(f"{toml_path.name}: not UTF-8; save it as UTF-8") from None
    check_types(doc, toml_path.name)
    lst = doc.get("list", {})
    zot = doc.get("zotero", {})
    cr = doc.get("crossref", {})
    db = doc.get("dblp", {})
    sec = doc.get("sections", {})
    ent = doc.get("entries", {})
    rev = doc.get("reviews", {})

    def env(name: str, default: str) -> str:
        value = environ.get(name)
        return value if value not in (None, "") else default

    out = output_paths(root, doc.get("outputs", {}), toml_path.name)
    paths = Paths(
        root=root,
        zotero=root / "data/raw/zotero",
        crossref=root / "data/raw/crossref",
        dblp=root / "data/raw/dblp",
        reviews=root / "reviews",
        build=root / "build",
        **out,
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
        tags = tuple(tags)
    elif tags not in ("manual", "all", "none"):
        raise ConfigError(f"{toml_path.name}: [entries] tags must be 'manual', 'all', 'none' or a list of tag names, "
                          f"not {tags!r}")
    sort = ent.get("sort", ["-year", "title"])
    if isinstance(sort, str):
        sort = [sort]
    settings = Settings(
        paths=paths,
        title=lst.get("title", "Awesome list"),
        library_type=library_type,
        library_id=library_id,
        collection=env("ZOTERO_COLLECTION", zot.get("collection", "")),
        api_key=Secret(environ.get("ZOTERO_API_KEY", "") or ""),
        zotero_api_url=zotero_api_url,
        crossref_api_url=env("CROSSREF_API_URL", cr.get("api_url", DEFAULT_CROSSREF_API_URL)).rstrip("/"),
        crossref_mailto=env("CROSSREF_MAILTO", cr.get("mailto", "")),
        dblp_api_url=env("DBLP_API_URL", db.get("api_url", DEFAULT_DBLP_API_URL)).rstrip("/"),
        section_order=tuple(sec.get("order", [])),
        sort=tuple(sort),
        tags=tags,
        summary_tag=str(rev.get("summary_tag", "summary")).strip(),
        review_tag=str(rev.get("review_tag", "review")).strip(),
    )
    return replace(settings, credentials_problem=_credentials_problem(settings, environ))
