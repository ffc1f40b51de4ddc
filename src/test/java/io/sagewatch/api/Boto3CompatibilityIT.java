package io.sagewatch.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** The boto3 contract: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class Boto3CompatibilityIT extends Boto3CompatibilityTest {}
