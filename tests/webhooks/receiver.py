"""A webhook receiver on loopback: a tiny http.server thread that records what it is sent and
answers with a status the test chooses."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.requests = []  # (headers dict, body bytes)
        self.status = 200
        self.url = ""


@contextmanager
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.requests.append(({k: v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if state.status < 300 else b"receiver is down")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/omo"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
