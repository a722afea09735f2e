"""Broken: serves one client at a time (no thread per client)."""

import os
import socket

with socket.create_server((os.environ["NETLEARN_HOST"], int(os.environ["NETLEARN_PORT"]))) as srv:
    while True:
        conn, _ = srv.accept()
        with conn:
            try:
                while data := conn.recv(65536):
                    conn.sendall(data)
            except OSError:
                pass
