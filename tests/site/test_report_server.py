"""The report site server: auth, static paths, traversal, bind safety, not-built page.

Real server on 127.0.0.1 (ephemeral port), real sockets, a fake published release on disk.
"""

from __future__ import annotations

import base64
import http.client
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fitelt.web.site_server import make_server

PASSWORD = "correct horse battery staple"


def _publish_fake_release(site_root: Path) -> Path:
    release = site_root / "releases" / "20250101T000000000000Z"
    (release / "weight").mkdir(parents=True)
    (release / "_app" / "immutable").mkdir(parents=True)
    (release / "data").mkdir()
    (release / "index.html").write_text("<html><body>Overview page</body></html>")
    (release / "weight" / "index.html").write_text("<html><body>Weight page</body></html>")
    (release / "_app" / "immutable" / "app.js").write_text("console.log('app');")
    (release / "data" / "weight_daily.parquet").write_bytes(bytes(range(256)) * 4)
    os.symlink(Path("releases") / release.name, site_root / "current")
    # A file outside the release that traversal attempts aim at.
    (site_root / "secret.txt").write_text("not for the web")
    return release


class _Running:
    def __init__(self, site_root: Path, password: str | None) -> None:
        self.server = make_server(site_root, "127.0.0.1", 0, password)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def get(
        self,
        path: str,
        auth: tuple[str, str] | None = None,
        method: str = "GET",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        all_headers = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            all_headers["Authorization"] = f"Basic {token}"
        try:
            # http.client sends the path as given (no normalisation): traversal reaches the server.
            conn.request(method, path, headers=all_headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    _publish_fake_release(root)
    return root


@pytest.fixture
def protected(site_root: Path) -> Iterator[_Running]:
    running = _Running(site_root, PASSWORD)
    yield running
    running.close()


@pytest.fixture
def open_server(site_root: Path) -> Iterator[_Running]:
    running = _Running(site_root, None)
    yield running
    running.close()


def test_no_credentials_is_401_with_challenge(protected: _Running) -> None:
    status, headers, body = protected.get("/")
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Basic ")
    assert b"Overview" not in body


def test_wrong_password_is_401(protected: _Running) -> None:
    assert protected.get("/", auth=("fitelt", "wrong"))[0] == 401
    assert protected.get("/", auth=("admin", PASSWORD))[0] == 401
    assert protected.get("/", auth=("fitelt", ""))[0] == 401
    status, _, _ = protected.get("/", headers={"Authorization": "Basic !!not-base64!!"})
    assert status == 401


def test_right_password_serves_pages(protected: _Running) -> None:
    auth = ("fitelt", PASSWORD)
    status, headers, body = protected.get("/", auth=auth)
    assert status == 200
    assert b"Overview page" in body
    assert headers["Content-Type"].startswith("text/html")
    # Evidence's SPA paths: /weight and /weight/ are weight/index.html.
    for path in ("/weight", "/weight/", "/weight?x=1"):
        status, _, body = protected.get(path, auth=auth)
        assert (status, b"Weight page" in body) == (200, True), path
    status, headers, _ = protected.get("/_app/immutable/app.js", auth=auth)
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert protected.get("/nope", auth=auth)[0] == 404


def test_byte_ranges_for_duckdb(protected: _Running) -> None:
    auth = ("fitelt", PASSWORD)
    status, headers, body = protected.get(
        "/data/weight_daily.parquet", auth=auth, headers={"Range": "bytes=10-19"}
    )
    assert status == 206
    assert headers["Content-Range"] == "bytes 10-19/1024"
    assert body == bytes(range(10, 20))
    status, headers, body = protected.get("/data/weight_daily.parquet", auth=auth, method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, "1024", b"")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/weight/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/weight/..%5c..%5csecret.txt",
        "/%00",
    ],
)
def test_path_traversal_is_rejected(open_server: _Running, path: str) -> None:
    status, _, body = open_server.get(path)
    assert status in (400, 404)
    assert b"not for the web" not in body


def test_symlink_out_of_the_release_is_not_followed(open_server: _Running, site_root: Path) -> None:
    release = (site_root / "current").resolve()
    os.symlink(site_root / "secret.txt", release / "leak.txt")
    status, _, body = open_server.get("/leak.txt")
    assert status == 404
    assert b"not for the web" not in body


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_non_loopback_without_password_is_refused(tmp_path: Path, host: str) -> None:
    with pytest.raises(ValueError, match="password"):
        make_server(tmp_path, host, 0, None)
    with pytest.raises(ValueError, match="password"):
        make_server(tmp_path, host, 0, "")


def test_not_built_yet_is_503(tmp_path: Path) -> None:
    running = _Running(tmp_path, PASSWORD)
    try:
        assert running.get("/")[0] == 401  # auth still comes first
        status, headers, body = running.get("/", auth=("fitelt", PASSWORD))
        assert status == 503
        assert b"not built yet" in body
        assert headers["Cache-Control"] == "no-store"
    finally:
        running.close()


def test_dangling_current_is_503(tmp_path: Path) -> None:
    os.symlink(Path("releases") / "gone", tmp_path / "current")
    running = _Running(tmp_path, None)
    try:
        assert running.get("/weight")[0] == 503
    finally:
        running.close()


def test_a_client_leaving_mid_download_leaves_no_traceback(
    open_server: _Running, site_root: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    import socket
    import time

    big = site_root / "current" / "data" / "big.parquet"
    big.write_bytes(os.urandom(16 << 20))  # far more than the socket buffers hold
    with socket.create_connection(("127.0.0.1", open_server.port), timeout=5) as client:
        client.sendall(b"GET /data/big.parquet HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.recv(1024).startswith(b"HTTP/1.0 200")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    time.sleep(1.0)  # the server's write fails now (reset by the peer)
    assert open_server.get("/")[0] == 200, "still serving"
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err
