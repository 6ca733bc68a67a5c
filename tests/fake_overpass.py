"""A small fake Overpass API on 127.0.0.1 for tests: it answers every interpreter query with
all the elements of a local extract as Overpass JSON (osmnx filters by tag and polygon
itself), and it can be told to hang, to test timeouts."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import osmium


def overpass_json(path: Path) -> bytes:
    elements = []
    for obj in osmium.FileProcessor(str(path)):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            elements.append({"type": "node", "id": obj.id, "lat": obj.lat, "lon": obj.lon, **({"tags": tags} if tags else {})})
        elif obj.is_way():
            elements.append({"type": "way", "id": obj.id, "nodes": [n.ref for n in obj.nodes], **({"tags": tags} if tags else {})})
        else:
            elements.append({"type": "relation", "id": obj.id, "tags": tags, "members": [
                {"type": {"n": "node", "w": "way", "r": "relation"}[m.type], "ref": m.ref, "role": m.role}
                for m in obj.members]})
    return json.dumps({"version": 0.6, "generator": "bidgeo fake Overpass", "elements": elements}).encode()


class FakeOverpass:
    def __init__(self, extract: Path):
        body = overpass_json(extract)
        self.requests: list[str] = []
        self.hang = threading.Event()  # set: answer nothing until the server closes
        self._closing = threading.Event()
        self.busy = False  # answer as an overloaded Overpass does: 504 and an HTML page
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(self.rfile.read(length).decode())
                if fake.hang.is_set():
                    fake._closing.wait(30)  # longer than any client timeout; released on close
                    return
                if fake.busy:
                    page = b"<html><body>504 Gateway Timeout</body></html>"
                    self.send_response(504)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()
