package dev.regent.it.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** uid, gid, umask and process names, applied by the zygote before the app is imported. */
class IdentityTest {
    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    private static String get(RegentProcess m, String path) throws Exception {
        return HttpConnection.exchange(m.port(), "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                .bodyText();
    }

    private static String comm(long pid) throws Exception {
        return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    }

    @Test
    void workersRunAsTheConfiguredUserWithTheUmaskAndNames() throws Exception {
        // This test needs root (to switch users); the master must stay root, the workers must not.
        assertThat(new com.sun.security.auth.module.UnixSystem().getUid())
                .as("the lifecycle tests run as root in this environment").isZero();
        Path app = AppFiles.copy("v1");
        // The user the app runs as must be able to read it.
        Files.setPosixFilePermissions(app.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rw-r--r--"));
        RegentProcess m = masters.start(RegentProcess.builder().args("--wsgi-file", app.toString(),
                "--uid", "nobody", "--gid", "65534", "--umask", "027", "--auto-procname",
                "--procname-master", "rg-master"));
        String[] who = get(m, "/whoami").split(" ", 5);
        assertThat(who[0]).as("uid").isEqualTo("65534");
        assertThat(who[1]).as("gid").isEqualTo("65534");
        assertThat(who[2]).as("umask").isEqualTo("027");
        assertThat(who[3]).as("no root group left").doesNotContain("[0").doesNotContain(" 0,").doesNotContain(" 0]");
        assertThat(who[4]).as("worker name").isEqualTo("regent worker 1");
        assertThat(comm(m.pid())).isEqualTo("rg-master");
        List<String> names = ProcessHandle.of(m.pid()).orElseThrow().children()
                .map(p -> {
                    try {
                        return comm(p.pid());
                    } catch (Exception e) {
                        return "?";
                    }
                }).toList();
        assertThat(names).contains("regent zygote");
        // The worker cannot touch the code a later reload imports as root.
        String tamper = get(m, "/tamper");
        assertThat(tamper).startsWith("denied");
    }

    @Test
    void anUnknownUserStopsStartUpWithAClearMessage() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder().noWait().args("--wsgi-file",
                AppFiles.copy("v1").toString(), "--uid", "no-such-user-here"));
        assertThat(m.awaitExit(java.time.Duration.ofSeconds(30))).isNotZero();
        assertThat(m.log()).contains("uid: no-such-user-here (expected: a user name or number known to this system)");
    }
}
