package io.sagewatch.datacapture;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Data Capture against the native executable: the Quarkiverse S3 client, the writer and the lines in the image. */
@QuarkusIntegrationTest
@NativeHttpBuild
class DataCaptureIT extends DataCaptureTest {}
