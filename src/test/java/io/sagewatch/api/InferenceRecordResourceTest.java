package io.sagewatch.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class InferenceRecordResourceTest {

    @Test
    void aSuccessfulInferenceIsRecordedWithEveryField() {
        String id = newInferenceId();
        Instant before = Instant.now();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .header("X-Amzn-SageMaker-Target-Model", "m1.tar.gz")
                .contentType("application/json")
                .body("{\"inputs\":\"hello\"}")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);

        JsonPath record = awaitFinalRecord(id);
        assertEquals(id, record.getString("inference_id"));
        assertNotNull(record.getString("request_id"));
        assertEquals("echo", record.getString("endpoint"));
        assertEquals("SUCCEEDED", record.getString("status"));
        assertEquals(200, record.getInt("http_status"));
        assertNull(record.get("error_type"));
        assertEquals("AllTraffic", record.getString("variant"));
        assertEquals("m1.tar.gz", record.getString("target_model"));
        Instant received = Instant.parse(record.getString("received_at"));
        Instant finished = Instant.parse(record.getString("finished_at"));
        assertThat(received).isBetween(before.minusSeconds(1), finished);
        double latency = record.getDouble("latency_ms");
        double model = record.getDouble("model_latency_ms");
        double overhead = record.getDouble("overhead_latency_ms");
        assertThat(model).isPositive().isLessThanOrEqualTo(latency);
        assertThat(overhead).isNotNegative();
        assertThat(model + overhead).isCloseTo(latency, org.assertj.core.data.Offset.offset(0.002));
        assertEquals(1, record.getInt("attempts"));
        assertEquals(18, record.getInt("request_bytes"));
        assertEquals(18, record.getInt("response_bytes"));
        assertEquals("application/json", record.getString("request_content_type"));
        assertEquals("application/json", record.getString("response_content_type"));
        assertEquals("{\"inputs\":\"hello\"}", record.getString("input.data"));
        assertEquals("utf-8", record.getString("input.encoding"));
        assertEquals("{\"inputs\":\"hello\"}", record.getString("output.data"));
        // TTL: the default retention of 30 days
        assertThat(record.getLong("expires_at"))
                .isEqualTo(received.plus(Duration.ofDays(30)).getEpochSecond());
    }

    @Test
    void unknownInferenceIsNotFoundInSageMakersShape() {
        given().get("/inferences/{id}", "never-seen-" + newInferenceId())
                .then()
                .statusCode(404)
                .header("x-amzn-ErrorType", "ResourceNotFound")
                .body("Message", containsString("No inference record"));
    }

    @Test
    void aReusedInferenceIdKeepsBothRecordsAndReadsTheNewest() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("first")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        String firstRequest = awaitFinalRecord(id).getString("request_id");
        String secondRequest = given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("second")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .extract()
                .header("x-amzn-RequestId");

        JsonPath newest = awaitFinalRecord(id);
        assertEquals(secondRequest, newest.getString("request_id"));
        assertThat(firstRequest).isNotEqualTo(secondRequest);
        assertEquals("second", newest.getString("input.data"));
    }

    @Test
    void listingIsNewestFirstAndPaginatedByAnOpaqueToken() {
        List<String> ids = new ArrayList<>();
        Instant start = Instant.now().minusMillis(1);
        for (int i = 0; i < 5; i++) {
            String id = newInferenceId();
            ids.add(id);
            given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .body("n" + i)
                    .post("/endpoints/listing/invocations")
                    .then()
                    .statusCode(200);
            awaitFinalRecord(id);
        }

        List<String> listed = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            var request = given().queryParam("limit", 2).queryParam("since", start.toString());
            if (next != null) {
                request.queryParam("next", next);
            }
            JsonPath page = request.get("/endpoints/listing/inferences")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            List<String> pageIds = page.getList("items.inference_id");
            assertThat(pageIds.size()).isLessThanOrEqualTo(2);
            listed.addAll(pageIds);
            next = page.getString("next");
            pages++;
        } while (next != null && pages < 10);

        List<String> newestFirst = new ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);
        assertEquals(newestFirst, listed, "all five, newest first, none twice");
        assertThat(pages).isBetween(3, 4);

        given().queryParam("until", start.toString())
                .queryParam("since", start.minusSeconds(60).toString())
                .get("/endpoints/listing/inferences")
                .then()
                .statusCode(200)
                .body("items", empty())
                .body("next", nullValue());
    }

    /**
     * A page larger than the response buffer (8 KB) arrives whole: in the HTTP build chunked, in the Lambda build with
     * its length (the Lambda adapter turned a chunked answer into an empty Transfer-Encoding header and no length, on
     * which a client waits for a connection close that never comes). Read with a client that gives up after 10 s.
     */
    @Test
    void aLargePageArrivesWhole() throws Exception {
        String last = null;
        String padding = "x".repeat(400);
        for (int i = 0; i < 40; i++) {
            last = newInferenceId();
            given().header("X-Amzn-SageMaker-Inference-Id", last)
                    .body("{\"n\": " + i + ", \"pad\": \"" + padding + "\"}")
                    .post("/endpoints/large-page/invocations")
                    .then()
                    .statusCode(200);
        }
        awaitFinalRecord(last);
        var client = java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        var response = client.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:"
                                + io.restassured.RestAssured.port + "/endpoints/large-page/inferences?limit=40"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertThat(response.body().length()).isGreaterThan(8192 * 2);
        assertThat(JsonPath.from(response.body()).getList("items")).hasSize(40);
        if (io.sagewatch.testing.Gateway.isLambdaBuild()) {
            assertThat(response.headers().firstValueAsLong("content-length"))
                    .hasValue(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }

    private static String token(String plain) {
        return java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(plain.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void badListingParametersAreValidationErrors() {
        for (int i = 0; i < 2; i++) {
            awaitFinalRecord(given().body("x")
                    .post("/endpoints/listing/invocations")
                    .then()
                    .statusCode(200)
                    .extract()
                    .header("X-Sagewatch-Inference-Id"));
        }
        String tokenForListing = given().queryParam("limit", 1)
                .get("/endpoints/listing/inferences")
                .then()
                .statusCode(200)
                .extract()
                .path("next");
        record Case(String param, String value, String message) {}
        List<Case> cases = List.of(
                new Case("next", "not-a-token!", "pagination token"),
                new Case("next", "djE", "pagination token"),
                new Case("next", token("v1\nlisting\nnot-a-time\nr1\ni1"), "pagination token"),
                new Case("next", token("v1\nlisting\n2026-01-01T00:00:00.000Z\n\ni1"), "pagination token"),
                new Case("until", "+10000-01-01T00:00:00Z", "'until'"),
                new Case("limit", "0", "'limit'"),
                new Case("limit", "101", "'limit'"),
                new Case("limit", "ten", "'limit'"),
                new Case("since", "yesterday", "'since'"),
                new Case("until", "2026-13-01T00:00:00Z", "'until'"));
        for (Case c : cases) {
            given().queryParam(c.param(), c.value())
                    .get("/endpoints/listing/inferences")
                    .then()
                    .statusCode(400)
                    .header("x-amzn-ErrorType", "ValidationError")
                    .header("x-amzn-RequestId", org.hamcrest.Matchers.notNullValue())
                    .body("Message", containsString(c.message()));
        }
        given().queryParam("since", "2026-02-01T00:00:00Z")
                .queryParam("until", "2026-01-01T00:00:00Z")
                .get("/endpoints/listing/inferences")
                .then()
                .statusCode(400);
        assertNotNull(tokenForListing);
        {
            given().queryParam("next", tokenForListing)
                    .get("/endpoints/echo/inferences")
                    .then()
                    .statusCode(400)
                    .body("Message", containsString("another endpoint"));
        }
        given().get("/endpoints/other-model/inferences")
                .then()
                .statusCode(400)
                .header("x-amzn-ErrorType", "ValidationError");
    }
}
