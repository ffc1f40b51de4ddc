package io.sagewatch.aws;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.hamcrest.Matchers.equalTo;

/** With no TLS configuration named, the SageMaker calls trust what the default one does ({@code quarkus.tls.*}). */
@QuarkusTest
@WithTestResource(
        value = GatewayTestResource.class,
        initArgs = @ResourceArg(name = GatewayTestResource.TLS, value = "default"))
class TlsTrustDefaultTest {

    @Test
    void theDefaultTlsConfigurationsTrustIsUsedWhenNoneIsNamed() {
        given().header("X-Amzn-SageMaker-Inference-Id", newInferenceId())
                .contentType("text/plain")
                .body("default")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(equalTo("default"));
    }
}
