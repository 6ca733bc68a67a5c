"""Service and walking-distance coverage of several localities side by side, the way
regional service analysts compare them; exported as CSV, XLSX and PNG."""

import io

import streamlit as st

import ui
from bidgeo import categories, charts, coverage, maps
from bidgeo.errors import BidgeoError

st.title(ui.t("cmp_title"))
st.caption(ui.t("cmp_intro"))
ui.require("view")
lang = ui.lang()
candidates = [p for p in ui.projects() if p.osm_sha256]
chosen_ids = st.multiselect(ui.t("cmp_projects"), [p.id for p in candidates], default=[p.id for p in candidates[:4]],
                            format_func={p.id: p.name for p in candidates}.get, key="cmp_projects")
try:
    bands = coverage.parse_bands(st.text_input(ui.t("cov_bands"), "400,800,1200", key="cmp_bands"))
except BidgeoError as exc:
    ui.show_error(exc)
    bands = coverage.DEFAULT_BANDS
chosen = [p for p in candidates if p.id in chosen_ids]
if len(chosen) < 2:
    st.info(ui.t("cmp_need_two"))
    st.stop()

results = []
with ui.busy(ui.t("busy_coverage")):
    for project in chosen:
        net = ui.project_network(project)
        if net is not None:
            results.append((project, net, ui.cached(coverage.coverage, net, ui.service_points(project), bands)))
table = coverage.comparison_table([(p, r) for p, _, r in results], lang)

values = ["services", "median_m", *[f"within_{b}" for b in bands]]
names = {"services": ui.t("col_services"), "median_m": ui.t("col_median"),
         **{f"within_{b}": ui.t("col_within", band=b) for b in bands}}
side_by_side = table.pivot_table(index="label", columns="name", values=values, sort=False)
side_by_side = side_by_side.reindex(columns=[(v, p.name) for v in values for p, _, _ in results])
side_by_side.columns = [f"{p} · {names[v]}" for v, p in side_by_side.columns]
st.dataframe(side_by_side.rename_axis(ui.t("col_category")), width="stretch")

band = st.selectbox(ui.t("cmp_band"), bands, index=len(bands) - 1, key="cmp_band")
png = ui.cached(charts.comparison_png, table, band, lang)
st.image(png)

left, middle, right = st.columns(3)
export = table.rename(columns={"label": ui.t("col_category"), **names})
left.download_button(ui.t("download_csv"), export.to_csv(index=False).encode("utf-8-sig"),
                     "jamforelse.csv", "text/csv")
buffer = io.BytesIO()
export.to_excel(buffer, index=False, sheet_name="Jämförelse")
middle.download_button(ui.t("download_xlsx"), buffer.getvalue(), "jamforelse.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button(ui.t("download_png"), png, "jamforelse.png", "image/png")

key = st.selectbox(ui.t("cov_category"), [c.key for c in categories.categories()],
                   format_func=lambda k: categories.label(k, lang), key="cmp_category")
st.subheader(ui.t("cmp_maps_heading", label=categories.label(key, lang)))
for project, net, result in results:
    st.markdown(f"**{ui.literal(project.name)}**")
    points = ui.service_points(project)
    ui.show_map(ui.cached_map(maps.coverage_map, ui.project_osm(project), net.origin_lonlat,
                              result.distances[key].to_numpy(), bands, points[points["category"] == key], lang),
                key=f"compare-{project.id}-{key}", height=420)
