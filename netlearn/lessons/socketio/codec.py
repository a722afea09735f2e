"""The Engine.IO/Socket.IO codec under its first name: everything is in `protocol`."""

from netlearn.lessons.socketio.protocol import *  # noqa: F403
from netlearn.lessons.socketio.protocol import __all__  # noqa: F401
