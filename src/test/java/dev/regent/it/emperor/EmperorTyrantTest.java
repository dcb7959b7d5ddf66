package dev.regent.it.emperor;

import dev.regent.testkit.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * emperor-tyrant with two Unix users made for the test: each vassal's Python processes run as its
 * file's owner (whatever uid the file asks for), a root-owned file is refused with uWSGI's message,
 * a logto the owner does not own is refused, and a file that changes hands is restarted as the
 * new owner.
 */
class EmperorTyrantTest {
    private static final String[] USERS = {"regent-t1", "regent-t2"};
    private static final List<String> created = new ArrayList<>();

    static final String APP = """
            import os
            def application(environ, start_response):
                body = ("%s uid=%d gid=%d\\n" % (os.environ.get("VASSAL"), os.getuid(), os.getgid())).encode()
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                return [body]
            """;

    @BeforeAll
    static void users() throws Exception {
        assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
                "emperor-tyrant needs root");
        for (String u : USERS) {
            if (run("id", "-u", u) != 0) {
                assertThat(run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", u))
                        .as("useradd " + u).isZero();
                created.add(u);
            }
        }
    }

    @AfterAll
    static void removeUsers() throws Exception {
        for (String u : created) {
            run("userdel", u);
        }
    }

    @Test
    void vassalsRunAsTheirFilesOwnersAndRootFilesAndForeignLogsAreRefused() throws Exception {
        int uid1 = id("-u", USERS[0]);
        int gid1 = id("-g", USERS[0]);
        int uid2 = id("-u", USERS[1]);
        // Root-owned directories (the workers only need to read the app), which is also what the
        // emperor asks of the directories holding sockets and logs.
        Path dir = Files.createTempDirectory("regent-emperor-tyrant-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path vassals = Files.createDirectories(dir.resolve("vassals"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path app = dir.resolve("app.py");
        Files.writeString(app, APP);
        Path log1 = Files.createFile(logs.resolve("t1.log"));
        chown(log1, uid1, gid1);
        Path rootLog = Files.createFile(logs.resolve("root.log"));

        Path t1 = vassals.resolve("t1.ini");
        Files.writeString(t1, EmperorLifecycleTest.vassal(dir, "t1", app.toString(), "logto = " + log1));
        chown(t1, uid1, gid1);
        Path t2 = vassals.resolve("t2.ini");
        // uid = 0 in a tenant's file is overridden by the owner's.
        Files.writeString(t2, EmperorLifecycleTest.vassal(dir, "t2", app.toString(), "uid = 0", "gid = 0"));
        chown(t2, uid2, id("-g", USERS[1]));
        Files.writeString(vassals.resolve("root.ini"), EmperorLifecycleTest.vassal(dir, "root", app.toString()));
        Path badlog = vassals.resolve("badlog.ini");
        Files.writeString(badlog, EmperorLifecycleTest.vassal(dir, "badlog", app.toString(), "logto = " + rootLog));
        chown(badlog, uid1, gid1);

        try (EmperorProcess emperor = EmperorProcess.start(vassals, "--emperor-tyrant")) {
            emperor.awaitVassal("t1.ini", v -> v.contains("\"state\":\"ready\""), Duration.ofSeconds(30));
            emperor.awaitVassal("t2.ini", v -> v.contains("\"state\":\"ready\""), Duration.ofSeconds(30));
            HttpResponse r1 = emperor.get("t1.test");
            assertThat(r1.status()).isEqualTo(200);
            assertThat(r1.bodyText()).startsWith("t1 uid=" + uid1 + " gid=" + gid1);
            assertThat(emperor.get("t2.test").bodyText()).startsWith("t2 uid=" + uid2 + " ");
            // No Python process of the emperor ever runs as root: not the zygotes either.
            emperor.sample();
            List<Integer> uids = ProcessHandle.of(emperor.pid()).orElseThrow().descendants()
                    .map(p -> uidOf(p.pid())).filter(u -> u >= 0).toList();
            assertThat(uids).isNotEmpty().doesNotContain(0);
            assertThat(Files.size(log1)).as("t1's logto gets its log").isPositive();

            String root = emperor.awaitVassal("root.ini", v -> v.contains("\"state\":\"failed\""),
                    Duration.ofSeconds(10));
            assertThat(root).contains("emperor-tyrant");
            assertThat(emperor.log()).contains("[emperor-tyrant] invalid permissions for vassal root.ini");
            assertThat(emperor.get("root.test").status()).isNotEqualTo(200);

            String bad = emperor.awaitVassal("badlog.ini", v -> v.contains("\"state\":\"failed\""),
                    Duration.ofSeconds(10));
            assertThat(bad).contains("logto");
            assertThat(emperor.log()).contains("[emperor-tyrant] vassal badlog.ini refused: logto " + rootLog);
            assertThat(Files.size(rootLog)).isZero();

            // The file changes hands: the vassal stops and comes back as the new owner.
            chown(t2, uid1, gid1);
            emperor.awaitResponse("t2.test", r -> r.status() == 200 && r.bodyText().startsWith("t2 uid=" + uid1 + " "),
                    Duration.ofSeconds(30));
            assertThat(emperor.log()).contains("[emperor-tyrant] vassal t2.ini: its file changed owner");
            assertThat(emperor.stats()).contains("\"emperor_tyrant\":1");
            assertThat(emperor.stop()).isEqualTo(0);
            assertThat(emperor.leftovers()).isEmpty();
        } finally {
            try (var all = Files.walk(dir)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static int uidOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.split("\\s+")[2]); // effective uid
                }
            }
        } catch (IOException | RuntimeException e) {
            // exited meanwhile
        }
        return -1;
    }

    private static void chown(Path p, int uid, int gid) throws Exception {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    private static int id(String flag, String user) throws Exception {
        Process p = new ProcessBuilder("id", flag, user).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as("id " + flag + " " + user + ": " + out).isZero();
        return Integer.parseInt(out);
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
