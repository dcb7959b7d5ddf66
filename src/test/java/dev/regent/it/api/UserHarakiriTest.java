package dev.regent.it.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;

/**
 * uwsgi.set_user_harakiri and @harakiri: a request's own deadline kills its worker (504, a log
 * line saying it was a user harakiri, the stuck function in the stack dump), and the deadline
 * ends with the request that set it. No global harakiri is configured.
 */
class UserHarakiriTest {
    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("user_harakiri_app.py")
            .args("--processes", "1"));

    @Test
    void aQuickRequestIsUnaffectedAndTheNextRequestHasNoHarakiri() throws Exception {
        int logFrom = SERVER.process().log().length();
        for (String setter : new String[] {"/quick", "/regent-quick", "/stock-quick"}) {
            HttpResponse quick = SERVER.get(setter);
            assertThat(quick.status()).as(setter).isEqualTo(200);
            // Longer than the 1 s the previous request asked for, on the same (only) worker.
            HttpResponse slow = SERVER.get("/slow");
            assertThat(slow.status()).as("/slow after " + setter).isEqualTo(200);
            assertThat(slow.bodyText()).as("the same worker").isEqualTo(quick.bodyText());
        }
        assertThat(SERVER.process().log().substring(logFrom)).doesNotContain("HARAKIRI");
    }

    @Test
    void aRequestPastItsOwnHarakiriGets504AndTheLogNamesTheStuckFunction() throws Exception {
        expect504("/stuck", "stuck_in_user_harakiri");
        expect504("/regent-stuck", "stuck_under_regent_decorator");
        if (SERVER.get("/has-stock").bodyText().equals("yes")) {
            expect504("/stock-stuck", "stuck_under_stock_decorator");
        }
    }

    private static void expect504(String path, String function) throws IOException, InterruptedException {
        String before = SERVER.get("/quick").bodyText();
        long start = System.nanoTime();
        HttpResponse r = SERVER.get(path);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).as(path).isEqualTo(504);
        assertThat(ms).as(path + " answered within ~3 s").isLessThan(3500);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!SERVER.process().log().contains(function) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String log = SERVER.process().log();
        assertThat(log).containsPattern("HARAKIRI ON WORKER 1 \\(pid " + before + "\\) \\*\\*\\* app \\S+: \\S+ GET "
                + path.replace("/", "\\/") + " has run for \\d+ ms \\(user harakiri 1 s, set by the app with set_user_harakiri\\)");
        assertThat(log).contains(function);
    }
}
