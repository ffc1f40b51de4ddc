package io.sagewatch.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Streaming: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class StreamingInvocationResourceIT extends StreamingInvocationResourceTest {}
