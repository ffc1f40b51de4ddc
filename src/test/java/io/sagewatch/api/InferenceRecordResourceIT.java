package io.sagewatch.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** The records API: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class InferenceRecordResourceIT extends InferenceRecordResourceTest {}
