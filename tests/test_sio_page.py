"""The chat page in headless Chromium: its own small client (sio-client.js) talks Socket.IO over
a plain browser WebSocket to `netlearn socketio serve`, with a python-socketio client as the
other participant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_sio_serve import Peer, Served

pytestmark = pytest.mark.browser

TIMEOUT = 15


@pytest.fixture
def served(netlearn_home: Path) -> Iterator[Served]:
    server = Served(netlearn_home)
    try:
        yield server
    finally:
        server.stop()


def _wait(driver: Any, test: Any, what: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, TIMEOUT).until(test)
    except TimeoutException:
        raise AssertionError(f"the page never showed {what}") from None


def _text(driver: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.ID, element_id).text)


def _state(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.ID, "status").get_attribute("data-state"))


def test_page_chats_with_a_python_client(chromium: Any, served: Served) -> None:
    from selenium.webdriver.common.by import By

    driver = chromium
    driver.get(served.url + "/")
    _wait(driver, lambda d: _state(d) == "connected", "connected")
    peer = Peer(served.url, ["websocket"]).connect()
    try:
        box = driver.find_element(By.ID, "text")
        box.send_keys("hello from the page")
        driver.find_element(By.ID, "send").click()
        assert peer.wait(lambda: any(c.get("text") == "hello from the page" for c in peer.chats()))
        _wait(driver, lambda d: "hello from the page" in _text(d, "messages"), "its own message")
        peer.sio.emit("chat", {"text": "<b>hi</b> from python"})
        _wait(driver, lambda d: "<b>hi</b> from python" in _text(d, "messages"), "the peer's")
        box.send_keys("echo this")
        driver.find_element(By.ID, "echo").click()
        _wait(driver, lambda d: "echo came back" in _text(d, "echo-result"), "the echo")
        assert '{"text":"echo this"}' in _text(driver, "echo-result")
    finally:
        peer.close()
    log = _text(driver, "packets")
    for packet in ("0{", "40", '["chat",{"text":"hello from the page"}]', "Socket.IO ACK"):
        assert packet in log, packet
    # the markup sent by the peer was shown as text, not run as HTML
    assert not driver.find_elements(By.CSS_SELECTOR, "#messages b")
    # and the server's terminal showed the page's own packets
    served.wait_for(lambda e: e.get("actor", "").startswith("client") and e.get("raw") == "40")


def test_page_reconnects_after_the_server_restarts(chromium: Any, netlearn_home: Path) -> None:
    driver = chromium
    first = Served(netlearn_home)
    port = first.port
    try:
        driver.get(first.url + "/")
        _wait(driver, lambda d: _state(d) == "connected", "connected")
        old = _text(driver, "status")
    finally:
        assert first.interrupt()[0] == 130
    _wait(driver, lambda d: _state(d) != "connected", "the drop")
    second = Served(netlearn_home, port=port)
    try:
        _wait(driver, lambda d: _state(d) == "connected", "the reconnection")
        assert _text(driver, "status") != old  # a new socket id
    finally:
        second.stop()
