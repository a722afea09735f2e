"""Known mistake: each fragment echoed at once as a message of its own."""

import ref


def on_data(sock, state, fin, opcode, payload):
    if opcode != 0:
        state["opcode"] = opcode
    ref.send_frame(sock, state["opcode"], payload)


ref.on_data = on_data
ref.run()
