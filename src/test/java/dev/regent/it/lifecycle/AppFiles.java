package dev.regent.it.lifecycle;

import dev.regent.testkit.Apps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/** Private copies of apps/lifecycle/app.py that a test may edit (version bumps, broken code). */
final class AppFiles {
    private AppFiles() {
    }

    /** A fresh directory holding app.py at {@code version}. */
    static Path copy(String version) throws IOException {
        Path dir = Files.createTempDirectory("regent-lifecycle-");
        Path app = dir.resolve("app.py");
        setVersion(app, version);
        return app;
    }

    /** Rewrites the app with another VERSION string. */
    static void setVersion(Path app, String version) throws IOException {
        String text = Files.readString(Apps.path("lifecycle/app.py"))
                .replace("VERSION = \"v1\"", "VERSION = \"" + version + "\"");
        write(app, text);
    }

    /** Replaces the app with code Python cannot compile. */
    static void breakIt(Path app) throws IOException {
        write(app, "VERSION = (\"never\"\ndef application(:\n");
    }

    static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        touch(file);
    }

    /** Moves the mtime forward so that a watcher sees a change even within one clock tick. */
    static void touch(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.writeString(file, "");
        }
        FileTime next = FileTime.from(Instant.now().plusSeconds(1 + (System.nanoTime() % 1000)));
        Files.setLastModifiedTime(file, next);
    }
}
