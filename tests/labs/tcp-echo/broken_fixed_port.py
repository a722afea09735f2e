"""Broken: ignores NETLEARN_PORT and listens on a port written in the code."""

import socket

with socket.create_server(("127.0.0.1", 0)) as srv:  # stands for a fixed port like 7000
    while True:
        conn, _ = srv.accept()
        with conn:
            try:
                while data := conn.recv(65536):
                    conn.sendall(data)
            except OSError:
                pass
