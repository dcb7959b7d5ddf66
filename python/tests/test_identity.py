"""Process names and the identity switch of regent.process (the parts testable without root)."""

from __future__ import annotations

import os
import tempfile
import unittest

from regent import process
from regent.config import parse_config


class IdentityTest(unittest.TestCase):
    def test_worker_name_template(self) -> None:
        self.assertEqual(process.worker_name(None, 3), "regent w3")
        self.assertEqual(process.worker_name("svc regent worker {id}", 3), "svc regent worker 3")
        self.assertEqual(process.worker_name("myapp", 3), "myapp")

    def test_umask_alone_needs_no_privilege(self) -> None:
        pid = os.fork()
        if pid == 0:
            process.apply_identity(None, None, 0o027)
            mask = os.umask(0)
            os._exit(0 if mask == 0o027 else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)

    def test_unknown_user_and_group_are_named_in_the_error(self) -> None:
        with self.assertRaisesRegex(ValueError, r"uid: no-such-user-xyz \(expected: a user name or number"):
            process.apply_identity("no-such-user-xyz", None, None)
        with self.assertRaisesRegex(ValueError, r"gid: no-such-group-xyz \(expected: a group name or number"):
            process.apply_identity(None, "no-such-group-xyz", None)

    def test_becoming_who_we_are_works(self) -> None:
        pid = os.fork()
        if pid == 0:
            uid, gid = os.getuid(), os.getgid()
            process.apply_identity(str(uid), str(gid), None)
            os._exit(0 if (os.getuid(), os.getgid()) == (uid, gid) else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)

    @unittest.skipUnless(os.getuid() == 0, "switching users needs root")
    def test_root_drops_for_good(self) -> None:
        pid = os.fork()
        if pid == 0:
            try:
                process.apply_identity("nobody", None, None)
                ok = os.getuid() != 0 and os.geteuid() != 0 and 0 not in os.getgroups()
                try:
                    os.setuid(0)
                    ok = False
                except PermissionError:
                    pass
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)

    def test_config_carries_identity_and_names(self) -> None:
        config = parse_config(
            '{"socket": "/s", "token": "t", "app": {"uid": "nobody", "gid": "65534", "umask": 23,'
            ' "zygote_name": "regent zygote", "worker_name": "regent worker {id}"}}'
        )
        self.assertEqual(config.app.uid, "nobody")
        self.assertEqual(config.app.gid, "65534")
        self.assertEqual(config.app.umask, 0o027)
        self.assertEqual(config.app.worker_name, "regent worker {id}")

    def test_config_carries_chroot_and_an_abstract_socket(self) -> None:
        config = parse_config('{"socket": "\\u0000regent-1-ab", "token": "t", "app": {"chroot": "/jail"}}')
        self.assertEqual(config.socket, "\0regent-1-ab")
        self.assertEqual(config.app.chroot, "/jail")

    def test_chroot_needs_root(self) -> None:
        if os.getuid() != 0:
            with self.assertRaisesRegex(OSError, r"chroot: /: only root can chroot"):
                process.apply_identity(None, None, None, "/")
            return
        # As root, check it in a child that has given root up.
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.setgid(65534)
                os.setuid(65534)
                process.apply_identity(None, None, None, "/")
            except OSError as exc:
                code = 0 if "only root can chroot" in str(exc) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)

    @unittest.skipUnless(os.getuid() == 0, "chroot needs root")
    def test_chroot_before_the_drop_with_names_resolved_outside(self) -> None:
        with tempfile.TemporaryDirectory() as jail:
            os.chmod(jail, 0o755)
            os.mkdir(os.path.join(jail, "inside"))
            pid = os.fork()
            if pid == 0:
                try:
                    # No /etc/passwd in the jail: "nobody" must be resolved before the chroot.
                    process.apply_identity("nobody", None, None, jail)
                    ok = os.listdir("/") == ["inside"] and os.getcwd() == "/" and os.getuid() != 0
                except BaseException:
                    ok = False
                os._exit(0 if ok else 1)
            _, status = os.waitpid(pid, 0)
            self.assertEqual(os.waitstatus_to_exitcode(status), 0)


if __name__ == "__main__":
    unittest.main()
