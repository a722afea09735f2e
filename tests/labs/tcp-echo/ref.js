// Reference tcp-echo server in Node: every client at once, echo every byte, end after the client's FIN.
const net = require("net");

const host = process.env.NETLEARN_HOST || "127.0.0.1";
const port = Number(process.env.NETLEARN_PORT);

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.on("data", (chunk) => socket.write(chunk));
  socket.on("end", () => socket.end()); // the client's FIN: end once all writes are flushed
  socket.on("error", () => socket.destroy());
});
server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
