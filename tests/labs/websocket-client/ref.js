// Reference solution of the websocket-client lab in Node: a WebSocket echo client on `net`.
"use strict";
const net = require("net");
const crypto = require("crypto");

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const url = new URL(process.env.NETLEARN_URL);
const key = crypto.randomBytes(16).toString("base64");
const sock = net.connect(Number(url.port), url.hostname);
let buf = Buffer.alloc(0);
let upgraded = false;
let message = null; // { opcode, parts } while a fragmented message is collected

sock.on("connect", () => {
  sock.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\n` +
      `Host: ${url.hostname}:${url.port}\r\n` +
      "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
});

function sendFrame(opcode, payload, fin = true) {
  const n = payload.length;
  let head;
  if (n <= 125) {
    head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | n]);
  } else if (n <= 0xffff) {
    head = Buffer.alloc(4);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(n, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = crypto.randomBytes(4);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i % 4];
  sock.write(Buffer.concat([head, mask, body]));
}

function onFrame(fin, opcode, payload) {
  if (opcode === 0x9) return sendFrame(0xa, payload);
  if (opcode === 0xa) return;
  if (opcode === 0x8) {
    sendFrame(0x8, payload.subarray(0, 2));
    console.log("closed with code", payload.readUInt16BE(0));
    return; // the server closes TCP first; then "end" fires
  }
  if (opcode !== 0) message = { opcode, parts: [] };
  message.parts.push(payload);
  if (fin) sendFrame(message.opcode, Buffer.concat(message.parts));
}

function parseFrames() {
  for (;;) {
    if (buf.length < 2) return;
    let n = buf[1] & 0x7f;
    let at = 2;
    if (n === 126) {
      if (buf.length < 4) return;
      n = buf.readUInt16BE(2);
      at = 4;
    } else if (n === 127) {
      if (buf.length < 10) return;
      n = Number(buf.readBigUInt64BE(2));
      at = 10;
    }
    if (buf.length < at + n) return;
    const fin = (buf[0] & 0x80) !== 0;
    const opcode = buf[0] & 0x0f;
    const payload = buf.subarray(at, at + n);
    buf = buf.subarray(at + n);
    onFrame(fin, opcode, payload);
  }
}

sock.on("data", (data) => {
  buf = Buffer.concat([buf, data]);
  if (!upgraded) {
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
    buf = buf.subarray(end + 4);
    const headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(":");
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const expected = crypto.createHash("sha1").update(key + GUID).digest("base64");
    if (lines[0].split(" ")[1] !== "101" || headers["sec-websocket-accept"] !== expected) {
      console.log("wrong Sec-WebSocket-Accept: failing the connection");
      sock.destroy();
      process.exitCode = 1;
      return;
    }
    upgraded = true;
    console.log("connected");
  }
  parseFrames();
});

sock.on("end", () => sock.end());
sock.on("error", (err) => {
  console.error(err.message);
  process.exitCode = 1;
});
