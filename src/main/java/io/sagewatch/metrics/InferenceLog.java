package io.sagewatch.metrics;

import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.core.InferenceFields;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.PipelineOrder;

/**
 * One flat JSON line per inference on the {@value #CATEGORY} category, written raw to stdout (see
 * application.properties) so CloudWatch Logs Insights discovers its fields by itself. Numbers are JSON numbers;
 * failed inferences carry {@code "level":"ERROR"}. Its fields are {@link InferenceFields}' (the record's, less the
 * payloads and a model's error text). No payloads and no secrets: ids, names, outcome, timings, tokens.
 */
@ApplicationScoped
@Priority(PipelineOrder.LOG_LINE)
public class InferenceLog implements InferenceObserver {

    public static final String CATEGORY = "sagewatch.inference";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    private static final List<InferenceFields.Field> FIELDS = InferenceFields.forSink(InferenceFields.Sink.LOG);

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
        ObjectNode line = json.createObjectNode();
        line.put("level", outcome.succeeded() ? "INFO" : "ERROR");
        line.put("message", "inference");
        line.put("timestamp", outcome.finishedAt().toString());
        for (InferenceFields.Field field : FIELDS) {
            Object value = field.settled().apply(outcome);
            if (value instanceof String text) {
                line.put(field.name(), text);
            } else if (value instanceof Double number) {
                line.put(field.name(), number);
            } else if (value instanceof Number number) {
                line.put(field.name(), number.longValue());
            } else if (value != null) {
                line.put(field.name(), value.toString());
            }
        }
        String text = line.toString();
        if (outcome.succeeded()) {
            LOG.info(text);
        } else {
            LOG.error(text);
        }
    }
}
