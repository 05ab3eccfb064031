"""Pure: what a sync changed, as the Markdown description of the pull request the weekly workflow opens.

It compares the published CSV before and after the sync (rows as dicts, by item key) and groups
merge's problems the curator must look at: new and removed papers, changed labels (what the list
shows: title, venue label, year, sections, tags, summary, note, link), search candidates,
retractions, disagreements with Crossref, review conflicts; then `make check`'s full report. Titles
are untrusted, so every one goes through `inline`, and the report sits in a fence longer than any
backtick run in it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pipeline.model import Problem
from pipeline.render.markdown import inline

SHOWN = ("title", "venue_label", "year", "sections", "tags", "summary", "note", "url", "doi", "retracted")
MAX_ROWS = 200           # per group; a PR description holds at most 65,536 characters
MAX_REPORT = 30_000


def _paper(row: Mapping[str, str]) -> str:
    title = inline(row.get("title", "")) or inline(row.get("key", ""))
    where = ", ".join(x for x in (inline(row.get("venue_label", "")), inline(row.get("year", ""))) if x)
    sections = inline(row.get("sections", ""))
    return (f"**{title}**" + (f" ({where})" if where else "") + (f" in {sections}" if sections else "")
            + f" `{row.get('key', '')}`")


def _short(value: str, width: int = 80) -> str:
    value = value or "(empty)"
    return inline(value if len(value) <= width else value[: width - 1] + "…")


def _group(lines: list[str], title: str, empty: str | None = None) -> list[str]:
    if not lines:
        return [f"### {title}", "", empty, ""] if empty else []
    more = len(lines) - MAX_ROWS
    shown = lines[:MAX_ROWS] + ([f"- … and {more} more"] if more > 0 else [])
    return [f"### {title} ({len(lines)})", "", *shown, ""]


def _link(url: str) -> str:
    """A URL the reader can click (an autolink) when nothing in it could end one early; else as code."""
    if re.fullmatch(r"https?://[^\s<>`\\]+", url):
        return f"<{url}>"
    return f"`{url.replace('`', '')}`"


def fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marker = "`" * max(3, longest + 1)
    return f"{marker}text\n{text.rstrip()}\n{marker}"


def render(before: Iterable[Mapping[str, str]], after: Iterable[Mapping[str, str]],
           problems: Iterable[Problem], report: str = "", titles: Mapping[str, str] | None = None,
           links: Iterable[tuple[str, str, str, str, str, str]] = ()) -> str:
    """`links`: (verdict, item key, title, URL, what now, new URL) of each link that broke or moved since the
    last sync (`pipeline.stages.links.changed`)."""
    old = {r["key"]: r for r in before if r.get("key")}
    new = {r["key"]: r for r in after if r.get("key")}
    titles = dict(titles or {}) | {k: r.get("title", "") for k, r in new.items()}
    added = [f"- {_paper(new[k])}" for k in sorted(set(new) - set(old), key=lambda k: (new[k].get("title", ""), k))]
    removed = [f"- {_paper(old[k])}" for k in sorted(set(old) - set(new), key=lambda k: (old[k].get("title", ""), k))]
    changed = []
    for key in sorted(set(old) & set(new), key=lambda k: (new[k].get("title", ""), k)):
        diffs = [f"{name}: {_short(old[key].get(name, ''))} → {_short(new[key].get(name, ''))}"
                 for name in SHOWN if old[key].get(name, "") != new[key].get(name, "")]
        if diffs:
            changed.append(f"- {_paper(new[key])}: " + "; ".join(diffs))

    def about(p: Problem) -> str:
        title = titles.get(p.where)
        who = f"**{inline(title)}** `{p.where}`" if title else f"`{inline(p.where)}`"
        return f"- {p.level}: {who}: {inline(p.message)}"

    problems = sorted(set(problems), key=lambda p: (p.code, p.where, p.message))
    by = lambda pred: [about(p) for p in problems if pred(p.code)]   # noqa: E731
    lines = ["## What this sync changes", "",
             f"{len(added)} new, {len(removed)} removed, {len(changed)} changed; "
             f"{len(new)} papers after the sync. Merge this pull request to publish the list.", ""]
    lines += _group(added, "New papers")
    lines += _group(removed, "Removed papers")
    lines += _group(changed, "Changed labels")
    lines += _group(by(lambda c: c == "retracted"), "Retractions")
    lines += _group(by(lambda c: c == "candidate"), "Candidates to check",)
    lines += _group(by(lambda c: c.endswith("-disagrees")), "Disagreements with Crossref")
    lines += _group(by(lambda c: c == "review-conflict"), "Reviews edited on both sides")
    lines += _group([f"- {verdict}: **{inline(title) or inline(key)}** `{inline(key)}`: {_link(url)} {inline(now)}"
                     + (f" {_link(new)}" if new else "") for verdict, key, title, url, now, new in links], "Links that broke or moved")
    if report.strip():
        text = report if len(report) <= MAX_REPORT else report[:MAX_REPORT] + "\n… (cut: run `make check`)"
        lines += ["## `make check`", "", fence(text), ""]
    return "\n".join(lines).rstrip() + "\n"
