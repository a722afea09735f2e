// tcp-echo: a TCP echo server (RFC 862). Check it with:
//
//     netlearn lab check tcp-echo -- node tcp_echo.js
//
// netlearn starts this program with NETLEARN_HOST and NETLEARN_PORT set, connects to it as
// several clients, and checks every byte that comes back.
const net = require("net");

const host = process.env.NETLEARN_HOST || "127.0.0.1";
const port = Number(process.env.NETLEARN_PORT || 7007);

// allowHalfOpen: when a client sends its FIN, Node must not close our side by itself.
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.on("data", (chunk) => {
    // TODO 1: send back exactly the bytes in `chunk` (a Buffer: any byte value, zero
    //         included; TCP is a byte stream, RFC 9293 §2.2, so a chunk is not a line).
  });
  socket.on("end", () => {
    // TODO 2: the client sent its FIN (a half-close, RFC 9293 §3.6): it can still read.
    //         End your side once everything is echoed (socket.end() waits for the writes).
  });
  socket.on("error", () => socket.destroy());
});

server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
