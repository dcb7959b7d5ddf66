package dev.regent.testkit;

import java.io.IOException;

/** Sends POSIX signals with kill(1): Java can only send TERM and KILL itself. */
public final class Signals {
    private Signals() {
    }

    public static void send(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes());
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + pid + " failed: " + out);
        }
    }
}
