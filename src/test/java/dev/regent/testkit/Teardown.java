package dev.regent.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The invariants checked after every master: it exited, nothing it started lives on, no zombie. */
final class Teardown {
    private static final Duration GRACE = Duration.ofSeconds(20);

    private Teardown() {
    }

    /**
     * Stops a master still running (SIGTERM, then SIGKILL for everything) and returns the broken
     * invariants, empty when all hold. {@code stillRunningIsError}: the test should have stopped it.
     */
    static List<String> verify(RegentProcess regent, boolean stillRunningIsError) throws Exception {
        List<String> problems = new ArrayList<>();
        if (regent.isAlive()) {
            if (stillRunningIsError) {
                problems.add("the master (pid " + regent.pid() + ") was still running after the test");
            }
            try {
                regent.signal("TERM");
                int status = regent.awaitExit(GRACE);
                if (!stillRunningIsError && status != 0) {
                    problems.add("SIGTERM at teardown: the master exited with status " + status + " (expected: 0)");
                }
            } catch (IOException e) {
                // It exited between the check and the signal; the wait below sees it gone.
                regent.awaitExit(GRACE);
            } catch (AssertionError e) {
                problems.add("the master did not exit within " + GRACE + " of SIGTERM");
                regent.destroyAll();
            }
        }
        List<String> left = regent.tree().awaitGone(5000);
        if (!left.isEmpty()) {
            problems.add("processes left after the master exited:\n  " + String.join("\n  ", left));
            regent.destroyAll();
        }
        regent.close();
        return problems;
    }

    static void printLog(String title, RegentProcess regent) {
        System.err.println("===== " + title + ": output of the master (pid " + regent.pid() + ") =====");
        System.err.println(regent.log());
        System.err.println("===== end of output =====");
    }
}
