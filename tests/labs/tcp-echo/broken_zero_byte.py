"""Broken: treats the data as a C string and stops at the first zero byte."""

import os
import socket
import threading

threading.excepthook = lambda args: None  # a client that left is no news


def serve(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data.split(b"\0")[0])


with socket.create_server((os.environ["NETLEARN_HOST"], int(os.environ["NETLEARN_PORT"]))) as srv:
    while True:
        threading.Thread(target=serve, args=(srv.accept()[0],), daemon=True).start()
