package dev.socketserver.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what {@code java.util.logging} loggers under a name log, from the moment it is made
 * until it is closed. Loggers are JVM-wide by name, so this also sees a webapp deployed in
 * embedded Jetty in the same JVM.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final Level previous;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(String name) {
        this.logger = Logger.getLogger(name);
        this.previous = logger.getLevel();
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    /** Captures records of {@code INFO} and above logged under {@code name} (a logger or package name). */
    public static LogCapture of(String name) {
        return new LogCapture(name);
    }

    /** The messages captured at {@code level} or above. */
    public List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue())
                .map(LogRecord::getMessage).toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(previous);
    }
}
