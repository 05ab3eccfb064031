"""Review files: front matter parsing, file:line messages, matching, overrides winning."""
from __future__ import annotations

from pipeline.model import Record
from pipeline.rules import curate


def parse(text: str, path: str = "reviews/x.md"):
    return curate.parse_review(text, path)


def test_front_matter_and_body():
    review, problems = parse("---\nkey: abcd2345\nsummary: Does **X**.\nnote: Best paper\nstatus: draft\n---\nLong review.\n")
    assert problems == []
    assert (review.key, review.summary, review.note, review.status, review.has_text) == ("ABCD2345", "Does **X**.", "Best paper", "draft", True)


def test_front_matter_only_has_no_text():
    review, _ = parse("---\ndoi: https://doi.org/10.1145/3132747.3132785\n---\n\n  \n")
    assert review.doi == "10.1145/3132747.3132785" and not review.has_text


def test_broken_yaml_names_the_line():
    review, problems = parse("---\nkey: K\nsummary: [unclosed\nnote: x\n---\n")
    assert review is None
    assert len(problems) == 1 and problems[0].where.startswith("reviews/x.md:") and "broken front matter" in problems[0].message
    assert int(problems[0].where.rsplit(":", 1)[1]) in (3, 4, 5)


def test_missing_or_unclosed_front_matter():
    assert str(parse("just text\n")[1][0]) == "reviews/x.md:1: no front matter: the file must start with a '---' line"
    assert "not closed" in str(parse("---\nkey: K\n")[1][0])


def test_no_key_and_unknown_fields_and_bad_values():
    assert "names no item" in str(parse("---\nsummary: s\n---\n")[1][-1])
    review, problems = parse("---\nkey: K\nsumary: typo\nyear: soon\nhidden: maybe\n---\n")
    assert review is not None
    messages = [str(p) for p in problems]
    assert "reviews/x.md:3: unknown field 'sumary' (ignored)" in messages
    assert any(m.startswith("reviews/x.md:4: year") for m in messages)
    assert any(m.startswith("reviews/x.md:5: hidden") for m in messages)


def test_matching_by_key_then_doi_and_duplicates_reported():
    records = [Record(key="AAAA2222", doi="10.1000/a"), Record(key="BBBB3333")]
    r1, _ = parse("---\nkey: AAAA2222\n---\n", "reviews/a.md")
    r2, _ = parse("---\ndoi: 10.1000/A\n---\n", "reviews/b.md")
    r3, _ = parse("---\nkey: ZZZZ9999\n---\n", "reviews/c.md")
    matched, problems = curate.match_reviews([r3, r2, r1], records)
    assert matched == {"AAAA2222": r1}
    assert [str(p) for p in problems] == [
        "reviews/b.md:2: second review file for item AAAA2222 (the first is reviews/a.md); this one is ignored",
        "reviews/c.md:2: key ZZZZ9999 names no item in the collection",
    ]


def test_overrides_win_and_record_their_source():
    record = Record(key="K", title="Zotero title", year=2022, venue_label="ICSE", sections=("S1",))
    review, _ = parse("---\nkey: K\ntitle: Curated\nyear: 2021\nvenue: ICSEW\nsections: [Two]\nhidden: true\n---\n")
    out, problems = curate.apply_review(record, review, {"One": "S1", "Two": "S2"})
    assert problems == []
    assert (out.title, out.year, out.venue_label, out.sections, out.hidden) == ("Curated", 2021, "ICSEW", ("S2",), True)
    assert out.source_of("year") == "review" and out.source_of("venue_label") == "review"


def test_unknown_section_in_override_is_reported():
    review, _ = parse("---\nkey: K\nsections: [Nope]\n---\n")
    out, problems = curate.apply_review(Record(key="K", sections=("S1",)), review, {"One": "S1"})
    assert out.sections == ("S1",)
    assert [p.message for p in problems] == ["no section named 'Nope'"]


def test_linked_review_without_text_is_named_by_check():
    review, _ = parse("---\nkey: K\nstatus: missing\n---\n", "reviews/r.md")
    out, _ = curate.apply_review(Record(key="K"), review, {})
    assert [p.code for p in curate.review_problems(out)] == ["review-missing-text"]
    review, _ = parse("---\nkey: K\nstatus: draft\n---\nSome text\n", "reviews/r.md")
    out, _ = curate.apply_review(Record(key="K"), review, {})
    assert curate.review_problems(out) == []
