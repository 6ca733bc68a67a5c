import re
import string

import pytest
from babel.messages.pofile import read_po

from bidgeo.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue_path, messages, t
from conftest import REPO

CATALOGUE = messages(DEFAULT_LANGUAGE)


def test_every_string_has_every_language_with_the_same_placeholders():
    """A key missing from a language, or a message left empty (untranslated) or fuzzy in it,
    fails here: t() would otherwise show the Swedish text or the key."""
    assert len(CATALOGUE) > 800
    found = {lang: messages(lang) for lang in LANGUAGES}
    for lang in LANGUAGES:
        assert set(found[lang]) == set(CATALOGUE), (lang, sorted(set(found[lang]) ^ set(CATALOGUE)))
        assert [key for key, text in found[lang].items() if not text.strip()] == [], lang
        with catalogue_path(lang).open("rb") as po:
            catalog = read_po(po)
        assert [m.id for m in catalog if m.id and m.fuzzy] == [], lang
        assert [(m.id, errors) for m, errors in catalog.check()] == [], lang
    for key in CATALOGUE:
        fields = [{f for _, f, _, _ in string.Formatter().parse(found[lang][key]) if f} for lang in LANGUAGES]
        assert all(f == fields[0] for f in fields), key


def test_every_key_used_in_the_code_exists():
    """Keys used as t("...") / ui.t("...") / typed errors in pages, ui and bidgeo."""
    used = set()
    pattern = re.compile(r'(?:\bt|Error)\(\s*f?"([a-z_{}]+)"')
    for path in [REPO / "app.py", *REPO.glob("app_pages/*.py"), *REPO.glob("ui/**/*.py"), *REPO.glob("bidgeo/*.py")]:
        used |= set(pattern.findall(path.read_text("utf-8")))
    dynamic = {k for k in used if "{" in k or k.endswith("_")}  # f"x_{y}" and "x_" + y
    assert used - dynamic <= set(CATALOGUE), sorted(used - dynamic - set(CATALOGUE))
    from bidgeo.accounts import ACTIONS as PERMISSIONS
    from bidgeo.audit import ACTIONS, AUDITED
    from bidgeo.db import NOT_CHANGES, Base
    from bidgeo.inventory import DETAIL_TAGS, OSM_SOURCES
    from bidgeo.inventory import KINDS as CORRECTION_KINDS
    from bidgeo.focus import FOCUS_AREAS, KINDS
    from bidgeo.walks import POSITION_SOURCES
    from bidgeo.conclusions import PARTS
    from bidgeo.premises import SOURCES as PREMISE_SOURCES
    from bidgeo.premises import STATUSES as PREMISE_STATUSES
    from bidgeo.process import DELIVERABLES, TASK_STATUSES
    from bidgeo.review import ACTION_STATUSES, PRIORITIES, STATES

    families = {"focus_": FOCUS_AREAS, "kind_": KINDS, "source_": POSITION_SOURCES,
                "change_": ("create", "update", "delete", "restore"), "review_state_": STATES,
                "priority_": PRIORITIES, "action_status_": ACTION_STATUSES, "task_status_": TASK_STATUSES,
                "deliverable_": [d for keys in DELIVERABLES.values() for d in keys],
                "audit_action_": ACTIONS, "audit_entity_": AUDITED, "permission_": PERMISSIONS,
                "premise_status_": PREMISE_STATUSES, "premises_source_": PREMISE_SOURCES,
                "conclusions_": PARTS,
                "audit_field_": {c.name for name in AUDITED for c in Base.metadata.tables[name].columns} - NOT_CHANGES,
                "audit_source_": (*OSM_SOURCES, "register", "manual", "osm"), "audit_value_": ("geometry", "largebinary"),
                "correction_kind_": CORRECTION_KINDS, "detail_": DETAIL_TAGS}
    assert {k for k in used if k.endswith("_")} <= set(families)
    assert {prefix + value for prefix, values in families.items() for value in values} <= set(CATALOGUE)
    assert {f"bid_type_{k}" for k in ("service", "centre", "residential", "business_park")} <= set(CATALOGUE)


def test_t_fills_parameters_and_defaults_to_swedish():
    assert t("created", name="Ås") == "Projektet ”Ås” är skapat."
    assert t("created", "en", name="Ås") == "Project “Ås” was created."
    assert t("handover_with_contacts", "en") == messages("en")["handover_with_contacts"]
    with pytest.raises(KeyError):
        t("no_such_key")
    with pytest.raises(KeyError):
        t("no_such_key", "en")


def test_the_template_has_every_key(tmp_path):
    """bidgeo/locale/bidgeo.pot is what `pybabel extract -F babel.cfg` makes now (README,
    Translations): every key, with its Swedish and English text for the translator."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "bidgeo.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", "--no-location", "--omit-header", "--width", "100",
                    "-o", str(out), "."], cwd=REPO, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(REPO)})  # this checkout's bidgeo.i18n, as installed
    assert out.read_bytes() == (REPO / "bidgeo" / "locale" / "bidgeo.pot").read_bytes()
    with out.open("rb") as pot:
        template = {m.id: m for m in read_po(pot) if m.id}
    assert list(template) == list(CATALOGUE)
    assert all(not m.string for m in template.values())
    assert template["created"].auto_comments == ["sv: Projektet ”{name}” är skapat.",
                                                 "en: Project “{name}” was created."]


def test_numbers_are_written_as_their_readers_write_them():
    from bidgeo.i18n import number, percent

    assert number(1374.4) == "1\u00a0374"
    assert number(1234567.25, decimals=1) == "1\u00a0234\u00a0567,2"
    assert number(-4.83, decimals=1) == "-4,8"
    assert percent(0.048, decimals=1) == "4,8\u00a0%"
    assert percent(1.0) == "100\u00a0%"
    assert number(1374.4, "en") == "1,374" and percent(0.048, "en", 1) == "4.8%"
    assert number(None) == number(float("nan")) == percent(None) == "–"
