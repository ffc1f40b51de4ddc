package io.sagewatch.budgets;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;
import io.sagewatch.testing.PythonScript;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Budgets as clients see them: boto3 raising ThrottlingException that names the budget, with Retry-After; the OpenAI
 * front's 429s ({@code insufficient_quota} for a period, {@code rate_limit_exceeded} for a per-minute budget) and its
 * {@code x-ratelimit-*} headers; the refused request recorded with its budget and never sent to the model; a stream
 * counted at its end; {@code GET /budgets}.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(BudgetTest.Budgets.class)
class BudgetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static class Budgets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("sagewatch.budgets.echo-three.scope.endpoint", "echo"),
                    Map.entry("sagewatch.budgets.echo-three.requests", "3"),
                    Map.entry("sagewatch.budgets.echo-three.period", "1d"),
                    Map.entry("sagewatch.budgets.writer-daily.scope.model", "writer"),
                    Map.entry("sagewatch.budgets.writer-daily.requests", "1"),
                    Map.entry("sagewatch.budgets.writer-daily.period", "1d"),
                    Map.entry("sagewatch.budgets.chat-minute.scope.model", "chat"),
                    Map.entry("sagewatch.budgets.chat-minute.requests", "2"),
                    Map.entry("sagewatch.budgets.chat-minute.period", "1m"),
                    Map.entry("sagewatch.budgets.chat-tokens.scope.model", "chat"),
                    Map.entry("sagewatch.budgets.chat-tokens.tokens", "1000000"),
                    Map.entry("sagewatch.budgets.chat-tokens.period", "1d"),
                    Map.entry("sagewatch.budgets.stream-tokens.scope.endpoint", "stream-openai"),
                    Map.entry("sagewatch.budgets.stream-tokens.tokens", "1000000"),
                    Map.entry("sagewatch.budgets.stream-tokens.period", "30d"),
                    Map.entry("sagewatch.budget-leases.heartbeat", "200ms"));
        }
    }

    @org.junit.jupiter.api.BeforeEach
    void notAcrossMidnight() throws InterruptedException {
        io.sagewatch.testing.UtcDay.awaitRoomFor(java.time.Duration.ofMinutes(1));
    }

    @Test
    void boto3RaisesThrottlingExceptionNamingTheBudgetAndTheRefusalIsRecordedNotSent() throws Exception {
        String output = PythonScript.run("boto3_budget.py", "", "http://127.0.0.1:" + RestAssured.port, "echo", "4");
        JsonNode outcomes = JSON.readTree(output);
        for (int i = 0; i < 3; i++) {
            assertThat(outcomes.get(i).path("status").asInt()).as("call " + i).isEqualTo(200);
        }
        JsonNode refused = outcomes.get(3);
        assertThat(refused.path("raised").asText()).isEqualTo("ClientError");
        assertThat(refused.path("code").asText()).isEqualTo("ThrottlingException");
        assertThat(refused.path("status").asInt()).isEqualTo(429);
        assertThat(refused.path("message").asText())
                .contains("Budget echo-three is spent: 3 requests per 1d; it resets at ")
                .contains("T00:00:00Z");
        assertThat(refused.path("retry_after").asInt()).isBetween(1, 86_400);

        String id = refused.path("inference_id").asText();
        JsonPath record = awaitFinalRecord(id);
        assertThat(record.getString("status")).isEqualTo("FAILED");
        assertThat(record.getInt("http_status")).isEqualTo(429);
        assertThat(record.getString("error_type")).isEqualTo("ThrottlingException");
        assertThat(record.getString("budget")).isEqualTo("echo-three");
        assertThat(Gateway.modelCallsFor(id))
                .as("calls of the model for the refused request")
                .isZero();
        assertThat(awaitFinalRecord(outcomes.get(0).path("inference_id").asText())
                        .getString("budget"))
                .as("a request let through names no budget")
                .isNull();

        JsonPath budget = awaitBudget("echo-three", "requests.used", 3);
        assertThat(budget.getInt("window.requests.limit")).isEqualTo(3);
        assertThat(budget.getInt("window.requests.remaining")).isZero();
        assertThat(budget.getString("scope.endpoint")).isEqualTo("echo");
        assertThat(budget.getString("period")).isEqualTo("1d");
        assertThat(budget.getString("on_table_failure")).isEqualTo("closed");
        assertThat(budget.getString("window.resets_at")).endsWith("T00:00:00Z");
        assertThat(Gateway.scraped("BudgetRefusals_total", Map.of("budget", "echo-three")))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void theOpenAiFrontAnswersAPeriodBudgetWithInsufficientQuotaAndCarriesTheRateLimitHeaders() {
        Response first = completion("writer");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.header("x-ratelimit-limit-requests")).isEqualTo("1");
        assertThat(first.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(first.header("x-ratelimit-reset-requests")).matches("\\d+h\\d+m\\d+s|\\d+m\\d+s|\\d+s");
        assertThat(first.header("x-ratelimit-limit-tokens"))
                .as("no token budget for writer")
                .isNull();

        Response second = completion("writer");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.jsonPath().getString("error.type")).isEqualTo("insufficient_quota");
        assertThat(second.jsonPath().getString("error.code")).isEqualTo("insufficient_quota");
        assertThat(second.jsonPath().getString("error.message")).contains("Budget writer-daily is spent");
        assertThat(second.header("Retry-After")).isNotNull();
        assertThat(second.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        JsonPath record = awaitFinalRecord(second.header("x-request-id"));
        assertThat(record.getString("budget")).isEqualTo("writer-daily");
        assertThat(record.getString("front")).isEqualTo("openai");
    }

    @Test
    void aPerMinuteBudgetIsARateLimitAndTokensHaveTheirOwnHeaders() {
        // two a minute: within at most six calls (a minute may turn between two of them) one is refused
        List<Response> answers = new ArrayList<>();
        Response refused = null;
        for (int i = 0; i < 6 && refused == null; i++) {
            Response answer = chat();
            answers.add(answer);
            if (answer.statusCode() == 429) {
                refused = answer;
            }
        }
        assertThat(refused).as("a refusal among " + answers.size() + " calls").isNotNull();
        assertThat(refused.jsonPath().getString("error.type")).isEqualTo("rate_limit_error");
        assertThat(refused.jsonPath().getString("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
        Response allowed = answers.get(0);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.header("x-ratelimit-limit-requests")).isEqualTo("2");
        assertThat(allowed.header("x-ratelimit-remaining-requests")).isIn("0", "1");
        assertThat(allowed.header("x-ratelimit-reset-requests")).matches("\\d+s|\\d+ms");
        assertThat(allowed.header("x-ratelimit-limit-tokens")).isEqualTo("1000000");
        long remainingTokens = Long.parseLong(allowed.header("x-ratelimit-remaining-tokens"));
        // the answer's own tokens (9 in, 3 out) are spent before its headers are written
        assertThat(remainingTokens).isLessThanOrEqualTo(1_000_000 - 12);
    }

    @Test
    void aStreamIsCountedWithTheTokensItDeliveredWhenItEnds() {
        String id = Gateway.newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("application/json")
                .body("{\"parts\": 4}")
                .post("/endpoints/stream-openai/invocations-response-stream")
                .then()
                .statusCode(200);
        JsonPath record = awaitFinalRecord(id);
        long tokens = record.getLong("input_tokens") + record.getLong("output_tokens");
        assertThat(tokens).isPositive();
        JsonPath budget = awaitBudget("stream-tokens", "tokens.used", tokens);
        assertThat(budget.getLong("window.tokens.used")).isEqualTo(tokens);
        assertThat(budget.getString("period")).isEqualTo("30d");
    }

    @Test
    void everyBudgetIsListed() {
        JsonPath all = given().get("/budgets").then().statusCode(200).extract().jsonPath();
        assertThat(all.getList("budgets.name"))
                .containsExactlyInAnyOrder("echo-three", "writer-daily", "chat-minute", "chat-tokens", "stream-tokens");
        given().get("/budgets/nope").then().statusCode(404);
    }

    private static Response completion(String model) {
        return given().contentType("application/json")
                .body("{\"model\":\"" + model + "\",\"prompt\":\"Once\",\"max_tokens\":5}")
                .post("/v1/completions");
    }

    private static Response chat() {
        return given().contentType("application/json")
                .body("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}")
                .post("/v1/chat/completions");
    }

    /** The budget once every replica's report shows {@code figure} of its window at {@code expected} (bounded wait). */
    private static JsonPath awaitBudget(String name, String figure, long expected) {
        JsonPath[] seen = new JsonPath[1];
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    seen[0] = given().get("/budgets/{name}", name)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
                    return seen[0].getLong("window." + figure) == expected;
                });
        return seen[0];
    }
}
