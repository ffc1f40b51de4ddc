package io.sagewatch.core;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The one description of an inference as it is recorded, logged and measured. Each quantity has one name: the record's
 * attribute and the log line's field in snake_case, and its meter, where it has one, the same name in PascalCase
 * without the unit ({@code time_to_first_token_ms} is {@code TimeToFirstToken}). The record item, the log line and the
 * meters are all derived from {@link #ALL}; adding a quantity is adding a line here (and to the record's field-list
 * test, which pins the stored layout).
 */
public final class InferenceFields {

    /** How the fields are grouped in the docs and the record. */
    public enum Group {
        IDENTITY,
        OUTCOME,
        TARGET,
        CALLER,
        TIMING,
        SIZE,
        USAGE,
        STREAM
    }

    /**
     * How a value is written: a string, a whole number, a decimal (milliseconds, dollars, rates: always read back as
     * a decimal, even when DynamoDB stored it without a fraction), an instant (ISO-8601, fixed width in the table).
     */
    public enum Kind {
        STRING,
        INTEGER,
        DECIMAL,
        INSTANT
    }

    /** Where a field goes: the record, the log line, or both. */
    public enum Sink {
        BOTH,
        RECORD,
        LOG;

        public boolean record() {
            return this != LOG;
        }

        public boolean log() {
            return this != RECORD;
        }
    }

    /**
     * What meter a field feeds: none; a timer, a counter or a distribution of its settled value; or a timer fed part by
     * part while a stream runs (the field holds a percentile of it).
     */
    public enum Measure {
        NONE,
        TIMER,
        COUNTER,
        SUMMARY,
        PER_PART
    }

    /**
     * One quantity.
     *
     * @param settled its value once the inference settled (null: absent)
     * @param started its value in the in-progress record, written while the model runs; null when it has none
     */
    public record Field(
            String name,
            Group group,
            Kind kind,
            Sink sink,
            Measure measure,
            Function<InferenceOutcome, Object> settled,
            Function<InferenceRequest, Object> started) {

        /** The meter's name: the field's in PascalCase, without its unit or percentile; null when it has no meter. */
        public String meter() {
            if (measure == Measure.NONE) {
                return null;
            }
            StringBuilder meter = new StringBuilder();
            for (String word :
                    name.replaceAll("_(ms|usd)$", "").replaceAll("_p\\d+$", "").split("_")) {
                meter.append(word.substring(0, 1).toUpperCase(Locale.ROOT)).append(word.substring(1));
            }
            return meter.toString();
        }
    }

    /** The status of a record whose inference is still running. */
    public static final String IN_PROGRESS = "IN_PROGRESS";
    /** The log line keeps at most this much of the gateway's own error messages. */
    public static final int MAX_LOGGED_ERROR_CHARS = 512;

    public static final List<Field> ALL = List.of(
            field(
                    "inference_id",
                    Group.IDENTITY,
                    Kind.STRING,
                    o -> o.request().inferenceId(),
                    InferenceRequest::inferenceId),
            field("request_id", Group.IDENTITY, Kind.STRING, o -> o.request().requestId(), InferenceRequest::requestId),
            field(
                    "endpoint",
                    Group.IDENTITY,
                    Kind.STRING,
                    o -> o.request().endpointName(),
                    InferenceRequest::endpointName),
            field("front", Group.IDENTITY, Kind.STRING, o -> o.request().front(), InferenceRequest::front),
            // the request's trace and the gateway's span in it, when tracing is on: a record or a log line leads to it
            field("trace_id", Group.IDENTITY, Kind.STRING, o -> traceId(o.request()), InferenceFields::traceId),
            field("span_id", Group.IDENTITY, Kind.STRING, o -> spanId(o.request()), InferenceFields::spanId),
            field("status", Group.OUTCOME, Kind.STRING, o -> o.succeeded() ? "SUCCEEDED" : "FAILED", r -> IN_PROGRESS),
            field("http_status", Group.OUTCOME, Kind.INTEGER, InferenceOutcome::httpStatus),
            field(
                    "error_type",
                    Group.OUTCOME,
                    Kind.STRING,
                    o -> o.succeeded() ? null : o.error().code()),
            field(
                    "error_origin",
                    Group.OUTCOME,
                    Kind.STRING,
                    o -> o.succeeded() ? null : o.error().origin().name()),
            // the budget that refused the request (the model was not called)
            field(
                    "budget",
                    Group.OUTCOME,
                    Kind.STRING,
                    o -> o.succeeded() ? null : o.error().budget()),
            // the record keeps the whole message; the log line only the gateway's own words, capped: a model's error
            // text may quote the payload
            new Field(
                    "error_message",
                    Group.OUTCOME,
                    Kind.STRING,
                    Sink.RECORD,
                    Measure.NONE,
                    o -> o.succeeded() ? null : o.error().getMessage(),
                    null),
            new Field(
                    "error_message",
                    Group.OUTCOME,
                    Kind.STRING,
                    Sink.LOG,
                    Measure.NONE,
                    InferenceFields::loggedErrorMessage,
                    null),
            // the model that answered as precisely as known (multi-model endpoints name it per request)
            new Field(
                    "model_id",
                    Group.TARGET,
                    Kind.STRING,
                    Sink.LOG,
                    Measure.NONE,
                    o -> o.request().targetModel() != null
                            ? o.request().targetModel()
                            : o.request().endpointName(),
                    null),
            // the OpenAI front's model name, as the client gave it (several may map to one endpoint)
            field("model", Group.TARGET, Kind.STRING, o -> o.request().model(), InferenceRequest::model),
            // the record: the variant that answered; the log line: that, else the one asked for (as it always said)
            new Field(
                    "variant",
                    Group.TARGET,
                    Kind.STRING,
                    Sink.RECORD,
                    Measure.NONE,
                    o -> o.response() == null ? null : o.response().invokedProductionVariant(),
                    null),
            new Field("variant", Group.TARGET, Kind.STRING, Sink.LOG, Measure.NONE, InferenceOutcome::variant, null),
            field(
                    "target_model",
                    Group.TARGET,
                    Kind.STRING,
                    o -> o.request().targetModel(),
                    InferenceRequest::targetModel),
            field(
                    "target_variant",
                    Group.TARGET,
                    Kind.STRING,
                    o -> o.request().targetVariant(),
                    InferenceRequest::targetVariant),
            field(
                    "target_container_hostname",
                    Group.TARGET,
                    Kind.STRING,
                    o -> o.request().targetContainerHostname(),
                    InferenceRequest::targetContainerHostname),
            field(
                    "inference_component",
                    Group.TARGET,
                    Kind.STRING,
                    o -> o.request().inferenceComponentName(),
                    InferenceRequest::inferenceComponentName),
            field("caller", Group.CALLER, Kind.STRING, o -> o.request().caller(), InferenceRequest::caller),
            field(
                    "received_at",
                    Group.TIMING,
                    Kind.INSTANT,
                    o -> o.request().receivedAt(),
                    InferenceRequest::receivedAt),
            field("finished_at", Group.TIMING, Kind.INSTANT, InferenceOutcome::finishedAt),
            measured("latency_ms", Group.TIMING, Measure.TIMER, o -> InferenceOutcome.millis(o.totalNanos())),
            measured(
                    "model_latency_ms",
                    Group.TIMING,
                    Measure.TIMER,
                    o -> InferenceOutcome.millis(o.modelLatencyNanos())),
            measured(
                    "overhead_latency_ms",
                    Group.TIMING,
                    Measure.TIMER,
                    o -> InferenceOutcome.millis(o.overheadNanos())),
            field("attempts", Group.TIMING, Kind.INTEGER, o -> o.modelCall().attempts()),
            new Field(
                    "request_bytes",
                    Group.SIZE,
                    Kind.INTEGER,
                    Sink.BOTH,
                    Measure.SUMMARY,
                    o -> o.request().body().length,
                    r -> r.body().length),
            counted("response_bytes", Group.SIZE, Measure.SUMMARY, InferenceOutcome::responseBytes),
            field(
                    "request_content_type",
                    Group.SIZE,
                    Kind.STRING,
                    o -> o.request().contentType(),
                    InferenceRequest::contentType),
            field(
                    "response_content_type",
                    Group.SIZE,
                    Kind.STRING,
                    o -> o.response() == null ? null : o.response().contentType()),
            counted(
                    "input_tokens",
                    Group.USAGE,
                    Measure.COUNTER,
                    o -> o.tokens().inputTokens()),
            counted(
                    "output_tokens",
                    Group.USAGE,
                    Measure.COUNTER,
                    o -> o.tokens().outputTokens()),
            field(
                    "finish_reason",
                    Group.USAGE,
                    Kind.STRING,
                    o -> o.tokens() == null ? null : o.tokens().finishReason()),
            measured("estimated_cost_usd", Group.USAGE, Measure.COUNTER, InferenceOutcome::costUsd),
            field(
                    "parts",
                    Group.STREAM,
                    Kind.INTEGER,
                    o -> o.stream() == null ? null : o.stream().parts()),
            measured(
                    "time_to_first_token_ms",
                    Group.STREAM,
                    Measure.TIMER,
                    o -> streamMillis(o, o.stream() == null ? -1 : o.stream().firstPartNanos())),
            measured(
                    "added_time_to_first_token_ms",
                    Group.STREAM,
                    Measure.TIMER,
                    o -> streamMillis(o, o.stream() == null ? -1 : o.stream().addedFirstPartNanos())),
            measured(
                    "inter_token_latency_p50_ms",
                    Group.STREAM,
                    Measure.PER_PART,
                    o -> streamMillis(o, o.stream() == null ? -1 : o.stream().interPartP50Nanos())),
            measured(
                    "inter_token_latency_p99_ms",
                    Group.STREAM,
                    Measure.PER_PART,
                    o -> streamMillis(o, o.stream() == null ? -1 : o.stream().interPartP99Nanos())),
            field(
                    "stream_duration_ms",
                    Group.STREAM,
                    Kind.DECIMAL,
                    o -> streamMillis(o, o.stream() == null ? -1 : o.stream().streamNanos())),
            measured(
                    "output_tokens_per_second",
                    Group.STREAM,
                    Measure.SUMMARY,
                    o -> o.stream() == null
                            ? null
                            : o.stream().tokensPerSecond(o.tokens().outputTokens())));

    private InferenceFields() {}

    /** The fields one sink takes, in order. */
    public static List<Field> forSink(Sink sink) {
        return ALL.stream()
                .filter(f -> sink == Sink.RECORD ? f.sink().record() : f.sink().log())
                .toList();
    }

    private static Field field(String name, Group group, Kind kind, Function<InferenceOutcome, Object> settled) {
        return new Field(name, group, kind, Sink.BOTH, Measure.NONE, settled, null);
    }

    private static Field field(
            String name,
            Group group,
            Kind kind,
            Function<InferenceOutcome, Object> settled,
            Function<InferenceRequest, Object> started) {
        return new Field(name, group, kind, Sink.BOTH, Measure.NONE, settled, started);
    }

    /** A measured decimal: milliseconds, dollars, rates. */
    private static Field measured(
            String name, Group group, Measure measure, Function<InferenceOutcome, Object> settled) {
        return new Field(name, group, Kind.DECIMAL, Sink.BOTH, measure, settled, null);
    }

    /** A measured count: bytes, tokens. */
    private static Field counted(
            String name, Group group, Measure measure, Function<InferenceOutcome, Object> settled) {
        return new Field(name, group, Kind.INTEGER, Sink.BOTH, measure, settled, null);
    }

    /** A stream's time in milliseconds; null for a plain invocation or "none" (negative). */
    private static Double streamMillis(InferenceOutcome outcome, long nanos) {
        return outcome.stream() == null ? null : StreamStats.millis(nanos);
    }

    private static String loggedErrorMessage(InferenceOutcome outcome) {
        if (outcome.succeeded() || outcome.error().origin() == InferenceError.Origin.UPSTREAM) {
            return null;
        }
        String text = outcome.error().getMessage();
        return text == null || text.length() <= MAX_LOGGED_ERROR_CHARS
                ? text
                : text.substring(0, MAX_LOGGED_ERROR_CHARS) + "…";
    }

    private static Object traceId(InferenceRequest request) {
        return request.trace() == null ? null : request.trace().traceId();
    }

    private static Object spanId(InferenceRequest request) {
        return request.trace() == null ? null : request.trace().spanId();
    }
}
