package dev.regent.it.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx or apache2 started by a test from the Debian package's binary, with a config
 * generated into its own temp dir, listening on a free 127.0.0.1 port: never the system service
 * and never port 80. A missing binary fails the test (CI installs both; see bin/test).
 */
final class FrontProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final String name;
    private final Process process;
    private final Path dir;
    private final Path errorLog;
    private final int port;

    private FrontProcess(String name, Process process, Path dir, Path errorLog, int port) {
        this.name = name;
        this.process = process;
        this.dir = dir;
        this.errorLog = errorLog;
        this.port = port;
    }

    /** nginx in the foreground with {@code http} holding the server blocks (and upstreams) to serve. */
    static FrontProcess nginx(Path dir, int port, String http) throws IOException, InterruptedException {
        Path binary = requireBinary("/usr/sbin/nginx", "nginx");
        Files.createDirectories(dir);
        // As root nginx would run its workers as nobody, which cannot reach sockets in a 0700
        // temp dir; the test's own user is the realistic owner of both sides anyway.
        String user = isRoot() ? "user root root;\n" : "";
        String conf = user + """
                daemon off;
                master_process on;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 256; }
                http {
                    access_log %1$s/access.log;
                    client_body_temp_path %1$s/client_body;
                    uwsgi_temp_path %1$s/uwsgi_temp;
                    proxy_temp_path %1$s/proxy_temp;
                    fastcgi_temp_path %1$s/fastcgi_temp;
                    scgi_temp_path %1$s/scgi_temp;
                    client_max_body_size 64m;
                %2$s
                }
                """.formatted(dir, http);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", file.toString());
        return start("nginx", pb, dir, dir.resolve("error.log"), port);
    }

    /** apache2 (event MPM) in the foreground; {@code body} holds the ProxyPass lines. */
    static FrontProcess apache(Path dir, int port, String body) throws IOException, InterruptedException {
        Path binary = requireBinary("/usr/sbin/apache2", "apache2");
        Path modules = Path.of("/usr/lib/apache2/modules");
        for (String m : List.of("mod_mpm_event.so", "mod_authz_core.so", "mod_proxy.so", "mod_proxy_uwsgi.so")) {
            if (!Files.exists(modules.resolve(m))) {
                throw new AssertionError("Apache module " + modules.resolve(m) + " is missing: install apache2 "
                        + "(mod_proxy_uwsgi ships with it); bin/test does this on CI");
            }
        }
        Files.createDirectories(dir);
        String conf = """
                ServerRoot %1$s
                DefaultRuntimeDir %1$s
                PidFile %1$s/apache.pid
                Mutex file:%1$s default
                ServerName 127.0.0.1
                Listen 127.0.0.1:%2$d
                LoadModule mpm_event_module %3$s/mod_mpm_event.so
                LoadModule authz_core_module %3$s/mod_authz_core.so
                LoadModule proxy_module %3$s/mod_proxy.so
                LoadModule proxy_uwsgi_module %3$s/mod_proxy_uwsgi.so
                ErrorLog %1$s/error.log
                LogLevel warn
                LogFormat "%%h %%r %%>s %%b" common
                CustomLog %1$s/access.log common
                StartServers 1
                ServerLimit 1
                ThreadsPerChild 25
                MaxRequestWorkers 25
                %4$s
                """.formatted(dir, port, modules, body);
        Path file = dir.resolve("httpd.conf");
        Files.writeString(file, conf);
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-f", file.toString(), "-DFOREGROUND");
        // apache2 refuses to start without these from /etc/apache2/envvars when run directly.
        pb.environment().put("APACHE_RUN_DIR", dir.toString());
        pb.environment().put("APACHE_LOG_DIR", dir.toString());
        pb.environment().put("APACHE_LOCK_DIR", dir.toString());
        pb.environment().put("APACHE_PID_FILE", dir.resolve("apache.pid").toString());
        return start("apache2", pb, dir, dir.resolve("error.log"), port);
    }

    private static FrontProcess start(String name, ProcessBuilder pb, Path dir, Path errorLog, int port)
            throws IOException, InterruptedException {
        Path out = dir.resolve(name + ".out");
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        FrontProcess front = new FrontProcess(name, pb.start(), dir, errorLog, port);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!front.process.isAlive()) {
                throw new AssertionError(name + " exited with status " + front.process.exitValue()
                        + " at startup:\n" + front.output());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return front;
            } catch (IOException notYet) {
                Thread.sleep(25);
            }
        }
        front.close();
        throw new AssertionError(name + " did not listen on port " + port + " within " + START_TIMEOUT
                + ":\n" + front.output());
    }

    private static Path requireBinary(String path, String pkg) {
        Path p = Path.of(path);
        if (!Files.isExecutable(p)) {
            throw new AssertionError(path + " is missing: install the Debian package " + pkg
                    + " (bin/test does this on CI); the interop tests never skip");
        }
        return p;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** A port that was free a moment ago on 127.0.0.1. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    /** The front end's stdout/stderr and error log, for failure messages. */
    String output() {
        return "--- " + name + " output ---\n" + read(dir.resolve(name + ".out"))
                + "--- " + name + " error log ---\n" + read(errorLog);
    }

    String errorLog() {
        return read(errorLog);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Fast stop (SIGTERM for both), then waits; kills the whole tree if it lingers. */
    @Override
    public void close() throws InterruptedException {
        ProcessHandle handle = process.toHandle();
        List<ProcessHandle> children = handle.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            children.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            child.onExit().completeOnTimeout(child, 5, TimeUnit.SECONDS).join();
        }
    }
}
