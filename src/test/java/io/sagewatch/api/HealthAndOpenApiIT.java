package io.sagewatch.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Health checks and the OpenAPI document: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class HealthAndOpenApiIT extends HealthAndOpenApiTest {}
