"""Validator for papers.bib: does it compile, and does the reader get every title?

BibTeX alone accepts a .bib that breaks the document (`R&D`) or silently drops text (`50% off` loses
the rest of the entry), so the file is judged by what a user would run: pdflatex + bibtex with the
plain style, then pdftotext, and every title must be found in the PDF's text. biber's data-model check
adds what BibTeX does not see (duplicate keys, invalid dates, unknown fields).

This is an I/O edge: it shells out, in a temporary directory. A missing tool gives one warning that
says how to install it; it never fails the check.

How titles are compared with the PDF text (`pdftotext -raw`: its layout mode reorders lines): both
sides are folded to ASCII letters and digits (NFKC, anyascii, case-folded), because the PDF differs from
the title in ways a reader does not care about: accents built from two glyphs, ligatures (fi),
hyphenation at line ends, line breaks, quotes and dashes from TeX's ligatures, subscripts. A lost word
or a truncated title still shows; a lost punctuation mark alone does not (pdflatex's own errors cover
the specials). Scripts pdflatex cannot set (CJK, Cyrillic, Greek words) stay UTF-8 in the .bib; the
test document maps each such character to a visible "?" (\\DeclareUnicodeCharacter), the comparison
skips those characters and checks the rest of the title in order, and each entry that holds any gets a
warning: a plain pdflatex document stops on them, while xelatex, lualatex and biber read them.

`make check` reads the titles back from the .bib (latex.decode); the tests pass the records' own titles.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from anyascii import anyascii

from pipeline.model import Problem
from pipeline.render import latex

INSTALL = "apt-get install -y --no-install-recommends texlive-latex-base biber poppler-utils"
TIMEOUT = 300

DOCUMENT = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{url}
\pagestyle{empty}
\sloppy
%(declarations)s
\begin{document}
\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""

_ENTRY_RE = re.compile(r"^@(\w+)\{([^,\s]+),\s*$", re.M)
_TITLE_RE = re.compile(r"^  title = \{(.*)\},$", re.M)


def missing_tools(*names: str) -> list[Problem]:
    absent = [n for n in names if shutil.which(n) is None]
    if not absent:
        return []
    return [Problem("papers.bib", f"{', '.join(absent)} not installed: the .bib was not compiled; "
                    f"install with `{INSTALL}`", "warning", "tool-missing")]


def skeleton(text: str) -> str:
    """Letters and digits only, ASCII, case-folded: what must survive typesetting."""
    # Symbols go before the fold: anyascii spells some as letters ("°" -> "deg") that the PDF draws.
    letters = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())
    return re.sub(r"[^a-z0-9]", "", anyascii(letters).casefold())


def unset_characters(text: str) -> set[str]:
    """Characters the .bib keeps as UTF-8 because LaTeX's default fonts cannot set them."""
    return {c for c in text if ord(c) > 127 and latex.encode(c) == c}


def title_pattern(title: str) -> re.Pattern | None:
    """A regex over the PDF's skeleton that finds `title` (plain text); None if nothing is checkable."""
    runs, current = [], []
    for char in title:
        if ord(char) > 127 and latex.encode(char) == char:
            runs.append("".join(current))
            current = []
        else:
            current.append(char)
    runs.append("".join(current))
    parts = [skeleton(r) for r in runs]
    parts = [re.escape(p) for p in parts if p]
    if not parts:
        return None
    # Between runs sits the "?" marker of the skipped characters, which the skeleton drops.
    return re.compile(".{0,8}?".join(parts))


def entries(bib: str) -> list[tuple[str, str]]:
    """(key, title LaTeX) of each entry of a .bib written by render.bibtex."""
    out = []
    starts = list(_ENTRY_RE.finditer(bib))
    for i, m in enumerate(starts):
        body = bib[m.end(): starts[i + 1].start() if i + 1 < len(starts) else len(bib)]
        t = _TITLE_RE.search(body)
        out.append((m.group(2), t.group(1) if t else ""))
    return out


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=TIMEOUT)


def _tex_errors(log: str) -> list[str]:
    return [line[2:].strip() for line in log.splitlines() if line.startswith("! ")]


def compile_check(bib: str, titles: dict[str, str], where: str = "papers.bib") -> list[Problem]:
    """Compile `bib` with pdflatex + bibtex (plain style) and look for each title in the PDF text.

    `titles` is {citation key: title as plain text}. Needs pdflatex, bibtex and pdftotext.
    """
    tools = missing_tools("pdflatex", "bibtex", "pdftotext")
    if tools:
        return tools
    problems: list[Problem] = []
    unset = sorted(unset_characters(bib))
    for key, title in titles.items():
        chars = unset_characters(title)
        if chars:
            problems.append(Problem(f"{where}:{key}", "title has characters pdflatex cannot set without a package ("
                                    + "".join(sorted(chars))[:20] + "); use xelatex, lualatex or biber",
                                    "warning", "bib-needs-unicode-engine"))
    declarations = "\n".join(f"\\DeclareUnicodeCharacter{{{ord(c):04X}}}{{\\,?\\,}}" for c in unset
                             if not 0xD800 <= ord(c) <= 0xDFFF)
    with tempfile.TemporaryDirectory(prefix="bibcheck-") as tmp:
        work = Path(tmp)
        (work / "refs.bib").write_text(bib, encoding="utf-8")
        (work / "doc.tex").write_text(DOCUMENT % {"declarations": declarations}, encoding="utf-8")
        latex_cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
        first = _run(latex_cmd, work)
        if first.returncode != 0:
            errors = _tex_errors((work / "doc.log").read_text(errors="replace")) or [first.stdout[-300:]]
            return problems + [Problem(where, f"pdflatex failed: {errors[0]}", "error", "bib-latex-error")]
        bib_run = _run(["bibtex", "-terse", "doc"], work)
        blg = (work / "doc.blg").read_text(errors="replace") if (work / "doc.blg").exists() else bib_run.stdout
        if bib_run.returncode >= 2:
            lines = [ln for ln in blg.splitlines() if "---" in ln or "error" in ln.lower()]
            problems.append(Problem(where, "bibtex failed: " + "; ".join(lines[:3]), "error", "bib-bibtex-error"))
            return problems
        for _ in range(2):
            done = _run(latex_cmd, work)
        if done.returncode != 0:
            log = (work / "doc.log").read_text(errors="replace")
            errors = _tex_errors(log) or ["see doc.log"]
            return problems + [Problem(where, f"pdflatex failed on the bibliography: {errors[0]}", "error",
                                       "bib-latex-error")]
        bbl = (work / "doc.bbl").read_text(errors="replace")
        typeset = len(re.findall(r"^\\bibitem", bbl, re.M))
        if typeset != len(entries(bib)):
            problems.append(Problem(where, f"{len(entries(bib))} entries but {typeset} in the bibliography",
                                    "error", "bib-entry-lost"))
        text = _run(["pdftotext", "-raw", "-enc", "UTF-8", "doc.pdf", "-"], work).stdout
    pdf = skeleton(text)
    for key, title in titles.items():
        pattern = title_pattern(title)
        if pattern is not None and not pattern.search(pdf):
            problems.append(Problem(f"{where}:{key}", f"title not found in the compiled PDF: {title[:80]!r}",
                                    "error", "bib-title-lost"))
    return problems


# WARN lines that mean the .bib is wrong, not merely sparse: an unknown field or one the type does not
# take, a date or year biber cannot read, a repeated key.
_BIBER_WARN_FAIL = ("invalid field", "invalid in data model", "invalid format", "not an integer",
                    "datatype 'datepart'", "duplicate entry key")


_BIBER_LINE_RE = re.compile(r"\b(ERROR|WARN) - (.*)$")


def biber_check(bib: str, where: str = "papers.bib") -> list[Problem]:
    """`biber --tool --validate-datamodel`: ERROR lines and the WARN kinds that mean bad data fail.

    Missing-field warnings ("missing mandatory field") are expected for web pages and preprints, and
    a volume that is not a number ("II") is real data: neither is reported.
    """
    tools = missing_tools("biber")
    if tools:
        return tools
    problems = []
    with tempfile.TemporaryDirectory(prefix="bibercheck-") as tmp:
        work = Path(tmp)
        (work / "refs.bib").write_text(bib, encoding="utf-8")
        result = _run(["biber", "--tool", "--validate-datamodel", "refs.bib"], work)
        blg_path = work / "refs.bib.blg"
        log = blg_path.read_text(errors="replace") if blg_path.exists() else result.stdout + result.stderr
    for line in log.splitlines():
        m = _BIBER_LINE_RE.search(line)
        if not m:
            continue
        level, message = m.groups()
        if level == "ERROR" or any(w in message.lower() for w in _BIBER_WARN_FAIL):
            problems.append(Problem(where, f"biber: {message.strip()}", "error", "bib-biber-error"))
    if result.returncode != 0 and not problems:
        tail = (result.stderr or result.stdout)[-200:]
        problems.append(Problem(where, f"biber exited with {result.returncode}: {tail}", "error", "bib-biber-error"))
    return problems


def titles_from_bib(bib: str) -> dict[str, str]:
    """{key: title as plain text} read back from a .bib written by render.bibtex."""
    return {key: latex.decode(value) for key, value in entries(bib) if value}


def run(settings) -> list[Problem]:
    path = settings.paths.bib
    where = path.name
    if not path.is_file():
        return [Problem(where, "missing: run `make` to write it", "error", "bib-missing")]
    bib = path.read_text(encoding="utf-8")
    problems = []
    keys = [k for k, _ in entries(bib)]
    seen: dict[str, str] = {}
    for key in keys:
        if not re.fullmatch(r"[A-Za-z0-9_:.\-]+", key):
            problems.append(Problem(f"{where}:{key}", "citation key has characters bibtex rejects", "error",
                                    "bib-bad-key"))
        if key.casefold() in seen:
            problems.append(Problem(f"{where}:{key}", f"duplicate key (bibtex ignores case): {seen[key.casefold()]}",
                                    "error", "bib-duplicate-key"))
        seen.setdefault(key.casefold(), key)
    problems += compile_check(bib, titles_from_bib(bib), where)
    problems += biber_check(bib, where)
    return problems
