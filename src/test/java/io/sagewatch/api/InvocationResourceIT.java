package io.sagewatch.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Success and every error class, records written and read back: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class InvocationResourceIT extends InvocationResourceTest {}
