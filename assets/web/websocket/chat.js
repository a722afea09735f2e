// The chat page's script: one WebSocket to ws://<this page's host>/chat.
// Everything the socket does is written to the log, so the page and the terminal tell the
// same story. window.netlearnChat exposes the counts for the tests.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const state = { pushes: 0, received: [], sent: 0, closed: null, you: "" };
  window.netlearnChat = state;
  let ws = null;

  function add(kind, text) {
    const item = document.createElement("li");
    item.className = kind;
    const stamp = new Date().toLocaleTimeString();
    item.textContent = `${stamp}  ${text}`;
    const log = $("log");
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  function setStatus(name, text) {
    $("status").dataset.state = name;
    $("status").textContent = text;
    const open = name === "open";
    $("send").disabled = !open;
    $("binary").disabled = !open;
    $("close").disabled = !open;
    $("reconnect").hidden = name !== "closed";
  }

  function onMessage(event) {
    if (typeof event.data !== "string") {
      const bytes = new Uint8Array(event.data);
      add("binary", `← binary frame, ${bytes.length} bytes`);
      return;
    }
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      msg = { type: "text", text: event.data };
    }
    state.received.push(msg);
    switch (msg.type) {
      case "welcome":
        state.you = msg.you;
        $("you").textContent = `${msg.you} (${msg.online} on the chat)`;
        add("system", `← the server greets you as ${msg.you}`);
        break;
      case "push":
        state.pushes += 1;
        $("pushes").textContent = String(state.pushes);
        add("push", `← pushed, unasked: ${msg.text}`);
        break;
      case "chat":
        add(msg.from === state.you ? "mine" : "chat", `← ${msg.from}: ${msg.text}`);
        break;
      default:
        add("system", `← ${msg.text ?? event.data}`);
    }
  }

  function connect() {
    const url = `ws://${location.host}/chat`;
    $("url").textContent = url;
    setStatus("connecting", "connecting…");
    ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => {
      setStatus("open", "open: the upgrade succeeded (101 Switching Protocols)");
      $("extensions").textContent = ws.extensions || "none (the server declined compression)";
      add("system", "→ handshake done; from now on, frames");
    });
    ws.addEventListener("message", onMessage);
    ws.addEventListener("error", () => {
      add("error", "the connection failed (the browser hides why; the server's terminal shows it)");
    });
    ws.addEventListener("close", (event) => {
      state.closed = { code: event.code, reason: event.reason, clean: event.wasClean };
      const reason = event.reason ? ` "${event.reason}"` : "";
      setStatus("closed", `closed: code ${event.code}${reason}${event.wasClean ? "" : " (not clean)"}`);
      add("system", `closed with code ${event.code}${reason}`);
    });
  }

  $("chat").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("input").value.trim();
    if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "chat", text }));
    state.sent += 1;
    add("sent", `→ text frame: ${text}`);
    $("input").value = "";
  });
  $("binary").addEventListener("click", () => {
    ws.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    state.sent += 1;
    add("sent", "→ binary frame: de ad be ef");
  });
  $("close").addEventListener("click", () => ws.close(1000, "bye from the page"));
  $("reconnect").addEventListener("click", connect);

  connect();
})();
