// websocket-server: a WebSocket echo server on a raw socket (RFC 6455). Check it with:
//
//     netlearn lab check websocket-server -- node websocket_server.js
//
// No WebSocket library: net and crypto only.
const net = require("net");
const crypto = require("crypto");

const host = process.env.NETLEARN_HOST || "127.0.0.1";
const port = Number(process.env.NETLEARN_PORT || 8765);
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

const server = net.createServer((socket) => {
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString("latin1");
      buffer = buffer.subarray(end + 4);
      // TODO 1: no Sec-WebSocket-Key: 400; version not 13: 426 + "Sec-WebSocket-Version: 13"
      //         (RFC 6455 §4.2.1, §4.4) + "Upgrade: websocket" and "Connection: Upgrade"
      //         (a 426 must name the protocol, RFC 9110 §15.5.22).
      // TODO 2: 101 with Sec-WebSocket-Accept = base64(sha1(key + GUID)) (§4.2.2):
      //         crypto.createHash("sha1").update(key + GUID).digest("base64").
      upgraded = true;
    }
    // TODO 3: parse whole frames from `buffer` (§5.2): length 7/16/64 bits, mask key, unmask
    //         with key[i % 4] (§5.3); no mask bit: close 1002 (§5.1, §7.4.1).
    // TODO 4: echo messages (reassemble fragments, §5.4), pong to ping (§5.5.2), answer close
    //         with the same code and end (§5.5.1). Server frames are never masked.
  });
  socket.on("error", () => socket.destroy());
});

server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
