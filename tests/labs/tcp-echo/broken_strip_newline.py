"""Broken: reads lines and echoes them without their line ending."""

import os
import socket
import threading

threading.excepthook = lambda args: None  # a client that left is no news


def serve(conn: socket.socket) -> None:
    with conn, conn.makefile("rb") as lines:
        for line in lines:
            conn.sendall(line.rstrip(b"\r\n"))


with socket.create_server((os.environ["NETLEARN_HOST"], int(os.environ["NETLEARN_PORT"]))) as srv:
    while True:
        threading.Thread(target=serve, args=(srv.accept()[0],), daemon=True).start()
