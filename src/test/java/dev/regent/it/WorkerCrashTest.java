package dev.regent.it;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A worker killed in the middle of a request: 502 for it, and a respawned worker for the next. */
class WorkerCrashTest {
    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .args("--processes", "1", "--threads", "1"));

    @Test
    void aWorkerKilledWhileServingGives502AndARespawnedWorkerServesTheNextRequest() throws Exception {
        String before = SERVER.get("/pid").bodyText();
        HttpResponse killed = SERVER.get("/die");  // the app SIGKILLs its own process
        assertThat(killed.status()).isEqualTo(502);
        HttpResponse next = SERVER.get("/pid");
        assertThat(next.status()).isEqualTo(200);
        assertThat(next.bodyText()).as("pid of the worker after the crash").isNotEqualTo(before);
    }
}
