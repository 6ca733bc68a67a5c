"""The audit log: every change, deletion and restore of what people record is logged with
who did it, in the same transaction (both databases)."""

from __future__ import annotations

from datetime import date

import pytest

from bidgeo import accounts, audit, photos, review, walks
from bidgeo.demo import ensure_demo
from bidgeo.errors import ConflictError
from test_walks import jpeg, obs


def test_who_changed_deleted_and_restored_what(engine):
    demo = ensure_demo(engine)
    anna, bo = audit.acting(engine, "anna"), audit.acting(engine, "bo")
    walk = walks.create_walk(anna, demo.id, date(2026, 5, 12), "Handlarna")
    uuid = walks.new_uuid()
    walks.save_observation(anna, demo.id, walk, uuid, obs(comment="Trasig <b>bänk</b>"))
    walks.save_observation(anna, demo.id, walk, uuid, obs(comment="Trasig <b>bänk</b>"))  # a double tap: no change
    photos.add_photo(anna, demo.id, uuid, jpeg(), "bank.jpg")
    walks.save_observation(bo, demo.id, walk, uuid, obs(comment="Trasig bänk vid torget", rating=2))
    walks.delete_observation(bo, uuid, by="Bo")
    walks.restore_observation(anna, uuid, by="Anna")
    review.set_state(bo, demo.id, uuid, "accepted", by="Bo")

    log = audit.entries(engine, demo.id)
    mine = log[log["ref"] == uuid].iloc[::-1]  # oldest first
    assert mine[["actor", "action", "entity"]].values.tolist() == [
        ["anna", "insert", "observations"], ["anna", "insert", "photos"], ["bo", "update", "observations"],
        ["bo", "delete", "observations"], ["anna", "restore", "observations"], ["bo", "insert", "reviews"]]
    created, _, edited = mine["changes"].iloc[:3]
    assert created["comment"] == "Trasig <b>bänk</b>" and created["geom"] == "<geometry>"
    assert edited["comment"] == ["Trasig <b>bänk</b>", "Trasig bänk vid torget"] and edited["rating"] == [4, 2]
    assert mine["changes"].iloc[1]["original"] == "<largebinary>"  # the photo, not its bytes
    assert log[log["entity"] == "walks"][["actor", "action"]].values.tolist() == [["anna", "insert"]]


def test_a_change_refused_or_rolled_back_leaves_no_entry(engine):
    demo = ensure_demo(engine)
    anna = audit.acting(engine, "anna")
    walk = walks.create_walk(anna, demo.id, date(2026, 5, 12))
    uuid = walks.new_uuid()
    walks.save_observation(anna, demo.id, walk, uuid, obs())
    stale = walks.observation(engine, uuid)["updated_at"]
    walks.save_observation(anna, demo.id, walk, uuid, obs(comment="Först"), base=stale)
    before = len(audit.entries(engine, demo.id))
    with pytest.raises(ConflictError):
        walks.save_observation(audit.acting(engine, "bo"), demo.id, walk, uuid, obs(comment="Sen"), base=stale)
    assert len(audit.entries(engine, demo.id)) == before


def test_accounts_are_logged_without_their_passwords(engine):
    demo = ensure_demo(engine)
    admin = audit.acting(engine, "cli:root")
    accounts.create_user(admin, "Anna", "ett långt lösenord")
    accounts.grant(admin, "anna", demo.id, "editor")
    accounts.set_password(admin, "anna", "ett annat långt lösenord")
    everything = audit.entries(engine)
    users = everything[everything["entity"] == "users"].iloc[::-1]
    assert users["action"].tolist() == ["insert", "update"]
    assert users["changes"].iloc[0]["password_hash"] == "***" and users["changes"].iloc[1] == {
        "password_hash": ["***", "***"]}
    assert "argon2" not in everything["changes"].astype(str).str.cat()
    granted = audit.entries(engine, demo.id)
    assert granted.iloc[0][["actor", "action", "entity", "ref"]].tolist() == [
        "cli:root", "insert", "memberships", "anna"]


def test_the_log_in_words_names_fields_and_values_as_a_person_reads_them(engine):
    """``audit.described``: a field's name and its stored codes in words (Swedish and English),
    references (ids, uuids) only said to have changed, geometries and files named."""
    from bidgeo.i18n import t

    demo = ensure_demo(engine)
    anna = audit.acting(engine, "anna")
    walk = walks.create_walk(anna, demo.id, date(2026, 5, 12), "Handlarna")
    uuid = walks.new_uuid()
    walks.save_observation(anna, demo.id, walk, uuid, obs(comment="Trasig bänk"))
    photos.add_photo(anna, demo.id, uuid, jpeg(), "bank.jpg")
    walks.save_observation(anna, demo.id, walk, uuid, obs(comment="Trasig bänk", rating=2))
    review.set_state(anna, demo.id, uuid, "to_action", by="Bo")
    log = audit.entries(engine, demo.id)
    said = {(e, a): audit.described(e, c, "sv", limit=20) for e, a, c in zip(log["entity"], log["action"], log["changes"])}
    created = said["observations", "insert"]
    assert "Fokusområde: Platsen" in created and "Typ: Styrka" in created and "Kommentar: Trasig bänk" in created
    assert "Plats på kartan: ritad" in created and "Positionen från: " in created
    assert said["observations", "update"] == "Bedömning (1–5): 4 → 2"
    assert "Foto: sparad" in said["photos", "insert"] and "Filnamn: bank.jpg" in said["photos", "insert"]
    assert said["reviews", "insert"] == "Granskning: Till åtgärd; Av: Bo"
    assert audit.described("projects", {"current_area_id": [None, 1]}, "sv") == "Aktuell områdesversion ändrad"
    assert audit.described("projects", {"current_area_id": [None, 1]}, "en") == "Current area version changed"
    assert audit.described("stakeholders", {"source": "osm", "steering_group": True, "status": "signed"}, "en") == \
        f"Source: OpenStreetMap; Steering group: Yes; Status: {t('status_signed', 'en')}"
    for text in said.values():  # no raw field names, codes or geometry markers (a file's name is the user's)
        labels = [part.split(":")[0] for part in text.split("; ")]
        assert not [label for label in labels if "_" in label or "=" in label], text
        assert "<geometry>" not in text and "<largebinary>" not in text and ": None" not in text, text
