package io.sagewatch.inference;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Deadlines, and the gateway's reason in the log line: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class DeadlineIT extends DeadlineTest {}
