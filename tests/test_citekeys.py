"""Citation keys: Better BibTeX-style derivation, pins, and the promise that a published key stays."""
from __future__ import annotations

import itertools
import json

from hypothesis import given, settings, strategies as st

from pipeline.model import Creator, Record
from pipeline.render import bibtex, citekeys


def rec(key, title="Deep learning for robust systems", family="Smith", year=2020, added="", pin="", **kw):
    creators = (Creator(family=family, given="Ann"),) if family else ()
    return Record(key=key, title=title, creators=creators, year=year, date_added=added, citation_key=pin, **kw)


def test_derived_key_follows_better_bibtex():
    assert citekeys.derive(rec("K1")) == "smithDeepLearningRobust2020"


def test_derived_key_folds_to_ascii_skips_stop_words_and_markup():
    r = rec("K1", title="The <i>Über</i> of a naïve Café", family="Müller-Lüdenscheidt", year=1999)
    assert citekeys.derive(r) == "mullerludenscheidtUberNaiveCafe1999"


def test_institution_author_and_missing_parts():
    r = Record(key="K1", title="Annual report", creators=(Creator(name="World Health Organization"),))
    assert citekeys.derive(r) == "worldAnnualReport"
    assert citekeys.derive(Record(key="ABCD2345")) == "abcd2345"


def test_pinned_key_wins_and_is_sanitized():
    keys, _ = citekeys.assign([rec("K1", pin="myKey2020"), rec("K2", pin="DBLP:books/daglib/0032853")], {})
    assert keys == {"K1": "myKey2020", "K2": "DBLP:books_daglib_0032853"}
    warnings = citekeys.check([rec("K2", pin="DBLP:books/daglib/0032853")], keys)
    assert [p.code for p in warnings] == ["citekey-pinned-invalid"]


def test_clashes_get_postfixes_in_date_added_order_whatever_the_input_order():
    records = [rec("K3", added="2021-01-03T00:00:00Z"), rec("K1", added="2021-01-01T00:00:00Z"),
               rec("K2", added="2021-01-02T00:00:00Z")]
    expected = {"K1": "smithDeepLearningRobust2020", "K2": "smithDeepLearningRobust2020a",
                "K3": "smithDeepLearningRobust2020b"}
    maps = set()
    for order in itertools.permutations(records):
        keys, keymap = citekeys.assign(list(order), {})
        assert keys == expected
        maps.add(json.dumps(keymap, sort_keys=True))
    assert len(maps) == 1


def test_clashes_are_case_insensitive_like_bibtex():
    keys, _ = citekeys.assign([rec("K1", pin="Adams2001"), rec("K2", pin="adams2001", added="2030")], {})
    assert {keys["K1"].casefold(), keys["K2"].casefold()} == {"adams2001", "adams2001a"}


def test_adding_a_clashing_paper_changes_no_existing_key():
    first, keymap = citekeys.assign([rec("K1", added="2021-05-01T00:00:00Z")], {})
    # The newcomer was added to Zotero earlier, so in a fresh run it would take the bare key.
    newcomer = rec("K0", added="2020-01-01T00:00:00Z")
    keys, keymap2 = citekeys.assign([rec("K1", added="2021-05-01T00:00:00Z"), newcomer], keymap)
    assert keys["K1"] == first["K1"] == "smithDeepLearningRobust2020"
    assert keys["K0"] == "smithDeepLearningRobust2020a"
    assert keymap2["keys"]["K1"] == keymap["keys"]["K1"]


def test_published_key_survives_a_corrected_title_and_year():
    _, keymap = citekeys.assign([rec("K1")], {})
    keys, again = citekeys.assign([rec("K1", title="Shallow learning", year=2021)], keymap)
    assert keys["K1"] == "smithDeepLearningRobust2020"
    assert again == keymap


def test_a_new_pin_wins_and_the_old_key_becomes_an_alias():
    _, keymap = citekeys.assign([rec("K1")], {})
    keys, keymap2 = citekeys.assign([rec("K1", pin="smith2020robust")], keymap)
    assert keys["K1"] == "smith2020robust"
    assert keymap2["aliases"] == {"K1": ["smithDeepLearningRobust2020"]}
    bib = bibtex.render([rec("K1", pin="smith2020robust")], keys, aliases=citekeys.aliases(keymap2))
    assert "ids = {smithDeepLearningRobust2020}," in bib
    # The alias stays reserved: a later paper does not get it.
    keys3, _ = citekeys.assign([rec("K1", pin="smith2020robust"), rec("K2", added="2031")], keymap2)
    assert keys3["K2"] == "smithDeepLearningRobust2020a"


def test_a_pinned_key_taken_by_a_published_one_is_postfixed_and_reported():
    _, keymap = citekeys.assign([rec("K1")], {})
    newcomer = rec("K2", pin="smithDeepLearningRobust2020", title="Other")
    keys, _ = citekeys.assign([rec("K1"), newcomer], keymap)
    assert keys == {"K1": "smithDeepLearningRobust2020", "K2": "smithDeepLearningRobust2020a"}
    assert [p.code for p in citekeys.check([newcomer], keys)] == ["citekey-pinned-taken"]
    # Stable on the next run too.
    keys2, _ = citekeys.assign([rec("K1"), newcomer], citekeys.assign([rec("K1"), newcomer], keymap)[1])
    assert keys2 == keys


def test_keys_of_removed_items_are_never_reused():
    _, keymap = citekeys.assign([rec("K1")], {})
    keys, keymap2 = citekeys.assign([rec("K2")], keymap)
    assert keys == {"K2": "smithDeepLearningRobust2020a"}
    assert keymap2["keys"] == {"K1": "smithDeepLearningRobust2020", "K2": "smithDeepLearningRobust2020a"}
    keys3, _ = citekeys.assign([rec("K1"), rec("K2")], keymap2)
    assert keys3 == keymap2["keys"]


def test_map_format_is_small_and_sorted():
    _, keymap = citekeys.assign([rec("K2"), rec("K1", title="Other")], {"keys": {"OLD": "x2019"}})
    assert keymap["format"] == 1
    assert list(keymap["keys"]) == ["K1", "K2", "OLD"]
    assert keymap["aliases"] == {}


def test_garbage_in_the_stored_map_is_ignored():
    keys, _ = citekeys.assign([rec("K1")], {"keys": {"K1": "bad key{"}, "aliases": {"K1": "notalist"}})
    assert keys == {"K1": "smithDeepLearningRobust2020"}


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=60), family=st.text(max_size=20), pin=st.text(max_size=20))
def test_every_key_is_safe_for_bibtex(title, family, pin):
    records = [rec("K1", title=title, family=family), rec("K2", title=title, family=family, added="2030"),
               rec("K3", pin=pin)]
    keys, _ = citekeys.assign(records, {})
    assert all(citekeys.KEY_RE.match(k) for k in keys.values())
    assert len({k.casefold() for k in keys.values()}) == 3
