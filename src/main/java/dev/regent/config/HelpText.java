package dev.regent.config;

import java.util.List;
import java.util.stream.Collectors;

/** {@code --help}: every option from the table, grouped by area, with its default and status. */
final class HelpText {

    private HelpText() {
    }

    static String render() {
        StringBuilder out = new StringBuilder();
        out.append("Usage: regent [options] [config.ini|config.yaml|config.json ...]\n");
        out.append("Options are also read from ini/yaml/json files and from UWSGI_*/REGENT_* variables.\n");
        String area = null;
        for (Option o : OptionTable.all()) {
            if (!o.area().equals(area)) {
                area = o.area();
                out.append('\n').append(area).append(":\n");
            }
            out.append(line(o)).append('\n');
        }
        out.append("\n[no effect] accepted for compatibility; [not yet] stops startup until implemented.");
        return out.toString();
    }

    private static String line(Option o) {
        String names = "  " + flags(o);
        StringBuilder help = new StringBuilder(o.help());
        if (o.defaultValue() != null) {
            help.append(" (default ").append(o.defaultValue()).append(')');
        }
        switch (o.status()) {
            case ACCEPTED_NO_EFFECT -> help.append(" [no effect]");
            case NOT_YET_IMPLEMENTED -> help.append(" [not yet]");
            default -> { }
        }
        return names.length() >= 34 ? names + "\n" + " ".repeat(34) + help : String.format("%-34s%s", names, help);
    }

    static String flags(Option o) {
        List<String> parts = o.names().stream().map(n -> "--" + n).collect(Collectors.toList());
        if (o.shortFlag() != 0) {
            parts.add(0, "-" + o.shortFlag());
        }
        return String.join(", ", parts);
    }
}
