package dev.regent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns argv into entries, the way uWSGI's getopt_long does: {@code --opt value}, {@code --opt=value},
 * short flags ({@code -p 4}, {@code -p4}, {@code -MT}), and positional config files, which are
 * loaded after every other argument. Flags and uWSGI's optional-argument options take a value only
 * when it is attached ({@code --chmod-socket=660}). Unknown options are always errors here, as they
 * are in uWSGI; unlike getopt, abbreviations are not accepted, because a typo that happened to be a
 * prefix would silently change meaning.
 */
final class CommandLine {

    private final String[] argv;
    private final List<Entry> entries = new ArrayList<>();
    private final List<Entry> positional = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    /** The previous argument when it was an option that cannot take the next word as its value. */
    private String previousAttachedOnly;

    private CommandLine(String[] argv) {
        this.argv = argv;
    }

    /** Entries in order, positional config files last. Throws with every problem found. */
    static List<Entry> parse(String[] argv) throws ConfigException {
        CommandLine cl = new CommandLine(argv);
        cl.run();
        if (!cl.errors.isEmpty()) {
            throw new ConfigException(cl.errors);
        }
        List<Entry> all = new ArrayList<>(cl.entries);
        all.addAll(cl.positional);
        return all;
    }

    private void run() {
        boolean optionsEnded = false;
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            String attachedOnly = previousAttachedOnly;
            previousAttachedOnly = null;
            if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
                positional(arg, i + 1, attachedOnly);
            } else if (arg.equals("--")) {
                optionsEnded = true;
            } else if (arg.startsWith("--")) {
                i = longOption(arg.substring(2), i);
            } else {
                i = shortOptions(arg.substring(1), i);
            }
        }
    }

    private int longOption(String body, int i) {
        Source source = Source.argument(i + 1);
        int eq = body.indexOf('=');
        String name = eq < 0 ? body : body.substring(0, eq);
        Optional<Option> option = OptionTable.find(name);
        if (option.isEmpty()) {
            errors.add(Messages.unknown("--" + name, name, source));
            // the next word is most likely the unknown option's value; one error is enough
            boolean nextIsValue = eq < 0 && i + 1 < argv.length && !argv[i + 1].startsWith("-")
                    && configKind(argv[i + 1]) == null;
            return nextIsValue ? i + 1 : i;
        }
        Option o = option.get();
        if (eq >= 0) {
            entries.add(new Entry(o.name(), body.substring(eq + 1), source));
        } else if (o.valueOnlyAttached()) {
            entries.add(new Entry(o.name(), "", source));
            previousAttachedOnly = "--" + name;
        } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
            // unlike getopt, "--processes --threads 4" is a missing value, not processes = "--threads"
            entries.add(new Entry(o.name(), argv[i + 1], source));
            return i + 1;
        } else {
            errors.add("option \"--" + name + "\" needs a value (" + source + "): expected " + o.type().expected());
        }
        return i;
    }

    private int shortOptions(String letters, int i) {
        Source source = Source.argument(i + 1);
        for (int k = 0; k < letters.length(); k++) {
            char letter = letters.charAt(k);
            Optional<Option> option = OptionTable.findShort(letter);
            if (option.isEmpty()) {
                errors.add(Messages.unknownFlag(letter, source));
                return i;
            }
            Option o = option.get();
            String rest = letters.substring(k + 1);
            if (o.valueOnlyAttached()) {
                if (o.type() == OptionType.FLAG || o.type() == OptionType.ACTION || rest.isEmpty()) {
                    entries.add(new Entry(o.name(), "", source));
                    if (rest.isEmpty()) {
                        previousAttachedOnly = "-" + letter;
                    }
                    continue;
                }
                entries.add(new Entry(o.name(), rest, source));
                return i;
            }
            if (!rest.isEmpty()) {
                entries.add(new Entry(o.name(), rest, source));
                return i;
            }
            if (i + 1 < argv.length) {
                entries.add(new Entry(o.name(), argv[i + 1], source));
                return i + 1;
            }
            errors.add("option \"-" + letter + "\" needs a value (" + source + "): expected " + o.type().expected());
            return i;
        }
        return i;
    }

    private void positional(String arg, int index, String attachedOnly) {
        if (arg.startsWith("[")) {
            return; // uWSGI ignores these; some init scripts pass a bracketed tag
        }
        String kind = configKind(arg);
        if (kind != null) {
            positional.add(new Entry(kind, arg, Source.argument(index)));
            return;
        }
        String message = "unexpected argument \"" + arg + "\" (" + Source.argument(index)
                + "): only config files ending in .ini, .yaml, .yml, .json or .js may stand alone";
        if (attachedOnly != null) {
            message += "; " + attachedOnly + " takes a value only when attached: " + attachedOnly + "=" + arg;
        }
        errors.add(message);
    }

    /** The loader option for a positional file, by extension, or null. */
    static String configKind(String file) {
        String lower = file.toLowerCase(Locale.ROOT);
        String name = lower.contains(":") && !lower.endsWith(":") ? lower.substring(0, lower.lastIndexOf(':')) : lower;
        if (name.endsWith(".ini")) {
            return "ini";
        } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return "yaml";
        } else if (name.endsWith(".json") || name.endsWith(".js")) {
            return "json";
        } else if (name.endsWith(".xml")) {
            return "xml";
        }
        return null;
    }
}
