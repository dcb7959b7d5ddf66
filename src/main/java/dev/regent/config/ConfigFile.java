package dev.regent.config;

/**
 * A config file being read: its path as given, its kind (ini, yaml, json, xml) and the section
 * (ini) or block (yaml, json) to take, {@code uwsgi} unless {@code file:section} says otherwise.
 */
record ConfigFile(String path, String kind, String section) {

    static final String DEFAULT_SECTION = "uwsgi";

    /**
     * Splits {@code file[:section]}. The colon counts only when the part after it cannot be part
     * of a path, so {@code ./a:b/c.ini} is a file name.
     *
     * @param kind the loader, or null to pick one by extension (ini when unknown)
     */
    static ConfigFile of(String spec, String kind, Source from) throws ConfigException {
        String path = spec;
        String section = DEFAULT_SECTION;
        int colon = spec.lastIndexOf(':');
        if (colon > 0 && spec.indexOf('/', colon) < 0) {
            path = spec.substring(0, colon);
            section = spec.substring(colon + 1);
        }
        if (path.isEmpty()) {
            throw new ConfigException("missing file name in \"" + spec + "\" (" + from + ")");
        }
        String detected = CommandLine.configKind(path);
        String chosen = kind != null ? kind : detected != null ? detected : "ini";
        return new ConfigFile(path, chosen, section);
    }
}
