package io.sagewatch.table;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** The signed BatchWriteItem: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class BatchWriteCallIT extends BatchWriteCallTest {}
