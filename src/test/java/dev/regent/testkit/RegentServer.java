package dev.regent.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.util.List;

/**
 * One master shared by the tests of a class ({@code @RegisterExtension static}): started before
 * the first test; after each test it must still be running; after the last one SIGTERM must stop
 * it with status 0 and leave no process behind. The log is printed when anything fails.
 */
public final class RegentServer implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final RegentProcess.Builder builder;
    private RegentProcess process;

    public RegentServer(RegentProcess.Builder builder) {
        this.builder = builder;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        process = builder.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        boolean failed = context.getExecutionException().isPresent();
        if (failed) {
            Teardown.printLog(context.getDisplayName() + " failed", process);
        }
        if (!process.isAlive()) {
            if (!failed) {
                Teardown.printLog("master died", process);
            }
            throw new AssertionError("the shared master exited during " + context.getDisplayName()
                    + "; output:\n" + process.log());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (process == null) {
            return;
        }
        List<String> problems = Teardown.verify(process, false);
        if (!problems.isEmpty()) {
            Teardown.printLog("teardown of " + context.getDisplayName(), process);
            throw new AssertionError(String.join("\n", problems));
        }
    }

    public RegentProcess process() {
        return process;
    }

    public int port() {
        return process.port();
    }

    public HttpConnection connect() throws IOException {
        return HttpConnection.open(port());
    }

    /** One request on its own connection. */
    public HttpResponse exchange(String request) throws IOException {
        return HttpConnection.exchange(port(), request);
    }

    /** {@code GET path} with Host and Connection: close. */
    public HttpResponse get(String path) throws IOException {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    }
}
