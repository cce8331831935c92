package dev.beanstalkmigrator.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Every line the JVM's loggers write while attached to the root logger, formatted as the operator's log would
 * show it ({@code logger message [thrown]}), for tests that prove what a log line never holds.
 */
public final class LogCapture extends Handler {

    private final List<String> lines = new CopyOnWriteArrayList<>();

    /** Starts capturing: attaches to the root logger. */
    public LogCapture attach() {
        Logger.getLogger("").addHandler(this);
        return this;
    }

    /** Stops capturing; the lines stay. */
    public void detach() {
        Logger.getLogger("").removeHandler(this);
    }

    /** The lines captured so far, in order. */
    public List<String> lines() {
        return lines;
    }

    @Override
    public void publish(LogRecord record) {
        String message = record.getMessage();
        if (record.getParameters() != null && message != null) {
            try {
                message = String.format(message, record.getParameters());
            } catch (RuntimeException e) {
                message = message + " " + List.of(record.getParameters());
            }
        }
        lines.add(record.getLoggerName() + " " + message
                + (record.getThrown() == null ? "" : " " + record.getThrown()));
    }

    @Override
    public void flush() { }

    @Override
    public void close() { }
}
