"""The live toolkit: real sockets, loops in threads and capture, every piece taking the `Env`."""
