package io.sagewatch.metrics;

import java.util.concurrent.CompletionStage;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.StreamStats;

/**
 * One flat JSON line per inference on the {@value #CATEGORY} category, written raw to stdout (see
 * application.properties) so CloudWatch Logs Insights discovers its fields by itself. Numbers are JSON numbers;
 * failed inferences carry {@code "level":"ERROR"}. No payloads and no secrets: ids, names, outcome, timings, tokens.
 */
@ApplicationScoped
@Priority(200)
public class InferenceLog implements InferenceObserver {

    public static final String CATEGORY = "sagewatch.inference";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    static final int MAX_ERROR_MESSAGE_CHARS = 512;

    private final ObjectMapper json;

    InferenceLog(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        write(outcome);
        return DONE;
    }

    public void write(InferenceOutcome outcome) {
        if (outcome.succeeded() && !LOG.isInfoEnabled()) {
            return;
        }
        InferenceRequest request = outcome.request();
        ObjectNode line = json.createObjectNode();
        line.put("level", outcome.succeeded() ? "INFO" : "ERROR");
        line.put("message", "inference");
        line.put("timestamp", outcome.finishedAt().toString());
        line.put("request_id", request.requestId());
        line.put("inference_id", request.inferenceId());
        line.put("endpoint", request.endpointName());
        // model_id: the model that answered as precisely as known (multi-model endpoints name it per request)
        line.put("model_id", request.targetModel() != null ? request.targetModel() : request.endpointName());
        putIfPresent(line, "variant", outcome.variant());
        putIfPresent(line, "caller", request.caller());
        line.put("status", outcome.succeeded() ? "SUCCEEDED" : "FAILED");
        line.put("http_status", outcome.httpStatus());
        if (!outcome.succeeded()) {
            line.put("error_type", outcome.error().code());
            line.put("error_origin", outcome.error().origin().name());
            // the gateway's own words only: a model's error text may quote the payload (the record keeps it)
            if (outcome.error().origin() != InferenceError.Origin.UPSTREAM) {
                putIfPresent(line, "error_message", capped(outcome.error().getMessage(), MAX_ERROR_MESSAGE_CHARS));
            }
        }
        line.put("latency_ms", InferenceOutcome.millis(outcome.totalNanos()));
        line.put("model_latency_ms", InferenceOutcome.millis(outcome.modelLatencyNanos()));
        line.put("overhead_ms", InferenceOutcome.millis(outcome.overheadNanos()));
        line.put("attempts", outcome.modelCall().attempts());
        line.put("request_bytes", request.body().length);
        if (outcome.responseBytes() != null) {
            line.put("response_bytes", outcome.responseBytes());
        }
        if (outcome.tokens().inputTokens() != null) {
            line.put("input_tokens", outcome.tokens().inputTokens());
        }
        if (outcome.tokens().outputTokens() != null) {
            line.put("output_tokens", outcome.tokens().outputTokens());
        }
        if (outcome.costUsd() != null) {
            line.put("cost_usd", outcome.costUsd());
        }
        StreamStats stream = outcome.stream();
        if (stream != null) {
            line.put("parts", stream.parts());
            putIfPresent(line, "time_to_first_part_ms", StreamStats.millis(stream.firstPartNanos()));
            putIfPresent(line, "added_time_to_first_part_ms", StreamStats.millis(stream.addedFirstPartNanos()));
            putIfPresent(line, "inter_part_p50_ms", StreamStats.millis(stream.interPartP50Nanos()));
            putIfPresent(line, "inter_part_p99_ms", StreamStats.millis(stream.interPartP99Nanos()));
            putIfPresent(line, "stream_duration_ms", StreamStats.millis(stream.streamNanos()));
            putIfPresent(line, "tokens_per_second", stream.tokensPerSecond(outcome.tokens().outputTokens()));
        }
        String text = line.toString();
        if (outcome.succeeded()) {
            LOG.info(text);
        } else {
            LOG.error(text);
        }
    }

    private static String capped(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "…";
    }

    private static void putIfPresent(ObjectNode line, String field, String value) {
        if (value != null) {
            line.put(field, value);
        }
    }

    private static void putIfPresent(ObjectNode line, String field, Double value) {
        if (value != null) {
            line.put(field, value);
        }
    }

}
