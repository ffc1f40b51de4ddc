package io.sagewatch.metrics;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** EMF lines on stdout, written before the response: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class EmfPerInferenceIT extends EmfPerInferenceTest {}
