// Reference websocket-server in Node: a WebSocket echo server on a raw socket (RFC 6455).
// Only `net` and `crypto`: the handshake, unmasking, reassembly, ping/pong, 1002 and close by hand.
"use strict";
const net = require("net");
const crypto = require("crypto");

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_HEAD = 16384;
const MAX_MESSAGE = 1 << 20;

function frame(opcode, payload) {
  const n = payload.length;
  let head;
  if (n < 126) {
    head = Buffer.from([0x80 | opcode, n]);
  } else if (n < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

function handshake(socket, head) {
  const headers = {};
  for (const line of head.split("\r\n").slice(1)) {
    const at = line.indexOf(":");
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  if (headers["sec-websocket-version"] !== "13") {
    socket.end(
      "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n" +
        "Upgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n",
    );
    return false;
  }
  const key = headers["sec-websocket-key"];
  if (!key) {
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    return false;
  }
  const accept = crypto.createHash("sha1").update(key + GUID).digest("base64");
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  return true;
}

function serve(socket) {
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let done = false;
  let kind = 0;
  let parts = [];
  let size = 0;

  function closeWith(code) {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code, 0);
    socket.end(frame(0x8, payload));
    done = true;
  }

  // One frame from buf, or null if it has not all arrived.
  function nextFrame() {
    if (buf.length < 2) return null;
    const b0 = buf[0];
    const b1 = buf[1];
    let n = b1 & 0x7f;
    let at = 2;
    if (n === 126) {
      if (buf.length < 4) return null;
      n = buf.readUInt16BE(2);
      at = 4;
    } else if (n === 127) {
      if (buf.length < 10) return null;
      const big = buf.readBigUInt64BE(2);
      if (big > BigInt(MAX_MESSAGE)) return { tooBig: true };
      n = Number(big);
      at = 10;
    }
    if (n > MAX_MESSAGE) return { tooBig: true };
    const masked = (b1 & 0x80) !== 0;
    const end = at + (masked ? 4 : 0) + n;
    if (buf.length < end) return null;
    const data = Buffer.from(buf.subarray(end - n, end));
    if (masked) {
      const key = buf.subarray(at, at + 4);
      for (let i = 0; i < n; i++) data[i] ^= key[i % 4];
    }
    buf = buf.subarray(end);
    return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, data };
  }

  function onFrames() {
    while (!done) {
      const f = nextFrame();
      if (f === null) return;
      if (f.tooBig) return closeWith(1009);
      if (!f.masked) return closeWith(1002); // every client frame is masked (RFC 6455 5.1)
      if (f.opcode === 0x9) {
        socket.write(frame(0xa, f.data));
      } else if (f.opcode === 0x8) {
        socket.end(frame(0x8, f.data.subarray(0, 2)));
        done = true;
      } else if (f.opcode === 0x1 || f.opcode === 0x2 || f.opcode === 0x0) {
        if (f.opcode !== 0x0) {
          kind = f.opcode;
          parts = [];
          size = 0;
        }
        parts.push(f.data);
        size += f.data.length;
        if (size > MAX_MESSAGE) return closeWith(1009);
        if (f.fin) socket.write(frame(kind, Buffer.concat(parts)));
      }
    }
  }

  socket.on("data", (chunk) => {
    if (done) return;
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buf.length > MAX_HEAD) socket.destroy();
        return;
      }
      const head = buf.subarray(0, end).toString("latin1");
      buf = buf.subarray(end + 4);
      if (!handshake(socket, head)) {
        done = true;
        return;
      }
      upgraded = true;
    }
    onFrames();
  });
  socket.on("end", () => socket.end());
  socket.on("error", () => socket.destroy());
}

const host = process.env.NETLEARN_HOST || "127.0.0.1";
const port = Number(process.env.NETLEARN_PORT);
const server = net.createServer({ allowHalfOpen: true }, serve);
server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
