"""End to end: a real zygote subprocess against a scripted master."""

from __future__ import annotations

import signal
import unittest

from support import TOKEN, FakeMaster, FrameConn, protocol, request_environ, wait_gone


def hello_request(conn: FrameConn, path: str = "/") -> tuple[protocol.ResponseHead, bytes]:
    conn.send(protocol.encode_request(protocol.NO_BODY, protocol.encode_environ(request_environ(path=path))))
    head = protocol.decode_response_head(conn.expect(protocol.RESPONSE_HEAD).payload)
    body = b""
    while True:
        frame = conn.recv()
        if frame.type == protocol.RESPONSE_END:
            assert frame.payload == b"\x00", frame
            return head, body
        assert frame.type == protocol.RESPONSE_BODY, frame
        body += frame.payload


class ZygoteTest(unittest.TestCase):
    def setUp(self) -> None:
        self.master = FakeMaster()
        self.addCleanup(self.master.close)

    def start(self, **app: object) -> tuple[FrameConn, protocol.Hello]:
        config = self.master.config(**app)
        self.master.start(config)
        control, hello = self.master.accept()
        self.addCleanup(control.close)
        return control, hello

    def spawn(self, control: FrameConn, worker_id: int, slots: int = 1) -> tuple[int, list[FrameConn]]:
        control.send(protocol.encode_spawn(worker_id))
        got_id, pid = protocol.decode_spawned(control.expect(protocol.SPAWNED).payload)
        self.assertEqual(got_id, worker_id)
        conns = []
        for slot in range(slots):
            conn, hello = self.master.accept()
            self.addCleanup(conn.close)
            self.assertEqual(
                (hello.token, hello.role, hello.generation, hello.worker_id, hello.pid),
                (TOKEN, protocol.ROLE_SLOT, 3, worker_id, pid),
            )
            conns.append((hello.slot, conn))
        conns.sort(key=lambda item: item[0])
        self.assertEqual([s for s, _ in conns], list(range(slots)))
        return pid, [c for _, c in conns]

    def test_lifecycle_ready_spawn_request_signal_shutdown(self) -> None:
        control, hello = self.start(module="hello:application")
        assert self.master.proc is not None
        self.assertEqual((hello.token, hello.role, hello.generation), (TOKEN, protocol.ROLE_CONTROL, 3))
        self.assertEqual((hello.worker_id, hello.slot, hello.pid), (0, 0, self.master.proc.pid))
        ready = control.expect(protocol.READY).payload.decode()
        self.assertIn("hello:application", ready)
        self.assertNotIn("\n", ready)

        pid1, (slot1,) = self.spawn(control, 1)
        head, body = hello_request(slot1)
        self.assertEqual((head.status, head.content_length, body), (200, 13, b"Hello, World!"))
        self.assertEqual(head.block, b"200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n")

        # A print in the worker comes back as a LOG line.
        hello_request(slot1, "/print")
        log = control.expect(protocol.LOG)
        worker_id, stream, line = protocol.decode_log(log.payload)
        self.assertEqual((worker_id, stream, line), (1, protocol.STDOUT, b"line from the app in %d" % pid1))

        control.send(protocol.encode_signal(pid1, signal.SIGTERM))
        exited = protocol.decode_exited(control.expect(protocol.EXITED).payload)
        self.assertEqual(exited, (1, pid1, -signal.SIGTERM))
        self.assertTrue(slot1.read_eof())
        self.assertTrue(wait_gone(pid1))

        pid2, (slot2,) = self.spawn(control, 2)
        self.assertEqual(hello_request(slot2)[1], b"Hello, World!")
        control.send(protocol.encode_shutdown())
        self.assertEqual(protocol.decode_exited(control.expect(protocol.EXITED).payload), (2, pid2, -signal.SIGTERM))
        self.assertTrue(control.read_eof())
        self.assertEqual(self.master.proc.wait(5), 0)
        self.assertTrue(wait_gone(pid2))

    def test_app_error_is_logged_and_answered_500(self) -> None:
        control, _ = self.start(module="hello:application")
        control.expect(protocol.READY)
        _, (slot,) = self.spawn(control, 1)
        slot.send(protocol.encode_request(protocol.NO_BODY, protocol.encode_environ(request_environ(path="/boom"))))
        head = protocol.decode_response_head(slot.expect(protocol.RESPONSE_HEAD).payload)
        self.assertEqual((head.status, slot.expect(protocol.RESPONSE_BODY).payload), (500, b"Internal Server Error\n"))
        slot.expect(protocol.RESPONSE_END)
        lines: list[bytes] = []
        while not lines or lines[-1] != b"RuntimeError: boom from the app":
            worker_id, stream, line = protocol.decode_log(control.expect(protocol.LOG).payload)
            self.assertEqual((worker_id, stream), (1, protocol.STDERR))
            lines.append(line)
        self.assertEqual(lines[:2], [b"Error while handling GET /boom:", b"Traceback (most recent call last):"])
        self.assertEqual(hello_request(slot)[1], b"Hello, World!")
        control.close()

    def test_worker_holds_no_zygote_descriptors(self) -> None:
        control, _ = self.start(module="hello:application")
        control.expect(protocol.READY)
        self.spawn(control, 1)
        pid, (slot,) = self.spawn(control, 2)
        with open(f"/proc/{pid}/comm") as f:
            self.assertEqual(f.read().strip(), "regent w2")
        fds = hello_request(slot, "/fds")[1].decode().splitlines()
        # stdin, the two log pipes, the slot socket: no control socket, no epoll,
        # no wake-up pipe, no pipe of worker 1.
        self.assertEqual(fds, ["0 /dev/null", "1 pipe", "2 pipe", "3 socket"])
        control.send(protocol.encode_shutdown(kill=True))
        control.expect(protocol.EXITED)
        control.expect(protocol.EXITED)
        self.assertTrue(control.read_eof())

    def test_worker_exits_when_its_slot_closes(self) -> None:
        control, _ = self.start(module="hello:application")
        control.expect(protocol.READY)
        pid, (slot,) = self.spawn(control, 1)
        slot.close()
        self.assertEqual(protocol.decode_exited(control.expect(protocol.EXITED).payload), (1, pid, 0))
        control.send(protocol.encode_shutdown(kill=True))
        self.assertTrue(control.read_eof())
        assert self.master.proc is not None
        self.assertEqual(self.master.proc.wait(5), 0)

    def test_threads_open_one_slot_each(self) -> None:
        config = self.master.config(module="hello:application")
        config["threads"] = 3
        self.master.start(config)
        control, _ = self.master.accept()
        self.addCleanup(control.close)
        control.expect(protocol.READY)
        pid, slots = self.spawn(control, 1, slots=3)
        for conn in reversed(slots):
            self.assertEqual(hello_request(conn)[1], b"Hello, World!")
        slots[2].close()  # any slot's EOF ends the whole worker
        self.assertEqual(protocol.decode_exited(control.expect(protocol.EXITED).payload), (1, pid, 0))
        control.close()
        assert self.master.proc is not None
        self.assertEqual(self.master.proc.wait(5), 0)

    def test_control_eof_kills_every_worker(self) -> None:
        control, _ = self.start(module="hello:application")
        control.expect(protocol.READY)
        pids = [self.spawn(control, wid)[0] for wid in (1, 2)]
        control.close()
        assert self.master.proc is not None
        self.assertEqual(self.master.proc.wait(5), 0)
        for pid in pids:
            self.assertTrue(wait_gone(pid), f"worker {pid} survived its zygote")

    def test_workers_die_with_a_killed_zygote(self) -> None:
        control, _ = self.start(module="hello:application")
        control.expect(protocol.READY)
        pid, _ = self.spawn(control, 1)
        assert self.master.proc is not None
        self.master.proc.kill()
        self.master.proc.wait(5)
        # The orphan is reparented; PDEATHSIG kills it, its new parent reaps it.
        self.assertTrue(wait_gone(pid), "worker survived a SIGKILLed zygote")

    def test_wsgi_file_and_lazy_apps(self) -> None:
        control, _ = self.start(wsgi_file="hello.py", callable="other", lazy_apps=True)
        self.assertIn("lazy-apps", control.expect(protocol.READY).payload.decode())
        _, (slot,) = self.spawn(control, 1)
        head, body = hello_request(slot)
        self.assertEqual((head.status, head.content_length, body), (200, -1, b"other"))
        control.send(protocol.encode_shutdown())
        control.expect(protocol.EXITED)
        self.assertTrue(control.read_eof())

    def test_lazy_apps_load_failure_exits_22(self) -> None:
        control, _ = self.start(module="broken:application", lazy_apps=True)
        control.expect(protocol.READY)
        control.send(protocol.encode_spawn(1))
        _, pid = protocol.decode_spawned(control.expect(protocol.SPAWNED).payload)
        lines = []
        while True:
            frame = control.recv()
            if frame.type == protocol.EXITED:
                self.assertEqual(protocol.decode_exited(frame.payload), (1, pid, 22))
                break
            self.assertEqual(frame.type, protocol.LOG)
            lines.append(protocol.decode_log(frame.payload)[2])
        self.assertIn(b"SyntaxError: expected ':'", lines)
        control.close()

    def test_load_failed_with_traceback_and_status_4(self) -> None:
        control, _ = self.start(module="broken:application")
        text = control.expect(protocol.LOAD_FAILED).payload.decode()
        self.assertIn("Traceback (most recent call last)", text)
        self.assertIn("broken.py", text)
        self.assertIn("SyntaxError", text)
        assert self.master.proc is not None
        self.assertEqual(self.master.proc.wait(5), 4)

    def test_load_failed_for_a_missing_callable(self) -> None:
        control, _ = self.start(module="hello:nope")
        text = control.expect(protocol.LOAD_FAILED).payload.decode()
        self.assertIn("'nope' not found", text)
        assert self.master.proc is not None
        self.assertEqual(self.master.proc.wait(5), 4)


if __name__ == "__main__":
    unittest.main()
