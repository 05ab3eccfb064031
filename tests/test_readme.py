"""The README renderer and the list's order: the curator's format byte for byte, contents with
counts and GitHub anchors, nested and repeated sections, the curator layer, and the hand-written
intro and outro kept across syncs. Structure is checked by reading the output back with cmark-gfm."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from pipeline import arrange
from pipeline.model import Catalog, Record, Section
from pipeline.render import readme

# --- the curator's list, as hand-built records -------------------------------------------------------

CURATOR_SECTIONS = (
    Section("BKG", "Background", None, ("Background",)),
    Section("HLV", "High-Level View", None, ("High-Level View",)),
    Section("EMP", "Empirical Studies on Machine Learning Bugs & Challenges", None,
            ("Empirical Studies on Machine Learning Bugs & Challenges",)),
    Section("DET", "ML Bug Detection", None, ("ML Bug Detection",)),
    Section("MON", "Monitoring", None, ("Monitoring",)),
    Section("DBG", "ML Bug Debugging", None, ("ML Bug Debugging",)),
)


def _r(n: int, section: str, title: str, url: str, venue: str = "", year: int | None = None, **kw) -> Record:
    return Record(key=f"K{n:03d}", title=title, url=url, venue_label=venue, year=year, sections=(section,),
                  date_added=f"2023-01-01T00:{n:02d}:00Z", **kw)


CURATOR_RECORDS = (
    _r(1, "BKG", "MLSys: The New Frontier of Machine Learning Systems", "https://arxiv.org/pdf/1904.03257.pdf",
       summary="The white paper that you must read."),
    _r(2, "BKG", "AI Engineering Quick Start", "https://ai-engineering.club/docs/quick_start",
       summary="A great, approachable of machine learning engineering workflow and practices."),
    _r(3, "HLV", "Hidden Technical Debt in Machine Learning Systems",
       "https://papers.nips.cc/paper/5656-hidden-technical-debt-in-machine-learning-systems.pdf", "NeurIps", 2015,
       summary="A seminal paper on the hidden technical debt in machine learning systems."),
    _r(4, "EMP", "A comprehensive empirical study on bug characteristics of deep learning frameworks",
       "https://linkinghub.elsevier.com/retrieve/pii/S0950584922001306", "Information and Software Technology", 2021,
       summary="TODO: Add summary."),
    _r(5, "EMP", "An Empirical Study on Program Failures of Deep Learning Jobs",
       "https://dl.acm.org/doi/10.1145/3377811.3380362", "ICSE", 2020,
       summary="An empirical study on **failure characteristics** of industry deep learning jobs from Microsoft. "
               "The study focuses on **job failures** that throw explicit exceptions."),
    _r(6, "EMP", "An Empirical Study of Common Challenges in Developing Deep Learning Applications",
       "https://ieeexplore.ieee.org/document/8987482", "IEEE Software", 2020,
       summary="An empirical study on **challenges** in developing correct and accurate deep learning applications. "
               "It categorizes the types of issues and investigates the difficulty of debugging them."),
    _r(7, "DET", "DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
       "https://dl.acm.org/doi/10.1145/3132747.3132785", "SOSP", 2017, note="Best paper award",
       summary="Introduces **Neuron Coverage** to guide input generation and **Differential Testing** to detect "
               "bugs across autonomous driving systems."),
    _r(8, "DET", "A Static Analyzer for Detecting Tensor Shape Errors in Deep Neural Network Training Code",
       "https://dl.acm.org/doi/abs/10.1145/3510454.3528638", "ICSE", 2022,
       summary="A static analyzer for detecting **tensor shape errors** in deep neural network training code. The "
               "analyzer is based on **abstract interpretation** and **constraint solving** and it used Z3 SMT "
               "Solver to detect conflicts.",
       review_path="reviews/A-Static-Analyzer-for-Detecting-Tensor-Shape-Errors-in-Deep-Neural-Network-Training-Code.md",
       review_text=True, review_status="draft"),
    _r(9, "DET", "Oracle Issues in Machine Learning and Where to Find Them",
       "https://dl.acm.org/doi/10.1145/3387940.3391490", "ICSEW", 2020,
       summary="An introduction to machine learning oracles (i.e. the labels of validation and test data) and how "
               "to detect issues within them using *Shannon Entropy* and *Semantic Analysis*.",
       review_path="reviews/Oracle-Issues-in-Machine-Learning-and-Where-to-Find-Them.md", review_text=True),
    _r(10, "DET", "CRADLE: Cross-Backend Validation to Detect and Localize Bugs in Deep Learning Libraries",
       "https://www.cs.purdue.edu/homes/lintan/publications/cradle-icse19.pdf", "ICSE", 2019,
       summary="Using **differential testing** to find bugs in different libraries' implementations of the same "
               "deep learning utilities."),
    _r(11, "DET", "AutoTrainer: An Automatic DNN Training Problem Detection and Repair System",
       "https://dl.acm.org/doi/10.1109/ICSE43902.2021.00043", "ICSE", 2021),
    _r(12, "DET", "Reliability Assurance for Deep Neural Network Architectures against Numerical Defects",
       "https://dl.acm.org/doi/abs/10.1109/ICSE48619.2023.00156", "ICSE", 2023),
    _r(13, "MON", "Self-Checking Deep Neural Networks in Deployment",
       "https://dl.acm.org/doi/abs/10.1109/ICSE43902.2021.00044", "ICSE", 2022),
    _r(14, "DBG", "Debugging Machine Learning Pipelines", "https://dl.acm.org/doi/10.1145/3329486.3329489", "DEEM", 2019,
       summary="Localizing root causes of ML performance anomalies in (i.e. hyperparameter, software version, data, "
               "etc.) with **decision trees** and existing runs of the same pipeline.",
       review_path="reviews/Debugging-Machine-Learning-Pipelines.md", review_text=True),
)

# The curator's lines, exactly as in ../shared/seed/curator-list.md.
CURATOR_LINES = """\
- [MLSys: The New Frontier of Machine Learning Systems](https://arxiv.org/pdf/1904.03257.pdf) - The white paper that you must read.
- [AI Engineering Quick Start](https://ai-engineering.club/docs/quick_start) - A great, approachable of machine learning engineering workflow and practices.
- [Hidden Technical Debt in Machine Learning Systems](https://papers.nips.cc/paper/5656-hidden-technical-debt-in-machine-learning-systems.pdf), *NeurIps 2015* - A seminal paper on the hidden technical debt in machine learning systems.
- [A comprehensive empirical study on bug characteristics of deep learning frameworks](https://linkinghub.elsevier.com/retrieve/pii/S0950584922001306), *Information and Software Technology 2021* - TODO: Add summary.
- [An Empirical Study on Program Failures of Deep Learning Jobs](https://dl.acm.org/doi/10.1145/3377811.3380362), *ICSE 2020* - An empirical study on **failure characteristics** of industry deep learning jobs from Microsoft. The study focuses on **job failures** that throw explicit exceptions.
- [An Empirical Study of Common Challenges in Developing Deep Learning Applications](https://ieeexplore.ieee.org/document/8987482), *IEEE Software 2020* - An empirical study on **challenges** in developing correct and accurate deep learning applications. It categorizes the types of issues and investigates the difficulty of debugging them.
- [DeepXplore: Automated Whitebox Testing of Deep Learning Systems](https://dl.acm.org/doi/10.1145/3132747.3132785), *SOSP 2017* (Best paper award) - Introduces **Neuron Coverage** to guide input generation and **Differential Testing** to detect bugs across autonomous driving systems.
- [A Static Analyzer for Detecting Tensor Shape Errors in Deep Neural Network Training Code](https://dl.acm.org/doi/abs/10.1145/3510454.3528638), *ICSE 2022* - A static analyzer for detecting **tensor shape errors** in deep neural network training code. The analyzer is based on **abstract interpretation** and **constraint solving** and it used Z3 SMT Solver to detect conflicts. [Review (TBD)](reviews/A-Static-Analyzer-for-Detecting-Tensor-Shape-Errors-in-Deep-Neural-Network-Training-Code.md)
- [Oracle Issues in Machine Learning and Where to Find Them](https://dl.acm.org/doi/10.1145/3387940.3391490), *ICSEW 2020* - An introduction to machine learning oracles (i.e. the labels of validation and test data) and how to detect issues within them using *Shannon Entropy* and *Semantic Analysis*. [Review](reviews/Oracle-Issues-in-Machine-Learning-and-Where-to-Find-Them.md)
- [CRADLE: Cross-Backend Validation to Detect and Localize Bugs in Deep Learning Libraries](https://www.cs.purdue.edu/homes/lintan/publications/cradle-icse19.pdf), *ICSE 2019* - Using **differential testing** to find bugs in different libraries' implementations of the same deep learning utilities.
- [AutoTrainer: An Automatic DNN Training Problem Detection and Repair System](https://dl.acm.org/doi/10.1109/ICSE43902.2021.00043), *ICSE 2021*
- [Reliability Assurance for Deep Neural Network Architectures against Numerical Defects](https://dl.acm.org/doi/abs/10.1109/ICSE48619.2023.00156), *ICSE 2023*
- [Self-Checking Deep Neural Networks in Deployment](https://dl.acm.org/doi/abs/10.1109/ICSE43902.2021.00044), *ICSE 2022*
- [Debugging Machine Learning Pipelines](https://dl.acm.org/doi/10.1145/3329486.3329489), *DEEM 2019* - Localizing root causes of ML performance anomalies in (i.e. hyperparameter, software version, data, etc.) with **decision trees** and existing runs of the same pipeline. [Review](reviews/Debugging-Machine-Learning-Pipelines.md)
""".splitlines()

CURATOR_INTRO = """\
# Awesome Machine Learning Reliability [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)

A curated list of awesome machine learning reliability resources.

"""
CURATOR_OUTRO = """
## TODOs

- [ ] Add more papers, blogs, and presentations.
- [ ] Try to provide a short summary for each paper. Copy my reviews to this repo.

## How this List Is Built

Everything between the BEGIN and END comments is generated by `make sync`.
"""


def curator_catalog() -> Catalog:
    """The curator's list as merge would hand it over (sorted with the curator's `sort = ["added"]`)."""
    records = arrange.sort_records(list(CURATOR_RECORDS), ("added",))
    return Catalog(title="Awesome Machine Learning Reliability", sections=CURATOR_SECTIONS, records=tuple(records))


def curator_readme() -> str:
    return readme.render(curator_catalog(), CURATOR_INTRO + readme.BEGIN + "\n" + readme.END + "\n" + CURATOR_OUTRO)


# --- reading the output back -------------------------------------------------------------------------

class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str) -> list["Node"]:
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag:
                    out.append(c)
                out += c.find_all(tag)
        return out

    def elements(self) -> list["Node"]:
        return [c for c in self.children if isinstance(c, Node)]


class _TreeBuilder(HTMLParser):
    VOID = {"br", "hr", "img", "input", "meta", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(markdown: str) -> Node:
    """The README as GitHub's parser (cmark-gfm with GitHub's extensions) turns it into HTML."""
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def section_items(doc: Node) -> dict[str, list[Node]]:
    """{heading text: the <li> of the list that follows it} for every heading with a list."""
    out: dict[str, list[Node]] = {}
    heading = None
    for node in doc.elements():
        if re.fullmatch(r"h[1-6]", node.tag):
            heading = node.text()
            out.setdefault(heading, [])
        elif node.tag == "ul" and heading is not None:
            out[heading] += [li for li in node.elements() if li.tag == "li"]
    return out


def block(text: str) -> str:
    return text.split(readme.BEGIN, 1)[1].split(readme.END, 1)[0]


# --- the curator's format ------------------------------------------------------------------------------

def test_curator_list_builds_as_the_curator_wrote_it():
    text = curator_readme()
    entries = [line for line in block(text).splitlines() if line.startswith("- [") and "](#" not in line]
    assert entries == CURATOR_LINES


def test_curator_list_matches_the_seed_file(seed_list):
    """Every entry line of the hand-kept list comes out verbatim, in the same sections and order."""
    def entries_by_heading(markdown: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        heading = ""
        for line in markdown.splitlines():
            if line.startswith("## "):
                heading = line[3:]
            elif line.startswith("- [") and "](http" in line:
                out.setdefault(heading, []).append(line)
        return out

    seed = entries_by_heading(seed_list.read_text(encoding="utf-8"))
    assert len(seed) == 6 and entries_by_heading(block(curator_readme())) == seed


def test_contents_lists_sections_with_counts_then_the_outro():
    toc = block(curator_readme()).split("## Contents\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert toc == [
        "- [Background](#background) (2)",
        "- [High-Level View](#high-level-view) (1)",
        "- [Empirical Studies on Machine Learning Bugs & Challenges](#empirical-studies-on-machine-learning-bugs--challenges) (3)",
        "- [ML Bug Detection](#ml-bug-detection) (6)",
        "- [Monitoring](#monitoring) (1)",
        "- [ML Bug Debugging](#ml-bug-debugging) (1)",
        "- [TODOs](#todos)",
        "- [How this List Is Built](#how-this-list-is-built)",
    ]


def test_the_parsed_readme_has_every_entry_once_with_its_title_as_link_text():
    doc = parse(curator_readme())
    items = section_items(doc)
    for section in CURATOR_SECTIONS:
        expected = [r for r in CURATOR_RECORDS if section.key in r.sections]
        lis = items[section.name]
        assert [li.find_all("a")[0].text() for li in lis] == [r.title for r in expected]
        assert [li.find_all("a")[0].attrs["href"] for li in lis] == [r.url for r in expected]
    detection = items["ML Bug Detection"]
    assert [s.text() for s in detection[0].find_all("strong")] == ["Neuron Coverage", "Differential Testing"]
    assert detection[0].find_all("em")[0].text() == "SOSP 2017"


def test_rendering_is_deterministic_and_idempotent():
    once = curator_readme()
    assert readme.render(curator_catalog(), once) == once
    assert curator_readme() == once


# --- intro and outro ----------------------------------------------------------------------------------

def test_hand_written_intro_and_outro_survive_byte_for_byte():
    intro = "# My List [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\nHand *written*   text.\r\n\n"
    outro = "\n## Notes\n\nKept   as is.\n\n\n<!-- a comment -->\n"
    old = intro + readme.BEGIN + "\n\nstale generated text\n\n" + readme.END + "\n" + outro
    new = readme.render(curator_catalog(), old)
    assert new.startswith(intro + readme.BEGIN + "\n")
    assert new.endswith(readme.END + "\n" + outro)
    assert "stale generated text" not in new


def test_the_markers_tell_editors_what_is_generated():
    assert "edit Zotero and reviews/, not this block" in readme.BEGIN
    assert readme.END.startswith("<!--") and readme.END.endswith("-->")


def test_a_new_readme_gets_the_title_with_the_awesome_badge():
    text = readme.render(curator_catalog(), "")
    assert text.startswith("# Awesome Machine Learning Reliability [![Awesome](https://awesome.re/badge.svg)]"
                           "(https://awesome.re)\n\n" + readme.BEGIN + "\n\n## Contents\n")
    assert text.endswith(readme.END + "\n")


def test_a_readme_without_markers_is_kept_whole():
    old = "# Old List\n\nSome text the curator wrote.\n"
    new = readme.render(curator_catalog(), old)
    assert new.startswith(old + "\n" + readme.BEGIN)
    assert readme.render(curator_catalog(), new) == new


def test_a_title_quoting_the_end_marker_cannot_cut_the_block():
    record = Record(key="EVIL", title=readme.END, url="https://x.org", sections=("BKG",))
    catalog = Catalog(sections=CURATOR_SECTIONS[:1], records=(record,))
    first = readme.render(catalog, CURATOR_INTRO + readme.BEGIN + "\n" + readme.END + "\n" + CURATOR_OUTRO)
    assert readme.render(catalog, first) == first
    assert first.count("\n" + readme.END + "\n") == 1


def test_intro_and_outro_headings_count_for_anchors():
    intro = "# Background [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\n"
    outro = "\n## Monitoring\n\n```md\n## Not a heading\n```\n"
    catalog = Catalog(sections=(Section("M", "Monitoring"), Section("N", "Not a heading")), records=(
        Record(key="A", title="A", url="https://a.org", sections=("M",)),
        Record(key="B", title="B", url="https://b.org", sections=("N",)),
    ))
    text = readme.render(catalog, intro + readme.BEGIN + "\n" + readme.END + "\n" + outro)
    assert "- [Monitoring](#monitoring) (1)" in text          # the outro's comes after ours
    assert "- [Not a heading](#not-a-heading) (1)" in text     # the fenced one is no heading
    assert "- [Monitoring](#monitoring-1)" in text             # the outro's own ToC line


# --- sections -------------------------------------------------------------------------------------------

NESTED = (
    Section("T", "Testing", None, ("Testing",)),
    Section("TE", "Empirical Studies", "T", ("Testing", "Empirical Studies")),
    Section("TF", "Fuzzing", "T", ("Testing", "Fuzzing")),
    Section("TFD", "Deep Fuzzing", "TF", ("Testing", "Fuzzing", "Deep Fuzzing")),
    Section("D", "Debugging", None, ("Debugging",)),
    Section("DE", "Empirical Studies", "D", ("Debugging", "Empirical Studies")),
    Section("X", "Empty", None, ("Empty",)),
    Section("XH", "Only Hidden", "X", ("Empty", "Only Hidden")),
)


def nested_catalog() -> Catalog:
    records = (
        Record(key="A", title="Alpha", url="https://a.org", sections=("TE", "DE")),
        Record(key="B", title="Beta", url="https://b.org", sections=("TFD",)),
        Record(key="C", title="Gamma", url="https://c.org", sections=("TF", "TFD")),
        Record(key="H", title="Hidden", url="https://h.org", sections=("XH", "TE"), hidden=True),
        Record(key="E", title="Direct", url="https://e.org", sections=("T",)),
    )
    return Catalog(title="Nested", sections=NESTED, records=records)


def test_nested_sections_become_nested_headings_and_empty_ones_are_left_out():
    text = readme.render(nested_catalog())
    headings = re.findall(r"^(#{2,6}) (.*)$", block(text), re.M)
    assert headings == [("##", "Contents"), ("##", "Testing"), ("###", "Empirical Studies"), ("###", "Fuzzing"),
                        ("####", "Deep Fuzzing"), ("##", "Debugging"), ("###", "Empirical Studies")]
    assert "Hidden" not in text and "Empty" not in text


def test_duplicate_names_get_github_numbered_anchors_and_counts_cover_sub_sections():
    toc = block(readme.render(nested_catalog())).split("## Contents\n\n", 1)[1].split("\n\n", 1)[0]
    assert toc.splitlines() == [
        "- [Testing](#testing) (4)",
        "  - [Empirical Studies](#empirical-studies) (1)",
        "  - [Fuzzing](#fuzzing) (2)",                      # Deep Fuzzing is too deep for the ToC
        "- [Debugging](#debugging) (1)",
        "  - [Empirical Studies](#empirical-studies-1) (1)",
    ]


def test_an_item_in_several_sections_appears_in_each():
    items = section_items(parse(readme.render(nested_catalog())))
    assert [li.find_all("a")[0].text() for li in items["Deep Fuzzing"]] == ["Beta", "Gamma"]
    assert [li.find_all("a")[0].text() for li in items["Fuzzing"]] == ["Gamma"]
    text = readme.render(nested_catalog())
    assert text.count("- [Alpha](https://a.org)") == 2


def test_heading_levels_stop_at_six():
    sections = tuple(Section(f"S{i}", f"Level {i}", f"S{i - 1}" if i else None) for i in range(7))
    catalog = Catalog(sections=sections, records=(Record(key="A", title="A", url="https://a.org", sections=("S6",)),))
    assert "###### Level 6" in readme.render(catalog) and "####### " not in readme.render(catalog)


# --- entries and the curator layer ------------------------------------------------------------------------

@pytest.mark.parametrize("fields, line", [
    ({}, "- [T](https://t.org)"),
    ({"venue_label": "ICSE"}, "- [T](https://t.org), *ICSE*"),
    ({"year": 2020}, "- [T](https://t.org), *2020*"),             # a dated report or page: the year alone
    ({"note": "Best paper"}, "- [T](https://t.org) (Best paper)"),
    ({"tags": ("Testing", "LLM [beta]")}, "- [T](https://t.org) \\[Testing\\] \\[LLM \\[beta\\]\\]"),
    ({"venue_label": "ICSE", "year": 2021, "note": "n", "tags": ("A",), "summary": "Sum **b**.",
      "review_path": "reviews/My Review.md", "review_text": True},
     "- [T](https://t.org), *ICSE 2021* (n) \\[A\\] - Sum **b**. [Review](reviews/My%20Review.md)"),
    ({"review_path": "reviews/x.md", "review_text": False}, "- [T](https://t.org)"),
    ({"review_path": "reviews/x.md", "review_text": True, "review_status": "draft"},
     "- [T](https://t.org) [Review (TBD)](reviews/x.md)"),
])
def test_entry_parts_are_each_optional(fields, line):
    assert readme.entry(Record(key="K", title="T", url="https://t.org", **fields)) == line


def test_link_falls_back_to_doi_then_arxiv_then_plain_title():
    assert readme.entry(Record(key="K", title="T", url="javascript:alert(1)", doi="10.1/x(y)")) == \
        "- [T](https://doi.org/10.1/x%28y%29)"
    assert readme.entry(Record(key="K", title="T", arxiv="1904.03257")) == "- [T](https://arxiv.org/abs/1904.03257)"
    assert readme.entry(Record(key="K", title="1. Not a list", venue_label="V")) == "- 1\\. Not a list, *V*"
    assert readme.entry(Record(key="K", title="# Not a heading")) == "- \\# Not a heading"
    assert readme.entry(Record(key="K", title="", url="https://t.org")) == "- [Untitled (K)](https://t.org)"


def test_unlinked_titles_stay_one_plain_item():
    for title in ("1. one", "1) one", "# h", "> q", "+ p", "- m", "---", "=== x", "| a |"):
        items = section_items(parse(f"## S\n\n{readme.entry(Record(key='K', title=title))}\n"))["S"]
        assert len(items) == 1 and items[0].elements() == [] and items[0].text() == title


# --- ordering (pipeline/arrange.py) -------------------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("01 Background", "Background"), ("2. Testing", "Testing"), ("3) Tools", "Tools"), ("04-Data", "Data"),
    ("1.2 Fuzzing", "Fuzzing"), ("10 - Misc", "Misc"), ("2021 Highlights", "2021 Highlights"),
    ("3D Vision", "3D Vision"), ("1.5x Faster", "1.5x Faster"), ("42", "42"),
])
def test_display_name_hides_only_an_ordering_prefix(raw, shown):
    assert arrange.display_name(raw) == shown


def _sections(*raw_names, parent=None):
    return [Section(f"{parent or ''}{i}", arrange.display_name(n), parent) for i, n in enumerate(raw_names)]


def test_sections_follow_the_configuration_then_numbers_then_names():
    raw = ["Zeta", "10 Ten", "2 Two", "alpha", "Beta", "Configured Last", "Configured First"]
    sections = _sections(*raw)
    raw_names = {s.key: n for s, n in zip(sections, raw)}
    ordered = arrange.order_sections(sections, ("configured first", "Configured Last"), raw_names)
    assert [s.name for s in ordered] == ["Configured First", "Configured Last", "Two", "Ten", "alpha", "Beta", "Zeta"]


def test_sub_sections_follow_their_parent_and_orphans_are_kept():
    sections = [Section("c2", "B child", "p"), Section("p", "Parent"), Section("c1", "A child", "p"),
                Section("o", "Orphan", "missing"), Section("q", "Another")]
    assert [s.key for s in arrange.order_sections(sections)] == ["q", "o", "p", "c1", "c2"]
    nested = [Section("p", "Testing"), Section("f", "Fuzzing", "p", ("Testing", "Fuzzing")),
              Section("a", "Audits", "p", ("Testing", "Audits"))]
    assert [s.key for s in arrange.order_sections(nested, ("Testing > Fuzzing",))] == ["p", "f", "a"]


def test_entries_sort_newest_first_then_by_title_by_default_and_by_date_added_for_the_curator():
    records = [Record(key="a", title="beta", year=2020, date_added="3"),
               Record(key="b", title="Alpha", year=2020, date_added="1"),
               Record(key="c", title="Gamma", year=None, date_added="2"),
               Record(key="d", title="Delta", year=2023, date_added="")]
    assert [r.key for r in arrange.sort_records(records, ("-year", "title"))] == ["d", "b", "a", "c"]
    assert [r.key for r in arrange.sort_records(records, ("added",))] == ["b", "c", "a", "d"]
    assert [r.key for r in arrange.sort_records(records, ("-added",))] == ["a", "c", "b", "d"]
    assert arrange.unknown_sort_fields(("-year", "colour")) == ["colour"]
    assert [r.key for r in arrange.sort_records(records, ("colour",))] == ["a", "b", "c", "d"]


def test_shown_tags_follow_the_policy():
    record = Record(key="k", tags=("Testing", "testing", "LLM"), all_tags=("auto", "LLM", "Testing"))
    assert arrange.shown_tags(record, "manual") == ("Testing", "LLM")
    assert arrange.shown_tags(record, "all") == ("auto", "LLM", "Testing")
    assert arrange.shown_tags(record, "none") == ()
    assert arrange.shown_tags(record, ("llm", "AUTO", "missing")) == ("LLM", "auto")


def test_zotero_rich_text_shows_as_the_text_a_reader_sees():
    from pipeline.model import Catalog, Record, Section

    catalog = Catalog(title="T", sections=(Section(key="S", name="S", path=("S",)),), records=(
        Record(key="K", title='H<sub>2</sub>O and <i>in vitro</i> <span class="nocase">iOS</span> <script>x</script>',
               url="https://example.org/", sections=("S",)),))
    line = next(l for l in readme.render(catalog).splitlines() if l.startswith("- [H"))
    assert line == r"- [H2O and in vitro iOS \<script>x\</script>](https://example.org/)"


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402


@hsettings(max_examples=400, deadline=None)
@given(st.from_regex(r"(https?|ftp)?:?(//)?([a-z]{0,3}(:[a-z]{0,2})?@){0,2}(www\.|x\.)?(arxiv\.org|openreview\.net|evil\.com)"
                     r"(\.evil\.com)?(:\d{1,4})?[/?#]?[a-z.@:/]{0,10}", fullmatch=True))
def test_an_open_link_is_told_by_the_host_urlsplit_reads(url):
    """urls.is_open reads the host with a regex (it runs for every entry of the README and page): the
    same host as urllib's urlsplit, whatever the user part, port, path or scheme."""
    import urllib.parse

    from pipeline.render import urls
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return
    expected = any(host == h or host.endswith("." + h) for h in urls.OPEN_HOSTS)
    assert urls.is_open(url) == expected
