// websocket-client: a WebSocket echo client on a raw socket (RFC 6455). Check it with:
//
//     netlearn lab check websocket-client -- node websocket_client.js
//
// No WebSocket library: the point is to write the handshake and the frames yourself.
// Read the task with `netlearn lab show websocket-client`.
"use strict";
const net = require("net");
const crypto = require("crypto");

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const url = new URL(process.env.NETLEARN_URL || "ws://127.0.0.1:8765/lab");
const key = crypto.randomBytes(16).toString("base64");
const sock = net.connect(Number(url.port), url.hostname);
let buf = Buffer.alloc(0); // bytes received and not used yet
let upgraded = false;

sock.on("connect", () => {
  // TODO 1: write the upgrade request: `GET ${url.pathname} HTTP/1.1`, Host
  //         (url.hostname:url.port), Upgrade: websocket, Connection: Upgrade,
  //         Sec-WebSocket-Key: key, Sec-WebSocket-Version: 13; lines end with \r\n, and an
  //         empty line ends the request.
});

function sendFrame(opcode, payload) {
  // TODO 4: byte 0: 0x80 | opcode. Byte 1: 0x80 (MASK) | length if <= 125; 126 and a 2-byte
  //         length (writeUInt16BE) up to 65535; 127 and 8 bytes (writeBigUInt64BE) above.
  // TODO 5: 4 random bytes (crypto.randomBytes(4)), then payload[i] ^ mask[i % 4].
}

function onFrame(fin, opcode, payload) {
  // TODO 7: echo text (1) and binary (2) messages with the same opcode; collect fragments
  //         (FIN=0, then continuation frames, opcode 0, up to FIN=1) and echo the whole message.
  // TODO 8: ping (9): a pong (10) with the same payload, at once.
  // TODO 9: close (8): a close with the same 2-byte code; the server then closes TCP.
}

function parseFrames() {
  // TODO 6: while buf holds a whole frame: read FIN, opcode, the length (7 bits, or 126 + 2
  //         bytes, or 127 + 8 bytes), take the payload, call onFrame, drop it from buf.
}

sock.on("data", (data) => {
  buf = Buffer.concat([buf, data]);
  if (!upgraded) {
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = buf.subarray(0, end).toString("latin1");
    buf = buf.subarray(end + 4);
    // TODO 2: the status must be 101.
    // TODO 3: Sec-WebSocket-Accept must be sha1(key + GUID) in base64
    //         (crypto.createHash("sha1").update(key + GUID).digest("base64")); if not,
    //         sock.destroy() and process.exitCode = 1, sending nothing.
    void head;
    void GUID;
    upgraded = true;
  }
  parseFrames();
});

sock.on("end", () => sock.end());
sock.on("error", (err) => {
  console.error(err.message);
  process.exitCode = 1;
});
