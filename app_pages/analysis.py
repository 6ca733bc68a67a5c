"""Steps 2-3, the status analysis (nulägesanalys): what the walks found (subjective) beside
what service the place has (objective), per focus area, and the reports and GIS files the
steering group and the municipality decide on."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import ui
from ui import tables
from bidgeo import charts, conclusions, focus, icons, maps, photos, report, review, scope, walks
from bidgeo.area_versions import current_version
from bidgeo.coverage import DEFAULT_BANDS
from bidgeo.errors import BidgeoError
from bidgeo.i18n import local_time, number
from bidgeo.services import inventory

project = ui.project_page("an_title", "an_intro")
ui.require("view")
engine, lang = ui.store(), ui.lang()
osm = ui.project_osm(project)
area = current_version(engine, project.id)
all_walks = walks.walks(engine, project.id)
observations = walks.observations(engine, project.id)
states = review.states(engine, project.id).set_index("uuid")["state"]
written = conclusions.conclusions(engine, project.id)
may_write = ui.can("manage")
ui.prefill_name("an_author")


def conclusion_form(key: str, fields: dict[str, str]) -> None:
    """The BID manager's own words (``fields``: part -> label) in one form, saved together;
    for others, the texts as written."""
    texts = {"summary": written.summary} if key == "summary" else written.areas[key]
    if not may_write:
        for part, label in fields.items():
            if texts[part]:
                st.markdown(f"**{html.escape(label)}**")
                ui.plain(texts[part])
        return
    with st.form(f"an_conclusions_{key}", border=True):
        typed = {part: st.text_area(label, value=texts[part], key=f"an_{key}_{part}", max_chars=conclusions.MAX_TEXT,
                                    height=110 if part == "summary" else 80) for part, label in fields.items()}
        if st.form_submit_button(ui.t("an_conclusions_save"), key=f"an_save_{key}"):
            try:
                by = st.session_state.get("an_author", "")
                if key == "summary":
                    conclusions.save_conclusions(engine, project.id, summary=typed["summary"], by=by)
                else:
                    conclusions.save_conclusions(engine, project.id, areas={key: typed}, by=by)
            except BidgeoError as exc:
                ui.show_error(exc)
            else:
                st.success(ui.t("an_conclusions_saved"))


# --- the focus areas: scores over the walks, then one focus area at a time --------------------------
left, middle, right = st.columns(3)
left.metric(ui.t("an_walks"), len(all_walks))
middle.metric(ui.t("an_observations"), len(observations))
right.metric(ui.t("an_accepted"), review.accepted_count(review.state_counts(engine, project.id)))
scores = walks.assessments(engine, [w.id for w in all_walks])
if scores.empty:
    st.caption(ui.t("an_no_scores"))
else:
    names = {w.id: f"{w.walked_on.isoformat()} ({ui.t('walk_baseline') if w.baseline else ui.t('walk_followup')})"
             for w in all_walks}
    st.image(charts.radar_png(walks.mean_scores(scores), names, lang), width=560)

area_key = st.segmented_control(ui.t("obs_focus"), focus.FOCUS_AREAS, key="an_focus", default=focus.FOCUS_AREAS[0],
                                format_func=lambda k: ui.t("focus_" + k)) or focus.FOCUS_AREAS[0]
mine = observations[observations["focus_area"] == area_key]
st.markdown(f"### {icons.badge(focus.FOCUS_ICONS[area_key], focus.FOCUS_COLOURS[area_key], 30)} "
            f"{html.escape(ui.t('focus_' + area_key))}", unsafe_allow_html=True)
for column, kind in zip(st.columns(3), focus.KINDS):
    column.metric(ui.t("kind_" + kind), int((mine["kind"] == kind).sum()))
pictures: dict[str, list[bytes]] = {}
for photo in photos.photos(engine, project.id, list(mine["uuid"])):
    pictures.setdefault(photo.observation_uuid, []).append(photo.thumbnail)
ui.show_map(ui.cached_map(maps.walk_map, osm, lang, area.geometry if area else None, mine, pictures, by_kind=True),
            key=f"anmap-{project.id}-{area_key}-{len(mine)}", height=440)
for kind in focus.KINDS:
    rows = mine[mine["kind"] == kind]
    if rows.empty:
        continue
    st.markdown(f"{icons.badge(focus.KIND_ICONS[kind], focus.KIND_COLOURS[kind], 24)} "
                f"**{html.escape(ui.t('kind_' + kind))}**", unsafe_allow_html=True)
    for row in rows.itertuples():
        with st.container(border=True):
            rating = "" if pd.isna(row.rating) else f" · {ui.t('obs_rating')}: {int(row.rating)}"
            st.caption(f"{local_time(row.observed_at)}{rating} · {ui.t('review_state_' + states.get(row.uuid, 'new'))}")
            ui.plain(row.comment)
            if row.uuid in pictures:
                st.image(pictures[row.uuid], width=160)
st.markdown(f"**{html.escape(ui.t('an_conclusions_area', label=ui.t('focus_' + area_key)))}**")
conclusion_form(area_key, {part: ui.t("conclusions_" + part) for part in conclusions.PARTS})

# --- the summary in the BID manager's words -----------------------------------------------------------
st.subheader(ui.t("conclusions_heading"))
if may_write:
    st.text_input(ui.t("an_author"), key="an_author", max_chars=200)
conclusion_form("summary", {"summary": ui.t("conclusions_summary")})
if not written.summary and not may_write:
    st.caption(ui.t("conclusions_no_summary"))

# --- what service the place has: in and around the BID area, or the whole locality -------------------
if area is None:
    counted = scope.scope(None)
    st.subheader(ui.t("report_services"))
    st.caption(ui.t("an_scope_no_area"))
else:
    whole = st.toggle(ui.t("an_scope_whole"), key="an_whole")
    buffer_m = st.number_input(ui.t("an_scope_buffer"), min_value=0, max_value=scope.MAX_BUFFER_M, step=100,
                               value=scope.DEFAULT_BUFFER_M, key="an_buffer", disabled=whole)
    counted = scope.scope(area.geometry, None if whole else buffer_m)
    st.subheader(ui.t("report_services" if whole else "report_services_area"))
all_points = ui.service_points(project)
points = counted.services(all_points)
st.caption(ui.t("report_services_scope", count=number(len(points), lang), scope=counted.describe(lang)))
counts = inventory(points, lang)
if counts.empty:
    st.info(ui.t("an_no_services"))
else:
    st.dataframe(counts[["label", "count"]].rename(columns={"label": ui.t("col_category"), "count": ui.t("col_count")}),
                 hide_index=True)
with ui.busy(ui.t("busy_coverage")):
    net = ui.project_network(project)
    table = counted.coverage(net, all_points).table(lang) if net is not None else None
if net is not None:
    st.markdown(f"**{html.escape(ui.t('report_coverage'))}**")
    st.caption(ui.t("report_coverage_scope", origins=counted.origins(lang), scope=counted.describe(lang)))
    tables.coverage_table(table[table["services"] > 0], DEFAULT_BANDS, lang, ui.t)

# --- reports and GIS files --------------------------------------------------------------------------
st.subheader(ui.t("an_exports"))
if ui.can("personal_data"):
    public = st.toggle(ui.t("an_public"), key="an_public", help=ui.t("an_public_help"))
else:  # a role without access to personal data gets the public version only
    public = True
    st.caption(ui.t("an_public_only"))
EXPORTS = {"pdf": ("application/pdf", "pdf"), "html": ("text/html", "html"),
           "gpkg": ("application/geopackage+sqlite3", "gpkg"), "csv": ("application/zip", "zip"),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")}
FORMATS = {"pdf": ui.t("an_format_pdf"), "html": ui.t("an_format_html"), "gpkg": ui.t("an_format_gpkg"),
           "csv": ui.t("an_format_csv"), "xlsx": ui.t("an_format_xlsx")}
kind = st.segmented_control(ui.t("an_format"), list(EXPORTS), key="an_format", default="pdf",
                            format_func=FORMATS.get) or "pdf"
if st.button(ui.t("an_make"), key="an_make", type="primary"):
    try:
        with ui.busy(ui.t("an_making")):
            st.session_state["an_file"] = (project.id, kind, public,
                                           report.export_bytes(engine, project.id, kind, lang, public,
                                                               buffer_m=None if counted.whole_locality
                                                               else counted.buffer_m))
    except BidgeoError as exc:
        ui.show_error(exc)
made = st.session_state.get("an_file")
if made and made[0] == project.id:
    _, made_kind, made_public, data = made
    mime, suffix = EXPORTS[made_kind]
    name = f"nulagesanalys-{project.name}{'-publik' if made_public else ''}.{suffix}"
    st.download_button(ui.say("an_download", name=name), data, file_name=name, mime=mime, key="an_download",
                       icon=":material/download:")
