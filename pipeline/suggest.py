"""Suggestions from anyone: the issue form contributors fill in, and reading a filled-in one back.

Pure: text in, text or values out. `render_form(sections)` writes `.github/ISSUE_TEMPLATE/suggest-paper.yml`
(emit calls it with the list's sections, so the form's choices never drift from the collection);
`parse_issue(body, sections)` reads the body GitHub made from the form into a `Suggestion` and the
problems that stop it; `add_arguments` and `comment` turn that into the `add` command the workflow runs
and the Markdown it posts on the issue.

Everything in an issue body is untrusted: anyone can file one, and its author can edit it after a
maintainer accepted it. So a value is checked for what `add` takes (one identifier of a known kind, a
section of the list, one line of text, plain tags) and never passed on as anything but data, and the
comment shows values inside code spans, where Markdown, mentions and links do nothing.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from pipeline import identifiers

FORM_NAME = "Suggest a paper"
LABEL = "suggestion"
NO_RESPONSE = "_No response_"   # what GitHub writes for a field left empty
# (id, label): the label is the `### ` heading GitHub puts above each answer. In the form's order.
FIELDS = (
    ("identifier", "DOI, arXiv id, DBLP key or URL"),
    ("section", "Section"),
    ("summary", "One-line summary"),
    ("tags", "Tags"),
    ("why", "Why it belongs"),
    ("title", "Title (only for a plain URL)"),
)
INTRO = ("Thanks! One paper per issue. When a maintainer accepts it, a bot adds it to the Zotero collection "
         "the list is built from and links the pull request here.")
MAX_SUMMARY = 300
MAX_TITLE = 300
MAX_IDENTIFIER = 500
TAG_RE = re.compile(r"[\w][\w .+#&/-]{0,39}")

URL_RE = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    identifier: str = ""
    kind: str = ""              # doi | arxiv | dblp | url, once the identifier is recognised
    section: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    title: str = ""
    why: str = ""
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"identifier": self.identifier, "kind": self.kind, "section": self.section,
                "summary": self.summary, "tags": list(self.tags), "title": self.title, "why": self.why}


# --- the form ----------------------------------------------------------------------------------------

def _q(text: str) -> str:
    """A YAML scalar that stays a string whatever it holds: JSON's double-quoted form is valid YAML, once
    the few characters YAML may not hold raw (U+FFFE, U+FFFF, lone surrogates) are escaped too."""
    return re.sub(r"[\ufffe\uffff\ud800-\udfff]", lambda m: f"\\u{ord(m.group(0)):04x}",
                  json.dumps(text, ensure_ascii=False))


def section_name(text: str) -> str:
    """A section as the form offers it and the parser compares it: one clean line."""
    return _clean_line(text)


def render_form(sections: list[str]) -> str:
    """The issue form's YAML, its dropdown offering `sections` in the order given (same input, same bytes)."""
    choices = list(dict.fromkeys(name for name in map(section_name, sections) if name))
    lines = [
        "# Written by `python -m pipeline emit` from the collection's sections: edit pipeline/suggest.py, not this.",
        f"name: {_q(FORM_NAME)}",
        f"description: {_q('Suggest a paper for the list. A maintainer adds it by labelling the issue.')}",
        f"title: {_q('[Suggestion]: ')}",
        f"labels: [{_q(LABEL)}]",
        "body:",
        "  - type: markdown",
        "    attributes:",
        f"      value: {_q(INTRO)}",
        *_field("input", "identifier", "Where to find it: 10.1145/..., 1705.06640, conf/sosp/PeiCYJ17, or a URL",
                placeholder="10.1145/3132747.3132785", required=True),
    ]
    if choices:
        lines += ["  - type: dropdown", "    id: section", "    attributes:", f"      label: {_q(_label('section'))}",
                  f"      description: {_q('The section of the list it belongs in.')}", "      options:"]
        lines += [f"        - {_q(choice)}" for choice in choices]
        lines += ["    validations:", "      required: true"]
    else:   # GitHub refuses a dropdown without options: a list with no sections yet asks in words
        lines += _field("input", "section", "The section of the list it belongs in.", required=True)
    lines += _field("input", "summary", "One sentence, shown after the paper in the list.", required=True)
    lines += _field("input", "tags", "Comma-separated, optional.", placeholder="Testing, Fuzzing", required=False)
    lines += _field("textarea", "why", "What it contributes, for the maintainer deciding.", required=True)
    lines += _field("input", "title", "Only when the identifier is a plain URL (a DOI, arXiv id or DBLP key "
                                      "brings its own title).", required=False)
    return "\n".join(lines) + "\n"


def _label(field_id: str) -> str:
    return dict(FIELDS)[field_id]


def _field(kind: str, field_id: str, description: str, *, required: bool, placeholder: str = "") -> list[str]:
    out = [f"  - type: {kind}", f"    id: {field_id}", "    attributes:", f"      label: {_q(_label(field_id))}",
           f"      description: {_q(description)}"]
    if placeholder:
        out.append(f"      placeholder: {_q(placeholder)}")
    return out + ["    validations:", f"      required: {'true' if required else 'false'}"]


def form_sections(form_yaml: str) -> list[str]:
    """The section choices of a form `render_form` wrote (empty when it has none or is not one)."""
    try:
        doc = yaml.safe_load(form_yaml)
    except yaml.YAMLError:
        return []
    for element in (doc or {}).get("body", []) if isinstance(doc, dict) else []:
        if isinstance(element, dict) and element.get("id") == "section":
            options = (element.get("attributes") or {}).get("options") or []
            return [str(o) for o in options if isinstance(o, (str, int, float))]
    return []


# --- reading an issue body ---------------------------------------------------------------------------

def _heading_key(line: str) -> str | None:
    match = re.fullmatch(r"###\s+(.+?)\s*#*\s*", line)
    if not match:
        return None
    text = " ".join(match.group(1).split()).casefold()
    return next((fid for fid, label in FIELDS if label.casefold() == text), None)


def split_answers(body: str) -> dict[str, str]:
    """Each form field's raw answer. GitHub writes `### Label`, a blank line, the answer, for every field
    in the form's order. Only `why` is a text area, so only it can hold a line that looks like a heading;
    reading the headings from the end, each the last one before the field after it, keeps a heading typed
    into `why` from taking over another field (at worst it cuts `why` short)."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    where: dict[str, int] = {}
    end = len(lines)
    for field_id, _ in reversed(FIELDS):
        at = next((i for i in range(end - 1, -1, -1) if _heading_key(lines[i]) == field_id), None)
        if at is not None:
            where[field_id] = at
            end = at
    answers = {}
    ordered = sorted(where.items(), key=lambda kv: kv[1])
    for n, (field_id, at) in enumerate(ordered):
        stop = ordered[n + 1][1] if n + 1 < len(ordered) else len(lines)
        text = "\n".join(lines[at + 1:stop]).strip()
        answers[field_id] = "" if text == NO_RESPONSE else text
    return answers


def _clean_line(text: str) -> str:
    """One line of plain text: control and format characters gone, whitespace folded."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return " ".join(kept.split())


def identify(raw: str) -> tuple[str, str] | None:
    """(kind, identifier as `add` takes it) for a DOI, arXiv id, DBLP key or http(s) URL; else None.
    The reading is `pipeline.identifiers`' (the one `add` uses); here only what an issue box adds
    around it is cleaned off, and what no identifier holds (spaces, control characters) refused."""
    text = raw.strip().strip("<>`\"'").strip()
    if not text or len(text) > MAX_IDENTIFIER or any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf")
                                                     for c in text):
        return None
    try:
        ident = identifiers.parse(text)
    except identifiers.NotAnIdentifier:
        return None
    if ident.kind == identifiers.URL and not URL_RE.fullmatch(text):
        return None
    return ident.kind, ident.value


def parse_issue(body: str, sections: list[str]) -> Suggestion:
    """The suggestion in an issue body, with every problem that keeps `add` from taking it."""
    answers = split_answers(body or "")
    problems: list[str] = []
    raw_id = answers.get("identifier", "")
    found = identify(raw_id)
    if not raw_id:
        problems.append("no identifier: give a DOI, an arXiv id, a DBLP key or a URL")
    elif found is None:
        problems.append("the identifier is not a DOI, an arXiv id, a DBLP key or an http(s) URL")
    kind, identifier = found or ("", "")

    section = _clean_line(answers.get("section", ""))
    by_name = {section_name(s).casefold(): s for s in sections}
    if not section:
        problems.append("no section chosen")
    elif section.casefold() not in by_name:
        problems.append("the section is not one of the list's sections")
    else:
        section = by_name[section.casefold()]

    summary = _clean_line(answers.get("summary", ""))
    if len(summary) > MAX_SUMMARY:
        problems.append(f"the summary is longer than {MAX_SUMMARY} characters")

    tags: list[str] = []
    for raw_tag in re.split(r"[,\n]", answers.get("tags", "")):
        tag = _clean_line(raw_tag)
        if not tag:
            continue
        if not TAG_RE.fullmatch(tag):
            problems.append("a tag may hold letters, digits, spaces and . + # & / - (40 characters at most)")
            break
        if tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)

    title = _clean_line(answers.get("title", ""))
    if len(title) > MAX_TITLE:
        problems.append(f"the title is longer than {MAX_TITLE} characters")
    elif kind == "url" and not title:
        problems.append("a plain URL needs a title")
    return Suggestion(identifier=identifier, kind=kind, section=section, summary=summary, tags=tuple(tags),
                      title=title if kind == "url" else "", why=answers.get("why", "").strip(),
                      problems=tuple(problems))


def add_arguments(suggestion: Suggestion) -> list[str]:
    """`python -m pipeline` arguments that add the suggestion: one list item per argument, never a shell line.
    Values ride as `--option=value`, so a summary that starts with "-" is still a value, not an option."""
    args = ["add", suggestion.identifier, f"--section={suggestion.section}"]
    if suggestion.summary:
        args.append(f"--summary={suggestion.summary}")
    args += [f"--tag={tag}" for tag in suggestion.tags]
    if suggestion.title:
        args.append(f"--title={suggestion.title}")
    return args


# --- the comment on the issue --------------------------------------------------------------------------

def _code(text: str) -> str:
    """`text` as an inline code span GitHub shows literally, whatever backticks it holds."""
    text = _clean_line(text)
    if not text:
        return "(none)"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def comment(suggestion: Suggestion, *, would_add: bool) -> str:
    """The Markdown posted on the issue: what would be added (no credentials here), or why it cannot be."""
    if suggestion.problems:
        lines = ["This suggestion cannot be added as it stands:", ""]
        lines += [f"- {problem}" for problem in suggestion.problems]
        lines += ["", "Edit the issue to fix it, then a maintainer can label it again."]
        return "\n".join(lines) + "\n"
    head = ("This would be added (the repository has no Zotero credentials here, so nothing was written):"
            if would_add else "Adding:")
    lines = [head, "",
             f"- identifier ({suggestion.kind}): {_code(suggestion.identifier)}",
             f"- section: {_code(suggestion.section)}",
             f"- summary: {_code(suggestion.summary)}",
             f"- tags: {', '.join(_code(t) for t in suggestion.tags) if suggestion.tags else '(none)'}"]
    if suggestion.title:
        lines.append(f"- title: {_code(suggestion.title)}")
    return "\n".join(lines) + "\n"
