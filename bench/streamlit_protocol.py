"""Just enough of Streamlit's own browser protocol (protobuf over the /_stcore/stream websocket) for
a load-test user: ask for a page, press a button by its key, and time the script run until the
server says it finished. The message classes are Streamlit's own (streamlit.proto)."""

from __future__ import annotations

import time

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


class StreamlitSession:
    """One browser tab's worth of session: its own websocket, so its own Streamlit session."""

    def __init__(self, base_url: str, timeout: float = 120):
        self.ws = websocket.create_connection(
            base_url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], timeout=timeout
        )
        self.widget_ids: dict[str, str] = {}  # key -> Streamlit's widget id, from the last run's elements

    def run(self, page: str, query: str = "", press: str | None = None) -> tuple[float, list[str]]:
        """Run `page` (pressing the button whose key is `press`); returns seconds until the script
        finished and the texts of the alerts it showed."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.query_string = query
        if press:
            w = msg.rerun_script.widget_states.widgets.add()
            w.id = self.widget_ids[press]
            w.trigger_value = True
        t0 = time.perf_counter()
        self.ws.send_binary(msg.SerializeToString())
        alerts = []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                body = getattr(element, element.WhichOneof("type"))
                if getattr(body, "id", ""):
                    self.widget_ids[body.id.rsplit("-", 1)[-1]] = body.id
                if element.WhichOneof("type") == "alert":
                    alerts.append(element.alert.body)
            if kind == "script_finished":
                return time.perf_counter() - t0, alerts

    def close(self) -> None:
        self.ws.close()
