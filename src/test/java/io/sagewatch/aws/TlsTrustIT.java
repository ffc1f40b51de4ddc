package io.sagewatch.aws;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** TLS in the native image: the trust stores are read at run time, and both HTTP stacks use them. */
@QuarkusIntegrationTest
@NativeHttpBuild
class TlsTrustIT extends TlsTrustTest {}
