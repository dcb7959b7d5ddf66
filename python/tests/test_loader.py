"""App import: search path order, module and file specs, failures as tracebacks."""

from __future__ import annotations

import os
import sys
import tempfile
import textwrap
import unittest

import support  # noqa: F401  (puts the package on sys.path)

from regent import loader
from regent.config import AppConfig
from regent.errors import AppLoadError


class LoaderTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="regent-loader-")
        self.addCleanup(self.tmp.cleanup)
        self.root = os.path.realpath(self.tmp.name)
        saved_path = list(sys.path)
        saved_cwd = os.getcwd()
        saved_modules = set(sys.modules)
        self.addCleanup(os.chdir, saved_cwd)

        def restore_path() -> None:
            sys.path[:] = saved_path

        self.addCleanup(restore_path)

        def forget_modules() -> None:
            for name in set(sys.modules) - saved_modules:
                del sys.modules[name]

        self.addCleanup(forget_modules)

    def write(self, relative: str, text: str) -> str:
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def test_prepare_orders_sys_path(self) -> None:
        site_packages = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"
        self.write(f"venv/{site_packages}/venvmod.py", "X = 1\n")
        self.write(f"venv/{site_packages}/extra.pth", "extra_dir\n")
        os.makedirs(os.path.join(self.root, "venv", site_packages, "extra_dir"))
        os.makedirs(os.path.join(self.root, "app", "lib"))
        app_dir = os.path.join(self.root, "app")
        loader.prepare(AppConfig(chdir=app_dir, pythonpath=("lib", "/nonexistent"), home=self.root + "/venv"))
        venv = os.path.join(self.root, "venv", site_packages)
        self.assertEqual(os.getcwd(), os.path.join(self.root, "app"))
        self.assertEqual(
            sys.path[:5],
            [os.path.join(self.root, "app", "lib"), "/nonexistent", os.path.join(self.root, "app"), venv,
             os.path.join(venv, "extra_dir")],
        )
        self.assertTrue(all(sys.path.count(entry) == 1 for entry in sys.path[:5]))
        import venvmod  # type: ignore[import]

        self.assertEqual(venvmod.X, 1)

    def test_module_with_callable(self) -> None:
        self.write("pkg/__init__.py", "")
        self.write("pkg/web.py", "def application(e, s): pass\ndef other(e, s): pass\nclass C:\n    app = other\n")
        loader.prepare(AppConfig(chdir=self.root))
        self.assertEqual(loader.load(AppConfig(module="pkg.web")).__name__, "application")
        self.assertEqual(loader.load(AppConfig(module="pkg.web", callable="other")).__name__, "other")
        self.assertEqual(loader.load(AppConfig(module="pkg.web:other")).__name__, "other")
        self.assertEqual(loader.load(AppConfig(module="pkg.web:C.app")).__name__, "other")

    def test_wsgi_file_gets_a_unique_module_name(self) -> None:
        path = self.write("site/app.wsgi", "def application(e, s): pass\n")
        loader.prepare(AppConfig(chdir=self.root))
        app = loader.load(AppConfig(wsgi_file="site/app.wsgi"))
        name = loader.file_module_name(path)
        self.assertTrue(name.startswith("regent_file_"))
        self.assertNotIn(".", name)
        self.assertEqual(app.__module__, name)
        self.assertIn(name, sys.modules)

    def assert_load_error(self, app: AppConfig, *fragments: str) -> None:
        with self.assertRaises(AppLoadError) as caught:
            loader.load(app)
        text = caught.exception.text
        self.assertTrue(text.startswith("Traceback (most recent call last):"), text)
        for fragment in fragments:
            self.assertIn(fragment, text)

    def test_failures_carry_a_traceback(self) -> None:
        self.write("bad_syntax.py", "def f(:\n")
        self.write("bad_import.py", "import does_not_exist_anywhere\n")
        self.write("raises.py", "raise SystemExit(3)\n")
        self.write("plain.py", "application = 42\n")
        loader.prepare(AppConfig(chdir=self.root))
        self.assert_load_error(AppConfig(module="bad_syntax"), "SyntaxError", "bad_syntax.py")
        self.assert_load_error(AppConfig(module="bad_import"), "ModuleNotFoundError", "does_not_exist_anywhere")
        self.assert_load_error(AppConfig(module="raises"), "SystemExit: 3")
        self.assert_load_error(AppConfig(module="nowhere"), "No module named 'nowhere'")
        self.assert_load_error(AppConfig(module="plain", callable="missing"), "'missing' not found")
        self.assert_load_error(AppConfig(module="plain"), "is a int (expected: a WSGI callable)")
        self.assert_load_error(AppConfig(wsgi_file="nofile.py"), "FileNotFoundError")
        self.assert_load_error(AppConfig(), "no application configured")
        self.assertNotIn(loader.file_module_name(os.path.join(self.root, "nofile.py")), sys.modules)


if __name__ == "__main__":
    unittest.main()
