"""Validator for papers.bib and papers.biblatex.bib: does each compile as its users compile it, and
does the reader get every title?

BibTeX alone accepts a .bib that breaks the document (`R&D`) or silently drops text (`50% off` loses
the rest of the entry), so papers.bib is judged by what an author runs: pdflatex + bibtex on exactly the
plain preamble below (utf8 inputenc, T1 fontenc, nothing declared), then pdftotext. Any LaTeX error
fails, and every ASCII word of every title must be in the PDF's text, in order. papers.biblatex.bib is
checked by biber's data-model validation (duplicate keys, invalid dates, unknown fields).

This is an I/O edge: it shells out, in a temporary directory. A missing tool gives one warning that
says how to install it; it never fails the check.

How titles are compared with the PDF text (`pdftotext -raw`: its layout mode reorders lines): both
sides are folded to ASCII letters and digits, because the PDF differs from the title in ways a reader
does not care about: hyphenation at line ends, line breaks, quotes and dashes from TeX's ligatures,
subscripts. With T1 and no cm-super, the fonts are METAFONT bitmaps whose ligatures (fi, ffl) come
out of pdftotext as control characters: they are mapped back. Words with non-ASCII letters are not
compared (bitmap fonts give pdftotext no reliable Unicode for accented glyphs); the ASCII words around
them must still be there, in order. A lost word or a truncated title shows; a lost punctuation mark
alone does not (pdflatex's own errors cover the specials).

`make check` reads the titles back from the .bib (latex.decode); the tests pass the records' own titles.
Items the .bib had to transliterate are named from papers.biblatex.bib, which keeps the original text.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from pipeline import fieldmap
from pipeline.machinery import files
from pipeline.model import Problem
from pipeline.render import latex
from pipeline.render.richtext import math_spans

INSTALL = "apt-get install -y --no-install-recommends texlive-latex-base biber poppler-utils"
TIMEOUT = 300

# Exactly what an author writes: no \\DeclareUnicodeCharacter, no packages beyond these two.
DOCUMENT = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
%(packages)s\begin{document}
\nocite{*}
\bibliographystyle{%(style)s}
\bibliography{refs}
\end{document}
"""
# The classic styles an author may pick; each takes names and titles apart its own way.
STYLES = ("plain", "alpha", "abbrv", "unsrt", "ieeetr", "acm")
# T1 ligatures and TeX's dash and quote ligatures as pdftotext reads them from bitmap (Type 3) fonts.
_T1_LIGATURES = str.maketrans({"\x1b": "ff", "\x1c": "fi", "\x1d": "fl", "\x1e": "ffi", "\x1f": "ffl"})

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
    text = text.translate(_T1_LIGATURES)
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).casefold())


def without_page_numbers(text: str) -> str:
    """pdftotext's pages without the page number that ends each (it would split a title in two)."""
    pages = []
    for page in text.split("\f"):
        lines = page.rstrip("\n").split("\n")
        if lines and lines[-1].strip().isdigit():
            lines.pop()
        pages.append("\n".join(lines))
    return "\n".join(pages)


def title_pattern(title: str) -> re.Pattern | None:
    """A regex over the PDF's skeleton that finds the ASCII words of `title` (plain text) in order;
    None if it has none. A word with other characters is a gap of bounded length."""
    parts: list[str] = []
    gap = 0
    # A formula the .bib keeps as maths is set as maths (a fraction is no word of the text): a gap.
    for start, end in reversed(math_spans(title)):
        title = title[:start] + " \u2026 " + title[end:]
    for word in title.split():
        if not word.isascii():
            gap += len(word)
            continue
        core = skeleton(word)
        if not core:
            continue
        if parts and gap:
            # anyascii spells one character in up to a dozen letters (":rocket:", "deg").
            parts.append(f".{{0,{12 * gap + 8}}}?")
        parts.append(re.escape(core))
        gap = 0
    return re.compile("".join(parts)) if parts else None


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


def compile_check(bib: str, titles: dict[str, str], where: str = "papers.bib",
                  style: str = "plain", packages: tuple[str, ...] = ()) -> list[Problem]:
    """Compile `bib` with pdflatex + bibtex (`style`) under the author's plain preamble and look for
    each title's ASCII words in the PDF text. `packages` are loaded too: only `url` under
    `[bib] url = "note-url"`, whose `\\url` commands need it; every other setting compiles with none.

    `titles` is {citation key: title as plain text}. Needs pdflatex, bibtex and pdftotext.
    """
    tools = missing_tools("pdflatex", "bibtex", "pdftotext")
    if tools:
        return tools
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="bibcheck-") as tmp:
        work = Path(tmp)
        (work / "refs.bib").write_text(bib, encoding="utf-8")
        loaded = "".join(f"\\usepackage{{{p}}}\n" for p in packages)
        (work / "doc.tex").write_text(DOCUMENT % {"style": style, "packages": loaded}, encoding="utf-8")
        latex_cmd = ["pdflatex", "-interaction=nonstopmode", "doc.tex"]
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
        log = (work / "doc.log").read_text(errors="replace")
        errors = _tex_errors(log)
        if done.returncode != 0 or errors:
            shown = "; ".join(errors[:3]) or "see doc.log"
            return problems + [Problem(where, f"pdflatex: {len(errors)} error(s) in the bibliography ({style}): "
                                       f"{shown}", "error", "bib-latex-error")]
        bbl = (work / "doc.bbl").read_text(errors="replace")
        typeset = len(re.findall(r"^\\bibitem", bbl, re.M))
        if typeset != len(entries(bib)):
            problems.append(Problem(where, f"{len(entries(bib))} entries but {typeset} in the bibliography",
                                    "error", "bib-entry-lost"))
        text = _run(["pdftotext", "-raw", "-enc", "UTF-8", "doc.pdf", "-"], work).stdout
    pdf = skeleton(without_page_numbers(text))
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
# "Invalid field 'title' for entrytype 'jurisdiction'": biblatex's default data model declares no field
# at all of the types no standard style supports (fieldmap.UNSUPPORTED: @jurisdiction, @legislation,
# @standard, @audio, @video, @review...), so biber names every field of them; the styles that cite them
# bring their own data model. Those lines are no fault of the .bib; the same line of any other type is.
_TYPE_FIELD_RE = re.compile(r"invalid field '[^']*' for entrytype '([^']*)'", re.I)


def biber_check(bib: str, where: str = "papers.bib") -> list[Problem]:
    """`biber --tool --validate-datamodel`: ERROR lines and the WARN kinds that mean bad data fail.

    Missing-field warnings ("missing mandatory field") are expected for web pages and preprints, and
    a volume that is not a number ("II") is real data: neither is reported; nor are the fields of a type
    biblatex's default data model declares none of (`_TYPE_FIELD_RE`).
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
        typed = _TYPE_FIELD_RE.search(message)
        if level == "WARN" and typed and typed.group(1).lower() in fieldmap.UNSUPPORTED:
            continue
        if level == "ERROR" or any(w in message.lower() for w in _BIBER_WARN_FAIL):
            problems.append(Problem(where, f"biber: {message.strip()}", "error", "bib-biber-error"))
    if result.returncode != 0 and not problems:
        tail = (result.stderr or result.stdout)[-200:]
        problems.append(Problem(where, f"biber exited with {result.returncode}: {tail}", "error", "bib-biber-error"))
    return problems


def titles_from_bib(bib: str) -> dict[str, str]:
    """{key: title as plain text} read back from a .bib written by render.bibtex."""
    return {key: latex.decode(value) for key, value in entries(bib) if value}


def transliterated(biblatex_text: str, where: str = "papers.bib") -> list[Problem]:
    """A warning per entry whose title papers.bib spells in other letters, read from the UTF-8 file."""
    return [Problem(f"{where}:{key}", "title transliterated for pdflatex (anyascii: "
                    f"{title[:40]!r}); papers.biblatex.bib keeps it for biber", "warning", "bib-transliterated")
            for key, title in titles_from_bib(biblatex_text).items() if latex.transliterated(title)]


def run(settings) -> list[Problem]:
    path = settings.paths.bib
    where = path.name
    if not path.is_file():
        return [Problem(where, "missing: run `make` to write it", "error", "bib-missing")]
    bib = files.read_text(path)      # through the guard: a published file may be a planted symlink
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
    bib_settings = getattr(settings, "bib", None)
    packages = ("url",) if getattr(bib_settings, "url", "") == "note-url" else ()
    problems += compile_check(bib, titles_from_bib(bib), where, packages=packages)
    biblatex_path = getattr(settings.paths, "biblatex", None)
    if biblatex_path is not None and biblatex_path.is_file():
        text = files.read_text(biblatex_path)
        problems += transliterated(text, where)
        problems += biber_check(text, biblatex_path.name)
    else:
        problems.append(Problem(biblatex_path.name if biblatex_path else "papers.biblatex.bib",
                                "missing: run `make` to write it", "error", "bib-missing"))
    return problems
