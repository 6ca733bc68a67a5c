"""The offline field kit for QField or Mergin Maps: made here, and read back into the walk."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from bidgeo import walk_kit
from bidgeo.errors import BidgeoError
from ui.walk import Walking, walk_label


def field_kit(walking: Walking) -> None:
    engine, project, lang = walking.engine, walking.project, walking.lang
    st.caption(ui.t("kit_help"))
    if st.button(ui.t("kit_make"), key="kit_make", icon=":material/inventory_2:"):
        with ui.busy(ui.t("busy_making_kit")):
            st.session_state["kit_zip"] = (project.id, walk_kit.kit_zip(engine, project.id))
    made = st.session_state.get("kit_zip")
    if made and made[0] == project.id:
        st.download_button(ui.t("kit_download"), made[1], file_name=f"faltkit-{project.name}.zip",
                           mime="application/zip", key="kit_download", icon=":material/download:")
    st.markdown(f"**{ui.say('kit_import_heading', walk=walk_label(walking.walk))}**")
    upload = st.file_uploader(ui.t("kit_upload"), type=["gpkg", "zip"], key="kit_upload")
    if upload is not None and st.button(ui.t("kit_import"), key="kit_import", type="primary"):
        stages = ui.Stages(walk_kit.IMPORT_STAGES, {stage: ui.t(f"stage_kit_{stage}") for stage in walk_kit.IMPORT_STAGES})
        try:
            result = walk_kit.import_upload(engine, project.id, upload.getvalue(), upload.name,
                                            walk_id=walking.walk.id, lang=lang, progress=stages)
        except BidgeoError as exc:
            ui.show_error(exc)
            return
        finally:
            stages.done()
        (st.warning if result.errors else st.success)(ui.t("kit_import_summary", imported=result.imported,
                                                            updated=result.updated, skipped=result.skipped,
                                                            errors=len(result.errors)))
        if result.errors:
            st.dataframe(pd.DataFrame({ui.t("col_row"): [e.row for e in result.errors],
                                       ui.t("col_message"): [e.message(lang) for e in result.errors]}),
                         hide_index=True)
