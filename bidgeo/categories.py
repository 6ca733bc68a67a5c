"""The service taxonomy (``docs/spec/service-categories.md``), kept as one table of data.

``data/categories.csv`` holds one row per category: its stable key, Swedish and English
labels, a map colour, a map icon (a Material Design Icons name, see
``bidgeo.icons``), the OSM tag rules (any of, ``;``-separated; ``+`` joins tags that must
all match; ``*`` matches any value) and, for catch-all rows, the categories whose match
excludes it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Mapping

Rule = tuple[tuple[str, str], ...]  # all (key, value) pairs must match; value "*" = any


@dataclass(frozen=True)
class Category:
    key: str
    sv: str
    en: str
    color: str
    icon: str
    rules: tuple[Rule, ...]
    unless: tuple[str, ...]

    def label(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en


def _parse_rules(text: str) -> tuple[Rule, ...]:
    rules = []
    for alternative in text.split(";"):
        pairs = []
        for term in alternative.split("+"):
            key, _, value = term.strip().partition("=")
            pairs.append((key.strip(), value.strip()))
        rules.append(tuple(pairs))
    return tuple(rules)


@cache
def categories() -> tuple[Category, ...]:
    """All categories, in the order of the taxonomy table."""
    text = resources.files("bidgeo").joinpath("data/categories.csv").read_text("utf-8")
    return tuple(
        Category(
            key=row["key"],
            sv=row["sv"],
            en=row["en"],
            color=row["color"],
            icon=row["icon"],
            rules=_parse_rules(row["rules"]),
            unless=tuple(row["unless"].split()),
        )
        for row in csv.DictReader(text.splitlines())
    )


@cache
def by_key() -> dict[str, Category]:
    return {c.key: c for c in categories()}


@cache
def tag_keys() -> frozenset[str]:
    """Every OSM key that some rule looks at: a cheap pre-filter for parsers."""
    return frozenset(k for c in categories() for rule in c.rules for k, _ in rule)


def _matches(rule: Rule, tags: Mapping[str, str]) -> bool:
    return all(
        key in tags and (value == "*" or tags[key] == value) for key, value in rule
    )


def classify(tags: Mapping[str, str]) -> list[str]:
    """The category keys whose rules match ``tags`` (possibly several, possibly none)."""
    if tag_keys().isdisjoint(tags):
        return []
    matched = [c.key for c in categories() if any(_matches(r, tags) for r in c.rules)]
    return [
        key
        for key in matched
        if not any(other in matched for other in by_key()[key].unless)
    ]


def label(key: str, lang: str) -> str:
    return by_key()[key].label(lang)
