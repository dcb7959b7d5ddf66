package dev.regent.config;

/** What {@link ConfigLoader#load} tells {@code Main} to do. */
public sealed interface LoadResult {

    /** Start the server with this configuration. */
    record Run(ServerConfig config) implements LoadResult {
    }

    /**
     * --help, --version, --print-config, or a configuration error: print {@code output} to stdout
     * (code 0) or stderr (code != 0), exit with {@code code}.
     */
    record Exit(int code, String output) implements LoadResult {
    }
}
