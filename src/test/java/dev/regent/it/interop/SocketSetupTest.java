package dev.regent.it.interop;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The socket options end to end: addresses, socket files, chmod/chown, vacuum, reuse-port, shared sockets. */
class SocketSetupTest {
    @TempDir
    Path dir;

    private static RegentProcess.Builder app() {
        return RegentProcess.builder().app("basic.py").args("--processes", "1", "--threads", "2");
    }

    /** Starts a master that must refuse to start; returns its output. */
    private static String refusedStart(RegentProcess.Builder builder) throws Exception {
        RegentProcess p = builder.noWait().start();
        try {
            assertThat(p.awaitExit(Duration.ofSeconds(20))).as("exit status; output:\n" + p.log()).isNotZero();
            assertThat(p.tree().awaitGone(5000)).isEmpty();
            return p.log();
        } finally {
            p.close();
        }
    }

    /** Also: listen above net.core.somaxconn is a warning (uWSGI refuses to start), not an error. */
    @Test
    void mixedProtocolsOnTcpAndUnixSocketsServeOneApp() throws Exception {
        String unix = dir.resolve("app.sock").toString();
        String tcp = "127.0.0.1:" + FrontProcess.freePort();
        int somaxconn = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).strip());
        try (Backend b = Backend.start(unix, app().args("-s", tcp, "--listen", Integer.toString(somaxconn + 1)))
                .awaitReady()) {
            assertThat(b.log()).contains("listen " + (somaxconn + 1) + " is greater than net.core.somaxconn");
            assertThat(UwsgiClient.get(unix, "/method")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("GET");
            assertThat(UwsgiClient.get(tcp, "/method")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("GET");
            assertThat(b.log()).contains("uwsgi on " + unix).contains("uwsgi on " + tcp).contains("http on 127.0.0.1:");
        }
        assertThat(Path.of(unix)).as("vacuum removed the socket").doesNotExist();
    }

    @Test
    void abstractSocketHasNoFileAndServes() throws Exception {
        String name = "regent-it-" + UUID.randomUUID();
        try (Backend b = Backend.start("@" + name, app()).awaitReady()) {
            // The JDK cannot address the abstract namespace; Python can.
            String script = "import socket,sys\n"
                    + "s=socket.socket(socket.AF_UNIX)\n"
                    + "s.connect('\\0" + name + "')\n"
                    + "s.sendall(bytes.fromhex(sys.argv[1]))\n"
                    + "out=b''\n"
                    + "while True:\n"
                    + "    d=s.recv(65536)\n"
                    + "    if not d: break\n"
                    + "    out+=d\n"
                    + "sys.stdout.write(out.decode('latin-1'))\n";
            String hex = java.util.HexFormat.of().formatHex(UwsgiClient.packet(java.util.List.of(
                    "REQUEST_METHOD", "GET", "PATH_INFO", "/method", "SERVER_PROTOCOL", "HTTP/1.1")));
            Process py = new ProcessBuilder(RegentProcess.PYTHON, "-c", script, hex).redirectErrorStream(true).start();
            String reply = new String(py.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(py.waitFor()).as(reply).isZero();
            assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").endsWith("GET");
            assertThat(b.log()).contains("uwsgi on @" + name + ",");
            try (var files = Files.list(Path.of("").toAbsolutePath())) {
                assertThat(files.map(Path::getFileName).map(Path::toString)).doesNotContain("@" + name);
            }
        }
    }

    @Test
    void chmodAndChownApplyToTheSocketFile() throws Exception {
        Path sock = dir.resolve("app.sock");
        boolean root = "root".equals(System.getProperty("user.name"));
        String owner = root ? "nobody:nogroup" : Long.toString((Integer) Files.getAttribute(dir, "unix:uid"));
        try (Backend b = Backend.start(sock.toString(), app().args("--chmod-socket=660", "--chown-socket", owner))
                .awaitReady()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-rw----");
            if (root) {
                assertThat(Files.getOwner(sock, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo("nobody");
                assertThat(Files.getAttribute(sock, "posix:group").toString()).isEqualTo("nogroup");
            }
        }
    }

    @Test
    void chmodSocketNeedsThreeOctalDigits() throws Exception {
        String out = refusedStart(app().args("-s", dir.resolve("a.sock").toString(), "--chmod-socket=66"));
        assertThat(out).contains("chmod-socket").contains("66").contains("three octal digits");
    }

    @Test
    void staleSocketFileFromACrashedRunIsReplaced() throws Exception {
        Path sock = dir.resolve("app.sock");
        // Closing a bound JDK socket leaves its file behind, as a killed server does.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(sock));
        }
        assertThat(sock).exists();
        try (Backend b = Backend.start(sock.toString(), app().args("--chmod-socket")).awaitReady()) {
            assertThat(UwsgiClient.get(sock.toString(), "/method")).endsWith("GET");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)))
                    .as("bare --chmod-socket means 666").isEqualTo("rw-rw-rw-");
        }
        assertThat(sock).doesNotExist();
    }

    @Test
    void liveSocketIsRefusedAndLeftAlone() throws Exception {
        Path sock = dir.resolve("app.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(sock));
            String out = refusedStart(app().args("-s", sock.toString()));
            assertThat(out).contains("cannot bind uwsgi socket " + sock + ": another process is listening on it");
            assertThat(sock).exists();
        }
    }

    @Test
    void pathThatIsNotASocketIsNeverDeleted() throws Exception {
        Path file = dir.resolve("precious.txt");
        Files.writeString(file, "keep me");
        String out = refusedStart(app().args("-s", file.toString()));
        assertThat(out).contains("the path exists and is not a socket");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void reusePortLetsTwoInstancesShareATcpPort() throws Exception {
        String tcp = "127.0.0.1:" + FrontProcess.freePort();
        try (Backend first = Backend.start(tcp, app().args("--reuse-port"));
             Backend second = Backend.start(tcp, app().args("--reuse-port"))) {
            first.awaitReady();
            second.awaitReady();
            for (int i = 0; i < 4; i++) {
                assertThat(UwsgiClient.get(tcp, "/method")).endsWith("GET");
            }
            String out = refusedStart(app().args("-s", tcp));
            assertThat(out).contains("cannot bind uwsgi socket " + tcp);
        }
    }

    @Test
    void sharedSocketIsServedThroughItsIndex() throws Exception {
        int port = FrontProcess.freePort();
        String unix = dir.resolve("app.sock").toString();
        try (Backend b = Backend.start(unix, app().args("--shared-socket", "127.0.0.1:" + port,
                "--http-socket", "=0")).awaitReady()) {
            assertThat(HttpConnection.exchange(port, "GET /method HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .bodyText()).isEqualTo("GET");
        }
        String out = refusedStart(app().args("-s", unix, "--shared-socket", "127.0.0.1:" + port, "--socket", "=1"));
        assertThat(out).contains("=1").contains("shared-socket");
    }
}
