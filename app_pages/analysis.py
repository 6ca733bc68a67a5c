"""Steps 2-3, the status analysis (nulägesanalys): what the walks found (subjective) beside
what service the place has (objective), per focus area, and the reports and GIS files the
steering group and the municipality decide on."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import ui
from ui import tables
from bidgeo import charts, coverage, focus, icons, maps, photos, report, review, walks
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.i18n import local_time
from bidgeo.services import inventory

project = ui.project_page("an_title", "an_intro")
ui.require("view")
engine, lang = ui.store(), ui.lang()
osm = ui.project_osm(project)
area = current_version(engine, project.id)
all_walks = walks.walks(engine, project.id)
observations = walks.observations(engine, project.id)
states = review.states(engine, project.id).set_index("uuid")["state"]

# --- the focus areas: scores over the walks, then one focus area at a time --------------------------
left, middle, right = st.columns(3)
left.metric(ui.t("an_walks"), len(all_walks))
middle.metric(ui.t("an_observations"), len(observations))
right.metric(ui.t("an_accepted"), int(states.isin(["accepted", "to_action"]).sum()))
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
            rating = "" if pd.isna(row.rating) else f" · {int(row.rating)}/5"
            st.caption(f"{local_time(row.observed_at)}{rating} · {ui.t('review_state_' + states.get(row.uuid, 'new'))}")
            ui.plain(row.comment)
            if row.uuid in pictures:
                st.image(pictures[row.uuid], width=160)

# --- what service the place has ---------------------------------------------------------------------
st.subheader(ui.t("an_services"))
points = ui.service_points(project)
counts = inventory(points, lang)
if counts.empty:
    st.info(ui.t("an_no_services"))
else:
    st.dataframe(counts[["label", "count"]].rename(columns={"label": ui.t("col_category"), "count": ui.t("col_count")}),
                 hide_index=True)
with ui.busy(ui.t("busy_coverage")):
    net = ui.project_network(project)
    result = ui.cached(coverage.coverage, net, points, coverage.DEFAULT_BANDS) if net is not None else None
if net is not None:
    table = result.table(lang)
    st.markdown(f"**{ui.t('an_coverage')}**")
    tables.coverage_table(table[table["services"] > 0], coverage.DEFAULT_BANDS, lang, ui.t)

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
                                           report.export_bytes(engine, project.id, kind, lang, public))
    except BidgeoError as exc:
        ui.show_error(exc)
made = st.session_state.get("an_file")
if made and made[0] == project.id:
    _, made_kind, made_public, data = made
    mime, suffix = EXPORTS[made_kind]
    name = f"nulagesanalys-{project.name}{'-publik' if made_public else ''}.{suffix}"
    st.download_button(ui.say("an_download", name=name), data, file_name=name, mime=mime, key="an_download",
                       icon=":material/download:")
