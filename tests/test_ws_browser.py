"""The chat page in headless Chromium, against `netlearn websocket serve` (real browser, real
upgrade, real frames)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlearn.events import Event, Note
from netlearn.lessons.websocket.events import HttpMessage, Unmask, WsFrame
from netlearn.lessons.websocket.server import ServeConfig, ServerThread

pytestmark = pytest.mark.browser


@pytest.fixture
def served() -> Iterator[tuple[int, list[Event]]]:
    events: list[Event] = []
    with ServerThread(ServeConfig(port=0, push_every=0.5, ping_every=1.0), events.append) as srv:
        yield srv.server.port, events


def _wait(driver, script: str, timeout: float = 20) -> object:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def test_the_page_chats_and_receives_pushes(
    chromium, served: tuple[int, list[Event]], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    port, events = served
    driver = chromium
    driver.get(f"http://127.0.0.1:{port}/")
    _wait(driver, "return document.getElementById('status').dataset.state === 'open'")
    assert driver.find_element(By.ID, "url").text == f"ws://127.0.0.1:{port}/chat"
    # The server offered no extension, so the browser reports none in use.
    assert driver.execute_script(
        "return window.netlearnChat && document.getElementById('extensions').textContent"
    ).startswith("none")

    box = driver.find_element(By.ID, "input")
    box.send_keys("hello from chromium")
    driver.find_element(By.ID, "send").click()
    _wait(
        driver,
        "return window.netlearnChat.received.some("
        "m => m.type === 'chat' && m.text === 'hello from chromium')",
    )
    driver.find_element(By.ID, "binary").click()
    _wait(driver, "return window.netlearnChat.received.some(m => m.type === 'info')")
    _wait(driver, "return window.netlearnChat.pushes >= 2")
    driver.save_screenshot(str(tmp_path / "chat.png"))
    if os.environ.get("NETLEARN_SCREENSHOT"):
        driver.save_screenshot(os.environ["NETLEARN_SCREENSHOT"])

    # The terminal side saw the browser's own upgrade request...
    request = next(e for e in events if isinstance(e, HttpMessage) and "upgrade" in e.label)
    assert f"Origin: http://127.0.0.1:{port}\r\n".encode() in request.raw
    assert b"User-Agent: " in request.raw and b"Chrome" in request.raw
    assert b"Sec-WebSocket-Extensions: permessage-deflate" in request.raw
    answer = next(e for e in events if isinstance(e, HttpMessage) and "101" in e.label)
    assert b"Sec-WebSocket-Extensions" not in answer.raw
    assert any(isinstance(e, Note) and "permessage-deflate" in e.text for e in events)
    # ... and every frame both ways: masked text and binary from the page, pushes to it.
    frames = [e for e in events if isinstance(e, WsFrame)]
    from_page = [f for f in frames if f.src == "browser"]
    assert {f.opname for f in from_page} >= {"text", "binary"}
    assert all(f.masked for f in from_page)
    assert b'"hello from chromium"' in next(f.payload for f in from_page if f.opname == "text")
    assert next(f.payload for f in from_page if f.opname == "binary") == bytes.fromhex("deadbeef")
    to_page = [f for f in frames if f.dst == "browser"]
    assert any(b'"push"' in f.payload for f in to_page) and not any(f.masked for f in to_page)
    assert any(isinstance(e, Unmask) for e in events)

    driver.find_element(By.ID, "close").click()
    _wait(driver, "return window.netlearnChat.closed !== null")
    closed = driver.execute_script("return window.netlearnChat.closed")
    assert closed["code"] == 1000 and closed["clean"] is True


def test_a_page_from_another_origin_is_refused(
    chromium, served: tuple[int, list[Event]], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    port, events = served
    # Another site (another port is another origin) whose page tries to open our chat socket,
    # as a hostile page would, hoping the browser lends it the user's standing with our server.
    (tmp_path / "evil.html").write_text(
        "<!doctype html><title>another site</title><script>"
        "window.result = null;"
        f"const ws = new WebSocket('ws://127.0.0.1:{port}/chat');"
        "ws.onopen = () => { window.result = 'open'; };"
        "ws.onclose = (e) => { window.result = 'closed ' + e.code; };"
        "</script>"
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    other = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    worker = threading.Thread(target=other.serve_forever, daemon=True)
    worker.start()
    try:
        chromium.get(f"http://127.0.0.1:{other.server_address[1]}/evil.html")
        _wait(chromium, "return window.result !== null")
        assert chromium.execute_script("return window.result") == "closed 1006"
    finally:
        other.shutdown()
        other.server_close()
        worker.join(5)
    request = next(e for e in events if isinstance(e, HttpMessage) and "upgrade" in e.label)
    assert f"Origin: http://127.0.0.1:{other.server_address[1]}\r\n".encode() in request.raw
    refusals = [
        e for e in events if isinstance(e, HttpMessage) and e.raw.startswith(b"HTTP/1.1 403")
    ]
    assert len(refusals) == 1
    assert any(isinstance(e, Note) and "cross-site WebSocket hijacking" in e.text for e in events)
