package io.sagewatch.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sagewatch.records.DeadLetterLog;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.tableOutage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Everything at once: 5xx bursts, a throttle storm, hung models hitting their deadline, slow models, overload past the
 * endpoint bound, and the table unreachable for a while in the middle. Every request that was accepted (answered with
 * an inference id) must end with its record in the table or in a dead-letter line: none lost.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(FaultInjectionTest.Faults.class)
class FaultInjectionTest {

    public static class Faults implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "sagewatch.endpoint.hung.timeout",
                    "1s",
                    "sagewatch.endpoint.slow.max-concurrent",
                    "4",
                    "sagewatch.sagemaker.throttle-backoff",
                    "20ms");
        }
    }

    private static final String[] ENDPOINTS = {
        "echo",
        "error-internal",
        "error-unavailable",
        "throttled",
        "hung",
        "slow",
        "slow",
        "slow",
        "error-model",
        "echo"
    };

    @Test
    void underEveryFaultAtOnceNoAcceptedInferenceLosesItsRecord() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(12);
        List<Future<Response>> sent = new ArrayList<>();
        try (CapturedLog deadLetters = CapturedLog.of(DeadLetterLog.CATEGORY)) {
            try {
                for (int i = 0; i < 120; i++) {
                    String endpoint = ENDPOINTS[i % ENDPOINTS.length];
                    String body = "fault " + i;
                    sent.add(clients.submit(() ->
                            given().contentType("text/plain").body(body).post("/endpoints/{e}/invocations", endpoint)));
                    if (i == 30) {
                        tableOutage(true);
                    }
                    if (i == 80) {
                        tableOutage(false);
                    }
                    Thread.sleep(10);
                }
            } finally {
                tableOutage(false);
            }
            List<String> accepted = new ArrayList<>();
            int shed = 0;
            for (Future<Response> future : sent) {
                Response response = future.get(30, TimeUnit.SECONDS);
                String id = response.header("X-Sagewatch-Inference-Id");
                if (id != null) {
                    accepted.add(id);
                } else {
                    // refused before acceptance: only load shedding may do that here
                    assertThat(response.statusCode()).isEqualTo(429);
                    assertThat(response.header("Retry-After")).isNotNull();
                    shed++;
                }
            }
            assertThat(accepted).hasSizeGreaterThan(80);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> accepted.stream().allMatch(id -> stored(id) || deadLettered(deadLetters, id)));
            long stored = accepted.stream().filter(FaultInjectionTest::stored).count();
            long deadLettered = accepted.stream()
                    .filter(id -> !stored(id) && deadLettered(deadLetters, id))
                    .count();
            System.out.printf(
                    "fault injection: %d sent, %d accepted, %d shed, %d records in the table, "
                            + "%d dead-lettered, %d lost%n",
                    sent.size(), accepted.size(), shed, stored, deadLettered, accepted.size() - stored - deadLettered);
            assertThat(stored + deadLettered).isEqualTo(accepted.size());
        } finally {
            clients.shutdownNow();
        }
    }

    private static boolean stored(String inferenceId) {
        Response response = given().get("/inferences/{id}", inferenceId);
        return response.statusCode() == 200
                && !"IN_PROGRESS".equals(response.jsonPath().getString("status"));
    }

    private static boolean deadLettered(CapturedLog deadLetters, String inferenceId) {
        return deadLetters.messages().stream().anyMatch(line -> line.contains(inferenceId));
    }
}
