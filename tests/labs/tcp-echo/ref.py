"""Reference tcp-echo server: a thread per client, echo every byte, close after the client's FIN."""

import os
import socket
import threading

threading.excepthook = lambda args: None  # a client that left is no news


def serve(conn: socket.socket) -> None:
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                break  # the client's FIN: everything is echoed already
            conn.sendall(data)


def main() -> None:
    host = os.environ.get("NETLEARN_HOST", "127.0.0.1")
    port = int(os.environ["NETLEARN_PORT"])
    with socket.create_server((host, port)) as server:
        print(f"listening on {host}:{port}", flush=True)
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
