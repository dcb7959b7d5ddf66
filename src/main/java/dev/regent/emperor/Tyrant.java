package dev.regent.emperor;

import dev.regent.config.EmperorConfig;
import dev.regent.config.Option;
import dev.regent.config.OptionTable;
import dev.regent.config.OptionType;
import dev.regent.config.ServerConfig;
import dev.regent.config.SocketSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * emperor-tyrant (docs/emperor.md, "Tyrant mode"): every vassal runs as the owner of its file.
 *
 * <p>The emperor is root and its vassals are threads of it, so two things are needed. The Python
 * processes must never run as root: they are started through a root-owned launcher script that
 * execs {@code setpriv} to the owner's uid/gid before the interpreter (or anything the tenant's
 * {@code env} could load, such as LD_PRELOAD) runs. And the options the emperor itself acts on,
 * as root, must not reach what the owner could not: those are checked here against rules that
 * hold even if the tenant changes its own files afterwards (no check-then-open race), or refused.
 */
final class Tyrant {

    /** A vassal file's owner. */
    record Owner(int uid, int gid) {
        boolean root() {
            return uid == 0 || gid == 0;
        }
    }

    /** Applied by the Python processes, which already run as the owner: nothing for the emperor to check. */
    private static final Set<String> OWNER_SIDE = Set.of("python", "module", "wsgi-file", "callable", "chdir",
            "pythonpath", "home", "mule", "farm", "env", "uid", "gid", "umask");
    /** Addresses the emperor binds as root. */
    private static final Set<String> SOCKETS = Set.of("socket", "http-socket", "http11-socket", "http",
            "shared-socket", "stats", "health-http", "metrics-http");
    /** The emperor would read, create, rename or chown files as root on the tenant's behalf, later and by name. */
    private static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("pidfile", "the emperor would write it as root"),
            Map.entry("safe-pidfile", "the emperor would write it as root"),
            Map.entry("master-fifo", "the emperor would create and read it as root"),
            Map.entry("log-maxsize", "rotation makes the emperor rename and create files as root"),
            Map.entry("log-backupname", "rotation makes the emperor rename and create files as root"),
            Map.entry("chown-socket", "the emperor would chown as root"),
            Map.entry("check-static", "the emperor would serve files as root"),
            Map.entry("static-map", "the emperor would serve files as root"),
            Map.entry("static-map2", "the emperor would serve files as root"),
            Map.entry("static-safe", "the emperor would serve files as root"),
            Map.entry("mimefile", "the emperor would read it as root"),
            Map.entry("chroot", "the Python processes never run as root, so they cannot chroot"));

    private final Path launchers;
    private final boolean allowRoot;

    /** {@code launchers}: a directory only root can write, for the launcher scripts. */
    Tyrant(Path launchers, boolean allowRoot) {
        this.launchers = launchers;
        this.allowRoot = allowRoot;
    }

    static Tyrant create(boolean allowRoot) throws IOException {
        return new Tyrant(Files.createTempDirectory("regent-tyrant-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))), allowRoot);
    }

    boolean allowRoot() {
        return allowRoot;
    }

    void close() {
        try (var files = Files.list(launchers)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(launchers);
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }

    /**
     * The file's owner, as stat(2) reports it (following a symlink, as the scanner does). A symlink
     * owned by someone else than its target's owner (and not by root) counts as root-owned, so it is
     * refused: one tenant must not run another tenant's file under its own vassal name.
     */
    static Owner ownerOf(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:uid,gid");
        Owner target = new Owner((Integer) a.get("uid"), (Integer) a.get("gid"));
        if (Files.isSymbolicLink(file)) {
            int linkUid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (linkUid != 0 && linkUid != target.uid()) {
                return new Owner(0, 0);
            }
        }
        return target;
    }

    /** What the configuration loader forces on vassal {@code name} owned by {@code owner}. */
    EmperorConfig.Owned owned(String name, Owner owner) {
        return new EmperorConfig.Owned(owner.uid(), owner.gid(), (python, env) -> launcher(name, owner, python, env));
    }

    /**
     * Writes the vassal's launcher: {@code sh} (root, with the emperor's environment only) execs
     * setpriv, which drops to the owner for good (no supplementary groups, as uWSGI's tyrant; no new
     * privileges) and then execs env, which sets the vassal's variables and runs the interpreter.
     */
    private String launcher(String name, Owner owner, String python, Map<String, String> env) throws IOException {
        StringBuilder sb = new StringBuilder("#!/bin/sh\nexec setpriv --reuid=").append(owner.uid())
                .append(" --regid=").append(owner.gid()).append(" --clear-groups --no-new-privs -- env --");
        for (Map.Entry<String, String> e : env.entrySet()) {
            sb.append(' ').append(quote(e.getKey() + "=" + e.getValue()));
        }
        sb.append(' ').append(quote(python)).append(" \"$@\"\n");
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        Path target = launchers.resolve(safe + "." + owner.uid() + ".sh");
        Path tmp = Files.createTempFile(launchers, safe, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        // Atomic: a server starting meanwhile runs the old script or the new one, never half of one.
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target.toString();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Why the emperor cannot run this configuration for {@code owner}; empty when it can. */
    static List<String> problems(ServerConfig config, Owner owner) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Object> o : config.api().options().entrySet()) {
            String name = o.getKey();
            List<String> values = o.getValue() instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                    : List.of(String.valueOf(o.getValue()));
            if (OWNER_SIDE.contains(name)) {
                continue;
            }
            String refused = REFUSED.get(name);
            if (refused != null) {
                out.add(name + " is not allowed in an emperor-tyrant vassal (" + refused + ")");
            } else if (name.equals("logto")) {
                for (String v : values) {
                    String why = ownedFile(Path.of(v.strip()), owner);
                    if (why != null) {
                        out.add("logto " + v.strip() + ": " + why);
                    }
                }
            } else if (name.equals("touch-reload") || name.equals("touch-chain-reload")) {
                for (String v : values) {
                    String why = statted(Path.of(v.strip()), owner);
                    if (why != null) {
                        out.add(name + " " + v.strip() + ": " + why);
                    }
                }
            } else if (SOCKETS.contains(name)) {
                for (String v : values) {
                    String why = socket(v.strip());
                    if (why != null) {
                        out.add(name + " " + v.strip() + ": " + why);
                    }
                }
            } else if (name.equals("cache2")) {
                if (values.stream().anyMatch(v -> v.contains("store="))) {
                    out.add("cache2 store= is not allowed in an emperor-tyrant vassal (the emperor would write it"
                            + " as root)");
                }
            } else {
                OptionType type = OptionTable.find(name).map(Option::type).orElse(OptionType.ANY);
                if (type == OptionType.PATH || type == OptionType.SOCKET) {
                    // A path option nobody classified: refused until someone decides who acts on it.
                    out.add(name + " is not allowed in an emperor-tyrant vassal (a path the emperor has no rule for)");
                }
            }
        }
        return out;
    }

    /**
     * logto: the file must already exist, be a regular file of the owner with one link, and sit in
     * a directory only root can change. The emperor opens it as root, but then writes only into a
     * file the owner owns anyway, and the owner cannot swap it for a link elsewhere.
     */
    static String ownedFile(Path path, Owner owner) {
        Path real;
        try {
            real = rootOnlyParent(path);
        } catch (Refused e) {
            return e.getMessage();
        }
        try {
            Map<String, Object> a = Files.readAttributes(real, "unix:uid,nlink,mode", LinkOption.NOFOLLOW_LINKS);
            boolean regular = Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS);
            if (!regular || (Integer) a.get("uid") != owner.uid() || (Integer) a.get("nlink") != 1) {
                return "must be a regular file of uid " + owner.uid() + " with one link (" + hint(path, owner) + ")";
            }
        } catch (IOException e) {
            return "does not exist (" + hint(path, owner) + ")";
        }
        return null;
    }

    private static String hint(Path path, Owner owner) {
        return "create it first: install -o " + owner.uid() + " -g " + owner.gid() + " -m 640 /dev/null " + path;
    }

    /** touch-reload: only stat(2)ed, so the file (or, while absent, its directory) must be the owner's. */
    static String statted(Path path, Owner owner) {
        Path abs = path.toAbsolutePath().normalize();
        Path check = Files.exists(abs, LinkOption.NOFOLLOW_LINKS) ? abs : abs.getParent();
        try {
            if (check == null || (Integer) Files.getAttribute(check, "unix:uid", LinkOption.NOFOLLOW_LINKS)
                    != owner.uid()) {
                return "must belong to uid " + owner.uid() + " (or, while it does not exist, its directory)";
            }
        } catch (IOException e) {
            return "its directory does not exist";
        }
        return null;
    }

    /**
     * A Unix socket the emperor binds, chmods and removes as root: in a directory only root can
     * change, and nothing but an old socket at that path. TCP ports below 1024 are root's.
     */
    static String socket(String address) {
        SocketSpec s = new SocketSpec(SocketSpec.Protocol.HTTP, address);
        if (s.isAbstract()) {
            return null;
        }
        if (!s.isUnix()) {
            int port = s.port();
            return port > 0 && port < 1024 ? "ports below 1024 are not for emperor-tyrant vassals" : null;
        }
        Path real;
        try {
            real = rootOnlyParent(Path.of(address));
        } catch (Refused e) {
            return e.getMessage();
        }
        if (Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Object isOther = Files.readAttributes(real, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode");
                if (((Integer) isOther & 0170000) != 0140000) {
                    return "something other than a socket is there";
                }
            } catch (IOException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    /** A check that failed; its message says why. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The path with its directory resolved to a real path, once every directory from that one up
     * to / is root's and not writable by group or others (a directory above may be sticky, like
     * /tmp: then its root-owned entries cannot be renamed by others either).
     */
    private static Path rootOnlyParent(Path path) throws Refused {
        Path abs = path.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null) {
            throw new Refused("not a file path");
        }
        Path real;
        try {
            real = parent.toRealPath();
        } catch (IOException e) {
            throw new Refused("its directory " + parent + " does not exist");
        }
        boolean nearest = true;
        for (Path d = real; d != null; d = d.getParent()) {
            try {
                Map<String, Object> a = Files.readAttributes(d, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                boolean othersWrite = (mode & 0022) != 0;
                boolean sticky = (mode & 01000) != 0;
                if ((Integer) a.get("uid") != 0 || (othersWrite && (nearest || !sticky))) {
                    throw new Refused("directory " + d + " can be changed by a user other than root (the emperor"
                            + " acts on this path as root, so only root may be able to change where it leads)");
                }
            } catch (IOException e) {
                throw new Refused("cannot stat " + d + ": " + e.getMessage());
            }
            nearest = false;
        }
        return real.resolve(abs.getFileName());
    }
}
