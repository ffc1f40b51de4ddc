package io.sagewatch.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Bad invocations: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class BadInvocationIT extends BadInvocationTest {}
