package io.sagewatch.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.sagewatch.api.ApiKeyFilter;
import io.sagewatch.api.openai.OpenAiErrors;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;
import io.sagewatch.testing.RouteCatalog;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.modelCallsFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every refusal: 403 in AWS' terms, no model call, no record; the caller's name (never its key) in the record. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(ApiKeysTest.ThreeKeys.class)
class ApiKeysTest {

    static final String TEAM_A = "team-a-secret-key-0001";
    static final String TEAM_B = "team-b-secret-key-0002";
    static final String REVOKED = "old-revoked-key-0003";

    public static class ThreeKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> settings = new java.util.HashMap<>(Map.of(
                    "sagewatch.auth.enabled",
                    "true",
                    "sagewatch.auth.keys.team-a.sha256",
                    "4b74c3ce75289f40de75abf29f85f12b862f2f851079a6a77ead465beebff548",
                    "sagewatch.auth.keys.team-b.sha256",
                    "1c73a033db798de72736d36bd72ac1bed38696a93d378e1a483f6e8ad1ee1e8e",
                    "sagewatch.auth.keys.team-b.endpoints",
                    "echo",
                    "sagewatch.auth.keys.old.sha256",
                    "3f56d3047c9066ff1bb6cb74631ac0496efebf3c3ec3d000f77e6667f5a69443",
                    "sagewatch.auth.keys.old.revoked",
                    "true",
                    "sagewatch.auth.keys.team-a.admin",
                    "true",
                    "sagewatch.endpoint.echo.monitor.enabled",
                    "true"));
            // team-b's requests, counted under its key's name
            settings.put("sagewatch.budgets.team-b-daily.scope.caller", "team-b");
            settings.put("sagewatch.budgets.team-b-daily.requests", "1000");
            settings.put("sagewatch.budgets.team-b-daily.period", "1d");
            settings.put("sagewatch.budget-leases.heartbeat", "200ms");
            return settings;
        }
    }

    private static RequestSpecification invoke(String id) {
        return given().header("X-Amzn-SageMaker-Inference-Id", id).body("x");
    }

    private static void refused(RequestSpecification request, String endpoint, String errorType, String message) {
        request.post("/endpoints/{e}/invocations", endpoint)
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", errorType)
                .body("Message", containsString(message));
    }

    @Test
    void modelHealthIsReadWithAnyKeyOfTheEndpointAndChangedOnlyWithAnAdminKey() {
        given().get("/endpoints/echo/monitoring/windows")
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", "MissingAuthenticationTokenException");
        given().header(ApiKeys.HEADER, TEAM_B)
                .get("/endpoints/echo/monitoring/windows")
                .then()
                .statusCode(200);
        given().header(ApiKeys.HEADER, TEAM_B)
                .contentType("text/csv")
                .body("1,2\n3,4\n")
                .post("/endpoints/echo/monitoring/baseline/dataset")
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", "AccessDeniedException")
                .body("Message", containsString("may not change baselines"));
        given().header(ApiKeys.HEADER, TEAM_B)
                .get("/endpoints/echo/monitoring/baseline")
                .then()
                .statusCode(404);
        given().header(ApiKeys.HEADER, TEAM_A)
                .contentType("text/csv")
                .body("1,2\n3,4\n")
                .post("/endpoints/echo/monitoring/baseline/dataset")
                .then()
                .statusCode(201);
        given().header(ApiKeys.HEADER, TEAM_B)
                .get("/endpoints/echo/monitoring/baseline")
                .then()
                .statusCode(200);
    }

    @Test
    void budgetsCountACallerByItsKeysNameAndAreReadWithAnAdminKeyOnly() throws InterruptedException {
        io.sagewatch.testing.UtcDay.awaitRoomFor(java.time.Duration.ofMinutes(1));
        int before = given().header("X-Api-Key", TEAM_A)
                .get("/budgets/team-b-daily")
                .then()
                .statusCode(200)
                .extract()
                .path("window.requests.used");
        invoke(newInferenceId())
                .header("X-Api-Key", TEAM_B)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        invoke(newInferenceId())
                .header("X-Api-Key", TEAM_A)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> given().header("X-Api-Key", TEAM_A)
                        .get("/budgets/team-b-daily")
                        .then()
                        .statusCode(200)
                        .body("window.requests.used", org.hamcrest.Matchers.equalTo(before + 1))
                        .body("scope.caller", org.hamcrest.Matchers.equalTo("team-b")));
        given().header("X-Api-Key", TEAM_B)
                .get("/budgets")
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", "AccessDeniedException")
                .body("Message", containsString("may not read budgets"));
        given().get("/budgets")
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", "MissingAuthenticationTokenException");
        given().header("X-Api-Key", TEAM_A)
                .get("/budgets")
                .then()
                .statusCode(200)
                .body("budgets.name", org.hamcrest.Matchers.hasItem("team-b-daily"));
    }

    @Test
    void aRequestWithoutAKeyIsRefusedAndNothingIsCalledOrWritten() {
        String id = newInferenceId();
        refused(invoke(id), "echo", "MissingAuthenticationTokenException", "Missing API key");
        assertEquals(0, modelCallsFor(id));
        given().header(ApiKeys.HEADER, TEAM_A)
                .get("/inferences/{id}", id)
                .then()
                .statusCode(404);
    }

    @Test
    void aWrongKeyAndARevokedKeyAreRefused() {
        String wrong = newInferenceId();
        refused(
                invoke(wrong).header(ApiKeys.HEADER, "team-a-secret-key-0009"),
                "echo",
                "UnrecognizedClientException",
                "not valid");
        String revoked = newInferenceId();
        refused(invoke(revoked).header(ApiKeys.HEADER, REVOKED), "echo", "UnrecognizedClientException", "revoked");
        refused(
                invoke(revoked).header("Authorization", "Bearer " + REVOKED),
                "echo",
                "UnrecognizedClientException",
                "revoked");
        assertEquals(0, modelCallsFor(wrong) + modelCallsFor(revoked));
        given().get("/endpoints/echo/inferences").then().statusCode(403);
        given().header(ApiKeys.HEADER, REVOKED)
                .get("/inferences/{id}", wrong)
                .then()
                .statusCode(403);
    }

    @Test
    void aKeyLimitedToOneEndpointCannotUseOrReadAnother() {
        String other = newInferenceId();
        refused(
                invoke(other).header(ApiKeys.HEADER, TEAM_B),
                "slow",
                "AccessDeniedException",
                "may not use endpoint slow");
        assertEquals(0, modelCallsFor(other));
        given().header(ApiKeys.HEADER, TEAM_B)
                .get("/endpoints/slow/inferences")
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", "AccessDeniedException");

        // team-a writes a record on "slow"; team-b cannot tell it exists
        String onSlow = newInferenceId();
        invoke(onSlow)
                .header(ApiKeys.HEADER, TEAM_A)
                .post("/endpoints/slow/invocations")
                .then()
                .statusCode(200);
        given().header(ApiKeys.HEADER, TEAM_A)
                .get("/inferences/{id}", onSlow)
                .then()
                .statusCode(200);
        given().header(ApiKeys.HEADER, TEAM_B)
                .get("/inferences/{id}", onSlow)
                .then()
                .statusCode(404);
    }

    @Test
    void theRecordAndTheLogLineNameTheCallerNeverTheKey() {
        String id = newInferenceId();
        try (CapturedLog lines = CapturedLog.of("sagewatch.inference")) {
            invoke(id)
                    .header("Authorization", "Bearer " + TEAM_B)
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(200)
                    .body(equalTo("x"));
            given().header(ApiKeys.HEADER, TEAM_B)
                    .get("/inferences/{id}", id)
                    .then()
                    .statusCode(200)
                    .body("caller", equalTo("team-b"));
            assertEquals("team-b", awaitFinalRecord(id, TEAM_B).getString("caller"));
            String line = lines.messages().stream()
                    .filter(l -> l.contains(id))
                    .findFirst()
                    .orElseThrow();
            org.assertj.core.api.Assertions.assertThat(line)
                    .contains("\"caller\":\"team-b\"")
                    .doesNotContain(TEAM_B);
        }
    }

    @Test
    void streamsAskForAKeyToo() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("{}")
                .post("/endpoints/stream-raw/invocations-response-stream")
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", "MissingAuthenticationTokenException");
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .header(ApiKeys.HEADER, TEAM_B)
                .body("{}")
                .post("/endpoints/stream-raw/invocations-response-stream")
                .then()
                .statusCode(403)
                .header("x-amzn-ErrorType", "AccessDeniedException");
        assertEquals(0, modelCallsFor(id));
        String allowed = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", allowed)
                .header(ApiKeys.HEADER, TEAM_A)
                .body("{}")
                .post("/endpoints/stream-raw/invocations-response-stream")
                .then()
                .statusCode(200)
                .header("Content-Type", "application/vnd.amazon.eventstream");
        assertEquals("team-a", awaitFinalRecord(allowed, TEAM_A).getString("caller"));
    }

    /** The OpenAI front: bearer keys, their endpoint limits, refusals as the OpenAI SDK's typed exceptions. */
    @Test
    void theOpenAiFrontTakesTheSameKeysAsBearerTokens() {
        java.util.function.Function<String, com.openai.client.OpenAIClient> client =
                key -> com.openai.client.okhttp.OpenAIOkHttpClient.builder()
                        .baseUrl("http://127.0.0.1:" + io.restassured.RestAssured.port + "/v1")
                        .apiKey(key)
                        .maxRetries(0)
                        .build();
        var params = com.openai.models.chat.completions.ChatCompletionCreateParams.builder()
                .model("chat")
                .addUserMessage("hi")
                .build();
        var teamA = client.apply(TEAM_A);
        var teamB = client.apply(TEAM_B);
        var stranger = client.apply("not-a-key-of-this-gateway");
        try {
            var raw = teamA.chat().completions().withRawResponse().create(params);
            assertEquals(
                    "Hello from fake",
                    raw.parse().choices().get(0).message().content().orElseThrow());
            assertEquals(
                    "team-a",
                    awaitFinalRecord(raw.headers().values("x-request-id").get(0), TEAM_A)
                            .getString("caller"));
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> teamB.chat().completions().create(params))
                    .isInstanceOf(com.openai.errors.PermissionDeniedException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> stranger.chat().completions().create(params))
                    .isInstanceOf(com.openai.errors.UnauthorizedException.class);
            assertThat(teamB.models().list().data().stream().map(m -> m.id())).doesNotContain("chat");
            assertThat(teamA.models().list().data().stream().map(m -> m.id())).contains("chat");
        } finally {
            teamA.close();
            teamB.close();
            stranger.close();
        }
    }

    /**
     * Every route the application exposes: its own (from the OpenAPI document), those on the main router, and the
     * extensions' under /q (on a router of their own that Vert.x does not list: named here): without a key, refused in
     * SageMaker's shape unless it is on the public list.
     */
    @Test
    void everyRouteNeedsAKeyUnlessItIsPublic() {
        Map<String, List<String>> routes = new TreeMap<>();
        JsonPath openApi = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, Map<String, Object>> paths = openApi.getMap("paths");
        paths.forEach((path, operations) -> routes.put(
                path,
                operations.keySet().stream()
                        .map(method -> method.toUpperCase(Locale.ROOT))
                        .toList()));
        RouteCatalog.paths().forEach(path -> routes.putIfAbsent(path, List.of("GET")));
        for (String framework : List.of(
                "/q/health", "/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics", "/q/openapi")) {
            routes.putIfAbsent(framework, List.of("GET"));
        }
        // the OpenAI front's routes are Vert.x routes, in no OpenAPI document (the router lists them only in-process)
        routes.putIfAbsent("/v1/chat/completions", List.of("POST", "GET"));
        routes.putIfAbsent("/v1/completions", List.of("POST"));
        routes.putIfAbsent("/v1/embeddings", List.of("POST"));
        routes.putIfAbsent("/v1/models", List.of("GET"));
        routes.putIfAbsent("/v1/models/{model}", List.of("GET"));
        routes.putIfAbsent("/endpoints/{EndpointName}/openai/v1/chat/completions", List.of("POST"));
        assertThat(routes)
                .as("the routes found")
                .containsKeys(
                        "/endpoints/{EndpointName}/invocations",
                        "/inferences/{inferenceId}",
                        "/v1/chat/completions",
                        "/v1/models",
                        "/q/health",
                        "/q/metrics",
                        "/q/openapi",
                        "/console",
                        "/console/sign-in");
        List<String> decisions = new ArrayList<>();
        routes.forEach((template, methods) -> {
            String path = template.replace("{EndpointName}", "echo")
                    .replace("{inferenceId}", "some-id")
                    .replaceAll("\\{[^}]+}", "x")
                    .replace("*", "");
            for (String method : methods) {
                var answer = given().redirects()
                        .follow(false)
                        .body("x")
                        .request(method, path)
                        .then()
                        .extract();
                // the OpenAI front's routes refuse in OpenAI's shape, which its SDKs raise as AuthenticationError;
                // the console's pages send a person to the sign-in form
                boolean refused = OpenAiErrors.isOpenAiPath(path)
                        ? answer.statusCode() == 401
                                && "invalid_api_key".equals(answer.jsonPath().getString("error.code"))
                        : path.startsWith("/console")
                                ? answer.statusCode() == 303 && "/console/sign-in".equals(answer.header("Location"))
                                : answer.statusCode() == 403
                                        && "MissingAuthenticationTokenException"
                                                .equals(answer.header("x-amzn-ErrorType"));
                decisions.add(method + " " + template + " -> " + answer.statusCode());
                if (refused == ApiKeyFilter.isPublic(path)) {
                    throw new AssertionError(method + " " + template
                            + (refused
                                    ? " is public but refused"
                                    : " answered " + answer.statusCode() + " without a key")
                            + "; all: " + decisions);
                }
            }
        });
    }
}
