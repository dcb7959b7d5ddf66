package dev.regent.staticfiles;

import dev.regent.config.StaticSpec;
import dev.regent.protocol.environ.EnvironReader;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Decides whether the master answers a request from the file system, and with what
 * ({@code check-static}, {@code static-map}, {@code static-map2} and their companions).
 *
 * <p>Runs on the I/O loop, so it only does what is cheap and bounded there: decoding the path,
 * {@code realpath} and {@code stat} (a few syscalls that hit the dentry cache). File contents are
 * never read here; the body goes out with sendfile ({@link StaticReply}).
 *
 * <p>A file that is not found lets the request go on to the app, as in uWSGI. A path that tries
 * to leave its docroot (see {@link StaticPath}), or a symlink that resolves outside it and outside
 * every {@code static-safe} directory, is refused with 403 and never reaches the app.
 */
public final class StaticFiles {

    private record Root(String mount, Path docroot, boolean keepMount) {
    }

    private record Expiry(Pattern pattern, long seconds) {
    }

    private final List<Root> roots = new ArrayList<>();
    private final List<Path> safe = new ArrayList<>();
    private final List<String> index;
    private final List<String> skipExt;
    private final List<Expiry> expiresPath = new ArrayList<>();
    private final List<Expiry> expiresUri = new ArrayList<>();
    private final Map<String, Long> expiresType = new HashMap<>();
    private final MimeTypes mime;

    private StaticFiles(StaticSpec spec) throws IOException {
        for (String m : spec.staticMap()) {
            roots.add(mapping("static-map", m, false));
        }
        for (String m : spec.staticMap2()) {
            roots.add(mapping("static-map2", m, true));
        }
        for (String dir : spec.checkStatic()) {
            roots.add(new Root("", realDirectory("check-static", dir), true));
        }
        for (String dir : spec.safe()) {
            safe.add(Path.of(dir).toAbsolutePath().normalize());
            Path p = Path.of(dir);
            if (Files.exists(p)) {
                safe.add(p.toRealPath());
            }
        }
        index = spec.index();
        skipExt = spec.skipExt().stream().map(e -> e.toLowerCase(Locale.ROOT)).toList();
        for (String e : spec.expires()) {
            expiresPath.add(expiry("static-expires", e));
        }
        for (String e : spec.expiresUri()) {
            expiresUri.add(expiry("static-expires-uri", e));
        }
        for (String e : spec.expiresType()) {
            int eq = e.lastIndexOf('=');
            Long seconds = eq > 0 ? parseSeconds(e.substring(eq + 1)) : null;
            if (seconds == null) {
                throw new IOException("static-expires-type: " + e + " (expected: TYPE=SECONDS, such as text/css=86400)");
            }
            expiresType.put(e.substring(0, eq).trim().toLowerCase(Locale.ROOT), seconds);
        }
        mime = MimeTypes.load(spec.mimefile() == null ? null : Path.of(spec.mimefile()));
    }

    /** The static file server for {@code spec}, or null when no static option is set. */
    public static StaticFiles create(StaticSpec spec) throws IOException {
        return spec.off() ? null : new StaticFiles(spec);
    }

    /**
     * The master's own answer to this request, or null to pass it to the app.
     *
     * @param method  request method (only GET and HEAD are served)
     * @param target  the raw request target
     * @param environ the request environ, for the conditional and range headers (not consumed)
     */
    public StaticReply answer(String method, String target, ByteBuf environ) {
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            return null;
        }
        StaticPath.Result parsed = StaticPath.parse(target);
        if (parsed instanceof StaticPath.NotAPath) {
            return null;
        }
        String raw = parsed instanceof StaticPath.Clean c ? c.raw() : StaticPath.rawPath(target);
        for (Root root : roots) {
            if (!inScope(raw, root.mount())) {
                continue;
            }
            if (parsed instanceof StaticPath.Refused refused) {
                return StaticReply.refused(403, refused.reason());
            }
            StaticPath.Clean clean = (StaticPath.Clean) parsed;
            String relative = clean.relative();
            if (!root.keepMount()) {
                String mountRel = StaticPath.parse(root.mount()) instanceof StaticPath.Clean m ? m.relative() : "";
                relative = relative.length() <= mountRel.length() ? "" : relative.substring(mountRel.length() + 1);
            }
            StaticReply reply = lookup(root, relative, target, head, environ);
            if (reply != null) {
                return reply;
            }
        }
        return null;
    }

    private StaticReply lookup(Root root, String relative, String target, boolean head, ByteBuf environ) {
        Path file = relative.isEmpty() ? root.docroot() : root.docroot().resolve(relative);
        BasicFileAttributes attrs;
        Path real;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
            if (attrs.isDirectory()) {
                file = indexOf(file);
                if (file == null) {
                    return null;
                }
                attrs = Files.readAttributes(file, BasicFileAttributes.class);
            }
            if (!attrs.isRegularFile()) {
                return null;
            }
            real = file.toRealPath();
        } catch (IOException e) {
            return null;
        }
        if (!real.startsWith(root.docroot()) && !isSafe(real)) {
            return StaticReply.refused(403, "resolves outside its docroot");
        }
        String name = real.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String ext : skipExt) {
            if (name.endsWith(ext)) {
                return null;
            }
        }
        String type = mime.of(name);
        long expires = expiresFor(target, real, type);
        return StaticReply.file(real, attrs, MimeTypes.header(type), expires, head,
                EnvironReader.get(environ, "HTTP_IF_NONE_MATCH"),
                EnvironReader.get(environ, "HTTP_IF_MODIFIED_SINCE"),
                EnvironReader.get(environ, "HTTP_RANGE"),
                EnvironReader.get(environ, "HTTP_IF_RANGE"));
    }

    private Path indexOf(Path dir) {
        for (String name : index) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private boolean isSafe(Path real) {
        for (Path p : safe) {
            if (real.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Seconds until Expires, or -1 for none; the first matching rule wins (URI, then path, then type). */
    private long expiresFor(String target, Path real, String type) {
        for (Expiry e : expiresUri) {
            if (e.pattern().matcher(target).find()) {
                return e.seconds();
            }
        }
        for (Expiry e : expiresPath) {
            if (e.pattern().matcher(real.toString()).find()) {
                return e.seconds();
            }
        }
        Long byType = expiresType.get(type);
        return byType == null ? -1 : byType;
    }

    private static boolean inScope(String raw, String mount) {
        if (mount.isEmpty()) {
            return true;
        }
        if (raw == null || !raw.startsWith(mount)) {
            return false;
        }
        return mount.endsWith("/") || raw.length() == mount.length() || raw.charAt(mount.length()) == '/';
    }

    private static Root mapping(String option, String value, boolean keepMount) throws IOException {
        int eq = value.indexOf('=');
        if (eq <= 0 || !value.startsWith("/") || eq == value.length() - 1) {
            throw new IOException(option + ": " + value + " (expected: /mount=docroot, such as /static=/srv/app/static)");
        }
        String mount = value.substring(0, eq).trim();
        Path dir = realDirectory(option, value.substring(eq + 1).trim());
        // static-map2 keeps the mount: the docroot holds it as a subdirectory.
        return new Root(mount, dir, keepMount);
    }

    private static Path realDirectory(String option, String dir) throws IOException {
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            throw new IOException(option + ": " + dir + " is not a directory");
        }
        return p.toRealPath();
    }

    private static Expiry expiry(String option, String value) throws IOException {
        String v = value.trim();
        int space = v.lastIndexOf(' ');
        Long seconds = space > 0 ? parseSeconds(v.substring(space + 1)) : null;
        if (seconds == null) {
            throw new IOException(option + ": " + value + " (expected: REGEXP SECONDS, such as \\.css$ 86400)");
        }
        try {
            return new Expiry(Pattern.compile(v.substring(0, space).trim()), seconds);
        } catch (RuntimeException e) {
            throw new IOException(option + ": bad regular expression in " + value + ": " + e.getMessage());
        }
    }

    private static Long parseSeconds(String s) {
        try {
            long n = Long.parseLong(s.trim());
            return n >= 0 ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
