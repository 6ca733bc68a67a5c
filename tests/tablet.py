"""A tablet as the running app sees it: a Streamlit client speaking the app's own websocket
protocol (``/_stcore/stream``, protobuf BackMsg/ForwardMsg) the way the browser does. It
opens a page, learns the widgets (by their keys) from what the page sends, keeps their
values (what the user set, and what the page set), sends them all with every rerun, and
taps buttons. Used by the concurrency test and benchmark (many tablets in one process)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
POSITION = {"lon": 26.9512, "lat": 60.5218, "accuracy": 8}


class Tablet:
    def __init__(self, app_url: str, page: str, query: str):
        self.url = app_url.replace("http://", "ws://") + "/_stcore/stream"
        self.page, self.query = page, query
        self.widgets: dict[str, str] = {}  # key -> widget id, as of the last run
        self.values: dict[str, object] = {}  # key -> value, sent with every run (as a browser does)
        self.texts: list[str] = []  # what the last run wrote (markdown, alerts, captions)
        self.ws = None

    async def __aenter__(self):
        await self.connect()
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def connect(self) -> None:
        """A new connection (a new Streamlit session), as after a reload or a lost network:
        only the address is kept."""
        if self.ws is not None:
            await self.ws.close()
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60)
        self.widgets, self.values = {}, {}

    async def run(self, values: dict[str, object] | None = None, tap: str | None = None, taps: int = 1,
                  timeout: float = 120) -> Tablet:
        """Rerun the page with the widgets ``values`` (by key) changed and the button ``tap``
        tapped (``taps`` times in a row, as a double tap sends it); return once the page is
        done."""
        self.values.update(values or {})
        message = self._rerun(tap)
        for _ in range(taps):
            await self.ws.send(message)
        await self._until_finished(timeout, quiet=0.5 if taps > 1 else 0)
        return self

    def _rerun(self, tap: str | None) -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name = self.query, self.page
        for key, value in self.values.items():
            if key in self.widgets:
                _set(state.widget_states.widgets.add(), self.widgets[key], value)
        if tap is not None:
            widget = state.widget_states.widgets.add()
            widget.id, widget.trigger_value = self.widgets[tap], True
        return msg.SerializeToString()

    async def _until_finished(self, timeout: float, quiet: float) -> None:
        """Read until a run finishes; with ``quiet``, until no further run starts within it."""
        widgets, texts, done = {}, [], False
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), quiet if done else timeout)
            except asyncio.TimeoutError:
                if done:
                    return
                raise
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "page_info_changed":
                self.query = forward.page_info_changed.query_string
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                if done:  # another run's output
                    widgets, texts, done = {}, [], False
                element = forward.delta.new_element
                inner = getattr(element, element.WhichOneof("type"))
                if getattr(inner, "id", "").startswith("$$ID-"):
                    key = inner.id.split("-", 2)[2]
                    widgets[key] = inner.id
                    if getattr(inner, "set_value", False):  # the page set it: the browser shows and sends it
                        value = list(inner.raw_values) if hasattr(inner, "raw_values") else \
                            getattr(inner, "raw_value", getattr(inner, "value", None))
                        if isinstance(value, (str, list)):
                            self.values[key] = value
                for field in ("body", "markdown"):
                    if isinstance(getattr(inner, field, None), str):
                        texts.append(getattr(inner, field))
            elif kind == "script_finished" and forward.script_finished == FINISHED:
                self.widgets, self.texts, done = widgets, texts, True
                self.values = {k: v for k, v in self.values.items() if k in widgets}
                if not quiet:
                    return


def _set(widget: WidgetState, widget_id: str, value: object) -> None:
    widget.id = widget_id
    if isinstance(value, list):
        widget.string_array_value.data.extend(value)
    elif isinstance(value, dict):
        widget.json_value = json.dumps(value)
    else:
        widget.string_value = str(value)


# --- the place-walk page ---------------------------------------------------------------------------
def form_uuid(tablet: Tablet) -> str:
    """The uuid of the observation form the walk page shows (it is in the address)."""
    return parse_qs(tablet.query)["obs"][0]


async def fill(tablet: Tablet, uuid: str, comment: str, at: str) -> None:
    """On the walk page: tap a focus area (Rent, tryggt och säkert), choose the type (Utmaning)
    and rating (2), write the comment and take the GPS position (``at`` tells readings apart)."""
    await tablet.run({f"kind_{uuid}": ["Utmaning"], f"rating_{uuid}": ["2"], f"comment_{uuid}": comment,
                      f"gps_{uuid}": {**POSITION, "at": at}}, tap=f"fa_clean_safe__{uuid}")

