package io.sagewatch.sagemaker;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** SigV4 as botocore computes it: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class SageMakerRuntimeClientIT extends SageMakerRuntimeClientTest {}
