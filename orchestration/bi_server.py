"""Serve the BI site (LEIA_HOME/site) on 127.0.0.1: `leia serve-reports`."""

from __future__ import annotations

import functools
import http.server
import sys
from pathlib import Path

from orchestration.home import HomeLayout


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".parquet": "application/octet-stream",
        ".arrow": "application/vnd.apache.arrow.stream",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


class _SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # a browser that closes a connection mid-download (a closed tab) is not an error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(home: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server of `home/site` on 127.0.0.1 (port 0: any free port)."""
    site = HomeLayout(Path(home).resolve()).site
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no site in {site}: run `leia report` first")
    handler = functools.partial(_SiteHandler, directory=str(site))
    return _SiteServer(("127.0.0.1", port), handler)


def serve_site(home: Path, port: int = 8000) -> None:
    """Serve `home/site` on 127.0.0.1:`port` until interrupted, printing the address."""
    server = make_server(home, port)
    host, bound = server.server_address[:2]
    print(f"BI site: http://{host}:{bound}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
