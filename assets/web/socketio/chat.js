// The chat page: wires TinySocket (sio-client.js) to the form, the message list and the packet log.
"use strict";

const ENGINE = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];
const SOCKET = ["CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT",
  "BINARY_ACK"];
const MAX_LOG = 300;

const $ = (id) => document.getElementById(id);

function describe(text) {
  const engine = ENGINE[Number(text[0])];
  if (engine === undefined) return "";
  if (engine !== "message") return `Engine.IO ${engine}${text.slice(1) === "probe" ? " probe" : ""}`;
  const socketType = SOCKET[Number(text[1])];
  return socketType ? `Socket.IO ${socketType}` : "Engine.IO message";
}

function logPacket(direction, text) {
  const item = document.createElement("li");
  item.className = direction;
  const arrow = document.createElement("span");
  arrow.className = "arrow";
  arrow.textContent = direction === "out" ? "↑" : direction === "in" ? "↓" : "!";
  const raw = document.createElement("code");
  raw.textContent = text.length > 300 ? text.slice(0, 299) + "…" : text;
  const meaning = document.createElement("span");
  meaning.className = "meaning";
  meaning.textContent = direction === "error" ? "" : describe(text);
  item.append(arrow, raw, meaning);
  const list = $("packets");
  list.append(item);
  while (list.children.length > MAX_LOG) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;            // scroll the list, not the page
}

function addMessage(text, from) {
  const item = document.createElement("li");
  const who = document.createElement("span");
  who.className = "from";
  who.textContent = from === (socket.id || "").slice(0, 6) ? "you" : from;
  const body = document.createElement("span");
  body.textContent = text;                       // textContent: a message is never HTML
  item.append(who, body);
  const list = $("messages");
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function setStatus(state, text) {
  const status = $("status");
  status.dataset.state = state;
  status.textContent = text;
}

const socket = new TinySocket({ onPacket: logPacket });

socket.on("connect", () => setStatus("connected", `connected · socket id ${socket.id}`));
socket.on("disconnect", (reason) => setStatus("disconnected", `disconnected (${reason})`));
socket.on("reconnecting", (delay) => setStatus("connecting", `reconnecting in ${delay / 1000} s…`));
socket.on("chat", (message) => {
  if (message && typeof message.text === "string") addMessage(message.text, String(message.from || "?"));
});

$("form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("text");
  const text = input.value.trim();
  if (!text) return;
  socket.emit("chat", { text }, (answer) => {
    if (answer && answer.ok === false) $("echo-result").textContent = `refused: ${answer.error}`;
  });
  input.value = "";
});

$("echo").addEventListener("click", () => {
  const text = $("text").value.trim() || "ping";
  const started = performance.now();
  socket.emit("echo", { text }, (answer) => {
    const ms = (performance.now() - started).toFixed(1);
    $("echo-result").textContent = `echo came back through the ack in ${ms} ms: ${JSON.stringify(answer)}`;
  });
});
