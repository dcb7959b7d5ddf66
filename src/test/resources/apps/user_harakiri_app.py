"""uwsgi.set_user_harakiri and @harakiri (Regent's uwsgidecorators and Debian's stock one)."""

from __future__ import annotations

import importlib.util
import os
import time
from typing import Any, Callable, Iterable

import uwsgi
import uwsgidecorators

STOCK_PATH = "/usr/lib/python3/dist-packages/uwsgidecorators.py"


def _stock() -> Any:
    if not os.path.exists(STOCK_PATH):
        return None
    spec = importlib.util.spec_from_file_location("stock_uwsgidecorators", STOCK_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stock = _stock()


def stuck_in_user_harakiri(seconds: float) -> None:
    time.sleep(seconds)


@uwsgidecorators.harakiri(1)
def quick_under_regent_decorator() -> None:
    pass


@uwsgidecorators.harakiri(1)
def stuck_under_regent_decorator() -> None:
    time.sleep(5)


def quick_plain() -> None:
    pass


def stuck_under_stock_decorator() -> None:
    time.sleep(5)


if stock is not None:
    quick_plain = stock.harakiri(1)(quick_plain)
    stuck_under_stock_decorator = stock.harakiri(1)(stuck_under_stock_decorator)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/stuck":
        uwsgi.set_user_harakiri(1)
        stuck_in_user_harakiri(5)
    elif path == "/quick":
        uwsgi.set_user_harakiri(1)
    elif path == "/slow":
        time.sleep(2.5)
    elif path == "/regent-quick":
        quick_under_regent_decorator()
    elif path == "/regent-stuck":
        stuck_under_regent_decorator()
    elif path == "/stock-quick":
        quick_plain()
    elif path == "/stock-stuck":
        stuck_under_stock_decorator()
    elif path == "/has-stock":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"yes" if stock is not None else b"no"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
