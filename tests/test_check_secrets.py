"""`make check` warns when published text holds the configured Zotero API key, and never prints the key."""
from __future__ import annotations

import io
import json

from pipeline import cli, config
from pipeline.report import Reporter
from pipeline.stages import Options, check
from tests.test_cli import clean_env, clone  # noqa: F401  (fixtures)

KEY = "AbCdEf0123456789SeCrEt42"


def checked(root, environ) -> tuple[list, str]:
    settings = config.load(root, environ=environ)
    out = io.StringIO()
    check.run(settings, Options(), Reporter(1, stream=out, secrets=[KEY]))     # as the CLI runs it
    return check.published_secrets(settings), out.getvalue()


def test_a_key_typed_into_a_title_is_named_by_file_and_line_never_shown(clone):
    item = clone / "data/raw/zotero/items/3EM5KXTR.json"
    doc = json.loads(item.read_text(encoding="utf-8"))
    doc["data"]["title"] = f"DeepXplore {KEY}"
    item.write_text(json.dumps(doc), encoding="utf-8")
    assert cli.main(["build", "--offline", "-q", "--root", str(clone)]) == 0
    found, printed = checked(clone, {"ZOTERO_API_KEY": KEY})
    where = {p.where.split(":")[0] for p in found}
    assert {"README.md", "data/curated/papers.bib", "data/curated/papers.csv",
            "data/raw/zotero/items/3EM5KXTR.json"} <= where
    readme_line = next(p.where for p in found if p.where.startswith("README.md:"))
    lines = (clone / "README.md").read_text(encoding="utf-8").splitlines()
    assert KEY in lines[int(readme_line.split(":")[1]) - 1]
    assert all(p.level == "warning" and p.code == "api-key-published" and KEY not in str(p) for p in found)
    assert "api-key-published" in printed and KEY not in printed


def test_no_warning_without_the_key_in_published_text_or_without_a_key(clone):
    assert cli.main(["build", "--offline", "-q", "--root", str(clone)]) == 0
    assert checked(clone, {"ZOTERO_API_KEY": KEY})[0] == []
    assert checked(clone, {})[0] == []
