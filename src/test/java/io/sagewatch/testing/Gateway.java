package io.sagewatch.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.config.ConfigProvider;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** What tests ask of the running gateway and of the parts behind it (the fake's and the gate's counters). */
public final class Gateway {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Gateway() {}

    public static boolean isLambdaBuild() {
        return "lambda".equals(System.getProperty("sagewatch-test.build"));
    }

    public static String newInferenceId() {
        return "test-" + UUID.randomUUID();
    }

    /** The final record of an inference, waiting (bounded) while the record is still in progress or not yet there. */
    public static JsonPath awaitFinalRecord(String inferenceId) {
        return awaitFinalRecord(inferenceId, null);
    }

    /** The same, reading with an API key. */
    public static JsonPath awaitFinalRecord(String inferenceId, String apiKey) {
        AtomicReference<JsonPath> record = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(25))
                .until(() -> {
                    var request = given();
                    if (apiKey != null) {
                        request.header("X-Api-Key", apiKey);
                    }
                    Response response = request.get("/inferences/{id}", inferenceId);
                    if (response.statusCode() != 200) {
                        return false;
                    }
                    JsonPath json = response.jsonPath();
                    record.set(json);
                    return !"IN_PROGRESS".equals(json.getString("status"));
                });
        return record.get();
    }

    /** The value of one Prometheus sample of {@code /q/metrics} whose labels include these (0 when absent). */
    public static double scraped(String name, Map<String, String> labels) {
        String scrape =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{")
                    && labels.entrySet().stream()
                            .allMatch(l -> line.contains(l.getKey() + "=\"" + l.getValue() + "\""))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    public static int modelCalls(String endpoint) {
        return Integer.parseInt(get(fakeUrl() + "/_fake/calls/" + endpoint));
    }

    public static int modelCallsFor(String inferenceId) {
        return Integer.parseInt(get(fakeUrl() + "/_fake/inference/" + inferenceId + "/calls"));
    }

    /** The headers the model received for an inference, names lower-cased. */
    public static JsonPath modelHeadersFor(String inferenceId) {
        return JsonPath.from(get(fakeUrl() + "/_fake/inference/" + inferenceId + "/headers"));
    }

    /** The last request the model received for an inference, as sent: method, path, headers, body (base64). */
    public static String modelRequestFor(String inferenceId) {
        return get(fakeUrl() + "/_fake/inference/" + inferenceId + "/request");
    }

    /** Lets the fake's "stream-held" endpoint send the rest of an inference's stream. */
    public static void releaseStream(String inferenceId) {
        get(fakeUrl() + "/_fake/release/" + inferenceId);
    }

    /** Whether the fake saw its side of an inference's stream cut off (a write to a connection the gateway reset). */
    public static boolean streamCutUpstream(String inferenceId) {
        return Boolean.parseBoolean(get(fakeUrl() + "/_fake/stream/" + inferenceId + "/cut"));
    }

    /** Bytes of parts the fake has written so far for an inference's stream. */
    public static long streamBytesWritten(String inferenceId) {
        return Long.parseLong(get(fakeUrl() + "/_fake/stream/" + inferenceId + "/written"));
    }

    /** The fake's host:port, as a signature covers it. */
    public static String modelAuthority() {
        return URI.create(fakeUrl()).getAuthority();
    }

    /** The last BatchWriteItem that reached the table gate, as sent. */
    public static String lastBatchWrite() {
        return get(gateUrl() + "/_gate/last-batch");
    }

    /** The table gate's host:port, as a signature covers it. */
    public static String tableAuthority() {
        return URI.create(gateUrl()).getAuthority();
    }

    /**
     * Checks a captured request's SigV4 signature with botocore (src/test/python/sigv4_check.py): its answer, with
     * {@code signature_matches}, {@code signed_headers} and {@code scope}.
     */
    public static JsonPath botocoreSignatureCheck(String capturedRequest, String authority, String service) {
        return JsonPath.from(PythonScript.run(
                "sigv4_check.py", capturedRequest, authority, "sagewatch", "sagewatch", "us-east-1", service));
    }

    /** Final-record writes that reached the table gate for an inference (failed ones included). */
    public static int finalWritesFor(String inferenceId) {
        return Integer.parseInt(get(gateUrl() + "/_gate/writes/" + inferenceId));
    }

    /** Makes the fake's "breaker" endpoint fail (HTTP 500) or heal. */
    public static void breakerEndpointFailing(boolean failing) {
        get(fakeUrl() + "/_fake/breaker/" + (failing ? "fail" : "heal"));
    }

    /** BatchWriteItem calls (final records) that reached the table. */
    public static int batchWrites() {
        return Integer.parseInt(get(gateUrl() + "/_gate/batches"));
    }

    /** The DynamoDB operations the gateway has called so far (X-Amz-Target without its version prefix). */
    public static List<String> tableOperations() {
        String seen = get(gateUrl() + "/_gate/operations");
        return seen.isEmpty() ? List.of() : List.of(seen.split(","));
    }

    /** Makes the table unreachable (every connection closed unanswered), or reachable again. */
    public static void tableOutage(boolean on) {
        get(gateUrl() + "/_gate/outage/" + (on ? "on" : "off"));
    }

    private static String fakeUrl() {
        return setting("sagewatch.sagemaker.endpoint-override");
    }

    private static String gateUrl() {
        return setting("quarkus.dynamodb.endpoint-override");
    }

    /**
     * A setting {@link GatewayTestResource} gave the gateway: from the application's config in a {@code @QuarkusTest},
     * from the test JVM's system properties when the gateway is a separate process ({@code @QuarkusIntegrationTest}).
     */
    public static String setting(String key) {
        String published = System.getProperty(GatewayTestResource.PUBLISHED + key);
        return published != null ? published : ConfigProvider.getConfig().getValue(key, String.class);
    }

    private static String get(String url) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
