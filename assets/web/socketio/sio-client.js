// A small Socket.IO client, written for netlearn to be read as part of the lesson.
//
// It speaks Engine.IO v4 and Socket.IO v5 over a plain browser WebSocket, the way the real
// socket.io-client does when told `transports: ["websocket"]`, and nothing more: no long-polling,
// no binary attachments, main namespace "/" only. Everything it sends and receives is a short
// text: one digit for the Engine.IO packet type, then (for a message, 4) one digit for the
// Socket.IO packet type, then an optional ack id and some JSON.
//
//   Engine.IO types:  0 open  1 close  2 ping  3 pong  4 message  5 upgrade  6 noop
//   Socket.IO types:  0 CONNECT  1 DISCONNECT  2 EVENT  3 ACK  4 CONNECT_ERROR
//                     5 BINARY_EVENT  6 BINARY_ACK
//
// Usage, as with socket.io-client:
//   const socket = new TinySocket();              // same host as the page
//   socket.on("connect", () => ...);
//   socket.on("chat", (msg) => ...);
//   socket.emit("chat", { text: "hi" });
//   socket.emit("echo", data, (answer) => ...);  // a function last: ask for an ack

"use strict";

class TinySocket {
  constructor(options = {}) {
    this.url = options.url || TinySocket.defaultUrl();
    this.onPacket = options.onPacket || (() => {}); // (direction, text): for the packet log
    this.handlers = {};    // event name -> [functions]
    this.acks = {};        // ack id -> function waiting for the answer
    this.nextAckId = 0;
    this.id = null;        // the Socket.IO socket id, from 40{"sid":...}
    this.engineSid = null; // the Engine.IO session id, from the open packet
    this.connected = false;
    this.kicked = false;   // the server sent 41: do not reconnect by ourselves
    this.closedByUs = false;
    this.delay = 1000;     // reconnection delay: 1 s, doubling up to 5 s
    this.heartbeat = null; // timer: the connection is dead if no ping comes in time
    this.open();
  }

  static defaultUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/socket.io/?EIO=4&transport=websocket`;
  }

  // ---- the WebSocket underneath

  open() {
    this.ws = new WebSocket(this.url);
    this.ws.onmessage = (message) => {
      try {
        this.onEngineIO(message.data);
      } catch (error) {                          // a packet we cannot read: say so, keep going
        this.onPacket("error", `${error.name}: ${error.message}`);
      }
    };
    this.ws.onclose = () => this.onClose();
  }

  send(text) {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.onPacket("out", text);
    this.ws.send(text);
    return true;
  }

  // ---- Engine.IO: keep the session alive

  onEngineIO(text) {
    if (typeof text !== "string") return; // binary attachments are not handled here
    this.onPacket("in", text);
    const type = text[0];
    const data = text.slice(1);
    if (type === "0") {            // open: {"sid", "upgrades", "pingInterval", "pingTimeout", ...}
      const info = JSON.parse(data);
      this.engineSid = info.sid;
      this.pingWait = info.pingInterval + info.pingTimeout;
      this.watchHeartbeat();
      this.send("40");             // Socket.IO CONNECT to the main namespace "/"
    } else if (type === "2") {     // ping: answer pong at once, or the server drops us
      this.send("3");
      this.watchHeartbeat();
    } else if (type === "1") {     // close
      this.ws.close();
    } else if (type === "4") {     // message: a Socket.IO packet inside
      this.onSocketIO(data);
    }
  }

  watchHeartbeat() {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => this.ws.close(), this.pingWait);
  }

  // ---- Socket.IO: namespaces, events, acknowledgements

  onSocketIO(text) {
    const type = text[0];
    let rest = text.slice(1);
    if (rest.startsWith("/")) return;            // another namespace: not used by this page
    const digits = rest.match(/^\d+/);
    const ackId = digits ? Number(digits[0]) : null;
    if (digits) rest = rest.slice(digits[0].length);
    const payload = rest ? JSON.parse(rest) : undefined;
    if (type === "0") {                          // CONNECT accepted: 40{"sid":"..."}
      this.id = payload.sid;
      this.connected = true;
      this.delay = 1000;
      this.fire("connect");
    } else if (type === "1") {                   // DISCONNECT: the server sent us away
      this.kicked = true;
      this.connected = false;
      this.fire("disconnect", "io server disconnect");
      this.ws.close();
    } else if (type === "2") {                   // EVENT: ["name", ...args]
      const [name, ...args] = payload;
      if (ackId !== null) {                      // the sender wants an answer
        args.push((...answer) => this.send(`43${ackId}${JSON.stringify(answer)}`));
      }
      this.fire(name, ...args);
    } else if (type === "3") {                   // ACK: the answer to one of our emits
      const callback = this.acks[ackId];
      delete this.acks[ackId];
      if (callback) callback(...payload);
    } else if (type === "4") {                   // CONNECT_ERROR
      this.fire("connect_error", payload);
    }
  }

  emit(name, ...args) {
    let packet = "42";                           // Engine.IO message + Socket.IO EVENT
    if (typeof args[args.length - 1] === "function") {
      const id = this.nextAckId++;
      this.acks[id] = args.pop();
      packet += id;                              // ack id between type and payload
    }
    return this.send(packet + JSON.stringify([name, ...args]));
  }

  on(name, handler) {
    (this.handlers[name] = this.handlers[name] || []).push(handler);
    return this;
  }

  fire(name, ...args) {
    for (const handler of this.handlers[name] || []) handler(...args);
  }

  // ---- when the connection ends

  disconnect() {
    this.closedByUs = true;
    this.send("41");                             // leave the namespace
    this.ws.close();
  }

  onClose() {
    clearTimeout(this.heartbeat);
    const wasConnected = this.connected;
    this.connected = false;
    if (wasConnected) this.fire("disconnect", "transport close");
    if (this.kicked || this.closedByUs) return;  // like socket.io-client: no comeback
    this.fire("reconnecting", this.delay);
    setTimeout(() => this.open(), this.delay);
    this.delay = Math.min(this.delay * 2, 5000);
  }
}
