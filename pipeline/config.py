"""Settings: `pipeline.toml` (curator-owned, committed) overridden by the environment.

This is the only module that reads `os.environ` and `.env`. The API key is kept in a `Secret`, whose
`repr` and `str` never show it, so a settings object can be logged or put in an error message safely.
Nothing unusable gets past `load`: a `.env` line dotenv cannot read, a setting of the wrong type, an
output path outside the repository or on top of another file, an API URL that is not http(s) is a
`ConfigError` of one line (exit 2). A table or key `load` does not know (a typo: `[entires]`, `sortt`)
would be silently ignored, so it is a `Problem` in `Settings.problems` naming `pipeline.toml:LINE` and
the nearest known name: every stage prints it and `make check` fails on it.
"""
from __future__ import annotations

import difflib
import io
import os
import re
import tomllib
import urllib.parse
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values
from dotenv import parser as dotenv_parser

from pipeline.model import Problem

DEFAULT_ZOTERO_API_URL = "https://api.zotero.org"
DEFAULT_CROSSREF_API_URL = "https://api.crossref.org"
DEFAULT_DBLP_API_URL = "https://dblp.org"
DEFAULT_OPENALEX_API_URL = "https://api.openalex.org"
DEFAULT_ARXIV_API_URL = "https://export.arxiv.org/api"


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
    links: Path = Path("data/raw/links")   # the links stage's verdicts (load sets it under root)
    openalex: Path = Path("data/raw/openalex")   # enrich's OpenAlex response cache (load sets it under root)
    # The contributors' issue form: its section choices follow the list (load sets it under root).
    form: Path = Path(".github/ISSUE_TEMPLATE/suggest-paper.yml")

    @property
    def outputs(self) -> tuple[Path, ...]:
        """Every file emit writes, in the order it writes them (the citation-key map last)."""
        return (self.readme, self.bib, self.biblatex, self.csv, self.datapackage, self.csljson, self.page,
                self.form, self.citekeys)

    @property
    def records(self) -> Path:
        """merge's output, emit's input."""
        return self.build / "records.json"


@dataclass(frozen=True)
class LinkSettings:
    """`[links]` in pipeline.toml: how `python -m pipeline links` checks the published links."""

    max_age_days: int = 7            # a verdict older than this is checked again
    mend: str = ""                   # "" (report only) or "archive": publish an archived copy of a dead link
    mend_after_days: int = 14        # ... once it has been broken this long
    timeout: float = 15.0            # seconds for one request (connect, answer and the part of the body read)
    run_timeout: float = 900.0       # seconds for the whole run; links not reached keep their old verdict
    per_host: int = 2                # requests at once to one host
    rate: float = 10.0               # requests a second, over all hosts
    archive_api_url: str = "https://archive.org/wayback/available"   # the Internet Archive's availability API


@dataclass(frozen=True)
class BibSettings:
    """`[bib]` in pipeline.toml: where the .bib files put a paper's link and DOI (Better BibTeX's
    `bibtexURL` and `DOIandURL` preferences), how papers.biblatex.bib writes names and letters
    (`biblatexExtendedNameFormat`, `asciiBibLaTeX`) and papers.bib an edition (`bibtexEditionOrdinal`),
    under the list's own defaults: today's output."""

    url: str = "url"              # papers.bib: "url" (the url field), "note" (as text in note), "note-url"
    #                               (`\url{...}` in note: needs hyperref or url), "off" (none)
    doi_and_url: str = "both"     # both .bib files, for a paper with both: "both", "doi" or "url"
    biblatex_names: str = "plain"     # "plain" (`van Dijk, Marten`) or "extended" (`family=Dijk, ..., prefix=van`)
    biblatex_ascii: bool = False      # accents as LaTeX commands (`M\\'aria`) instead of UTF-8
    edition_ordinal: bool = False     # papers.bib: an English item's numeric edition as `Second`, `1989th`


BIB_URL = ("url", "note", "note-url", "off")
BIB_DOI_AND_URL = ("both", "doi", "url")
BIBLATEX_NAMES = ("plain", "extended")


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
    openalex_api_url: str = DEFAULT_OPENALEX_API_URL
    openalex_mailto: str = ""                   # the polite pool's contact address
    openalex_api_key: Secret = field(default_factory=Secret)   # OPENALEX_API_KEY, from the environment only
    arxiv_api_url: str = DEFAULT_ARXIV_API_URL     # arXiv's query API, for `add` of a preprint
    section_order: tuple[str, ...] = ()
    sort: tuple[str, ...] = ("-year", "title")
    tags: str | tuple[str, ...] = "manual"      # "manual", "all", "none" or the names to show
    credentials_problem: str = ""               # why the Zotero settings are half there, "" if not
    summary_tag: str = "summary"                # a child note with this tag is the one-line summary
    review_tag: str = "review"                  # ... and with this one, the long review
    links: LinkSettings = field(default_factory=LinkSettings)
    bib: BibSettings = field(default_factory=BibSettings)
    problems: tuple[Problem, ...] = ()          # unknown tables and keys in pipeline.toml (see `unknown_settings`)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)  # `key_lines` of pipeline.toml

    def where(self, setting: str) -> str:
        """'pipeline.toml:LINE' for a setting path such as 'sections.order[2]' ('pipeline.toml' if unknown)."""
        line = self.lines.get(setting) or self.lines.get(setting.split("[")[0])
        return f"pipeline.toml:{line}" if line else "pipeline.toml"

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


class NoProject(ConfigError):
    """No pipeline.toml in the folder given, nor (when searched) in any folder above it."""


def project_root(start: Path | str = ".", search: bool = True) -> Path:
    """`find_root`, refusing a folder that is not a project: a stage run outside one would create
    build/ (and its lock) wherever it was started and then fail on the missing settings."""
    root = find_root(start) if search else Path(start).resolve()
    if not (root / "pipeline.toml").is_file():
        where = f"{root} or any folder above it" if search else str(root)
        raise NoProject(f"not inside a list's project: no pipeline.toml in {where}; run this in the project "
                        "folder (or pass --root FOLDER)")
    return root


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
_NUMBER = "a positive number"
_ANY = "any value"          # a setting whose type its own stage checks
_BOOL = "true or false"
ANY_KEY = "*"               # a table whose keys its own stage defines

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
    "arxiv": {"api_url": _TEXT},
    "reviews": {"summary_tag": _TEXT, "review_tag": _TEXT},
    "sections": {"order": _NAMES},
    "entries": {"sort": _TEXT_OR_NAMES, "tags": _TEXT_OR_NAMES},
    "outputs": {name: _TEXT for name in OUTPUT_DEFAULTS},
    "links": {"max_age_days": _NUMBER, "mend": _TEXT, "mend_after_days": _NUMBER, "timeout": _NUMBER,
              "run_timeout": _NUMBER, "per_host": _NUMBER, "rate": _NUMBER, "archive_api_url": _TEXT},
    "bib": {"url": _TEXT, "doi_and_url": _TEXT, "biblatex_names": _TEXT, "biblatex_ascii": _BOOL,
            "edition_ordinal": _BOOL},
    # Read by the stages that own them (link checking, OpenAlex, arXiv, push, suggestions).
    "openalex": {"api_url": _TEXT, "mailto": _TEXT},
    "push": {ANY_KEY: _ANY},
    "suggest": {"label": _ANY},
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
        _NUMBER: isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0,
        _ANY: True,
        _BOOL: isinstance(value, bool),
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


_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')
_HEADER_RE = re.compile(r"^\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")
_BARE_OR_QUOTED = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY_RE = re.compile(rf"^\s*({_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*=")


def _dotted(name: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in name.split("."))


def key_lines(text: str) -> dict[str, int]:
    """{setting path: line} of a TOML text: 'entries' for a table header, 'entries.sort' for a key,
    'sections.order[2]' for the third string of an array. Only for messages: it reads the lines
    tomllib already accepted, and a construct it does not follow costs a line number, never a setting."""
    lines: dict[str, int] = {}
    table, array, index, depth, in_text = "", "", 0, 0, ""
    for number, raw in enumerate(text.splitlines(), 1):
        if in_text:                                     # inside a multi-line string
            if in_text in raw:
                in_text = ""
            continue
        if depth:                                       # inside a multi-line array
            line = raw
        else:
            header = _HEADER_RE.match(raw)
            if header:
                table = _dotted(header.group(1))
                lines.setdefault(table, number)
                continue
            key = _KEY_RE.match(raw)
            if not key:
                continue
            array = ".".join(p for p in (table, _dotted(key.group(1))) if p)
            lines.setdefault(array, number)
            line, index = raw[key.end():], 0
            quotes = next((q for q in ('"""', "'''") if line.lstrip().startswith(q)), "")
            if quotes and line.count(quotes) == 1:
                in_text = quotes
                continue
        # Strings first (a "[" or "#" inside one is text), then comments, then bracket depth.
        pos = 0
        for found in _STRING_RE.finditer(line):
            before = line[pos:found.start()]
            if "#" in before:
                break
            depth += before.count("[") - before.count("]")
            if depth == 1:
                lines.setdefault(f"{array}[{index}]", number)
                index += 1
            pos = found.end()
        rest = line[pos:].split("#", 1)[0]
        depth = max(0, depth + rest.count("[") - rest.count("]"))
    return lines


def nearest(name: str, known) -> str:
    """The name in `known` closest to `name` (case aside), for a "did you mean" hint; "" if none is close."""
    known = list(known)
    close = difflib.get_close_matches(name.casefold(), [k.casefold() for k in known], n=1, cutoff=0.6)
    return next((k for k in known if close and k.casefold() == close[0]), "")


def unknown_settings(doc: dict, lines: dict[str, int], source: str = "pipeline.toml") -> list[Problem]:
    """One error per table or key of `doc` that SCHEMA does not know, naming `source:LINE` and the
    nearest known name. An unknown setting is ignored by every stage, so the run goes on; the error
    is for `make check` (and is printed by every run)."""
    problems = []

    def report(path: str, message: str) -> None:
        line = lines.get(path)
        problems.append(Problem(f"{source}:{line}" if line else source, message, "error", "config-unknown"))

    for table in doc:
        if table not in SCHEMA:
            near = nearest(table, SCHEMA)
            owner = next((t for t, keys in SCHEMA.items() if table in keys), "")
            if not isinstance(doc[table], dict) and owner:
                hint = f"; did you mean {table} under [{owner}]?"
            else:
                hint = f"; did you mean [{near}]?" if near else f"; known tables: {', '.join(f'[{t}]' for t in SCHEMA)}"
            what = f"[{table}]" if isinstance(doc[table], dict) else f"{table!r} (outside any table)"
            report(table, f"unknown table {what}, ignored{hint}")
            continue
        keys = SCHEMA[table]
        if ANY_KEY in keys or not isinstance(doc[table], dict):
            continue
        for key in doc[table]:
            if key not in keys:
                near = nearest(key, keys)
                hint = f"; did you mean {near}?" if near else f"; known keys: {', '.join(keys)}"
                report(f"{table}.{key}", f"unknown key {key!r} in [{table}], ignored{hint}")
    return problems


def check_url(name: str, value: str) -> str:
    """`value` if it is an http(s) URL with a host; else a ConfigError naming `name`. Checked here so
    a `file:` or `javascript:` URL stops the run at once, not after a round of retries."""
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port                      # a port that is not a number raises here
    except ValueError as exc:
        raise ConfigError(f"{name}: not a usable URL ({exc}): {value[:80]!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http:// or https:// URL with a host, not {value[:80]!r}")
    return value


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


def link_settings(table: dict, source: str = "pipeline.toml") -> LinkSettings:
    """`[links]`, its types already checked by `check_types` (every number positive)."""
    mend = table.get("mend", "")
    if mend not in ("", "archive"):
        raise ConfigError(f"{source}: [links] mend must be \"archive\" or \"\" (off), not {mend!r}")
    defaults = LinkSettings()
    return LinkSettings(
        max_age_days=int(table.get("max_age_days", defaults.max_age_days)),
        mend=mend,
        mend_after_days=int(table.get("mend_after_days", defaults.mend_after_days)),
        timeout=float(table.get("timeout", defaults.timeout)),
        run_timeout=float(table.get("run_timeout", defaults.run_timeout)),
        per_host=int(table.get("per_host", defaults.per_host)) or 1,
        rate=float(table.get("rate", defaults.rate)),
        archive_api_url=str(table.get("archive_api_url", defaults.archive_api_url)).rstrip("/"),
    )


def bib_settings(table: dict, source: str = "pipeline.toml", lines: dict[str, int] | None = None) -> BibSettings:
    """`[bib]`, its types already checked by `check_types`; a value outside its choices is one line
    naming `source:LINE` (`lines` is `key_lines` of the file)."""
    for key, choices in (("url", BIB_URL), ("doi_and_url", BIB_DOI_AND_URL), ("biblatex_names", BIBLATEX_NAMES)):
        value = table.get(key, getattr(BibSettings, key))
        if value not in choices:
            line = (lines or {}).get(f"bib.{key}")
            listed = ", ".join(f'"{c}"' for c in choices)
            raise ConfigError(f"{source}{f':{line}' if line else ''}: [bib] {key} must be one of {listed}, "
                              f"not {value!r}")
    return BibSettings(**{key: table[key] for key in ("url", "doi_and_url", "biblatex_names", "biblatex_ascii",
                                                      "edition_ordinal") if key in table})


def load(root: Path | str = ".", environ: dict[str, str] | None = None) -> Settings:
    """Settings for the project at `root`. `environ` defaults to `.env` overlaid by `os.environ`."""
    root = Path(root).resolve()
    if environ is None:
        environ = {**read_dotenv(root / ".env"), **os.environ}
    toml_path = root / "pipeline.toml"
    try:
        text = toml_path.read_text(encoding="utf-8") if toml_path.is_file() else ""
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{toml_path.name}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{toml_path.name}: not UTF-8; save it as UTF-8") from None
    except RecursionError:
        raise ConfigError(f"{toml_path.name}: nested too deeply to read (arrays or tables inside each other "
                          "thousands of levels down)") from None
    except OSError as exc:
        raise ConfigError(f"{toml_path.name}: cannot read it: {exc.strerror or exc}") from None
    check_types(doc, toml_path.name)
    lines = key_lines(text)
    lst = doc.get("list", {})
    zot = doc.get("zotero", {})
    cr = doc.get("crossref", {})
    db = doc.get("dblp", {})
    oa = doc.get("openalex", {})
    ax = doc.get("arxiv", {})
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
        openalex=root / "data/raw/openalex",
        links=root / "data/raw/links",
        form=root / ".github/ISSUE_TEMPLATE/suggest-paper.yml",
        reviews=root / "reviews",
        build=root / "build",
        **out,
    )
    library_type = env("ZOTERO_LIBRARY_TYPE", str(zot.get("library_type", "user")))
    if library_type not in ("user", "group"):
        raise ConfigError(f"ZOTERO_LIBRARY_TYPE must be 'user' or 'group', not {library_type!r}")
    zotero_api_url = check_url("ZOTERO_API_URL (or [zotero] api_url)",
                               env("ZOTERO_API_URL", str(zot.get("api_url", DEFAULT_ZOTERO_API_URL))).rstrip("/"))
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
        crossref_api_url=check_url("CROSSREF_API_URL (or [crossref] api_url)",
                                   env("CROSSREF_API_URL", cr.get("api_url", DEFAULT_CROSSREF_API_URL)).rstrip("/")),
        crossref_mailto=env("CROSSREF_MAILTO", cr.get("mailto", "")),
        dblp_api_url=check_url("DBLP_API_URL (or [dblp] api_url)",
                               env("DBLP_API_URL", db.get("api_url", DEFAULT_DBLP_API_URL)).rstrip("/")),
        openalex_api_url=check_url("OPENALEX_API_URL (or [openalex] api_url)",
                                   env("OPENALEX_API_URL", oa.get("api_url", DEFAULT_OPENALEX_API_URL)).rstrip("/")),
        openalex_mailto=env("OPENALEX_MAILTO", oa.get("mailto", "")),
        # A secret like Zotero's key: never read from pipeline.toml, which is committed.
        openalex_api_key=Secret(environ.get("OPENALEX_API_KEY", "") or ""),
        arxiv_api_url=check_url("ARXIV_API_URL (or [arxiv] api_url)",
                                env("ARXIV_API_URL", ax.get("api_url", DEFAULT_ARXIV_API_URL)).rstrip("/")),
        section_order=tuple(sec.get("order", [])),
        sort=tuple(sort),
        tags=tags,
        summary_tag=str(rev.get("summary_tag", "summary")).strip(),
        review_tag=str(rev.get("review_tag", "review")).strip(),
        links=link_settings(doc.get("links", {}), toml_path.name),
        bib=bib_settings(doc.get("bib", {}), toml_path.name, lines),
        problems=tuple(unknown_settings(doc, lines, toml_path.name)),
        lines=lines,
    )
    return replace(settings, credentials_problem=_credentials_problem(settings, environ))
