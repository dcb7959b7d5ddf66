"""Importing the WSGI application: search path set-up, then the module or file."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import re
import site
import sys
import traceback
from typing import Any, Callable

from .config import AppConfig
from .errors import AppLoadError


def prepare(app: AppConfig) -> None:
    """chdir, then sys.path: pythonpath entries, the new cwd, the virtualenv, the rest.

    The virtualenv's site-packages goes before the interpreter's own so that the
    app's pinned versions win, as they would with the venv's own python.
    """
    if app.chdir:
        os.chdir(app.chdir)
    front = [os.path.abspath(p) for p in app.pythonpath]
    front.append(os.getcwd())
    if app.home:
        before = list(sys.path)
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        site.addsitedir(os.path.join(app.home, "lib", version, "site-packages"))
        front.extend(p for p in sys.path if p not in before)
    rest = [p for p in sys.path if p not in front]
    sys.path[:] = front + rest


def load(app: AppConfig) -> Callable[..., Any]:
    """Import and return the app callable; AppLoadError carries the traceback."""
    try:
        return _load(app)
    except BaseException as exc:  # SystemExit from an app's import is a load failure too
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise AppLoadError(traceback.format_exc()) from None


def _load(app: AppConfig) -> Callable[..., Any]:
    attribute = app.callable
    if app.module:
        module_name, _, spec_attribute = app.module.partition(":")
        if spec_attribute:
            attribute = spec_attribute
        module = importlib.import_module(module_name)
    elif app.wsgi_file:
        module = _import_file(app.wsgi_file)
    else:
        raise LookupError("no application configured (expected: module or wsgi_file)")
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise LookupError(f"callable: {attribute!r} not found in {module.__name__!r} ({module.__file__})")
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"callable: {attribute!r} is a {type(target).__name__} (expected: a WSGI callable)")
    return target  # type: ignore[no-any-return]


def file_module_name(path: str) -> str:
    """A module name unique to the file, so that two apps' files never collide."""
    return "regent_file_" + re.sub(r"[^0-9A-Za-z]", "_", os.path.abspath(path))


def _import_file(path: str) -> Any:
    path = os.path.abspath(path)
    name = file_module_name(path)
    # SourceFileLoader accepts any extension (.wsgi files are common).
    loader = importlib.machinery.SourceFileLoader(name, path)
    # spec_from_file_location (not spec_from_loader) sets __file__, which apps use to find
    # their own directory (Django's wsgi.py, settings BASE_DIR).
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
