package io.sagewatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.restassured.builder.RequestSpecBuilder;
import io.restassured.specification.RequestSpecification;
import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.testing.Artifact;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.PackagedGateway;
import io.sagewatch.testing.SageMakerFake;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The ECS image (built by .ci/containers), run as ECS runs it: under a memory limit, its settings from the
 * environment, on the host's network against DynamoDB Local and the SageMaker fake. It answers, relays SageMaker's
 * errors in their shape, records, reads records back and reports ready; it runs as a non-root user; the JVM sizes its
 * heap from the container's limit, and memory stays under that limit under load. Stopping under load is
 * {@link GracefulShutdownIT}, run against the same image.
 */
@EnabledIfSystemProperty(named = "sagewatch-test.image", matches = ".+")
class ContainerIT {

    private static final String ENDPOINTS = "echo,error-model";

    /**
     * The JVM image starts from the AOT cache its build trained (Dockerfile.jvm): with {@code -XX:AOTMode=on} the JVM
     * refuses to start unless it can use that cache, so a cache another JVM wrote, or one that no longer matches the
     * class path, fails this test instead of silently starting twice as slowly; the class-loading log says where the
     * gateway's own classes came from. (Settings become environment variables in a container: this one is
     * JAVA_TOOL_OPTIONS, which the JVM reads.)
     */
    private static List<String> aotCacheRequired() {
        return Artifact.isNative() ? List.of() : List.of("-DJAVA_TOOL_OPTIONS=-XX:AOTMode=on -Xlog:class+load=info");
    }

    @Test
    void theImageServesRecordsAndStaysInsideItsLimits() throws Exception {
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake();
                PackagedGateway gateway = new PackagedGateway(
                        dynamo, "http://127.0.0.1:" + dynamo.port(), model, ENDPOINTS, aotCacheRequired())) {
            gateway.awaitFirstInference("echo");
            RequestSpecification http = new RequestSpecBuilder()
                    .setBaseUri("http://127.0.0.1")
                    .setPort(gateway.port())
                    .build();

            String id = given(http)
                    .contentType("application/json")
                    .body("{\"instances\":[[1.0,2.0]]}")
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(200)
                    .body(equalTo("{\"instances\":[[1.0,2.0]]}"))
                    .extract()
                    .header("X-Sagewatch-Inference-Id");
            given(http)
                    .contentType("application/json")
                    .body("{}")
                    .post("/endpoints/error-model/invocations")
                    .then()
                    .statusCode(424)
                    .header("x-amzn-ErrorType", "ModelError")
                    .body("OriginalStatusCode", equalTo(400))
                    .body("OriginalMessage", equalTo("bad tensor shape"));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> given(http)
                            .get("/inferences/{id}", id)
                            .then()
                            .statusCode(200)
                            .body("status", equalTo("SUCCEEDED"))
                            .body("endpoint", equalTo("echo")));
            given(http).get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

            if (!Artifact.isNative()) {
                assertThat(gateway.output())
                        .as("the request path's classes, from the image's AOT cache")
                        .contains("io.sagewatch.inference.InferencePipeline source: shared objects file")
                        .contains("io.sagewatch.sagemaker.SageMakerRuntimeClient source: shared objects file");
            }

            long pid = gateway.pid();
            assertThat(status(pid, "Uid").split("\\s+")[0])
                    .as("the container's user")
                    .isNotEqualTo("0");

            long limit = parseBytes(Artifact.containerMemory());
            if (!Artifact.isNative()) {
                // deploy/jvm.options: the heap is 60 % of the container's limit, not of the host's memory
                String metrics = given(http).get("/q/metrics").asString();
                long heap = heapMax(metrics);
                assertThat(heap).as("max heap of a %d MB limit", limit >> 20).isBetween((long) (limit * 0.5), (long)
                        (limit * 0.65));
            }

            // 32 callers, 150 calls each: a few seconds here, bounded at 90 s on a slow machine
            gateway.startLoad(32, "echo", 150);
            assertThat(gateway.awaitCallers(Duration.ofSeconds(90)))
                    .as("the load ends")
                    .isTrue();
            assertThat(gateway.answers()).hasSize(32 * 150).allMatch(a -> a.status() == 200);
            long rss = Long.parseLong(status(pid, "VmRSS").replaceAll("\\D", "")) * 1024;
            System.out.printf(
                    "container %s under %s: RSS %d MB after %d inferences%n",
                    Artifact.image().orElseThrow(),
                    Artifact.containerMemory(),
                    rss >> 20,
                    gateway.answers().size());
            assertThat(rss)
                    .as("RSS under load, within the %s limit", Artifact.containerMemory())
                    .isLessThan(limit);
        }
    }

    private static String status(long pid, String field) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith(field + ":"))
                .findFirst()
                .orElseThrow()
                .substring(field.length() + 1)
                .strip();
    }

    /** The sum of the heap pools' maximums, as Prometheus exposes them. */
    private static long heapMax(String metrics) {
        Matcher pool = Pattern.compile("(?m)^jvm_memory_max_bytes\\{area=\"heap\",[^}]*\\} ([0-9.E+]+)$")
                .matcher(metrics);
        long sum = 0;
        while (pool.find()) {
            sum += (long) Double.parseDouble(pool.group(1));
        }
        assertThat(sum).as("heap pools in /q/metrics").isPositive();
        return sum;
    }

    private static long parseBytes(String size) {
        long number = Long.parseLong(size.replaceAll("\\D", ""));
        return switch (Character.toLowerCase(size.charAt(size.length() - 1))) {
            case 'g' -> number << 30;
            case 'm' -> number << 20;
            case 'k' -> number << 10;
            default -> number;
        };
    }
}
