package io.sagewatch.datacapture;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.metrics.DataCaptureMeters;
import io.sagewatch.records.PayloadRedactor;

import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Writes the captured inferences to S3 in SageMaker Data Capture's layout, on a thread of its own (it blocks there,
 * never on an event loop): each capture, redacted as records are, becomes one JSON line in its endpoint's, variant's
 * and hour's open file; a file is put to
 * {@code s3://BUCKET/PREFIX/ENDPOINT/VARIANT/yyyy/mm/dd/hh/mm-ss-SSS-<uuid>.jsonl} once it is a flush interval old or
 * full. A put that fails is tried again (backing off up to 30 s) while the bytes waiting stay within their bound; the
 * intake drops new captures beyond it. At shutdown every file is put once more, and what S3 still refuses is counted.
 */
@Singleton
public class CaptureWriter {

    private static final Logger LOG = Logger.getLogger(CaptureWriter.class);
    private static final Duration PUT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration NAP = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** At shutdown, the files left are put within this (the process's own stop waits a little longer). */
    private static final Duration SHUTDOWN_PUTS = Duration.ofSeconds(20);
    /** One round puts files for at most this long, so that the queue keeps being read while S3 is slow. */
    private static final Duration ROUND_PUTS = Duration.ofSeconds(2);

    private static final DateTimeFormatter HOUR =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter NAME =
            DateTimeFormatter.ofPattern("mm-ss-SSS").withZone(ZoneOffset.UTC);

    private final CaptureIntake intake;
    private final PayloadRedactor redactor;
    private final DataCaptureMeters meters;
    private final Instance<S3AsyncClient> clients;
    private final SagewatchConfig.DataCapture config;
    private final CaptureLine lines;
    private final Map<String, OpenFile> open = new LinkedHashMap<>();
    private final List<OpenFile> sealed = new ArrayList<>();
    private String bucket;
    private String prefix;
    private S3AsyncClient s3;
    private volatile boolean running;
    private Thread thread;

    /** A file being filled, then waiting to be put. */
    private static final class OpenFile {
        final String endpoint;
        final String folder;
        final Instant openedAt;
        final ByteArrayOutputStream lines = new ByteArrayOutputStream();
        int count;
        String key;
        int attempts;
        Instant nextAttempt = Instant.EPOCH;

        OpenFile(String endpoint, String folder, Instant openedAt) {
            this.endpoint = endpoint;
            this.folder = folder;
            this.openedAt = openedAt;
        }
    }

    CaptureWriter(
            CaptureIntake intake,
            PayloadRedactor redactor,
            DataCaptureMeters meters,
            Instance<S3AsyncClient> clients,
            SagewatchConfig config) {
        this.intake = intake;
        this.redactor = redactor;
        this.meters = meters;
        this.clients = clients;
        this.config = config.dataCapture();
        this.lines = new CaptureLine(this.config.csvContentTypes(), this.config.jsonContentTypes());
    }

    void start(@Observes StartupEvent event) {
        if (!intake.on()) {
            return;
        }
        String destination = config.destination().orElseThrow().substring("s3://".length());
        int slash = destination.indexOf('/');
        bucket = slash < 0 ? destination : destination.substring(0, slash);
        String rest = slash < 0 ? "" : destination.substring(slash + 1);
        prefix = rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
        s3 = clients.get();
        running = true;
        thread = new Thread(this::run, "sagewatch-data-capture");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops: what is queued goes into files, and every file is put once more. */
    void stop(@Observes ShutdownEvent event) {
        if (thread == null) {
            return;
        }
        running = false;
        try {
            thread.join(SHUTDOWN_PUTS.toMillis() + PUT_TIMEOUT.toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            try {
                // a nap, not a wait on the queue: a waiting consumer makes every offer on an event loop wake it (a
                // futex call per inference, measured in bench/quality.sh); captures need not be read within 50 ms
                CaptureIntake.Captured next = intake.pollNow();
                if (next == null) {
                    Thread.sleep(NAP.toMillis());
                }
                for (int read = 0; next != null && read < 10_000; read++) {
                    add(next);
                    next = intake.pollNow();
                }
                Instant now = Instant.now();
                sealOlderThan(now.minus(config.flushInterval()));
                putDue(now);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                LOG.errorf(e, "Data Capture's writer failed a round; it goes on");
            }
        }
        for (CaptureIntake.Captured next = intake.pollNow(); next != null; next = intake.pollNow()) {
            add(next);
        }
        sealOlderThan(Instant.MAX);
        long deadline = System.nanoTime() + SHUTDOWN_PUTS.toNanos();
        for (OpenFile file : new ArrayList<>(sealed)) {
            long left = deadline - System.nanoTime();
            if (left > 0 && put(file, Duration.ofNanos(Math.min(left, PUT_TIMEOUT.toNanos())))) {
                continue;
            }
            sealed.remove(file);
            intake.release(file.lines.size());
            meters.dropped(file.endpoint, DataCaptureMeters.Drop.SHUTDOWN, file.count);
        }
    }

    private void add(CaptureIntake.Captured captured) {
        InferenceOutcome outcome = captured.outcome();
        String endpoint = outcome.request().endpointName();
        try {
            byte[] input = redactor.redact(outcome.request().body());
            byte[] output = redactor.redact(outcome.response().body());
            if (input == null || output == null) {
                meters.dropped(endpoint, DataCaptureMeters.Drop.UNREDACTABLE, 1);
                return;
            }
            byte[] line = lines.write(outcome, input, output);
            String variant = outcome.response().invokedProductionVariant() == null
                    ? "AllTraffic"
                    : outcome.response().invokedProductionVariant();
            String folder = endpoint + "/" + variant + "/"
                    + HOUR.format(outcome.request().receivedAt());
            OpenFile file = open.get(folder);
            if (file != null && file.count > 0 && file.lines.size() + line.length > config.maxFileBytes()) {
                seal(folder, file);
                file = null;
            }
            if (file == null) {
                file = new OpenFile(endpoint, folder, Instant.now());
                open.put(folder, file);
            }
            file.lines.writeBytes(line);
            file.count++;
            intake.hold(line.length);
        } finally {
            intake.release(captured.bytes());
        }
    }

    private void sealOlderThan(Instant cutoff) {
        for (Iterator<Map.Entry<String, OpenFile>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, OpenFile> file = it.next();
            if (!file.getValue().openedAt.isAfter(cutoff)) {
                it.remove();
                sealed.add(file.getValue());
                nameOf(file.getValue());
            }
        }
    }

    private void seal(String folder, OpenFile file) {
        open.remove(folder);
        sealed.add(file);
        nameOf(file);
    }

    private void nameOf(OpenFile file) {
        String name = NAME.format(file.openedAt) + "-" + UUID.randomUUID() + ".jsonl";
        file.key = (prefix.isEmpty() ? "" : prefix + "/") + file.folder + "/" + name;
    }

    private void putDue(Instant now) {
        long until = System.nanoTime() + ROUND_PUTS.toNanos();
        for (OpenFile file : new ArrayList<>(sealed)) {
            if (!running || System.nanoTime() > until) {
                return; // the rest at the next round, or at shutdown
            }
            if (!file.nextAttempt.isAfter(now) && !put(file, PUT_TIMEOUT)) {
                long backoff = Math.min(MAX_BACKOFF.toMillis(), 250L << Math.min(10, file.attempts));
                file.nextAttempt = now.plusMillis(backoff);
            }
        }
    }

    /** Puts one file; true when S3 took it (the same key each attempt: a retry overwrites, never duplicates). */
    private boolean put(OpenFile file, Duration timeout) {
        byte[] body = file.lines.toByteArray();
        try {
            Futures.await(
                    s3.putObject(
                            b -> b.bucket(bucket).key(file.key).contentType("application/jsonlines"),
                            AsyncRequestBody.fromBytes(body)),
                    timeout,
                    "S3");
            sealed.remove(file);
            intake.release(body.length);
            meters.fileWritten(file.endpoint);
            meters.captured(file.endpoint, file.count);
            return true;
        } catch (RuntimeException e) {
            file.attempts++;
            meters.writeFailed(file.endpoint);
            LOG.warnf(
                    "Could not put Data Capture file s3://%s/%s (%d lines; attempt %d, tried again): %s",
                    bucket, file.key, file.count, file.attempts, e.getMessage());
            return false;
        }
    }
}
