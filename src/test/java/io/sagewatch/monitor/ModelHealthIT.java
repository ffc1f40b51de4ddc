package io.sagewatch.monitor;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Model health against the native executable: the sketches, the worker and the table items in the image. */
@QuarkusIntegrationTest
@NativeHttpBuild
class ModelHealthIT extends ModelHealthTest {}
