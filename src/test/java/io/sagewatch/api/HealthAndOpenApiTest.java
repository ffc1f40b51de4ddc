package io.sagewatch.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagewatch.testing.GatewayTestResource;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class HealthAndOpenApiTest {

    @Test
    void readyWhenTheTableAnswers() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'inference-table' }.data.status", equalTo("ACTIVE"));
    }

    @Test
    void openApiDescribesEveryRoute() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body(containsString("/endpoints/{EndpointName}/invocations"))
                .body(containsString("/inferences/{inferenceId}"))
                .body(containsString("/endpoints/{EndpointName}/inferences"));
    }
}
