"""tcp-echo: a TCP echo server (RFC 862). Check it with:

    netlearn lab check tcp-echo -- python3 tcp_echo.py

netlearn starts this program with NETLEARN_HOST and NETLEARN_PORT set, connects to it as
several clients, and checks every byte that comes back.
"""

import os
import socket
import threading

HOST = os.environ.get("NETLEARN_HOST", "127.0.0.1")
PORT = int(os.environ.get("NETLEARN_PORT", "7007"))


def serve(conn: socket.socket) -> None:
    """Serve one client: send back every byte it sends, until it closes its side."""
    with conn:
        # TODO 1: read with conn.recv(65536) in a loop. TCP is a byte stream (RFC 9293 §2.2):
        #         one recv() returns whatever has arrived, not a line or a "message", and
        #         any byte value may come, zero included.
        # TODO 2: send back exactly what you read (conn.sendall: send() may send less).
        # TODO 3: recv() returning b"" means the client sent its FIN: it has finished
        #         sending but can still read (a half-close, RFC 9293 §3.6). You have echoed
        #         everything by then: leave the loop, and `with` closes the connection.
        pass


def main() -> None:
    with socket.create_server((HOST, PORT)) as server:
        print(f"listening on {HOST}:{PORT}", flush=True)
        while True:
            conn, addr = server.accept()
            # TODO 4: serve each client at the same time as the others (a thread each),
            #         so that one client that stays connected does not block the rest.
            serve(conn)


if __name__ == "__main__":
    main()
