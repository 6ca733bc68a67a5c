"""Step 2, the place walk on a tablet: start or choose a walk, then record observations for the
five focus areas with a position and photos, see them on a map and in a list, score the focus
areas after the walk, or make and read back the offline field kit. The parts are in
:mod:`ui.walk`."""

from __future__ import annotations

import ui
from ui.walk import choose, form, kit, observations, premise, scores

project = ui.project_page("walk_title", "walk_intro")
ui.require("record")
ui.prefill_name("obs_author")
walking = choose.chosen_walk(project)
view = choose.chosen_view()
premise.quick_status(walking)
{"record": form.record, "list": observations.observation_list, "assess": scores.assessment,
 "kit": kit.field_kit}[view](walking)
