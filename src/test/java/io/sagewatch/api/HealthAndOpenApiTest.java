package io.sagewatch.api;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class HealthAndOpenApiTest {

    @Test
    void readyWhenTheTableAnswers() {
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'inference-table' }.data.status", equalTo("ACTIVE"));
    }

    @Test
    void openApiDescribesEveryRoute() {
        given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/endpoints/{EndpointName}/invocations"))
                .body(containsString("/inferences/{inferenceId}"))
                .body(containsString("/endpoints/{EndpointName}/inferences"));
    }

    /**
     * The invocation routes take any body, as SageMaker does, with its headers as parameters; no type of the framework
     * (Vert.x' RoutingContext and what hangs off it) is described as if it were part of the API.
     */
    @Test
    void openApiTellsTheTruthAboutTheInvocationRoutes() {
        String document = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        JsonPath openApi = new JsonPath(document);
        for (String route : List.of(
                "/endpoints/{EndpointName}/invocations", "/endpoints/{EndpointName}/invocations-response-stream")) {
            String post = "paths.'" + route + "'.post";
            Map<String, Object> content = openApi.getMap(post + ".requestBody.content");
            assertThat(content).as(route + " bodies").containsOnlyKeys("application/octet-stream", "*/*");
            assertThat(openApi.getString(post + ".requestBody.content.'application/octet-stream'.schema.format"))
                    .isEqualTo("binary");
            List<String> headers = openApi.getList(post + ".parameters.findAll { it.in == 'header' }.name");
            // Content-Type and Accept are described by the media types (OpenAPI ignores them as parameters)
            assertThat(headers)
                    .as(route + " header parameters")
                    .contains(
                            "X-Amzn-SageMaker-Inference-Id",
                            "X-Amzn-SageMaker-Custom-Attributes",
                            "X-Amzn-SageMaker-Target-Variant",
                            "X-Amzn-SageMaker-Inference-Component",
                            "Idempotency-Key");
        }
        assertThat(openApi.getList("paths.'/endpoints/{EndpointName}/invocations'.post.parameters.name", String.class))
                .contains("X-Amzn-SageMaker-Target-Model", "X-Amzn-SageMaker-Enable-Explanations");
        assertThat(openApi.getList(
                        "paths.'/endpoints/{EndpointName}/invocations-response-stream'.post.parameters.name",
                        String.class))
                .contains("X-Amzn-SageMaker-Accept");
        Map<String, Object> schemas = openApi.getMap("components.schemas");
        assertThat(schemas == null ? Map.of() : schemas)
                .as("schemas")
                .doesNotContainKeys(
                        "RoutingContext",
                        "Buffer",
                        "ByteBuf",
                        "Session",
                        "User",
                        "AuthProvider",
                        "HttpServerRequest",
                        "HttpServerResponse");
        assertThat(document).doesNotContain("sessionAccessed").doesNotContain("RoutingContext");
    }
}
