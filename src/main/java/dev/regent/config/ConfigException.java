package dev.regent.config;

import java.util.List;

/** The configuration cannot be used; each message is one complete sentence for the user. */
final class ConfigException extends Exception {

    private final List<String> messages;

    ConfigException(String message) {
        this(List.of(message));
    }

    ConfigException(List<String> messages) {
        super(String.join("\n", messages), null, false, false);
        this.messages = List.copyOf(messages);
    }

    List<String> messages() {
        return messages;
    }
}
