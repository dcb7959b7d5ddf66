"""Config parsing and the LOG line splitter."""

from __future__ import annotations

import json
import re
import unittest

import support  # noqa: F401

from regent.config import AppConfig, parse_config
from regent.logpipe import MAX_LINE, LineSplitter


class ConfigTest(unittest.TestCase):
    def test_spec_example(self) -> None:
        config = parse_config(
            json.dumps(
                {
                    "socket": "/run/regent-1234/master.sock",
                    "token": "9f1c0e6a5b7d4e2f8a3c1b0d9e8f7a6b",
                    "generation": 1,
                    "processes": 2,
                    "threads": 2,
                    "app": {
                        "module": "hello:application",
                        "wsgi_file": None,
                        "callable": "application",
                        "chdir": "/srv/app",
                        "pythonpath": ["/srv/app"],
                        "home": None,
                        "lazy_apps": False,
                    },
                }
            )
        )
        self.assertEqual((config.generation, config.processes, config.threads), (1, 2, 2))
        self.assertEqual(
            config.app, AppConfig(module="hello:application", chdir="/srv/app", pythonpath=("/srv/app",))
        )

    def test_defaults_and_unknown_keys(self) -> None:
        config = parse_config('{"socket": "/s", "token": "t", "future_option": 1}')
        self.assertEqual((config.generation, config.processes, config.threads), (1, 1, 1))
        self.assertEqual(config.app, AppConfig())

    def test_type_errors_name_the_field(self) -> None:
        for text, message in (
            ('{"token": "t"}', "socket: None (expected: str)"),
            ('{"socket": "/s", "token": "t", "threads": "2"}', "threads: '2' (expected: int)"),
            ('{"socket": "/s", "token": "t", "threads": true}', "threads: True (expected: int)"),
            ('{"socket": "/s", "token": "t", "threads": 0}', "threads: 0 (expected: >= 1)"),
            ('{"socket": "/s", "token": "t", "app": {"pythonpath": [1]}}', "pythonpath entry: 1"),
            ("[]", "expected: a JSON object"),
        ):
            with self.subTest(text=text), self.assertRaisesRegex(ValueError, re.escape(message)):
                parse_config(text)


class LineSplitterTest(unittest.TestCase):
    def test_lines_across_feeds(self) -> None:
        splitter = LineSplitter()
        self.assertEqual(splitter.feed(b"one\ntw"), [b"one"])
        self.assertEqual(splitter.feed(b"o\r\n\nthree"), [b"two", b""])
        self.assertEqual(splitter.flush(), [b"three"])
        self.assertEqual(splitter.flush(), [])

    def test_long_lines_are_cut(self) -> None:
        splitter = LineSplitter()
        self.assertEqual(splitter.feed(b"x" * MAX_LINE + b"\n"), [b"x" * MAX_LINE])
        lines = splitter.feed(b"y" * (MAX_LINE * 2 + 10))
        self.assertEqual(lines, [b"y" * MAX_LINE] * 2)
        self.assertEqual(splitter.feed(b"\n"), [b"y" * 10])

    def test_cut_respects_utf8_characters(self) -> None:
        splitter = LineSplitter()
        text = b"a" * (MAX_LINE - 1) + "\u20ac".encode() + b"tail\n"
        lines = splitter.feed(text)
        self.assertEqual(lines, [b"a" * (MAX_LINE - 1), "\u20actail".encode()])

    def test_invalid_utf8_is_replaced(self) -> None:
        self.assertEqual(LineSplitter().feed(b"bad \xff byte\n"), ["bad \ufffd byte".encode()])


if __name__ == "__main__":
    unittest.main()
