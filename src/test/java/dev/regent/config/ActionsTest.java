package dev.regent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActionsTest {

    static LoadResult.Exit exit(String... argv) {
        return (LoadResult.Exit) ConfigLoader.load(argv, Map.of(), new ArrayList<>());
    }

    @Test
    void helpListsEveryOptionAndWinsOverErrors() {
        LoadResult.Exit help = exit("--bogus", "-h");
        assertThat(help.code()).isEqualTo(1); // an unknown option is reported before anything runs
        help = exit("--help", "--processes", "2");
        assertThat(help.code()).isZero();
        for (Option o : OptionTable.all()) {
            assertThat(help.output()).contains("--" + o.name());
        }
        assertThat(help.output()).contains("-p, --processes, --workers");
    }

    @Test
    void version() {
        assertThat(exit("--version")).isEqualTo(new LoadResult.Exit(0, "regent " + dev.regent.Version.VERSION));
    }

    @Test
    void optionsMarkdown() {
        assertThat(exit("--options-markdown")).isEqualTo(new LoadResult.Exit(0, OptionsMarkdown.render()));
    }

    @Test
    void printConfigShowsSourcesAndLoadsBack() {
        LoadResult.Exit printed = exit("--http-socket", ":8080", "--dryrun", "--chdir", "/srv/a b ");
        assertThat(printed.code()).isZero();
        assertThat(printed.output()).startsWith("[uwsgi]\nhttp-socket = :8080 ; command line argument 1\n")
                .contains("\nprocesses = 1 ; default\n")
                .contains("\nchdir = \"/srv/a b \" ; command line argument 4\n");
    }

    @Test
    void everyOptionOfTheReferenceIsInTheTable() {
        for (String name : new String[] {"strict", "master", "enable-threads", "vacuum", "single-interpreter",
                "die-on-term", "need-app", "disable-logging", "log-4xx", "log-5xx", "log-zero", "log-slow", "log-big",
                "log-sendfile", "log-ioerror", "log-format", "logformat", "logto", "log-reopen", "logto2",
                "daemonize", "log-maxsize", "harakiri", "harakiri-verbose", "py-call-osafterfork", "max-requests",
                "max-requests-delta", "min-worker-lifetime", "max-worker-lifetime", "reload-on-rss",
                "evil-reload-on-rss", "worker-reload-mercy", "mule-reload-mercy", "reload-mercy", "processes",
                "workers", "threads", "cheaper", "cheaper-initial", "cheaper-step", "cheaper-overload",
                "cheaper-algo", "cheaper-busyness-max", "idle", "cheap", "die-on-idle", "auto-procname",
                "procname-prefix", "procname-prefix-spaced", "procname", "cache2", "cache", "mule", "mules", "farm",
                "socket", "uwsgi-socket", "http-socket", "http11-socket", "shared-socket", "chmod-socket",
                "chown-socket", "listen", "uid", "gid", "chroot", "touch-reload", "touch-chain-reload", "chdir",
                "chdir2", "wsgi-file", "file", "module", "wsgi", "callable", "pythonpath", "python-path", "pp",
                "home", "virtualenv", "venv", "pyhome", "mount", "manage-script-name", "env", "unenv",
                "check-static", "static-map", "static-index", "static-expires", "static-safe", "offload-threads",
                "lazy-apps", "lazy", "pidfile", "pidfile2", "stats", "stats-http", "memory-report", "emperor",
                "emperor-tyrant", "vassals-inherit", "vassal-set", "master-fifo", "post-buffering", "buffer-size",
                "limit-post", "max-fd", "thunder-lock", "reuse-port", "so-keepalive", "add-header", "route",
                "route-if", "spooler", "spooler-processes", "attach-daemon", "smart-attach-daemon"}) {
            assertThat(OptionTable.find(name)).as(name).isPresent();
        }
    }
}
