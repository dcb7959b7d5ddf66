package dev.regent.testkit;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the per-scenario WSGI apps (src/test/resources/apps) and the project root. */
public final class Apps {
    private Apps() {
    }

    public static Path path(String name) {
        URL url = Apps.class.getClassLoader().getResource("apps/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no test app: apps/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directory holding pom.xml and bin/ (surefire runs tests with the project as cwd). */
    public static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bin/regent"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find bin/regent above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
