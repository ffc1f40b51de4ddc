package io.sagewatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.LambdaRuntimeApi;
import io.sagewatch.testing.MotoServer;
import io.sagewatch.testing.NativeLambdaBuild;
import io.sagewatch.testing.OtlpReceiver;
import io.sagewatch.testing.PythonScript;
import io.sagewatch.testing.SageMakerFake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The native Lambda build as Lambda runs it: {@code target/function.zip} unzipped, its {@code bootstrap} started with
 * nothing but the environment a provided.al2023 function gets (the SAM template's variables, credentials in
 * {@code AWS_*}, {@code AWS_LAMBDA_RUNTIME_API}), fed API Gateway HTTP API (v2) events by a local Runtime API, in
 * front of DynamoDB Local and the SageMaker fake.
 */
@NativeLambdaBuild
class LambdaFunctionZipIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);

    @Test
    void theFunctionZipAnswersApiGatewayEventsRecordsThemAndWritesTheirMetricsFirst() throws Exception {
        io.sagewatch.testing.UtcDay.awaitRoomFor(java.time.Duration.ofMinutes(2)); // its one-a-day budget
        Path function = unzip(Path.of("target/function.zip"));
        assertThat(function.resolve("bootstrap")).isExecutable();

        OtlpReceiver traces = new OtlpReceiver();
        Map<String, String> tracing = traces.start();
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake();
                LambdaRuntimeApi runtime = new LambdaRuntimeApi();
                MotoServer s3 = MotoServer.start()) {
            PythonScript.run("s3_capture.py", "", s3.url(), "create", "lambda-capture");
            Path stdout = Files.createTempFile("sagewatch-lambda", ".log");
            // what the function had written when each answer arrived: EMF must be out before the response
            Map<String, String> writtenBeforeAnswer = new ConcurrentHashMap<>();
            runtime.onAnswer(id -> writtenBeforeAnswer.put(id, read(stdout)));

            long started = System.nanoTime();
            ProcessBuilder launch = new ProcessBuilder(
                            function.resolve("bootstrap").toString())
                    .directory(function.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(stdout.toFile());
            launch.environment().putAll(runtime.functionEnvironment("http://127.0.0.1:" + dynamo.port(), model.url()));
            // as with the SAM template's AdotLayerArn: spans on, to a collector on the function's loopback
            launch.environment().put("QUARKUS_OTEL_SDK_DISABLED", "false");
            // a budget of one request a day on error-model, its state in the table as on any replica
            launch.environment().put("SAGEWATCH_BUDGETS_ONCE_SCOPE_ENDPOINT", "error-model");
            launch.environment().put("SAGEWATCH_BUDGETS_ONCE_REQUESTS", "1");
            launch.environment().put("SAGEWATCH_BUDGETS_ONCE_PERIOD", "1d");
            // model quality of echo (its CSV answer's first column is the predicted class), Data Capture to S3
            launch.environment()
                    .put("SAGEWATCH_ENDPOINT_ECHO_MONITOR_QUALITY_PROBLEM_TYPE", "MulticlassClassification");
            launch.environment().put("SAGEWATCH_ENDPOINT_ECHO_MONITOR_QUALITY_INFERENCE_ATTRIBUTE", "0");
            launch.environment().put("SAGEWATCH_DATA_CAPTURE_DESTINATION", "s3://lambda-capture/datacapture");
            launch.environment().put("SAGEWATCH_DATA_CAPTURE_FLUSH_INTERVAL", "1s");
            launch.environment().put("QUARKUS_S3_ENDPOINT_OVERRIDE", s3.url());
            launch.environment().put("QUARKUS_S3_AWS_REGION", "us-east-1");
            launch.environment().put("QUARKUS_S3_PATH_STYLE_ACCESS", "true");
            launch.environment().put("QUARKUS_S3_AWS_CREDENTIALS_TYPE", "static");
            launch.environment().put("QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_ACCESS_KEY_ID", "test");
            launch.environment().put("QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY", "test");
            tracing.forEach((key, value) -> launch.environment()
                    .put(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), value));
            Process bootstrap = launch.start();
            try {
                long initNanos = runtime.awaitFirstNext(ANSWER_WITHIN) - started;
                String inferenceId = "test-" + UUID.randomUUID();
                String success = runtime.invoke(LambdaRuntimeApi.apiGatewayEvent(
                        "POST",
                        "/endpoints/echo/invocations",
                        "hello, native lambda",
                        Map.of("content-type", "text/plain", "x-amzn-sagemaker-inference-id", inferenceId)));
                long sentAt = System.nanoTime();
                JsonNode answered = response(runtime.awaitAnswer(success, ANSWER_WITHIN));
                long firstInvocationNanos = System.nanoTime() - sentAt;
                assertEquals(200, answered.path("statusCode").asInt(), answered.toString());
                assertEquals("hello, native lambda", body(answered));
                assertThat(writtenBeforeAnswer.get(success))
                        .as("the EMF line is written before the response")
                        .contains("\"_aws\"")
                        .contains(inferenceId);

                String failing = runtime.invoke(LambdaRuntimeApi.apiGatewayEvent(
                        "POST", "/endpoints/error-model/invocations", "x", Map.of("content-type", "text/plain")));
                JsonNode error = response(runtime.awaitAnswer(failing, ANSWER_WITHIN));
                assertEquals(424, error.path("statusCode").asInt(), error.toString());
                assertThat(header(error, "x-amzn-ErrorType")).startsWith("ModelError");
                assertEquals(
                        400,
                        JSON.readTree(body(error)).path("OriginalStatusCode").asInt());

                // the budget let the first through and refuses the second before the model is called
                String overBudget = runtime.invoke(LambdaRuntimeApi.apiGatewayEvent(
                        "POST", "/endpoints/error-model/invocations", "x", Map.of("content-type", "text/plain")));
                JsonNode spent = response(runtime.awaitAnswer(overBudget, ANSWER_WITHIN));
                assertEquals(429, spent.path("statusCode").asInt(), spent.toString());
                assertThat(header(spent, "x-amzn-ErrorType")).startsWith("ThrottlingException");
                assertThat(JSON.readTree(body(spent)).path("Message").asText())
                        .startsWith("Budget once is spent: 1 requests per 1d");
                String budget =
                        runtime.invoke(LambdaRuntimeApi.apiGatewayEvent("GET", "/budgets/once", null, Map.of()));
                JsonNode window = JSON.readTree(body(response(runtime.awaitAnswer(budget, ANSWER_WITHIN))))
                        .path("window")
                        .path("requests");
                assertEquals(1, window.path("limit").asInt(), window.toString());
                assertEquals(0, window.path("remaining").asInt(), window.toString());

                // the console's rollups were written before each answer (write-each-inference): the overview has
                // every inference so far, and the console's page renders through the function
                JsonNode overview = JSON.readTree(body(response(runtime.awaitAnswer(
                        runtime.invoke(
                                LambdaRuntimeApi.apiGatewayEvent("GET", "/console/overview.json", null, Map.of())),
                        ANSWER_WITHIN))));
                Map<String, JsonNode> shown = new java.util.HashMap<>();
                overview.path("endpoints")
                        .forEach(row -> shown.put(row.path("endpoint").asText(), row));
                assertThat(shown.get("echo").path("invocations").asLong())
                        .as(overview.toString())
                        .isEqualTo(1);
                assertThat(shown.get("error-model").path("invocations").asLong())
                        .isEqualTo(2);
                assertThat(shown.get("error-model").path("errors").path("model").asLong())
                        .isEqualTo(1);
                assertThat(shown.get("error-model")
                                .path("errors")
                                .path("throttled")
                                .asLong())
                        .isEqualTo(1);
                JsonNode page = response(runtime.awaitAnswer(
                        runtime.invoke(LambdaRuntimeApi.apiGatewayEvent("GET", "/console", null, Map.of())),
                        ANSWER_WITHIN));
                assertEquals(200, page.path("statusCode").asInt(), page.toString());
                assertThat(body(page)).contains("<h1>Overview</h1>").contains("data-endpoint=\"error-model\"");
                assertThat(header(page, "Content-Security-Policy")).contains("default-src 'none'");
                // a page larger than the HTTP build's response buffer still answers whole, with its length: a
                // chunked answer became an empty Transfer-Encoding header (the Lambda build's buffer is 6 MB)
                assertThat(body(page).getBytes(StandardCharsets.UTF_8).length).isGreaterThan(8192);
                assertThat(headerNames(page)).doesNotContain("transfer-encoding");
                assertThat(header(page, "Content-Length"))
                        .isEqualTo(String.valueOf(body(page).getBytes(StandardCharsets.UTF_8).length));

                String bad = runtime.invoke(LambdaRuntimeApi.apiGatewayEvent(
                        "POST", "/endpoints/not-allowed/invocations", "x", Map.of("content-type", "text/plain")));
                JsonNode refused = response(runtime.awaitAnswer(bad, ANSWER_WITHIN));
                assertThat(refused.path("statusCode").asInt()).isBetween(400, 499);
                assertThat(header(refused, "x-amzn-ErrorType")).isNotBlank();

                // the record, read back through the records API (the final record is written before the answer)
                String read = runtime.invoke(
                        LambdaRuntimeApi.apiGatewayEvent("GET", "/inferences/" + inferenceId, null, Map.of()));
                JsonNode record = JSON.readTree(body(response(runtime.awaitAnswer(read, ANSWER_WITHIN))));
                assertEquals("SUCCEEDED", record.path("status").asText(), record.toString());
                assertEquals("echo", record.path("endpoint").asText());
                assertEquals(200, record.path("http_status").asInt());

                // model quality through the function: a CSV answer's class kept, its label joined (once the worker,
                // which runs while the function does, has written the prediction)
                String classified = "quality-" + UUID.randomUUID();
                JsonNode answer = response(runtime.awaitAnswer(
                        runtime.invoke(LambdaRuntimeApi.apiGatewayEvent(
                                "POST",
                                "/endpoints/echo/invocations",
                                "cat",
                                Map.of("content-type", "text/csv", "x-amzn-sagemaker-inference-id", classified))),
                        ANSWER_WITHIN));
                assertEquals(200, answer.path("statusCode").asInt(), answer.toString());
                JsonNode labelled = null;
                for (int attempt = 0; attempt < 50; attempt++) {
                    labelled = JSON.readTree(body(response(runtime.awaitAnswer(
                            runtime.invoke(LambdaRuntimeApi.apiGatewayEvent(
                                    "POST",
                                    "/endpoints/echo/monitoring/ground-truth",
                                    classified + ",cat",
                                    Map.of("content-type", "text/csv"))),
                            ANSWER_WITHIN))));
                    if (labelled.path("accepted").asInt() == 1) {
                        break;
                    }
                    Thread.sleep(100);
                }
                assertEquals(1, labelled.path("accepted").asInt(), String.valueOf(labelled));

                // Data Capture: the first inference's line in the bucket, as boto3 reads it
                String captured = "";
                for (int attempt = 0; attempt < 100 && !captured.contains(inferenceId); attempt++) {
                    Thread.sleep(200);
                    captured =
                            PythonScript.run("s3_capture.py", "", s3.url(), "read", "lambda-capture", "datacapture/");
                }
                assertThat(captured)
                        .contains("inferenceId\\\":\\\"" + inferenceId)
                        .contains("datacapture/echo/AllTraffic/");

                // a stream, which API Gateway's HTTP API cannot pass on in pieces: whole, parsed by botocore's own
                // parser
                String stream = runtime.invoke(LambdaRuntimeApi.apiGatewayEvent(
                        "POST",
                        "/endpoints/stream-tgi/invocations-response-stream",
                        "{\"parts\":4}",
                        Map.of("content-type", "application/json")));
                JsonNode streamed = response(runtime.awaitAnswer(stream, ANSWER_WITHIN));
                assertEquals(200, streamed.path("statusCode").asInt(), streamed.toString());
                assertEquals("application/vnd.amazon.eventstream", header(streamed, "content-type"));
                assertEquals("text/event-stream", header(streamed, "x-amzn-sagemaker-content-type"));
                byte[] eventStream = streamed.path("isBase64Encoded").asBoolean()
                        ? Base64.getDecoder().decode(streamed.path("body").asText())
                        : streamed.path("body").asText().getBytes(StandardCharsets.ISO_8859_1);
                List<JsonNode> messages = PythonScript.run(
                                "eventstream_parse.py", Base64.getEncoder().encodeToString(eventStream), "4096")
                        .lines()
                        .map(line -> {
                            try {
                                return JSON.readTree(line);
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        })
                        .toList();
                assertEquals(4, messages.size(), messages.toString());
                for (int i = 0; i < 4; i++) {
                    assertEquals(
                            "PayloadPart",
                            messages.get(i).path("headers").path(":event-type").asText());
                    assertThat(new String(
                                    Base64.getDecoder()
                                            .decode(messages.get(i)
                                                    .path("payload")
                                                    .asText()),
                                    StandardCharsets.UTF_8))
                            .startsWith("data:{\"token\":{\"id\":" + (i + 1));
                }

                // Lambda traced the invocation (active tracing): the gateway's span joins Lambda's trace, since an
                // HTTP API event carries no trace header of its own
                String root = Long.toHexString(System.currentTimeMillis() / 1000) + "0123456789abcdef01234567";
                String traced = runtime.invoke(
                        LambdaRuntimeApi.apiGatewayEvent(
                                "POST", "/endpoints/echo/invocations", "traced", Map.of("content-type", "text/plain")),
                        "Root=1-" + root.substring(0, 8) + "-" + root.substring(8)
                                + ";Parent=53995c3f42cd8ad8;Sampled=1");
                JsonNode tracedAnswer = response(runtime.awaitAnswer(traced, ANSWER_WITHIN));
                assertEquals(200, tracedAnswer.path("statusCode").asInt(), tracedAnswer.toString());
                assertThat(header(tracedAnswer, "traceresponse")).startsWith("00-" + root + "-");
                List<JsonNode> spans = OtlpReceiver.awaitSpans(traces.url(), root, 2, ANSWER_WITHIN);
                JsonNode server = spans.stream()
                        .filter(span -> span.path("kind").asText().equals("SPAN_KIND_SERVER"))
                        .findFirst()
                        .orElseThrow();
                assertEquals("53995c3f42cd8ad8", server.path("parentSpanId").asText(), spans.toString());
                assertThat(spans)
                        .anySatisfy(
                                span -> assertThat(span.path("name").asText()).isEqualTo("invoke_endpoint echo"));

                assertThat(runtime.initFailed()).isFalse();
                System.out.printf(
                        "lambda native: init (start to first next) %.0f ms, first invocation %.0f ms%n",
                        initNanos / 1e6, firstInvocationNanos / 1e6);
            } catch (AssertionError | Exception e) {
                System.out.println("bootstrap's output:\n" + read(stdout));
                throw e;
            } finally {
                bootstrap.destroy();
                if (!bootstrap.waitFor(10, TimeUnit.SECONDS)) {
                    bootstrap.destroyForcibly();
                }
                Files.deleteIfExists(stdout);
            }
        } finally {
            traces.stop();
            deleteTree(function);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static JsonNode response(LambdaRuntimeApi.Answer answer) throws IOException {
        assertThat(answer.error())
                .as("an invocation error instead of a response")
                .isNull();
        return JSON.readTree(answer.body());
    }

    private static String body(JsonNode response) {
        String body = response.path("body").asText("");
        return response.path("isBase64Encoded").asBoolean()
                ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8)
                : body;
    }

    private static java.util.List<String> headerNames(JsonNode response) {
        java.util.List<String> names = new java.util.ArrayList<>();
        response.path("headers")
                .fieldNames()
                .forEachRemaining(name -> names.add(name.toLowerCase(java.util.Locale.ROOT)));
        response.path("multiValueHeaders")
                .fieldNames()
                .forEachRemaining(name -> names.add(name.toLowerCase(java.util.Locale.ROOT)));
        return names;
    }

    private static String header(JsonNode response, String name) {
        for (var it = response.path("headers").fields(); it.hasNext(); ) {
            var header = it.next();
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue().asText();
            }
        }
        for (var it = response.path("multiValueHeaders").fields(); it.hasNext(); ) {
            var header = it.next();
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue().path(0).asText();
            }
        }
        return "";
    }

    private static Path unzip(Path zip) throws Exception {
        assertThat(zip).as("package -Plambda,native first").exists();
        Path dir = Files.createTempDirectory("sagewatch-function");
        // unzip keeps the executable bit, as Lambda does
        Process unzip = new ProcessBuilder("unzip", "-q", zip.toAbsolutePath().toString(), "-d", dir.toString())
                .inheritIO()
                .start();
        assertThat(unzip.waitFor(60, TimeUnit.SECONDS) && unzip.exitValue() == 0)
                .as("unzip")
                .isTrue();
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names =
                    files.map(p -> p.getFileName().toString()).sorted().toList();
            System.out.println("function.zip: " + names);
        }
        return dir;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
