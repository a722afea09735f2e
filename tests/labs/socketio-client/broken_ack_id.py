"""Known mistake: the ack id is read as one digit (32 becomes 3)."""

import ref

plain_ack = ref.ack


def ack(ws, ack_id, value):
    plain_ack(ws, int(str(ack_id)[0]), value)


ref.ack = ack
ref.run()
