"""The REGENT_CONFIG JSON object, parsed into immutable records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class AppConfig:
    module: Optional[str] = None
    wsgi_file: Optional[str] = None
    callable: str = "application"
    chdir: Optional[str] = None
    pythonpath: Tuple[str, ...] = ()
    home: Optional[str] = None
    lazy_apps: bool = False
    # Identity the zygote takes before importing the app (names or numbers; None: unchanged).
    uid: Optional[str] = None
    gid: Optional[str] = None
    umask: Optional[int] = None
    # Directory the zygote chroots into before importing the app (None: no chroot).
    chroot: Optional[str] = None
    # Process names (None: the built-in "regent w<id>" for workers, the zygote keeps its own).
    zygote_name: Optional[str] = None
    worker_name: Optional[str] = None

    def target(self) -> str:
        """How the app is named in messages: the module spec or the file path."""
        if self.module:
            return self.module
        return self.wsgi_file or "<no app>"


@dataclass(frozen=True)
class Config:
    socket: str
    token: str
    generation: int
    processes: int
    threads: int
    app: AppConfig
    # The "uwsgi" object: caches, locks, mules, options for the uwsgi module (regent/api.py).
    uwsgi: Dict[str, Any] = field(default_factory=dict)
    # Direct uwsgi (regent/direct.py): the scoreboard file; None when the master relays everything.
    scoreboard: Optional[str] = None


def _get(obj: dict[str, Any], key: str, kind: type, default: Any = None, required: bool = False) -> Any:
    value = obj.get(key, default)
    if value is None and not required:
        return default
    # bool is an int subclass; a JSON true where a count is expected is a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{key}: {value!r} (expected: {kind.__name__})")
    return value


def parse_config(text: str) -> Config:
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError(f"REGENT_CONFIG: {type(raw).__name__} (expected: a JSON object)")
    app_raw = _get(raw, "app", dict, {})
    pythonpath = _get(app_raw, "pythonpath", list, [])
    for entry in pythonpath:
        if not isinstance(entry, str):
            raise ValueError(f"pythonpath entry: {entry!r} (expected: str)")
    app = AppConfig(
        module=_get(app_raw, "module", str),
        wsgi_file=_get(app_raw, "wsgi_file", str),
        callable=_get(app_raw, "callable", str, "application"),
        chdir=_get(app_raw, "chdir", str),
        pythonpath=tuple(pythonpath),
        home=_get(app_raw, "home", str),
        lazy_apps=_get(app_raw, "lazy_apps", bool, False),
        uid=_get(app_raw, "uid", str),
        gid=_get(app_raw, "gid", str),
        umask=_get(app_raw, "umask", int),
        chroot=_get(app_raw, "chroot", str),
        zygote_name=_get(app_raw, "zygote_name", str),
        worker_name=_get(app_raw, "worker_name", str),
    )
    config = Config(
        socket=_get(raw, "socket", str, required=True),
        token=_get(raw, "token", str, required=True),
        generation=_get(raw, "generation", int, 1),
        processes=_get(raw, "processes", int, 1),
        threads=_get(raw, "threads", int, 1),
        app=app,
        uwsgi=_get(raw, "uwsgi", dict, {}),
        scoreboard=_get(raw, "scoreboard", str),
    )
    if config.threads < 1:
        raise ValueError(f"threads: {config.threads} (expected: >= 1)")
    if config.processes < 1:
        raise ValueError(f"processes: {config.processes} (expected: >= 1)")
    return config
