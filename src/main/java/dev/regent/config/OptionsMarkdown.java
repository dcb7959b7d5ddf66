package dev.regent.config;

/**
 * Renders docs/options.md from the option table. The page is generated; OptionsDocTest fails
 * when the committed copy is stale.
 */
public final class OptionsMarkdown {

    private OptionsMarkdown() {
    }

    /** The whole page. */
    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append("# Options\n\n");
        out.append("<!-- Generated from the option table in dev.regent.config; do not edit. -->\n");
        out.append("<!-- Regenerate: regent --options-markdown > docs/options.md -->\n\n");
        out.append("Every option can be given as `--name value` or `--name=value` on the command line, ")
                .append("as `name = value` in an ini file, as `name: value` in YAML, in JSON, or as ")
                .append("`UWSGI_NAME` / `REGENT_NAME` in the environment (dashes become underscores).\n\n");
        out.append("Status: **yes** = implemented; **no effect** = accepted for compatibility and ignored ")
                .append("by design; **not yet** = stops startup with `option \"NAME\" is not implemented yet`.\n");
        out.append("Defaults that differ from uWSGI's are listed in [differences.md](differences.md).\n");
        String area = null;
        for (Option o : OptionTable.all()) {
            if (!o.area().equals(area)) {
                area = o.area();
                out.append("\n## ").append(area).append("\n\n");
                out.append("| option | also | type | default | status | description |\n");
                out.append("|---|---|---|---|---|---|\n");
            }
            out.append(row(o)).append('\n');
        }
        return out.toString();
    }

    private static String row(Option o) {
        StringBuilder also = new StringBuilder();
        if (o.shortFlag() != 0) {
            also.append("`-").append(o.shortFlag()).append('`');
        }
        for (String alias : o.aliases()) {
            also.append(also.isEmpty() ? "" : " ").append('`').append(alias).append('`');
        }
        String type = o.type().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + (o.repeatable() ? ", repeatable" : "");
        String status = switch (o.status()) {
            case IMPLEMENTED -> "yes";
            case ACCEPTED_NO_EFFECT -> "no effect";
            case NOT_YET_IMPLEMENTED -> "not yet";
        };
        String def = o.defaultValue() == null ? "" : "`" + o.defaultValue() + "`";
        return "| `" + o.name() + "` | " + also + " | " + type + " | " + def + " | " + status + " | "
                + o.help().replace("|", "\\|") + " |";
    }
}
