"""check: the data-quality report and the output validators. Returns True when there are errors.

The report is merge's problems, rebuilt from the current inputs (so it never reads a stale build),
grouped by kind. The validators are real tools run on the published files: awesome-lint and
markdownlint on the README, pdflatex + bibtex and biber on the .bib, frictionless on the CSV. A
validator whose tool is not installed says so in one warning and does not fail the check; the report
ends with every validator listed as run or skipped, with the reason.
"""
from __future__ import annotations

import importlib
import importlib.util
import shutil
from collections import defaultdict

from pipeline.config import Settings
from pipeline.machinery import files
from pipeline.model import Problem, sort_problems
from pipeline.report import Reporter
from pipeline.render import citekeys
from pipeline.stages import Options, emit, links, merge

VALIDATORS = ("pipeline.validate.markdown", "pipeline.validate.bibtex", "pipeline.validate.table")


def run_validators(settings: Settings) -> list[Problem]:
    problems = []
    for name in VALIDATORS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        try:
            problems.extend(module.run(settings))
        except files.Refused as exc:      # a published file that is a symlink out of the project
            problems.append(Problem(name.rsplit(".", 1)[-1], str(exc), "error", "refused"))
    return problems


def _missing(*commands: str) -> str:
    absent = [c for c in commands if shutil.which(c) is None]
    return f"{', '.join(absent)} not installed" if absent else ""


def validator_status(settings: Settings) -> list[tuple[str, str]]:
    """[(validator, why it is skipped or "")] for every validator, in the order they run.

    The reasons are the ones each validator itself tests, so the list never says a tool ran when
    its validator returned a "not installed" warning instead.
    """
    from pipeline.validate import bibtex, markdown

    paths = settings.paths
    bib = paths.bib.name
    no_bib = f"{bib} is missing" if not paths.bib.is_file() else ""
    tex_install = f"; install with `{bibtex.INSTALL}`"
    tex = no_bib or _missing("pdflatex", "bibtex", "pdftotext")
    biber = no_bib or _missing("biber")
    no_csv = next((f"{p.name} is missing" for p in (paths.csv, paths.datapackage) if not p.is_file()), "")
    table = no_csv or ("" if importlib.util.find_spec("frictionless") else
                       "frictionless not installed; install with `make install`")
    return [
        (f"awesome-lint and markdownlint ({paths.readme.name})", markdown.skipped(settings)),
        (f"pdflatex + bibtex ({bib})", tex + (tex_install if tex and not no_bib else "")),
        (f"biber ({bib})", biber + (tex_install if biber and not no_bib else "")),
        (f"frictionless ({paths.csv.name})", table),
    ]


# A key shorter than this is not a real Zotero key (they are 24 characters), and searching for it
# would only find it by chance in unrelated text.
MIN_SECRET = 8


def published_secrets(settings: Settings) -> list[Problem]:
    """A warning per published or committed file that holds the configured Zotero API key: typed
    into an item's title or a note, it would reach the README, the .bib, the CSV and the snapshot.
    The message names the file and line, never the key."""
    secret = settings.api_key.reveal().encode()
    if len(secret) < MIN_SECRET:
        return []
    paths = settings.paths
    candidates = set(paths.outputs)
    for folder in (paths.reviews, paths.zotero):
        if folder.is_dir():
            candidates.update(p for p in folder.rglob("*") if p.is_file())
    problems = []
    for path in sorted(candidates):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        at = data.find(secret)
        if at >= 0:
            line = data.count(b"\n", 0, at) + 1
            where = path.relative_to(paths.root) if path.is_relative_to(paths.root) else path
            problems.append(Problem(f"{where}:{line}", "holds the Zotero API key (ZOTERO_API_KEY) in published "
                                    "text: remove it from the item or note it came from, sync again, and revoke "
                                    "the key at zotero.org/settings/keys (it may already be in git history)",
                                    "warning", "api-key-published"))
    return problems


def shorten(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def run(settings: Settings, options: Options, reporter: Reporter, check_links: bool = False) -> bool:
    """`check_links`: check the links whose verdicts expired first (network); else the cache answers."""
    catalog = merge.build(settings)
    if check_links and not options.offline:
        links.run(settings, options, Reporter(0, reporter.stream), catalog=catalog)
    keys, _ = citekeys.assign(list(catalog.records), emit.published_keys(settings))
    link_problems: list[Problem] = []     # damaged verdict files
    link_findings, link_verdicts = links.findings(catalog, links.LinkCache(settings.paths.links), settings,
                                                  link_problems)
    problems = sort_problems(list(catalog.problems) + list(settings.problems)
                             + citekeys.check(list(catalog.records), keys)
                             + run_validators(settings) + published_secrets(settings)
                             + link_problems + links.as_problems(link_findings))
    groups: dict[str, list[Problem]] = defaultdict(list)
    problems = sort_problems(problems + last_import(settings))
    for p in problems:
        groups[p.code or "other"].append(p)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    titles = {r.key: r.title for r in catalog.records}
    for code in sorted(groups, key=lambda c: (min(p.level != "error" for p in groups[c]), c)):
        reporter.info(f"\n{code} ({len(groups[code])})")
        for p in groups[code]:
            # An item key alone says little to a curator: name the paper too.
            title = titles.get(p.where)
            where = f"{p.where} ({shorten(title)})" if title else p.where
            reporter.info(f"  {p.level}: {where}: {p.message}")
    reporter.info(f"\nlinks (the verdicts in data/raw/links; `python -m pipeline links` checks what expired):\n  "
                  + links.summary(link_findings, link_verdicts, links.published(catalog), links.today_utc()))
    reporter.info("\nvalidators:")
    for name, reason in validator_status(settings):
        reporter.info(f"  skipped  {name}: {reason}" if reason else f"  run      {name}")
    reporter.info(f"\ncheck: {len(catalog.records)} records, {errors} error(s), {warnings} warning(s)")
    return errors > 0


def last_import(settings: Settings) -> list[Problem]:
    """The lines the last `import-readme` skipped or doubted (build/import-report.txt), shown by every
    check until the next import rewrites them."""
    from pipeline.stages import import_readme     # only for its report's name and reader

    return import_readme.read_report(settings.paths.build / import_readme.REPORT)
