package dev.regent.testkit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Masters started by one test ({@code @RegisterExtension} instance field). After the test each
 * must have exited (the test stops it; one still running is a failure) and left no process or
 * zombie behind. The log is printed when the test or a check fails.
 */
public final class RegentProcesses implements AfterEachCallback {
    private final List<RegentProcess> started = new ArrayList<>();
    private boolean mayOutliveTest;

    /** The test does not stop its masters itself: teardown stops them with SIGTERM (status 0 expected). */
    public RegentProcesses stoppedAtTeardown() {
        mayOutliveTest = true;
        return this;
    }

    public RegentProcess start(RegentProcess.Builder builder) throws Exception {
        RegentProcess p = builder.start();
        started.add(p);
        return p;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        boolean failed = context.getExecutionException().isPresent();
        List<String> problems = new ArrayList<>();
        for (RegentProcess p : started) {
            List<String> own = Teardown.verify(p, !mayOutliveTest);
            if (failed || !own.isEmpty()) {
                Teardown.printLog(context.getDisplayName(), p);
            }
            problems.addAll(own);
        }
        started.clear();
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }
}
