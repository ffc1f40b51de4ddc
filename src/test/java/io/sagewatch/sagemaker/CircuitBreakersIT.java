package io.sagewatch.sagemaker;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** The circuit breaker: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class CircuitBreakersIT extends CircuitBreakersTest {}
