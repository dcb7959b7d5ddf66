package dev.regent.config;

import static dev.regent.config.Option.Status.ACCEPTED_NO_EFFECT;
import static dev.regent.config.Option.Status.IMPLEMENTED;
import static dev.regent.config.Option.Status.NOT_YET_IMPLEMENTED;
import static dev.regent.config.OptionType.ANY;
import static dev.regent.config.OptionType.BYTES;
import static dev.regent.config.OptionType.FLAG;
import static dev.regent.config.OptionType.KEY_VALUE;
import static dev.regent.config.OptionType.PATH;
import static dev.regent.config.OptionType.TEXT;

import java.util.List;
import java.util.stream.Stream;

/** The option table, part 2: the Python application and the request log. */
final class AppOptions {

    private AppOptions() {
    }

    static List<Option> all() {
        return Stream.of(python(), logging()).flatMap(List::stream).toList();
    }

    private static List<Option> python() {
        String area = "Python application";
        return Stream.of(
                Option.of("python", PATH, "python3", IMPLEMENTED, "Python interpreter to run the app with (Regent)"),
                Option.of("module", PATH, null, IMPLEMENTED, "module[:callable] to import").alias("wsgi").flag('w'),
                Option.of("wsgi-file", PATH, null, IMPLEMENTED, "Python file to import").alias("file"),
                Option.of("callable", PATH, "application", IMPLEMENTED, "name of the WSGI callable"),
                Option.of("chdir", PATH, null, IMPLEMENTED, "directory to change to before importing the app"),
                Option.of("chdir2", ANY, null, NOT_YET_IMPLEMENTED, "directory to change to after loading the app"),
                Option.of("pythonpath", PATH, null, IMPLEMENTED, "directory to put in front of sys.path")
                        .alias("python-path", "pp").repeated(),
                Option.of("home", PATH, null, IMPLEMENTED, "virtualenv directory")
                        .alias("virtualenv", "venv", "pyhome").flag('H'),
                Option.of("env", KEY_VALUE, null, IMPLEMENTED, "environment variable for the app").repeated(),
                Option.of("unenv", ANY, null, NOT_YET_IMPLEMENTED, "remove an environment variable").repeated(),
                Option.of("lazy-apps", FLAG, "false", IMPLEMENTED,
                        "import the app in each worker instead of once before forking"),
                Option.of("lazy", FLAG, "false", NOT_YET_IMPLEMENTED, "lazy-apps, and SIGHUP only recycles workers"),
                Option.of("need-app", FLAG, "true", IMPLEMENTED, "a failed app import stops startup"),
                Option.of("py-call-osafterfork", FLAG, "false", ACCEPTED_NO_EFFECT,
                        "workers are forked from a normal Python process, so Python signal handlers already work"),
                Option.of("plugin", TEXT, null, ACCEPTED_NO_EFFECT, "Python support is built in; nothing to load")
                        .alias("plugins").repeated(),
                Option.of("mount", ANY, null, NOT_YET_IMPLEMENTED, "mount an app at a path (/path=app)").repeated(),
                Option.of("manage-script-name", FLAG, "false", NOT_YET_IMPLEMENTED,
                        "move the mount point to SCRIPT_NAME"))
                .map(o -> o.in(area)).toList();
    }

    private static List<Option> logging() {
        String area = "Logging";
        return Stream.of(
                Option.of("disable-logging", FLAG, "false", IMPLEMENTED, "no log line per request").flag('L'),
                Option.of("log-4xx", FLAG, "true", IMPLEMENTED, "log 4xx responses even with logging disabled"),
                Option.of("log-5xx", FLAG, "true", IMPLEMENTED, "log 5xx responses even with logging disabled"),
                Option.of("logto", PATH, null, IMPLEMENTED, "append the log to this file instead of stderr"),
                Option.of("logto2", ANY, null, NOT_YET_IMPLEMENTED, "logto, after dropping privileges"),
                Option.of("log-sendfile", FLAG, "false", NOT_YET_IMPLEMENTED, "log sendfile responses"),
                Option.of("log-ioerror", FLAG, "false", NOT_YET_IMPLEMENTED, "log requests with I/O errors"),
                Option.of("log-format-strftime", FLAG, "false", IMPLEMENTED,
                        "pass log-format's text through strftime; %(ftime) uses the log-date format"),
                Option.of("log-truncate", FLAG, "false", NOT_YET_IMPLEMENTED, "truncate logto at startup"),
                Option.of("log-master", FLAG, "false", NOT_YET_IMPLEMENTED, "the master writes all logs"),
                Option.of("touch-logrotate", ANY, null, NOT_YET_IMPLEMENTED, "rotate the log when touched")
                        .repeated(),
                Option.of("touch-logreopen", ANY, null, NOT_YET_IMPLEMENTED, "reopen the log when touched")
                        .repeated())
                .map(o -> o.in(area)).toList();
    }
}
