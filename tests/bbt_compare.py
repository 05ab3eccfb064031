"""Field-by-field agreement with Better BibTeX's own expected exports of the fixtures in ../shared.

BBT's repository keeps, beside some of its Zotero-side inputs (`NAME.json`), what it exports for them:
`NAME.bibtex`, `NAME.biblatex`, `NAME.csl.json`. They are looked for beside the inputs in
../shared/fixtures/bbt, or in the folder `BBT_EXPECTED` names (a checkout's `test/fixtures/export`).
Each expected entry is paired with the item it came from (by its pinned key, else its title, else
its place in the file) and compared field by field with what our writers make of the same item:
values exactly, after whitespace is collapsed; titles with their letter case and braces aside (the
case is a documented choice, see README). Citation keys and field order are not compared.

Fields the list does not publish (abstracts, keywords, attachments, access dates, languages, BBT's
own bookkeeping) are left out of the count; `NOT_PUBLISHED` says why each one is.

Each fixture's BBT preferences (`config.preferences` of NAME.json) are honoured where the list has a
setting for them, by running our writers under that setting (`our_settings`):
- `DOIandURL` (both / doi / url) is `[bib] doi_and_url` as it is;
- `bibtexURL` is `[bib] url`: `url` and `url-ish` -> "url", `note` -> "note-url" (a `\\url` command in
  note, for an author who loads hyperref or url), `note-url-ish` -> "note" (the link as text), `off`
  (BBT's default, so also an absent preference) -> "off";
- `skipFields` has no setting (the list leaves out what no citation needs, for every paper alike):
  the fields it names are left out of the count on both sides, scoped as BBT scopes them (`issn`,
  `tex.issn`, `biblatex.issn`, `biblatex.article.issn`);
- `biblatexExtendedNameFormat` (BBT's default: on) is `[bib] biblatex_names = "extended"`, off "plain"
  (`name_settings`);
- `asciiBibLaTeX` (default off) is `[bib] biblatex_ascii`;
- `bibtexEditionOrdinal` (default off) is `[bib] edition_ordinal`.
- `postscript` (JavaScript a user wrote to change BBT's export afterwards) is run by nothing here: the
  fields it sets or deletes are left out of the count on both sides, as `skipFields` are (`postscripted`).
Other preferences (BBT's title casing, ASCII papers.bib, `bibtexParticleNoOp`, JabRef fields,
citation key formulas) are not read: the list's own choices stand, and what they change
is counted as a difference.

The rendering is one function of the pipeline's public writers (`render_all`), run in a subprocess by
`make bench` on an older commit's code too, so the two figures are measured with the same ruler.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.render.richtext import plain_text
from tests.bbt_fixtures import BBT_DIR, fixture_items

EXTS = ("bibtex", "biblatex", "csl.json")

# Fields BBT writes that the list's files leave out on purpose (BENCHMARKS.md lists the reasons).
NOT_PUBLISHED = {
    "abstract": "an abstract is no part of a citation; the list links the paper instead",
    "keywords": "Zotero tags are the curator's filing, shown in the README, not a citation field",
    "annotation": "a private Zotero note", "file": "a local attachment path", "groups": "JabRef's groups",
    "timestamp": "JabRef's date added", "owner": "JabRef's owner", "urldate": "the curator's access date",
    "langid": "hyphenation language: the list does not load babel patterns per entry",
    "language": "idem", "options": "a BBT preference", "collections": "BBT's collection export",
    "shorttitle": "not shown by any standard style", "shortjournal": "idem",
    "note": "Zotero's extra holds the curator's private lines; the list publishes none of them",
    "lccn": "a library call number", "copyright": "no citation field", "presort": "BBT bookkeeping",
    "sortkey": "idem", "bdsk-url-2": "BibDesk bookkeeping", "bibsource": "DBLP bookkeeping",
    # CSL-JSON
    "id": "the citation key, compared nowhere", "citation-key": "idem", "accessed": "see urldate",
    "source": "the catalogue Zotero copied the item from", "call-number": "see lccn",
    "title-short": "see shorttitle", "container-title-short": "our short label is the list's venue label",
}
# Fields compared with the letter case of their words and the braces protecting it aside.
TITLE_FIELDS = frozenset("title booktitle journal journaltitle maintitle eventtitle series subtitle "
                         "container-title collection-title volume-title".split())


@dataclass
class Tally:
    """Per-field agreement: (field -> [equal, total]) and the differing values, for one format."""

    fields: dict = field(default_factory=dict)
    diffs: list = field(default_factory=list)
    # (where, field, our whole entry, BBT's whole entry) of each difference, as written (`rejected`).
    cases: list = field(default_factory=list)

    def add(self, name: str, ours, theirs, where: str, entries: tuple = (None, None)) -> None:
        counts = self.fields.setdefault(name, [0, 0])
        counts[1] += 1
        if ours == theirs:
            counts[0] += 1
        else:
            self.diffs.append((where, name, ours, theirs))
            self.cases.append((where, name, *entries))

    @property
    def equal(self) -> int:
        return sum(c[0] for c in self.fields.values())

    @property
    def total(self) -> int:
        return sum(c[1] for c in self.fields.values())

    @property
    def share(self) -> float:
        return self.equal / self.total if self.total else 1.0


def expected_dir() -> Path:
    return Path(os.environ.get("BBT_EXPECTED") or BBT_DIR)


def expected_files() -> list[tuple[Path, str, Path]]:
    """(input file, format, expected output) for every input with an expected export."""
    where = expected_dir()
    out = []
    for path in sorted(BBT_DIR.glob("*.json")):
        if path.name.endswith(".csl.json"):
            continue
        for ext in EXTS:
            found = where / f"{path.name[:-5]}.{ext}"
            if found.is_file():
                out.append((path, ext, found))
    return out


# --- reading .bib text (both sides; BibTeX macros such as `month = jan` are kept as their names) ----

_ENTRY_RE = re.compile(r"@([A-Za-z]+)\s*\{")
_NAME_RE = re.compile(r"([A-Za-z][\w\-:.]*)\s*=\s*")
_MACRO_RE = re.compile(r"[\w\-]+")


def _braced(text: str, j: int) -> int:
    """The index of the `}` closing the group that opens at text[j]."""
    depth = 0
    while True:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth == 0:
            return j
        j += 1


def parse_bib(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """[(entry type, key, {field: value})], @comment, @string and @preamble left out."""
    out, i = [], 0
    while (m := _ENTRY_RE.search(text, i)) is not None:
        kind, j = m.group(1).lower(), m.end()
        if kind in ("comment", "string", "preamble"):
            i = _braced(text, j - 1) + 1
            continue
        comma = text.index(",", j)
        key, j, fields = text[j:comma].strip(), comma + 1, {}
        while True:
            while j < len(text) and text[j] in " \t\r\n,":
                j += 1
            if j >= len(text) or text[j] == "}":
                break
            m2 = _NAME_RE.match(text, j)
            name, j, parts = m2.group(1).lower(), m2.end(), []
            while True:
                if text[j] == "{":
                    end = _braced(text, j)
                    parts.append(text[j + 1:end])
                    j = end + 1
                elif text[j] == '"':
                    end = text.index('"', j + 1)
                    parts.append(text[j + 1:end])
                    j = end + 1
                else:
                    m3 = _MACRO_RE.match(text, j)
                    parts.append(m3.group(0))
                    j = m3.end()
                while j < len(text) and text[j] in " \t\r\n#":
                    j += 1
                if j >= len(text) or text[j] in ",}":
                    break
            fields[name] = "".join(parts)
        out.append((kind, key, fields))
        i = j + 1
    return out


# --- pairing and comparing ---------------------------------------------------------------------------

def _norm(value: str) -> str:
    return " ".join(str(value).split())


def _title_norm(value: str) -> str:
    return _norm(value.replace("{", "").replace("}", "")).casefold()


def _words(value: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKD", _title_norm(value)))


def _first_family(item: dict) -> str:
    for c in item.get("creators") or ():
        return _words(c.get("lastName") or c.get("name") or "")
    return ""


def _their_family(values: dict) -> str:
    names = values.get("author")
    if isinstance(names, list):
        return _words(names[0].get("family") or names[0].get("literal") or "") if names else ""
    first = (names or "").split(" and ")[0]
    return _words(first.split(",")[0]) if first else ""


def pair(items: list[dict], theirs: list[tuple[str, dict]]) -> list[tuple[int, int]]:
    """(item index, expected entry index) pairs: by pinned key, then title and first author's family
    name, then title, then order."""
    left = list(range(len(items)))
    pairs: list[tuple[int, int]] = []
    for how in ("key", "title+author", "title", "order"):
        for t, (key, values) in enumerate(theirs):
            if any(p[1] == t for p in pairs):
                continue
            # (Their title is LaTeX, `{$\\cdot$}`; ours rich text, `<span class="nocase">`: words only.)
            title = _words(plain_text(re.sub(r"\\[A-Za-z]+", "", values.get("title", ""))))
            for i in left:
                item = items[i]
                same_title = title == _words(plain_text(item.get("title", "")))
                if (how == "key" and key and item.get("citationKey") == key) \
                        or (how == "title+author" and same_title and _first_family(item) == _their_family(values)) \
                        or (how == "title" and same_title) or how == "order":
                    pairs.append((i, t))
                    left.remove(i)
                    break
    return sorted(pairs)


def preferences(path: Path) -> dict:
    """BBT's preferences a fixture was exported under (its `config.preferences`)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return dict((doc.get("config") or {}).get("preferences") or {})


def name_settings(prefs: dict) -> dict:
    """`[bib]` settings for papers.biblatex.bib's names and letters that do what a fixture's BBT
    preferences ask, as pipeline.toml would hold them (BBT's defaults where the fixture says nothing)."""
    return {"biblatex_names": "extended" if prefs.get("biblatexExtendedNameFormat", True) else "plain",
            "biblatex_ascii": bool(prefs.get("asciiBibLaTeX", False))}


# BBT's `bibtexURL` -> our `[bib] url`; BBT's default is "off".
BIBTEX_URL = {"url": "url", "url-ish": "url", "note": "note-url", "note-url-ish": "note", "off": "off"}


def our_settings(prefs: dict) -> dict:
    """`[bib]` settings that do what a fixture's BBT preferences ask, as pipeline.toml would hold them.
    A link whose BibTeX field `skipFields` names is no link at all (BBT then keeps the DOI too)."""
    url = BIBTEX_URL.get(str(prefs.get("bibtexURL", "off")), "off")
    if url != "off" and any(f == url.split("-")[0] and t == "" for t, f in skipped(prefs, "bibtex")):
        url = "off"
    return {"url": url, "doi_and_url": str(prefs.get("DOIandURL", "both")),
            "edition_ordinal": bool(prefs.get("bibtexEditionOrdinal", False))}


def skipped(prefs: dict, ext: str) -> list[tuple[str, str]]:
    """(entry type or "", field) pairs BBT's `skipFields` leaves out of format `ext`, fields lower-cased."""
    scope = {"bibtex": ("tex", "bibtex"), "biblatex": ("tex", "biblatex"), "csl.json": ("csl",)}[ext]
    out = []
    for spec in str(prefs.get("skipFields") or "").lower().split(","):
        parts = spec.strip().split(".")
        if len(parts) == 1 and parts[0]:
            out.append(("", parts[0]))
        elif parts[0] in scope and len(parts) in (2, 3):
            out.append((parts[1] if len(parts) == 3 else "", parts[-1]))
    return out


# A fixture's `postscript` is JavaScript its user wrote to change BBT's export after the fact; the list
# runs no such scripts. The fields a script sets or deletes are what the script made, not BBT's mapping,
# so they are left out of the count on both sides, as `skipFields` are: each field the script names
# literally (`add({name: 'month'`, `remove('journal')`, `delete this.has.url`, `csl.GSCC = `), and the
# name fields when it rewrites the creators (`addCreators()`), in the formats whose translator it names
# (BetterTeX: both .bib files; none named: all three).
_PS_FIELD_RES = (re.compile(r"""\bname:\s*['"]([\w-]+)['"]"""), re.compile(r"""\.remove\(\s*['"]([\w-]+)['"]"""),
                 re.compile(r"""\bdelete\s+[\w.]*\.has(?:\.([\w-]+)|\[['"]([\w-]+)['"]\])"""),
                 re.compile(r"""\b(?:delete\s+)?csl(?:\.([\w-]+)|\[['"]([\w-]+)['"]\])"""))
_PS_TRANSLATORS = {"bibtex": ("BetterBibTeX", "BetterTeX"), "biblatex": ("BetterBibLaTeX", "BetterTeX"),
                   "csl.json": ("BetterCSL",)}
_NAME_FIELDS = ("author", "editor", "translator", "bookauthor", "editora", "editorb", "namea", "collaborator",
                "with")


def postscripted(prefs: dict, ext: str) -> list[tuple[str, str]]:
    """("", field) pairs a fixture's `postscript` sets or deletes in format `ext`, fields lower-cased."""
    script = re.sub(r"//[^\n]*", "", str(prefs.get("postscript") or ""))
    named = re.findall(r"Translator\.(Better\w+)", script)
    if not script or (named and not any(n.startswith(_PS_TRANSLATORS[ext]) for n in named)):
        return []
    fields = {next(g for g in m.groups() if g).lower() for r in _PS_FIELD_RES for m in r.finditer(script)}
    if "addCreators" in script:
        fields.update(_NAME_FIELDS)
    return [("", f) for f in sorted(fields - {"has"})]


def _skips(skip, kind: str, name: str) -> bool:
    return any(f == name.lower() and t in ("", kind) for t, f in skip)


def compare_bib(tally: Tally, where: str, ours: tuple[str, dict], theirs: tuple[str, dict], skip=()) -> None:
    (our_type, our_fields), (their_type, their_fields) = ours, theirs
    tally.add("(entry type)", our_type, their_type, where, (ours, theirs))
    for name in sorted(set(our_fields) | set(their_fields)):
        if name in NOT_PUBLISHED or name == "ids" or _skips(skip, their_type, name):
            continue
        a, b = our_fields.get(name), their_fields.get(name)
        norm = _title_norm if name in TITLE_FIELDS else _norm
        tally.add(name, None if a is None else norm(a), None if b is None else norm(b), where, (ours, theirs))


def _csl_value(name: str, value):
    if isinstance(value, dict) and "date-parts" in value:
        return [[int(p) if str(p).lstrip("-").isdigit() else p for p in parts] for parts in value["date-parts"]] \
            + [value.get(k) for k in ("circa",) if value.get(k)]
    if name in TITLE_FIELDS and isinstance(value, str):
        return _title_norm(value)
    if isinstance(value, str):
        return _norm(value)
    return value


def compare_csl(tally: Tally, where: str, ours: dict, theirs: dict, skip=()) -> None:
    for name in sorted(set(ours) | set(theirs)):
        if name in NOT_PUBLISHED or _skips(skip, str(theirs.get("type", "")), name):
            continue
        a, b = ours.get(name), theirs.get(name)
        tally.add(name, None if a is None else _csl_value(name, a), None if b is None else _csl_value(name, b), where,
                  (ours, theirs))


def measure(rendered: dict[str, dict[str, list]]) -> dict[str, Tally]:
    """{format: Tally} from `rendered` ({input file name: {format: [one rendering per item]}}), each
    rendering an entry's (type, fields) for a .bib format or a CSL item."""
    tallies = {ext: Tally() for ext in EXTS}
    for path, ext, expected in expected_files():
        items = fixture_items(path)
        ours = rendered[path.name][ext]
        text = expected.read_text(encoding="utf-8")
        if ext == "csl.json":
            theirs = [(i.get("id", ""), i) for i in json.loads(text)]
        else:
            theirs = [(key, {"(type)": kind, **values}) for kind, key, values in parse_bib(text)]
        skip = skipped(preferences(path), ext) + postscripted(preferences(path), ext)
        for i, t in pair(items, theirs):
            where = f"{path.name[:-5]}#{i}"
            if ext == "csl.json":
                compare_csl(tallies[ext], where, ours[i], theirs[t][1], skip)
            else:
                values = dict(theirs[t][1])
                kind = values.pop("(type)")
                compare_bib(tallies[ext], where, tuple(ours[i]), (kind, values), skip)
    return tallies


# --- which differences BBT's own value would fail the list's checks on --------------------------------

def _bib_text(variants: list[tuple[str, str, dict]]) -> str:
    return "\n".join(f"@{kind}{{{key},\n" + "".join(f"  {n} = {{{v}}},\n" for n, v in fields.items()) + "}\n"
                      for key, kind, fields in variants)


def rejected(ext: str, tally: Tally) -> set[tuple[str, str]]:
    """(where, field) of the differences where BBT's value itself fails the check the list holds that file
    to: papers.bib compiled by pdflatex + bibtex (plain style) under the author's plain preamble
    (pipeline/validate/bibtex.compile_check), papers.biblatex.bib's `biber --tool --validate-datamodel`
    (`biber_check`), papers.json's CSL-JSON schema (tests/test_csl_schema.py). Each is tried alone: our
    entry with BBT's value of that one field (BBT's whole entry for a different entry type). Without the
    tools, nothing is counted."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.validate.bibtex import biber_check, compile_check, missing_tools

    tried = [(where, name, ours, theirs) for where, name, ours, theirs in tally.cases if ours is not None]
    out: set[tuple[str, str]] = set()
    if ext in ("bibtex", "biblatex"):
        if missing_tools("biber" if ext == "biblatex" else "pdflatex", "bibtex", "pdftotext"):
            return out
        variants = []
        for n, (where, name, (our_type, ours), (their_type, theirs)) in enumerate(tried):
            if theirs.get(name) is None and name != "(entry type)":
                continue            # BBT writes no such field: leaving ours out fails nothing
            keep = {k: v for k, v in theirs.items() if k not in NOT_PUBLISHED and k != "ids"}
            variants.append((f"v{n}", their_type, keep) if name == "(entry type)"
                            else (f"v{n}", our_type, {**ours, name: theirs[name]}))
        if ext == "biblatex":
            failing = {m.group(1) for p in biber_check(_bib_text(variants))
                       for m in [re.search(r"Entry '(v\d+)'", p.message)] if m}
        else:               # a compile is a whole document: one per variant
            def fails(variant) -> bool:
                text = _bib_text([variant])     # (`\url`: a fixture run under `[bib] url = "note-url"`)
                return bool(compile_check(text, {}, packages=("url",) if "\\url{" in text else ()))

            with ThreadPoolExecutor(max_workers=8) as pool:
                verdicts = pool.map(fails, variants)
            failing = {v[0] for v, bad in zip(variants, verdicts) if bad}
        out = {(tried[int(k[1:])][0], tried[int(k[1:])][1]) for k in failing}
    elif ext == "csl.json":
        import jsonschema

        from tests.test_csl_schema import SCHEMA
        validator = jsonschema.Draft7Validator(SCHEMA)
        for where, name, ours, theirs in tried:
            if name in theirs and not validator.is_valid([{**ours, name: theirs[name]}]):
                out.add((where, name))
    return out


RENDER_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from pipeline.convert.zotero import to_record
from pipeline.render import bibtex, biblatex, citekeys, csljson
try:
    from pipeline.config import bib_settings
except ImportError:         # a pipeline from before the [bib] settings: its only behaviour
    bib_settings = None
doc = json.load(sys.stdin)
out = {}
for name, items in doc["items"].items():
    records = [to_record(item) for item in items]
    keys, _ = citekeys.assign(records, {})
    given = {"settings": bib_settings(doc["settings"][name], name)} if bib_settings else {}
    made = {"bibtex": bibtex.render(records, keys, **given), "biblatex": biblatex.render(records, keys, **given),
            "csl.json": csljson.render(records, keys)}
    out[name] = {"keys": [keys[r.key] for r in records], **made}
json.dump(out, sys.stdout)
"""


def render_all(code: Path | None = None) -> dict[str, dict[str, list]]:
    """{input file name: {format: [our rendering of item i]}} for every input with an expectation,
    made by the pipeline in `code` (a folder holding `pipeline/`; this checkout's when None)."""
    import subprocess
    import sys

    names = sorted({p.name for p, _, _ in expected_files()})
    doc = {"items": {name: fixture_items(BBT_DIR / name) for name in names},
           "settings": {name: {**our_settings(prefs), **name_settings(prefs)}
                        for name, prefs in ((n, preferences(BBT_DIR / n)) for n in names)}}
    root = code or Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-c", RENDER_SCRIPT, str(root)], input=json.dumps(doc),
                         capture_output=True, text=True, check=True, cwd=root)
    made = json.loads(run.stdout)
    out = {}
    for name, got in made.items():
        keys = got["keys"]
        bib = {ext: {key: (kind, values) for kind, key, values in parse_bib(got[ext])}
               for ext in ("bibtex", "biblatex")}
        csl = {i["id"]: i for i in json.loads(got["csl.json"])}
        out[name] = {"bibtex": [bib["bibtex"][k] for k in keys], "biblatex": [bib["biblatex"][k] for k in keys],
                     "csl.json": [csl[k] for k in keys]}
    return out
