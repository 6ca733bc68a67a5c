import re
import string

from bidgeo.i18n import CATALOGUE, LANGUAGES, t
from conftest import REPO


def test_every_string_has_every_language_with_the_same_placeholders():
    for key, entry in CATALOGUE.items():
        assert set(entry) == set(LANGUAGES), key
        fields = [{f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in LANGUAGES]
        assert all(entry[lang].strip() for lang in LANGUAGES), key
        assert fields[0] == fields[1], key


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
    from bidgeo.focus import FOCUS_AREAS, KINDS
    from bidgeo.walks import POSITION_SOURCES

    from bidgeo.process import DELIVERABLES, TASK_STATUSES
    from bidgeo.review import ACTION_STATUSES, PRIORITIES, STATES

    families = {"focus_": FOCUS_AREAS, "kind_": KINDS, "source_": POSITION_SOURCES,
                "change_": ("create", "update", "delete", "restore"), "review_state_": STATES,
                "priority_": PRIORITIES, "action_status_": ACTION_STATUSES, "task_status_": TASK_STATUSES,
                "deliverable_": [d for keys in DELIVERABLES.values() for d in keys],
                "audit_action_": ACTIONS, "audit_entity_": AUDITED, "permission_": PERMISSIONS}
    assert {k for k in used if k.endswith("_")} <= set(families)
    assert {prefix + value for prefix, values in families.items() for value in values} <= set(CATALOGUE)
    assert {f"bid_type_{k}" for k in ("service", "centre", "residential", "business_park")} <= set(CATALOGUE)


def test_t_fills_parameters_and_defaults_to_swedish():
    assert t("created", name="Ås") == "Projektet ”Ås” är skapat."
    assert t("created", "en", name="Ås") == "Project “Ås” was created."
