"""Per-section summaries (`summary:` as a mapping from section name to text) and the review-file rule."""
from __future__ import annotations

from pipeline import reviewfiles
from pipeline.model import Catalog, Record, Section
from pipeline.render import readme
from pipeline.rules import curate

SECTIONS = {"Testing": "SECTTEST", "Monitoring": "SECTMONI", "Background > Surveys": "SECTSURV"}


def test_a_mapping_gives_each_section_its_summary():
    review, problems = curate.parse_review(
        "---\nkey: ABCD2345\nsummary:\n  Testing: Finds bugs by **coverage**.\n  Monitoring: Also a runtime monitor.\n---\n",
        "reviews/x.md")
    assert problems == [] and review.summary == ""
    record = Record(key="ABCD2345", title="T", url="https://x.org", sections=("SECTMONI", "SECTTEST"))
    record, problems = curate.apply_review(record, review, SECTIONS)
    assert problems == []
    assert record.summary == "Finds bugs by **coverage**."
    assert dict(record.section_summaries) == {"SECTTEST": "Finds bugs by **coverage**.",
                                              "SECTMONI": "Also a runtime monitor."}


def test_unknown_or_unlisted_sections_in_the_mapping_are_reported():
    review, _ = curate.parse_review("---\nkey: ABCD2345\nsummary:\n  Testng: typo\n  Background > Surveys: s\n---\n",
                                    "reviews/x.md")
    record = Record(key="ABCD2345", sections=("SECTTEST",))
    record, problems = curate.apply_review(record, review, SECTIONS)
    messages = [str(p) for p in problems]
    assert "reviews/x.md:3: summary for 'Testng': no section has that name" in messages
    assert any("not listed in that section" in m for m in messages)
    bad, problems = curate.parse_review("---\nkey: ABCD2345\nsummary:\n  Testing: [a, b]\n---\n", "reviews/y.md")
    assert bad.summaries == () and "reviews/y.md:3" in str(problems[0])


def test_the_readme_shows_each_section_its_own_summary():
    record = Record(key="ABCD2345", title="Paper", url="https://x.org", sections=("SECTMONI", "SECTTEST"),
                    summary="Finds bugs.", section_summaries=(("SECTMONI", "Watches *drift*."), ("SECTTEST", "Finds bugs.")))
    plain = Record(key="EFGH6789", title="Other", url="https://y.org", sections=("SECTMONI", "SECTTEST"),
                   summary="Same everywhere.")
    catalog = Catalog(title="L", sections=(Section("SECTTEST", "Testing", None, ("Testing",)),
                                           Section("SECTMONI", "Monitoring", None, ("Monitoring",))),
                      records=(record, plain))
    text = readme.render(catalog)
    testing, monitoring = text.split("## Testing")[1].split("## Monitoring")
    assert "[Paper](https://x.org) - Finds bugs." in testing and "Watches" not in testing
    assert "[Paper](https://x.org) - Watches *drift*." in monitoring
    assert testing.count("Same everywhere.") == monitoring.count("Same everywhere.") == 1


# --- the rule that protects hand edits (pure, without a server) ---------------------------------------

def note(text: str, version: int = 5, key: str = "NOTEKEY2") -> reviewfiles.NoteText:
    return reviewfiles.NoteText(key, version, text)


def test_reconcile_follows_zotero_until_the_file_is_edited():
    wanted = reviewfiles.FromZotero(summary=note("One line.", key="SUMMKEY2"), review=note("# R\n\nBody.\n"))
    first = reviewfiles.reconcile(None, "reviews/p.md", "ABCD2345", wanted)
    assert first.problems == () and "summary: One line.\n" in first.text and first.text.endswith("# R\n\nBody.\n")
    again = reviewfiles.reconcile(first.text, "reviews/p.md", "ABCD2345", wanted)
    assert again.text == first.text and again.problems == (), "idempotent"
    newer = reviewfiles.FromZotero(summary=wanted.summary, review=note("# R\n\nNew body.\n", 6))
    assert reviewfiles.reconcile(first.text, "reviews/p.md", "ABCD2345", newer).text.endswith("New body.\n")
    edited = first.text.replace("Body.", "Body, edited.")
    kept = reviewfiles.reconcile(edited, "reviews/p.md", "ABCD2345", newer)
    assert kept.text == edited
    [problem] = kept.problems
    assert problem.level == "error" and problem.code == "review-conflict" and "version 5 -> 6" in problem.message
    # Trailing newlines and CRLF are not edits.
    crlf = first.text.replace("\n", "\r\n") + "\r\n"
    assert reviewfiles.reconcile(crlf, "reviews/p.md", "ABCD2345", wanted).problems == ()


def test_summaries_that_yaml_would_misread_are_quoted():
    for text in ("a: b", "- dash", "#hash", "yes", "'quote", "[x]", "ends with #tag", "100"):
        assert curate.parse_review(f"---\nkey: ABCD2345\nsummary: {reviewfiles.yaml_scalar(text)}\n---\n",
                                   "r.md")[0].summary == text


def test_new_file_names_never_leave_the_folder():
    assert reviewfiles.file_name("../../etc/passwd", "ABCD2345", set()) == "etc-passwd.md"
    assert reviewfiles.file_name("Déjà vu: ML", "ABCD2345", {"deja-vu-ml.md"}) == "Deja-vu-ML-ABCD2345.md"
    assert reviewfiles.file_name("深度", "ABCD2345", set()).endswith(".md")
    try:
        reviewfiles.file_name("x", "../x", set())
    except ValueError:
        pass
    else:
        raise AssertionError("a key that is not a Zotero key is refused")
