package io.sagewatch.idempotency;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Idempotency keys: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class IdempotencyGuardIT extends IdempotencyGuardTest {}
