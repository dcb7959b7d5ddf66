"""Regent's ``uwsgidecorators``: the decorators uWSGI apps use, over Regent's ``uwsgi`` module.

Same names and behaviour as the module that ships with uWSGI (Debian's stock copy also runs
unchanged on Regent); spooler and RPC decorators raise NotImplementedError when used, since
Regent has neither feature.
"""

from __future__ import annotations

import pickle
import threading
from functools import partial
from typing import Any, Callable, Optional

import uwsgi

if uwsgi.masterpid() == 0:
    raise Exception("you have to enable the uWSGI master process to use this module")

_postfork_chain: list[Callable[[], Any]] = []
_mule_functions: dict[str, Callable[..., Any]] = {}


def get_free_signal() -> int:
    for n in range(0, 256):
        if not uwsgi.signal_registered(n):
            return n
    raise Exception("No free uwsgi signal available")


def manage_spool_request(vars: Any) -> Any:
    raise NotImplementedError("the spooler is not available in Regent")


def postfork_chain_hook() -> None:
    for f in _postfork_chain:
        f()


def mule_msg_dispatcher(message: bytes) -> Any:
    msg = pickle.loads(message)
    if isinstance(msg, dict) and msg.get("service") == "uwsgi_mulefunc":
        return _mule_functions[msg["func"]](*msg["args"], **msg["kwargs"])
    return None


uwsgi.spooler = manage_spool_request
uwsgi.post_fork_hook = postfork_chain_hook
uwsgi.mule_msg_hook = mule_msg_dispatcher


class postfork:
    """Run the function in every worker (or only in worker ``wid``) right after the fork."""

    def __init__(self, f: Any) -> None:
        if callable(f):
            self.wid = 0
            self.f: Optional[Callable[..., Any]] = f
        else:
            self.f = None
            self.wid = f
        _postfork_chain.append(self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.f is None:
            self.f = args[0]
            return self
        if self.wid > 0 and self.wid != uwsgi.worker_id():
            return None
        return self.f()


class _spool_base:
    def __init__(self, f: Any = None, pass_arguments: bool = False) -> None:
        self.f = f

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the spooler is not available in Regent")


spool = spoolforever = spoolraw = _spool_base


class mulefunc:
    """Calling the function sends it, pickled, to a mule (any, mule N, or a farm) that runs it."""

    def __init__(self, f: Any) -> None:
        if callable(f):
            self.fname = f.__name__
            self.mule: Any = 0
            _mule_functions[f.__name__] = f
        else:
            self.mule = f
            self.fname = None

    def real_call(self, *args: Any, **kwargs: Any) -> None:
        uwsgi.mule_msg(pickle.dumps({"service": "uwsgi_mulefunc", "func": self.fname, "args": args,
                                     "kwargs": kwargs}), self.mule)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.fname:
            self.fname = args[0].__name__
            _mule_functions[self.fname] = args[0]
            return self.real_call
        return self.real_call(*args, **kwargs)


class mule_brain:
    """Run the function in mule ``num`` once, right after the fork."""

    def __init__(self, num: int) -> None:
        self.num = num

    def __call__(self, f: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> None:
            if uwsgi.mule_id() == self.num:
                try:
                    f()
                except BaseException:
                    raise

        _postfork_chain.append(run)
        return f


class mule_brainloop(mule_brain):
    def __call__(self, f: Callable[[], Any]) -> Callable[[], Any]:
        def loop() -> None:
            while True:
                f()

        super().__call__(loop)
        return f


class mule_msg_handler:
    """In mule ``num``, call the function with every message the mule receives (after the fork)."""

    def __init__(self, num: int) -> None:
        self.num = num

    def __call__(self, f: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
        def loop() -> None:
            if uwsgi.mule_id() == self.num:
                while True:
                    f(uwsgi.mule_get_msg())

        _postfork_chain.append(loop)
        return f


mule = mule_brain
muleloop = mule_brainloop
mulemsg = mule_msg_handler


class farm:
    """In every mule of farm ``name``, call the function with each farm message."""

    def __init__(self, name: Optional[str] = None, **kwargs: Any) -> None:
        self.name = name

    def __call__(self, f: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
        def loop() -> None:
            if uwsgi.mule_id() and uwsgi.in_farm(self.name):
                while True:
                    f(uwsgi.mule_get_msg())

        _postfork_chain.append(loop)
        return f


class signal:
    def __init__(self, num: int, **kwargs: Any) -> None:
        self.num = num
        self.target = kwargs.get("target", "")

    def __call__(self, f: Callable[[int], Any]) -> Callable[[int], Any]:
        uwsgi.register_signal(self.num, self.target, f)
        return f


class timer:
    def __init__(self, secs: int, **kwargs: Any) -> None:
        self.num = kwargs.get("signum", get_free_signal())
        self.secs = secs
        self.target = kwargs.get("target", "")
        self.unique = bool(kwargs.get("unique", False))  # Regent: no overlapping runs

    def __call__(self, f: Callable[[int], Any]) -> Callable[[int], Any]:
        uwsgi.register_signal(self.num, self.target, f)
        uwsgi.add_timer(self.num, self.secs, unique=self.unique)
        return f


class mstimer(timer):
    def __call__(self, f: Callable[[int], Any]) -> Callable[[int], Any]:
        uwsgi.register_signal(self.num, self.target, f)
        uwsgi.add_ms_timer(self.num, self.secs, unique=self.unique)
        return f


class rbtimer(timer):
    def __call__(self, f: Callable[[int], Any]) -> Callable[[int], Any]:
        uwsgi.register_signal(self.num, self.target, f)
        uwsgi.add_rb_timer(self.num, self.secs, unique=self.unique)
        return f


class cron:
    def __init__(self, minute: int, hour: int, day: int, month: int, dayweek: int, **kwargs: Any) -> None:
        self.num = kwargs.get("signum", get_free_signal())
        self.fields = (minute, hour, day, month, dayweek)
        self.target = kwargs.get("target", "")
        self.unique = bool(kwargs.get("unique", False))  # Regent: no overlapping runs

    def __call__(self, f: Callable[[int], Any]) -> Callable[[int], Any]:
        uwsgi.register_signal(self.num, self.target, f)
        uwsgi.add_cron(self.num, *self.fields, unique=self.unique)
        return f


class filemon:
    def __init__(self, fsobj: str, **kwargs: Any) -> None:
        self.num = kwargs.get("signum", get_free_signal())
        self.fsobj = fsobj
        self.target = kwargs.get("target", "")

    def __call__(self, f: Callable[[int], Any]) -> Callable[[int], Any]:
        uwsgi.register_signal(self.num, self.target, f)
        uwsgi.add_file_monitor(self.num, self.fsobj)
        return f


class erlang:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, f: Any) -> Any:
        raise NotImplementedError("erlang integration is not available in Regent")


class rpc:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, f: Any) -> Any:
        raise NotImplementedError("uWSGI RPC is not available in Regent")


def lock(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run the function holding uwsgi lock 0 (released even when it raises)."""

    def locked(*args: Any, **kwargs: Any) -> Any:
        uwsgi.lock()
        try:
            return f(*args, **kwargs)
        finally:
            uwsgi.unlock()

    return locked


def thread(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run the function in a new daemon thread on each call."""

    def run(*args: Any, **kwargs: Any) -> threading.Thread:
        t = threading.Thread(target=partial(f, *args, **kwargs))
        t.daemon = True
        t.start()
        return t

    return run


class harakiri:
    """A harakiri of ``seconds`` for each call (uwsgi.set_user_harakiri), cleared on return."""

    def __init__(self, seconds: int) -> None:
        self.s = seconds

    def __call__(self, f: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            uwsgi.set_user_harakiri(self.s)
            try:
                return f(*args, **kwargs)
            finally:
                uwsgi.set_user_harakiri(0)

        return wrapped
