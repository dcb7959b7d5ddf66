package dev.regent.config;

/**
 * Where a setting came from, as shown in error messages and {@code --print-config}:
 * {@code app.ini:12}, {@code command line argument 3}, {@code environment variable UWSGI_FOO},
 * or {@code default}.
 */
public record Source(String description) {

    /** The value of an option nobody set. */
    public static final Source DEFAULT = new Source("default");

    static Source file(String path, int line) {
        return new Source(path + ":" + line);
    }

    static Source argument(int index) {
        return new Source("command line argument " + index);
    }

    static Source environment(String variable) {
        return new Source("environment variable " + variable);
    }

    @Override
    public String toString() {
        return description;
    }
}
