package io.sagewatch.records;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.metrics.InferenceMeters;

/**
 * Where a record goes when the table will not take it: one JSON line on the {@value #CATEGORY} log category, holding
 * the record (all but its captured payloads, which never go to logs), so it can be replayed from CloudWatch Logs.
 * Nothing is lost silently.
 */
@ApplicationScoped
public class DeadLetterLog {

    public static final String CATEGORY = "sagewatch.dead-letter";
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    private final ObjectMapper json;
    private final InferenceMeters meters;

    DeadLetterLog(ObjectMapper json, InferenceMeters meters) {
        this.json = json;
        this.meters = meters;
    }

    public void write(String table, InferenceRecord record, Throwable failure) {
        meters.recordDeadLettered(record.endpoint());
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("dead_letter", "inference_record");
        line.put("table", table);
        line.put("reason", String.valueOf(failure));
        // everything but the captured payloads: no payload goes to the logs
        line.put("record", InferenceRecordItem.withoutPayloads(record));
        try {
            LOG.error(json.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            LOG.errorf(
                    "{\"dead_letter\":\"inference_record\",\"table\":\"%s\",\"unserializable\":\"%s\"}",
                    table, record.inferenceId());
        }
    }
}
