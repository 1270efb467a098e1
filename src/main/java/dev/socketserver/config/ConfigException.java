package dev.socketserver.config;

import java.util.List;

/** Start-up refused because the configuration is invalid; the message lists every problem. */
public final class ConfigException extends RuntimeException {
    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    }
}
