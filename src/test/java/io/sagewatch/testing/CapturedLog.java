package io.sagewatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The messages logged on one category while it is open, as the log line would show them. When the gateway is another
 * process (the native executable under {@code @QuarkusIntegrationTest}, whose stdout the launcher does not keep), the
 * lines it wrote since then: the JSON-line categories from a copy of its stdout lines (same loggers, same format, a
 * second handler: {@link #jsonLinesCopy}), told apart by their shape as CloudWatch Logs receives them; Vert.x's
 * blocked-thread warnings from the log file Quarkus gives the process.
 */
public final class CapturedLog extends Handler implements AutoCloseable {

    /** Where {@code @QuarkusIntegrationTest} has the launched artifact write its log. */
    private static final Path PROCESS_LOG = Path.of("target", "quarkus.log");

    private static final Path JSON_LINES_COPY =
            Path.of("target", "stdout-json-lines.log").toAbsolutePath();
    private static final List<String> JSON_LINE_CATEGORIES =
            List.of("sagewatch.inference", "sagewatch.emf", "sagewatch.dead-letter", "sagewatch.model-health");
    private static final Map<String, Predicate<String>> PROCESS_LINES = Map.of(
            "sagewatch.inference",
            line -> line.startsWith("{") && line.contains("\"message\":\"inference\""),
            "sagewatch.emf",
            line -> line.startsWith("{") && line.contains("\"_aws\":"),
            "sagewatch.dead-letter",
            line -> line.startsWith("{\"dead_letter\""),
            "sagewatch.model-health",
            line -> line.startsWith("{")
                    && (line.contains("\"message\":\"model_health_window\"")
                            || line.contains("\"message\":\"model_quality_window\"")),
            // the log file's format abbreviates the category: [io.ver.cor.imp.BlockedThreadChecker]
            NoBlockedEventLoop.CHECKER,
            line -> line.contains("BlockedThreadChecker]"));

    private final Logger logger;
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Path processFile;
    private final Predicate<String> processLine;
    private final long processOffset;

    private CapturedLog(Logger logger, Path processFile, Predicate<String> processLine, long processOffset) {
        this.logger = logger;
        this.processFile = processFile;
        this.processLine = processLine;
        this.processOffset = processOffset;
        setLevel(Level.ALL);
    }

    /**
     * Settings for a gateway started as a process: its JSON-line categories also written, as on stdout, to a file
     * this class reads.
     */
    public static Map<String, String> jsonLinesCopy() {
        Map<String, String> settings = new HashMap<>();
        settings.put("quarkus.log.handler.file.\"json-lines-copy\".enabled", "true");
        settings.put("quarkus.log.handler.file.\"json-lines-copy\".path", JSON_LINES_COPY.toString());
        settings.put("quarkus.log.handler.file.\"json-lines-copy\".format", "%s%n");
        for (String category : JSON_LINE_CATEGORIES) {
            settings.put("quarkus.log.category.\"" + category + "\".handlers", "json-lines,json-lines-copy");
        }
        return settings;
    }

    public static CapturedLog of(String category) {
        if (Artifact.isNative()) {
            Predicate<String> lines = PROCESS_LINES.get(category);
            if (lines == null) {
                throw new IllegalArgumentException(category + ": not readable from a gateway process");
            }
            Path file = JSON_LINE_CATEGORIES.contains(category) ? JSON_LINES_COPY : PROCESS_LOG;
            return new CapturedLog(null, file, lines, size(file));
        }
        Logger logger = Logger.getLogger(category);
        CapturedLog log = new CapturedLog(logger, null, null, 0);
        logger.addHandler(log);
        return log;
    }

    public List<String> messages() {
        if (processFile == null) {
            return List.copyOf(messages);
        }
        try {
            byte[] output = Files.exists(processFile) ? Files.readAllBytes(processFile) : new byte[0];
            // a new process may have started the file again
            int from = processOffset <= output.length ? (int) processOffset : 0;
            String since = new String(output, from, output.length - from, StandardCharsets.UTF_8);
            return Arrays.stream(since.split("\n")).filter(processLine).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void publish(LogRecord record) {
        messages.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        if (logger != null) {
            logger.removeHandler(this);
        }
    }
}
