"""Broken: echoes from a worker that batches for 100 ms; closes at the client's FIN at once,
dropping what the worker has not sent yet."""

import os
import queue
import socket
import threading
import time

threading.excepthook = lambda args: None  # a client that left is no news


def serve(conn: socket.socket) -> None:
    pending: queue.Queue = queue.Queue()

    def writer() -> None:
        while True:
            data = pending.get()
            time.sleep(0.1)  # gather more before sending ("fewer packets")
            while not pending.empty():
                data += pending.get()
            try:
                conn.sendall(data)
            except OSError:
                return

    threading.Thread(target=writer, daemon=True).start()
    while data := conn.recv(65536):
        pending.put(data)
    conn.close()  # the client's FIN: close now (the worker's bytes are lost)


with socket.create_server((os.environ["NETLEARN_HOST"], int(os.environ["NETLEARN_PORT"]))) as srv:
    while True:
        threading.Thread(target=serve, args=(srv.accept()[0],), daemon=True).start()
