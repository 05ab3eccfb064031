"""Loader for Better BibTeX's export fixtures in ../shared/fixtures/bbt (see PROVENANCE.md there).

Each file is `{"config": ..., "items": [...]}`; an item is the Web API's `data` object without the
key envelope, so each gets a made-up Zotero-style key: stable (derived from the file name and the
item's position) and unique across the corpus. Notes and attachments are not list entries and are
left out, as `convert.zotero.is_entry` decides.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.convert.zotero import is_entry, to_record
from pipeline.model import Record

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BBT_DIR = SHARED / "fixtures" / "bbt"
SKIP_REASON = (f"{BBT_DIR} is absent: Better BibTeX's fixtures live beside the repository only in CI and on "
               "the developers' machines")
_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"   # the characters Zotero uses for item keys


def fake_key(file_name: str, index: int) -> str:
    digest = int.from_bytes(hashlib.sha256(f"{file_name}#{index}".encode()).digest()[:8], "big")
    out = ""
    for _ in range(8):
        digest, r = divmod(digest, len(_ALPHABET))
        out += _ALPHABET[r]
    return out


def fixture_items(path: Path) -> list[dict]:
    """The list entries of one fixture file, each with a `key`. BBT's files may hold `extra` as a list of
    lines; the Web API gives one string, so that is what the items get."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for index, item in enumerate(doc.get("items") or ()):
        if isinstance(item, dict) and is_entry(item):
            if isinstance(item.get("extra"), list):
                item = {**item, "extra": "\n".join(map(str, item["extra"]))}
            out.append({**item, "key": fake_key(path.name, index)})
    return out


def load_items() -> list[tuple[str, dict]]:
    """(file name, item with a `key`) for every list entry of every fixture file, in file order.
    (BBT's expected CSL-JSON exports, `NAME.csl.json`, are outputs, not inputs.)"""
    return [(path.name, item) for path in sorted(BBT_DIR.glob("*.json")) if not path.name.endswith(".csl.json")
            for item in fixture_items(path)]


def load_records() -> list[Record]:
    return [to_record(item) for _, item in load_items()]
