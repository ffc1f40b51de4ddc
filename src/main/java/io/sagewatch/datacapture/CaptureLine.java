package io.sagewatch.datacapture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonGenerator;

import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.json.Json;

/**
 * One inference as SageMaker Data Capture writes it, one JSON line:
 * {@code {"captureData":{"endpointInput":{...},"endpointOutput":{...}},"eventMetadata":{...},"eventVersion":"0"}}. The
 * encoding of each side follows its content type as Data Capture's CaptureContentTypeHeader does: a CSV type is
 * written as text with encoding CSV, a JSON type as text with encoding JSON, anything else in base64.
 */
final class CaptureLine {

    private final List<String> csvTypes;
    private final List<String> jsonTypes;

    CaptureLine(List<String> csvTypes, List<String> jsonTypes) {
        this.csvTypes = csvTypes.stream().map(CaptureLine::mediaType).toList();
        this.jsonTypes = jsonTypes.stream().map(CaptureLine::mediaType).toList();
    }

    /**
     * The line, ending in a newline.
     *
     * @param input the request's payload as captured (redacted), output the answer's
     */
    byte[] write(InferenceOutcome outcome, byte[] input, byte[] output) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(input.length + output.length + 400);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeObjectFieldStart("captureData");
            side(json, "endpointInput", "INPUT", outcome.request().contentType(), input);
            side(json, "endpointOutput", "OUTPUT", outcome.response().contentType(), output);
            json.writeEndObject();
            json.writeObjectFieldStart("eventMetadata");
            json.writeStringField("eventId", outcome.request().requestId());
            if (!outcome.request().inferenceId().equals(outcome.request().requestId())) {
                json.writeStringField("inferenceId", outcome.request().inferenceId()); // only when the caller gave one
            }
            json.writeStringField(
                    "inferenceTime", inferenceTime(outcome.request().receivedAt()));
            json.writeEndObject();
            json.writeStringField("eventVersion", "0");
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private void side(JsonGenerator json, String name, String mode, String contentType, byte[] data)
            throws IOException {
        String type = contentType == null ? "application/octet-stream" : contentType;
        String encoding = encoding(type);
        json.writeObjectFieldStart(name);
        json.writeStringField("observedContentType", type);
        json.writeStringField("mode", mode);
        json.writeStringField(
                "data",
                encoding.equals("BASE64")
                        ? Base64.getEncoder().encodeToString(data)
                        : new String(data, StandardCharsets.UTF_8));
        json.writeStringField("encoding", encoding);
        json.writeEndObject();
    }

    /** CSV, JSON or BASE64, by the media type (its parameters, such as a charset, do not count). */
    String encoding(String contentType) {
        String type = mediaType(contentType);
        if (csvTypes.contains(type)) {
            return "CSV";
        }
        return jsonTypes.contains(type) ? "JSON" : "BASE64";
    }

    /** Data Capture's inferenceTime: UTC, to the second. */
    static String inferenceTime(Instant at) {
        return at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String mediaType(String contentType) {
        int cut = contentType.indexOf(';');
        return (cut < 0 ? contentType : contentType.substring(0, cut)).trim().toLowerCase(Locale.ROOT);
    }
}
