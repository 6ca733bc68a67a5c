import re

import pytest

from bidgeo import categories
from conftest import SPEC


def spec_table():
    """The taxonomy table of docs/spec/service-categories.md, row by row."""
    text = (SPEC / "service-categories.md").read_text("utf-8")
    rows = [line for line in text.splitlines() if re.match(r"^\| [a-z_]+ \|", line)][1:]  # no header
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_table_matches_the_spec_exactly():
    spec = spec_table()
    ours = categories.categories()
    assert [row[0] for row in spec] == [c.key for c in ours]
    for (key, sv, en, rules), category in zip(spec, ours):
        assert (category.sv, category.en) == (sv, en), key
        if key == "retail":
            assert category.rules == ((("shop", "*"),),)
            assert set(category.unless) == {"grocery_full", "grocery_partial", "alcohol"}
        else:
            assert category.rules == categories._parse_rules(rules), key


@pytest.mark.parametrize(
    "tags, expected",
    [
        ({"shop": "supermarket"}, ["grocery_full"]),
        ({"shop": "general"}, ["grocery_partial"]),
        ({"shop": "alcohol"}, ["alcohol"]),
        ({"shop": "bakery"}, ["retail"]),
        ({"amenity": "bank", "atm": "yes"}, ["atm", "bank"]),
        ({"amenity": "bank", "atm": "no"}, ["bank"]),
        ({"healthcare": "pharmacy", "amenity": "pharmacy"}, ["pharmacy"]),
        ({"post_office": "post_partner", "shop": "convenience"}, ["grocery_partial", "post"]),
        ({"railway": "halt"}, ["public_transport"]),
        ({"leisure": "sports_hall"}, ["culture_leisure"]),
        ({"disused:shop": "supermarket"}, []),
        ({"was:amenity": "pharmacy"}, []),
        ({"amenity": "parking"}, []),
        ({}, []),
    ],
)
def test_classify(tags, expected):
    assert sorted(categories.classify(tags)) == sorted(expected)


def test_every_category_has_a_colour_and_labels():
    for c in categories.categories():
        assert re.fullmatch(r"#[0-9a-f]{6}", c.color)
        assert c.label("sv") == c.sv and c.label("en") == c.en
