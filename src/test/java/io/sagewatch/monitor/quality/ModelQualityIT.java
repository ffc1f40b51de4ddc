package io.sagewatch.monitor.quality;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Model quality against the native executable: the reader, the worker, the metrics and the table items in the image. */
@QuarkusIntegrationTest
@NativeHttpBuild
class ModelQualityIT extends ModelQualityTest {}
