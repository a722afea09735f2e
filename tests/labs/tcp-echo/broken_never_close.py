"""Broken: ignores the end of the stream, so it never closes after the client's FIN."""

import os
import socket
import threading
import time

threading.excepthook = lambda args: None  # a client that left is no news


def serve(conn: socket.socket) -> None:
    while True:
        data = conn.recv(65536)
        if data:
            conn.sendall(data)
        else:
            time.sleep(0.05)  # "nothing to read yet": but b"" means the client is done


with socket.create_server((os.environ["NETLEARN_HOST"], int(os.environ["NETLEARN_PORT"]))) as srv:
    while True:
        threading.Thread(target=serve, args=(srv.accept()[0],), daemon=True).start()
