"""System test: every writer survives all 200 Better BibTeX inputs, through the whole product.

Better BibTeX's regression inputs (../shared/fixtures/bbt: CJK and Arabic names, HTML and LaTeX in
titles, empty titles, odd dates, `extra` fields, thousands of tags) are filed into a Zotero library in
the emulator, spread over nested sub-collections (some items in two), and served over real HTTP. A
scratch project then runs the real CLI, `python -m pipeline sync` and `check`, with its settings from
the environment, against that emulator and a Crossref emulator that knows a few of the papers (one of
them retracted, a few only findable by a bibliographic search).

What must hold: sync exits 0; every item is in the .bib, the CSV and the CSL-JSON exactly once and in
each of its README sections exactly once, under its own title (the README is read back with GitHub's
parser, cmark-gfm); a second sync changes no byte; the API key is in no file and no line of output;
`check` reports no data-quality error but the retraction it was given, and (where Node and TeX are
installed) no validator error from awesome-lint, markdownlint, pdflatex/bibtex, biber or frictionless.
"""
from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser

from pipeline import cli
from pipeline.convert.zotero import to_record
from pipeline.render.richtext import plain_text
from pipeline.model import Record
from pipeline.render import readme
from pipeline.render.markdown import clean
from pipeline.validate import bibtex as validate_bib
from pipeline.validate import markdown as validate_md
from tests.bbt_fixtures import BBT_DIR, SKIP_REASON, load_items
from tests.servers.crossref_api import CrossrefServer, Limits
from tests.servers.zotero_api import Library, ZoteroServer
from tests.test_readme import Node, parse

pytestmark = [pytest.mark.shared, pytest.mark.skipif(not BBT_DIR.is_dir(), reason=SKIP_REASON)]

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "SysBbt7Qk2Lm9Xv4Rt6Wy8Zp"     # shaped like a Zotero key, and in no fixture
LIBRARY_ID = 4242
TOP = "BBTTQP22"   # a Zotero key: no 0, 1 or O
# (key, name, parent): nested sections, one three levels deep. Names are the curator's, not BBT's.
SECTIONS = (
    ("BBTSEC2A", "01 Articles", None),
    ("BBTSEC3B", "Preprints and Reports", "BBTSEC2A"),
    ("BBTSEC4C", "02 Books", None),
    ("BBTSEC5D", "Chapters", "BBTSEC4C"),
    ("BBTSEC6E", "Deeply Nested", "BBTSEC5D"),
    ("BBTSEC7F", "03 Everything Else", None),
)
SECTION_PATHS = {"BBTSEC2A": "Articles", "BBTSEC3B": "Articles > Preprints and Reports",
                 "BBTSEC4C": "Books", "BBTSEC5D": "Books > Chapters",
                 "BBTSEC6E": "Books > Chapters > Deeply Nested", "BBTSEC7F": "Everything Else"}
HEADINGS = {"BBTSEC2A": "Articles", "BBTSEC3B": "Preprints and Reports", "BBTSEC4C": "Books",
            "BBTSEC5D": "Chapters", "BBTSEC6E": "Deeply Nested", "BBTSEC7F": "Everything Else"}
PIPELINE_TOML = """\
[list]
title = "Awesome BBT Torture Test"

[zotero]
library_type = "user"

[sections]
order = []

[entries]
sort = ["title"]
tags = "all"
"""
OUTPUTS = ("README.md", "data/curated/papers.bib", "data/curated/papers.csv", "data/curated/papers.json",
           "data/curated/datapackage.json", "data/curated/citekeys.json")
# The validators `check` runs, by the Problem codes they report with.
VALIDATOR_CODES = {"awesome-lint", "markdownlint", "awesome-lint-failed", "markdownlint-failed", "readme-missing",
                   "csv-schema", "csv-format", "csv-missing"}


# --- the library -------------------------------------------------------------------------------------

def placement(index: int) -> tuple[str, ...]:
    """The sections item number `index` is filed in: round-robin, every fifth also in a second one."""
    keys = [k for k, _, _ in SECTIONS]
    first = keys[index % len(keys)]
    if index % 5 == 0:
        return (first, keys[(index + 2) % len(keys)])
    return (first,)


@dataclass
class Corpus:
    library: Library
    items: dict[str, dict] = field(default_factory=dict)            # key -> Zotero data, as filed
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    expected: dict[str, Record] = field(default_factory=dict)       # key -> the record Zotero gives
    retracted: str = ""                                              # key of the retracted paper
    retracted_all: list[str] = field(default_factory=list)          # every key carrying its DOI
    verified: list[str] = field(default_factory=list)               # keys Crossref finds by search


def build_library() -> Corpus:
    lib = Library("user", LIBRARY_ID, "bbt-torture", seed=5)
    corpus = Corpus(lib)
    with lib.batch():
        lib.add_collection("BBT Torture Test", key=TOP)
        for key, name, parent in SECTIONS:
            lib.add_collection(name, parent or TOP, key=key)
        for index, (_, item) in enumerate(load_items()):
            sections = placement(index)
            # The fixture's own collection keys point into BBT's test library: not ours.
            data = {k: v for k, v in item.items() if k not in ("collections", "parentItem")}
            key = lib.add_item(data, sections, key=item["key"])
            corpus.items[key] = copy.deepcopy(lib.items[key])
            corpus.sections[key] = sections
            corpus.expected[key] = to_record({"key": key, "data": corpus.items[key]})
    # Something outside the list's tree: must not show up anywhere.
    other = lib.add_collection("Unrelated")
    lib.add_item({"itemType": "journalArticle", "title": "Outside the List"}, [other], key="XUTS2DE9")
    return corpus


def _work(doi: str, record: Record) -> dict:
    """The Crossref work for `record`: same title, first author and year, another venue."""
    family = next((c.family or c.name for c in record.creators if c.role == "author"), "")
    return {
        "DOI": doi, "URL": f"https://doi.org/{doi}", "type": "journal-article",
        "title": [record.title],
        "author": [{"family": family, "given": "A.", "sequence": "first", "affiliation": []}] if family else [],
        "issued": {"date-parts": [[record.year]]} if record.year else {"date-parts": [[None]]},
        "container-title": ["Journal of Regression Tests"], "publisher": "BBT", "is-referenced-by-count": 7,
        "relation": {}, "prefix": doi.split("/")[0], "member": "0",
    }


def crossref_works(corpus: Corpus) -> list[dict]:
    """A few works: some DOIs of the corpus (one retracted), and some papers without a DOI that a
    bibliographic search finds under a new one."""
    works, seen = [], set()
    simple = re.compile(r"[A-Za-z][A-Za-z ,:-]{15,}")   # titles Crossref would index as they are
    by_doi = [r for r in corpus.expected.values() if r.doi and r.year and simple.fullmatch(r.title)
              and any(c.family for c in r.creators)]
    for r in sorted(by_doi, key=lambda r: r.key):
        if r.doi.lower() in seen or len(works) >= 6:
            continue
        seen.add(r.doi.lower())
        work = _work(r.doi, r)
        if not corpus.retracted:
            corpus.retracted = r.key
            work["updated-by"] = [{"type": "retraction", "DOI": "10.5555/retraction.1", "source": "publisher",
                                   "updated": {"date-parts": [[2021, 3, 4]]}}]
        works.append(work)
    dois = {r.doi.lower() for r in by_doi}
    retracted_doi = corpus.expected[corpus.retracted].doi.lower()
    corpus.retracted_all = sorted(k for k, r in corpus.expected.items() if r.doi.lower() == retracted_doi)
    titles = Counter(r.title.casefold() for r in corpus.expected.values())
    searchable = [r for r in corpus.expected.values() if not r.doi and r.item_type == "journalArticle"
                  and r.year and simple.fullmatch(r.title) and titles[r.title.casefold()] == 1
                  and any(c.family for c in r.creators)]
    for n, r in enumerate(sorted(searchable, key=lambda r: r.key)[:3]):
        doi = f"10.5555/bbt.search.{n}"
        assert doi not in dois
        works.append(_work(doi, r))
        corpus.verified.append(r.key)
    return works


# --- running the CLI ---------------------------------------------------------------------------------

@dataclass
class Run:
    code: int
    out: str


def run_cli(root: Path, *args: str) -> Run:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli.main([*args, "--root", str(root)])
    return Run(code, out.getvalue())


def snapshot(root: Path) -> dict[str, bytes]:
    # build/sync.json and build/zotero-checked.json are this folder's own records of file times (the
    # fingerprints of sync and pull), not outputs.
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and "tools" not in p.relative_to(root).parts
            and p.relative_to(root) not in (Path("build/sync.json"), Path("build/zotero-checked.json"))}


@dataclass
class System:
    root: Path
    corpus: Corpus
    sync: Run
    resync: Run
    check: Run
    first: dict[str, bytes]
    second: dict[str, bytes]
    zotero_requests: int
    crossref_requests: int
    fresh: Run                   # the same sync in a second, empty project
    fresh_files: dict[str, bytes]


def new_project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bbt-system")
    (root / "pipeline.toml").write_text(PIPELINE_TOML, encoding="utf-8")
    # The project's linters and their settings, as `make check` finds them in a clone.
    (root / "tools").mkdir()
    os.symlink(ROOT / "tools" / "lint", root / "tools" / "lint")
    shutil.copy(ROOT / ".markdownlint-cli2.jsonc", root / ".markdownlint-cli2.jsonc")
    return root


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> System:
    root = new_project(tmp_path_factory)
    corpus = build_library()
    works = crossref_works(corpus)
    fast = Limits(2000, 1.0, 8)   # the real limits would make 450 searches take 45 s
    with ZoteroServer(corpus.library, api_key=API_KEY) as zotero_server, \
            CrossrefServer(works, limits={"polite": fast, "public": fast}) as crossref_server, \
            pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("ZOTERO_", "CROSSREF_")) or name == "CI":
                mp.delenv(name)
        mp.setenv("ZOTERO_API_URL", zotero_server.url)
        mp.setenv("ZOTERO_LIBRARY_ID", str(LIBRARY_ID))
        mp.setenv("ZOTERO_LIBRARY_TYPE", "user")
        mp.setenv("ZOTERO_COLLECTION", TOP)
        mp.setenv("ZOTERO_API_KEY", API_KEY)
        mp.setenv("CROSSREF_API_URL", crossref_server.url)
        mp.setenv("DBLP_API_URL", "http://127.0.0.1:9")
        mp.setenv("CROSSREF_MAILTO", "bbt-system-test@example.org")
        sync = run_cli(root, "sync", "-v")
        first = snapshot(root)
        resync = run_cli(root, "sync", "-v")
        second = snapshot(root)
        check = run_cli(root, "check", "-v")
        requests = zotero_server.requests, crossref_server.requests
        # A fresh clone syncing the same library: Crossref answers arrive in another order (8 threads).
        clone = new_project(tmp_path_factory)
        fresh = run_cli(clone, "sync", "-q")
        return System(root, corpus, sync, resync, check, first, second, *requests,
                      fresh, snapshot(clone))


def read(system: System, name: str) -> str:
    return (system.root / name).read_text(encoding="utf-8")


def citekeys(system: System) -> dict[str, str]:
    return json.loads(read(system, "data/curated/citekeys.json"))["keys"]


# --- sync --------------------------------------------------------------------------------------------

def test_sync_succeeds_and_reaches_both_services(system):
    # It finishes, and exits 3 for the one error it reports: a listed paper Crossref says is retracted.
    errors = [line for line in system.sync.out.splitlines() if line.startswith("error:")]
    assert system.sync.code == 3 and len(errors) == 1 and "retracted" in errors[0], system.sync.out[-3000:]
    assert system.resync.code in (0, 3), system.resync.out[-3000:]
    assert system.zotero_requests > 0 and system.crossref_requests > 0
    assert "Traceback" not in system.sync.out + system.resync.out + system.check.out
    for name in OUTPUTS:
        assert (system.root / name).is_file(), name


def test_every_item_is_in_the_bib_exactly_once(system):
    keys = citekeys(system)
    assert sorted(keys) == sorted(system.corpus.items), "the citation-key map lists other items"
    assert len(set(keys.values())) == len(keys), "two items share a citation key"
    entries = bibtexparser.loads(read(system, "data/curated/papers.bib"),
                                 parser=BibTexParser(common_strings=True, ignore_nonstandard_types=False)).entries
    assert Counter(e["ID"] for e in entries) == Counter(keys.values())
    assert "Outside the List" not in read(system, "data/curated/papers.bib")


def test_every_item_is_in_the_csv_exactly_once_with_its_title_and_sections(system):
    keys = citekeys(system)
    with (system.root / "data/curated/papers.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert Counter(r["key"] for r in rows) == Counter(list(system.corpus.items))
    for row in rows:
        expected = system.corpus.expected[row["key"]]
        assert row["citekey"] == keys[row["key"]]
        assert row["title"] == expected.title, row["key"]
        paths = [SECTION_PATHS[s] for s in system.corpus.sections[row["key"]]]
        for path in paths:
            assert path in row["sections"], (row["key"], row["sections"])


def test_every_item_is_in_the_csl_json_exactly_once_with_its_title(system):
    keys = citekeys(system)
    items = json.loads(read(system, "data/curated/papers.json"))
    assert Counter(i["id"] for i in items) == Counter(keys.values())
    by_id = {i["id"]: i for i in items}
    for key, record in system.corpus.expected.items():
        assert by_id[keys[key]].get("title", "") == record.title, key


def test_crossref_findings_reach_the_outputs(system):
    with (system.root / "data/curated/papers.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["key"]: r for r in csv.DictReader(f)}
    for n, key in enumerate(system.corpus.verified):
        assert rows[key]["doi"] == f"10.5555/bbt.search.{n}", key
    assert rows[system.corpus.retracted]["retracted"] == "true"


# --- the README --------------------------------------------------------------------------------------

def expected_text(r: Record) -> str:
    """What the entry's title reads as on GitHub: the title as one clean line (test_readme_hostile)."""
    return clean(plain_text(r.title)) or f"Untitled ({r.key})"


def entry_title(li: Node, candidates: list[str]) -> str:
    """The title an <li> shows: its link's text, or (unlinked) the longest candidate it starts with."""
    first = li.children[0] if li.children else None
    if isinstance(first, Node) and first.tag == "a" and first.attrs.get("href", "").startswith(("http:", "https:")):
        return first.text()
    text = li.text()
    found = [c for c in candidates if text.startswith(c)]
    return max(found, key=len) if found else text[:120]


def generated_sections(text: str) -> list[tuple[str, list[Node]]]:
    """(heading, its <li>s) for each heading of the generated block after Contents, in order."""
    block = readme.BEGIN + text.split(readme.BEGIN, 1)[1].split(readme.END, 1)[0] + readme.END
    out: list[tuple[str, list[Node]]] = []
    for node in parse(block).elements():
        if re.fullmatch(r"h[1-6]", node.tag):
            out.append((node.text(), []))
        elif node.tag == "ul" and out:
            out[-1][1].extend(li for li in node.elements() if li.tag == "li")
        elif out and node.tag not in ("p", "pre"):      # pre: the Mermaid charts after Contents
            raise AssertionError(f"unexpected <{node.tag}> after heading {out[-1][0]!r}")
    assert out and out[0][0] == "Contents"
    return out[1:]


def test_every_item_is_in_each_of_its_readme_sections_exactly_once_under_its_title(system):
    text = read(system, "README.md")
    corpus = system.corpus
    got = generated_sections(text)
    # Depth first, numeric prefixes first: Articles > Preprints..., Books > Chapters > Deeply Nested, Everything Else.
    order = ["BBTSEC2A", "BBTSEC3B", "BBTSEC4C", "BBTSEC5D", "BBTSEC6E", "BBTSEC7F"]
    assert [h for h, _ in got] == [HEADINGS[k] for k in order]
    for (heading, lis), section in zip(got, order):
        members = [corpus.expected[k] for k in corpus.items if section in corpus.sections[k]]
        # sort = ["title"]: case-insensitive title, empty titles last, the item key breaking ties.
        members.sort(key=lambda r: (r.title == "", r.title.casefold(), r.key))
        wanted = [expected_text(r) for r in members]
        shown = [entry_title(li, wanted) for li in lis]
        assert len(lis) == len(members), f"{heading}: {len(lis)} entries for {len(members)} items"
        assert Counter(shown) == Counter(wanted), f"{heading}: {set(Counter(shown) - Counter(wanted))} shown, " \
                                                  f"{set(Counter(wanted) - Counter(shown))} missing"
        assert shown == wanted, f"{heading}: entries out of title order"
    assert "Outside the List" not in text


def test_contents_counts_every_item_once_per_section_tree(system):
    text = read(system, "README.md")
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    counts = dict(re.findall(r"\[([^\]]+)\]\(#[^)]*\) \((\d+)\)", contents))
    corpus = system.corpus
    subtree = {"Articles": {"BBTSEC2A", "BBTSEC3B"}, "Preprints and Reports": {"BBTSEC3B"},
               "Books": {"BBTSEC4C", "BBTSEC5D", "BBTSEC6E"}, "Chapters": {"BBTSEC5D", "BBTSEC6E"},
               "Everything Else": {"BBTSEC7F"}}
    for name, keys in subtree.items():
        assert int(counts[name]) == sum(1 for k in corpus.items if keys & set(corpus.sections[k])), name


# --- determinism and secrecy -------------------------------------------------------------------------

def test_a_second_sync_changes_no_byte(system):
    assert system.second.keys() == system.first.keys()
    changed = [name for name in system.first if system.first[name] != system.second[name]]
    assert changed == [], f"a sync with nothing new in Zotero changed {changed}"


def test_a_fresh_project_builds_the_same_bytes(system):
    assert system.fresh.code in (0, 3), system.fresh.out[-3000:]
    assert system.fresh_files.keys() == system.first.keys()
    differ = [name for name in system.first if system.first[name] != system.fresh_files[name]]
    assert differ == [], f"two syncs of the same library disagree on {differ[:10]}"


def test_the_api_key_is_in_no_file_and_no_output(system):
    key = API_KEY.encode()
    leaks = [name for name, data in snapshot(system.root).items() if key in data]
    assert leaks == []
    for run in (system.sync, system.resync, system.check, system.fresh):
        assert API_KEY not in run.out
        # The CLI's reporter would print a leaked key as "***": nothing may even try.
        assert "***" not in run.out


# --- check -------------------------------------------------------------------------------------------

def problem_lines(out: str) -> list[tuple[str, str, str]]:
    """(code, level, where + message) of every problem `check` lists."""
    found, code = [], ""
    for line in out.splitlines():
        head = re.fullmatch(r"(\S+) \(\d+\)", line)
        if head:
            code = head.group(1)
            continue
        item = re.match(r"  (error|warning): (.*)", line)
        if item:
            found.append((code, item.group(1), item.group(2)))
    return found


def test_check_finds_no_error_but_the_retraction(system):
    """The only data-quality error these inputs legitimately have is the retraction the Crossref
    emulator reports for one DOI (every item carrying that DOI is retracted): check exits 3 for it."""
    errors = [p for p in problem_lines(system.check.out) if p[1] == "error"]
    data_errors = [p for p in errors if p[0] not in VALIDATOR_CODES and not p[0].startswith(("bib", "biber"))]
    assert sorted({p[0] for p in data_errors}) == ["retracted"], data_errors[:20]
    retracted = sorted(p[2].split(" ", 1)[0] for p in data_errors)
    assert retracted == system.corpus.retracted_all
    assert system.check.code == 3, system.check.out[-2000:]


def validator_errors(system: System) -> list[tuple[str, str, str]]:
    missing = [name for name in ("pdflatex", "bibtex", "biber", "pdftotext") if shutil.which(name) is None]
    lint = validate_md.missing_tools(ROOT)
    if missing or lint:
        pytest.skip(f"validator tools missing: {'; '.join(filter(None, [', '.join(missing), lint]))} "
                    f"({validate_bib.INSTALL}; {validate_md.INSTALL})")
    problems = problem_lines(system.check.out)
    skipped = [p for p in problems if p[0] in ("tool-missing", "lint-tools-missing")]
    assert skipped == [], skipped
    return [p for p in problems if p[1] == "error" and p[0] != "retracted"]


_DOUBLE_LINK_RE = re.compile(r"README\.md:(\d+): awesome-lint double-link: Duplicate link: (\S+)$")
_UNPAIRED_RE = re.compile(r"README\.md:\d+: awesome-lint balanced-punctuation: ")


def shared_link(system: System, where: str) -> bool:
    """Is this double-link error two *different* items linking one page? The BBT inputs file the same
    article several times under different keys (one news story under a dozen dates, one paper
    exported twice); the product reports that on purpose (test_readme_lint:
    test_different_entries_sharing_a_url_are_still_caught). One item filed in two sections is
    rendered verbatim twice, and that must not be reported."""
    match = _DOUBLE_LINK_RE.fullmatch(where)
    if not match:
        return False
    lines = read(system, "README.md").splitlines()
    line, url = int(match.group(1)), match.group(2)
    entries = {text for text in lines if text.startswith("- ") and f"]({url})" in text}
    return lines[line - 1] in entries and len(entries) >= 2


@pytest.mark.tools
def test_check_validators_find_no_error_but_shared_links(system):
    """awesome-lint, markdownlint, pdflatex + bibtex (every title in the PDF), biber and frictionless
    find nothing wrong with the outputs, except links that different items share (see `shared_link`)
    and unpaired quotes, which are warnings (the test below)."""
    errors = validator_errors(system)
    unexpected = [p for p in errors if not shared_link(system, p[2])]
    assert unexpected == [], "\n".join(f"{c}: {w}" for c, _, w in unexpected[:40])
    assert errors, "the corpus has items that share a URL: awesome-lint should have said so"


@pytest.mark.tools
def test_awesome_lint_accepts_correct_titles_with_unpaired_quotes(system):
    """BBT's 'Some remarks on <span class="nocase">’t Hooft’s</span> S-matrix for black holes' holds a
    Dutch ’t elision: awesome-lint's balanced-punctuation may warn about it, never fail the check."""
    unpaired = [p for p in validator_errors(system) if _UNPAIRED_RE.match(p[2])]
    assert unpaired == [], unpaired
