"""Known mistake: no CONNECT to the namespace; the client emits right after the open packet."""

import ref


def join(ws):
    ws.send(f'42{ref.NS},["hello",{{}}]')


ref.join = join
ref.run()
