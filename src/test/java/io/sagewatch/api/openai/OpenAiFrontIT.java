package io.sagewatch.api.openai;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** The OpenAI front: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class OpenAiFrontIT extends OpenAiFrontTest {}
