package io.sagewatch.tracing;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Traces: the same suite against the native executable, its spans decoded by the same receiver. */
@QuarkusIntegrationTest
@NativeHttpBuild
class TracingIT extends TracingTest {}
