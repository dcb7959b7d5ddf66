"""Exceptions and exit statuses shared by the zygote and the workers."""

from __future__ import annotations

# Exit statuses the master reads from EXITED / the zygote's own exit.  They are
# named so that the master can stop respawning instead of looping on a broken app.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_ZYGOTE_LOAD_FAILED = 4
EXIT_WORKER_LOAD_FAILED = 22


class ChannelError(BaseException):
    """The connection to the master is unusable.

    Derived from BaseException on purpose: these are raised from inside the
    application's call stack (``wsgi.input.read()``, ``write()``), and an app's
    ``except Exception`` must not swallow the loss of its master.
    """


class ChannelClosed(ChannelError):
    """The master closed the connection (EOF) or a write to it failed."""


class ProtocolError(ChannelError):
    """The peer sent something the frame specification does not allow."""


class AppLoadError(Exception):
    """The WSGI application could not be imported; ``text`` is the traceback."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
