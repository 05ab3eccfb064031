"""check: the data-quality report and the output validators. Returns True when there are errors.

The report is merge's problems, rebuilt from the current inputs (so it never reads a stale build),
grouped by kind. The validators are real tools run on the published files: awesome-lint and
markdownlint on the README, pdflatex + bibtex and biber on the .bib, frictionless on the CSV. A
validator whose tool is not installed says so in one warning and does not fail the check.
"""
from __future__ import annotations

import importlib
from collections import defaultdict

from pipeline.config import Settings
from pipeline.model import Problem, sort_problems
from pipeline.report import Reporter
from pipeline.render import citekeys
from pipeline.stages import Options, emit, merge

VALIDATORS = ("pipeline.validate.markdown", "pipeline.validate.bibtex", "pipeline.validate.table")


def run_validators(settings: Settings) -> list[Problem]:
    problems = []
    for name in VALIDATORS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        problems.extend(module.run(settings))
    return problems


def shorten(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def run(settings: Settings, options: Options, reporter: Reporter) -> bool:
    catalog = merge.build(settings)
    keys, _ = citekeys.assign(list(catalog.records), emit.published_keys(settings))
    problems = sort_problems(list(catalog.problems) + citekeys.check(list(catalog.records), keys)
                             + run_validators(settings))
    groups: dict[str, list[Problem]] = defaultdict(list)
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
    reporter.info(f"\ncheck: {len(catalog.records)} records, {errors} error(s), {warnings} warning(s); "
                  "validators run: awesome-lint and markdownlint (README), pdflatex + bibtex and biber (.bib), "
                  "frictionless (CSV)")
    return errors > 0
