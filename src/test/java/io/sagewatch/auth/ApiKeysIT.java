package io.sagewatch.auth;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** API keys: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class ApiKeysIT extends ApiKeysTest {}
