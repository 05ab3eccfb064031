"""Validator for papers.csv and its datapackage.json: the file analysts load must match its schema.

Checks what pandas users rely on and frictionless does not look at (UTF-8 without a BOM, CRLF rows,
the documented column order, a schema that is not stale), then runs frictionless on the package:
types, required and unique values, patterns, the primary key. An I/O edge; frictionless missing gives
one warning with the install line instead of a failure.
"""
from __future__ import annotations

import json

from pipeline.machinery import files
from pipeline.model import Problem
from pipeline.render import table

INSTALL = "pip install 'frictionless>=5.18,<6'"
MAX_REPORTED = 20


def frictionless_check(datapackage_path, where: str) -> list[Problem]:
    try:
        import frictionless
    except ImportError:
        return [Problem(where, f"frictionless not installed: the CSV was not validated; install with `{INSTALL}`",
                        "warning", "tool-missing")]
    report = frictionless.validate(str(datapackage_path))
    if report.valid:
        return []
    problems = []
    for task in report.tasks:
        for error in task.errors[:MAX_REPORTED]:
            row = getattr(error, "row_number", None)
            place = f"{where}:{row}" if row else where
            problems.append(Problem(place, f"frictionless: {error.type}: {error.message}", "error", "csv-schema"))
    for error in report.errors[:MAX_REPORTED]:
        problems.append(Problem(where, f"frictionless: {error.type}: {error.message}", "error", "csv-schema"))
    return problems


def run(settings) -> list[Problem]:
    csv_path, package_path = settings.paths.csv, settings.paths.datapackage
    where = csv_path.name
    problems = []
    for path in (csv_path, package_path):
        if not path.is_file():
            problems.append(Problem(path.name, "missing: run `make` to write it", "error", "csv-missing"))
    if problems:
        return problems
    data = files.read_bytes(csv_path)      # through the guard, as every read of a published file
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(where, "starts with a byte-order mark", "error", "csv-format"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return problems + [Problem(where, f"not UTF-8 ({exc})", "error", "csv-format")]
    header = text.split("\r\n", 1)[0]
    # With `[links] mend` on, the CSV has a url_status column (a bare namespace of paths: it has not).
    mends = getattr(getattr(settings, "links", None), "mend", "") == "archive"
    if header != ",".join(table.names(mends)):
        problems.append(Problem(where, "header differs from the documented column order; run `make`",
                                "error", "csv-format"))
    if "\r\n" not in text and "\n" in text:
        problems.append(Problem(where, "rows end in LF, not CRLF (RFC 4180)", "error", "csv-format"))
    try:
        package = json.loads(files.read_text(package_path))
    except ValueError as exc:
        return problems + [Problem(package_path.name, f"unreadable JSON ({exc})", "error", "csv-schema")]
    if package != table.datapackage(csv_path.name, mends):
        problems.append(Problem(package_path.name, "differs from the schema the pipeline writes; run `make`",
                                "error", "csv-schema"))
    return problems + frictionless_check(package_path, where)
