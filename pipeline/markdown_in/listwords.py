"""Pure: the vocabulary of hand-kept paper lists, as data: which words name a link rather than a
paper, which spellings are venue labels, which table headers hold which part of an entry.

The importer's readers (pipeline.markdown_in.listentry, pipeline.markdown_in.importer) ask these tables instead of carrying
one branch per list: a new list with a new header word or link word is one more row here.
Issue 18 taught most rows: each list read wrong before named a word that was missing.
"""
from __future__ import annotations

import re

YEAR4 = r"(?:19|20)\d\d"

# Words a list writes on a link to the paper itself: the preferred link of an entry.
PAPER_WORDS = ("pdf", "paper", "arxiv", "link", "url", "html", "doi", "book", "article", "doc", "docs", "openreview",
               "abs", "abstract", "full text", "fulltext", "preprint", "acm", "ieee", "springer", "semantic scholar",
               "论文", "链接")
# Words on a link to a paper's companions: never the paper's title, never preferred over a paper word.
COMPANION_WORDS = ("code", "github", "gitlab", "repo", "repository", "slide", "slides", "video", "videos", "talk",
                   "demo", "project", "project page", "website", "homepage", "home page", "blog", "dataset",
                   "data", "poster", "supplementary", "supp", "appendix", "bibtex", "bib", "citation", "cite",
                   "model", "models", "weights", "colab", "notebook", "python", "pytorch", "tensorflow", "keras",
                   "jax", "matlab", "official", "unofficial", "implementation", "review", "reviews", "news",
                   "media", "press", "zhihu", "bilibili", "youtube", "star", "stars", "code & data", "代码",
                   "视频", "主页")

_WORD_RE = {
    kind: re.compile(r"^\W*(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\W*$", re.I)
    for kind, words in (("paper", PAPER_WORDS), ("companion", COMPANION_WORDS))
}


def link_word(text: str) -> str:
    """'paper' for `[pdf]`, `[[paper]]`; 'companion' for `[code]`, `[Python]`; '' for anything else."""
    t = re.sub(r"\s*\([^()]{1,40}\)\W*$", "", text.strip())     # "[code (mnist)]": a qualified companion
    t = t.strip().strip("`*_[]() ").strip()
    for kind in ("paper", "companion"):
        if _WORD_RE[kind].match(t):
            return kind
    return ""


# Table header words -> the role of the column (lowercased, spaces collapsed, Markdown removed).
# The order of roles is the order they are claimed in: a "Paper" column is the title before a link.
COLUMN_ROLES: dict[str, tuple[str, ...]] = {
    "title": ("title", "titles", "paper", "papers", "paper title", "paper name", "name", "title & authors",
              "title and authors", "work", "publication title", "article", "标题", "名字", "名称", "论文", "题目",
              "论文标题", "论文名称"),
    "venue": ("venue", "conference", "conf", "journal", "publication", "published", "published in", "venue & year",
              "source", "conference/journal", "journal/conference", "booktitle", "会议", "期刊", "会议/期刊",
              "发表", "出处"),
    "year": ("year", "date", "time", "published date", "pub date", "年份", "年", "时间", "日期", "发表时间"),
    "summary": ("description", "summary", "introduction", "tl;dr", "tldr", "abstract", "note", "notes", "comment",
                "comments", "highlight", "highlights", "contribution", "简介", "描述", "摘要", "说明", "备注",
                "介绍", "亮点"),
    "tags": ("tag", "tags", "keyword", "keywords", "category", "categories", "type", "topic", "topics", "标签",
             "类别", "分类", "关键词"),
    "link": ("link", "links", "pdf", "paper", "papers", "url", "arxiv", "doi", "paper link", "paper links",
             "resource", "resources", "链接", "论文链接"),
    "code": ("code", "github", "repo", "repository", "implementation", "代码"),
}
COLUMN_ORDER = ("title", "venue", "year", "summary", "tags", "link", "code")  # the order roles claim columns


def column_role(name: str) -> str:
    """The role a header names, '' for none."""
    return next((role for role in COLUMN_ORDER if name in COLUMN_ROLES[role]), "")


# A label is a venue followed by its year in any of the spellings lists use. The year part: 2019,
# '19, ’19, ' 19, or 19 after a space or glued to the acronym (ICLR14).
LABEL_PATTERNS = (
    re.compile(rf"^(?P<a>.*?)[\s,]*\b(?P<year>{YEAR4})\b(?P<b>.*)$"),               # ICSE 2021, NIPS 2017, 2025
    re.compile(r"^(?P<a>.*?)\s*['’`]\s?(?P<yy>\d\d)\b(?P<b>.*)$"),                   # ICSE'21, arXiv' 19, CCS '18
    re.compile(r"^(?P<a>[A-Za-z][\w&/+.\-]*?[A-Za-z&+.])(?P<yy>\d\d)\b(?P<b>.*)$"),  # ICLR14
    re.compile(r"^(?P<a>[A-Z][\w&/+.\-]*(?: [A-Z][\w&/+.\-]*){0,2}) (?P<yy>\d\d)(?P<b>)$"),  # ICML 19
)
# Dates and states are not venues: "(Finalized Nov. 2020)", "Updated 2021", "Last accessed 2020".
NOT_VENUE = re.compile(
    r"\b(jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|finali[sz]ed|updated?|last|accessed|submitted|revised|version|"
    r"released?|posted|published on|since|until|before|after|edition|vol|volume|pages?|pp|no)\b\.?",
    re.IGNORECASE)
# Labels that name a preprint server: a link there is a preprint unless the line names a venue.
PREPRINT_VENUES = re.compile(r"^(arxiv|corr|preprint|biorxiv|medrxiv|chemrxiv|ssrn|openreview|techrxiv|arxiv preprint)$",
                             re.IGNORECASE)
# A venue the line names without a year ("(2023), arxiv, A. Author"): acronyms and preprint servers.
BARE_VENUE = re.compile(r"^(?:[A-Z][A-Z0-9&/+\-]{1,15}[a-z]?(?: [A-Za-z][\w&/+\-]*){0,2}|arxiv|arXiv|CoRR)$")

# Images and shields that decorate an entry: dropped, never a title.
BADGE_HOSTS = re.compile(r"(shields\.io|badge|badgen\.net|img\.|/badges?/|star-history|hits\.|visitor|\.svg\b)", re.I)
# The Awesome badge, in its two common spellings.
AWESOME_BADGE = re.compile(r"awesome\.re/badge|sindresorhus/awesome[^)\s]*badge", re.IGNORECASE)


# --- author lists ------------------------------------------------------------------------------
# Many lists follow the title with its authors ("**Title** (2023), ICSE'24, Peng, Yun, et al. [[pdf]](url)",
# "[Title](url). Nicholas Carlini and David Wagner. [[code]](url)"). Those words are not the curator's
# summary of the paper; they are read as authors instead.

_PARTICLES = frozenset("van von der den de del della di da dos du des la le ter ten zu bin al el".split())
_INITIAL = re.compile(r"^(?:[^\W\d_]\.-?)+[^\W\d_]\.?$|^[^\W\d_]{1,2}\.$|^[^\W\d_]$")     # "M.", "J.H.", "Ch.", "J.-P."
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\.?$")
_ET_AL = re.compile(r"[,;]?\s*(?:et\.?\s+al\.?|and others)\s*$", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s*;\s*|\s+(?:and|&)\s+")


def _name_part(part: str, shouting: bool = False) -> int:
    """How many words a name part has (0 when it is not a person's name, or a piece of one).
    `shouting` lets names in capitals through ("GUO, HANYANG, et al.")."""
    words = part.split()
    if not 1 <= len(words) <= 5:
        return 0
    for w in words:
        if w.lower() in _PARTICLES:
            continue
        if not (_INITIAL.match(w) or (_NAME_WORD.match(w) and w[0].isupper())):
            return 0
        if len(w) > 2 and w.isupper() and not _INITIAL.match(w) and not shouting:
            return 0       # "BERT, GPT and T5": acronyms are no one's name
    return len(words)


def author_names(text: str) -> tuple[tuple[str, ...], bool] | None:
    """The names in an author list as written and whether it ends with "et al.", or None when `text`
    is not only an author list. Prose, venues and acronym lists are not read as names: without "et al."
    it takes an initial, a name of two words or more, or the "Family, Given and Family, Given" shape."""
    text = text.strip().strip(" .,;")
    if not text or len(text) > 600:
        return None
    et_al = _ET_AL.search(text)
    if et_al:
        text = text[:et_al.start()].strip(" ,;")
    parts = [p for p in _AUTHOR_SPLIT.split(text) if p]
    if not parts or not (et_al or len(parts) >= 2):
        return None
    sizes = [_name_part(p, shouting=bool(et_al)) for p in parts]
    if not all(sizes):
        return None
    if not et_al and not (
            any(_INITIAL.match(w) for p in parts for w in p.split())
            or any(s >= 2 for s in sizes)
            or re.fullmatch(r"[^,&;]+,[^,&;]+\s+(?:and|&)\s+[^,&;]+,[^,&;]+", text)):
        return None
    return tuple(parts), bool(et_al)


def without_full_stop(names: str) -> str:
    """An author list without the full stop closing its sentence ("... and Rob Fergus." -> "... Fergus");
    the point of a closing initial or "et al." stays ("Hellendoorn, V.J.")."""
    if names.endswith(".") and not re.search(r"(?:^|[\s.,\-])[^\W\d_]\.$|\bal\.$", names):
        return names[:-1]
    return names


def given_family(names: str) -> list[tuple[str, str]]:
    """(given, family) for each name of an author list written "Given Family, Given Family, and Given
    Family", the one shape that splits without guessing; [] for any other shape (a list ending in
    "et al." is incomplete, "Family, Given" pairs cannot be told from two names). A family name starts
    at its particle: "Laurens van der Maaten" -> ("Laurens", "van der Maaten")."""
    read = author_names(names)
    if not read or read[1]:
        return []
    out = []
    for part in read[0]:
        words = part.split()
        if len(words) < 2 or _INITIAL.match(words[-1]):
            return []
        start = next((n for n in range(1, len(words) - 1) if words[n].lower() in _PARTICLES), len(words) - 1)
        out.append((" ".join(words[:start]), " ".join(words[start:])))
    return out
