package io.sagewatch.dev;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.arc.properties.UnlessBuildProperty;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.vertx.core.Vertx;

/**
 * What `quarkus:dev` needs on a laptop with no AWS account: DynamoDB Local in-process and the demo models behind a
 * SageMaker-protocol server, started before the table is created. Both are off unless configured (the dev profile
 * turns them on).
 */
// not in the native executables: only the JVM image's training run (its demo models) and dev mode use it
@UnlessBuildProperty(name = "quarkus.native.enabled", stringValue = "true", enableIfMissing = true)
@ApplicationScoped
public class EmbeddedDefaults {

    private static final Logger LOG = Logger.getLogger(EmbeddedDefaults.class);

    private EmbeddedDynamoDb dynamo;
    private DemoModelServer models;

    void start(@Observes @Priority(1) StartupEvent event, SagewatchConfig config, Vertx vertx) {
        SagewatchConfig.Dev dev = config.dev();
        if (dev.embeddedDynamodb()) {
            dynamo = EmbeddedDynamoDb.start(dev.embeddedDynamodbPort());
            LOG.infof("DynamoDB Local (in-process, in-memory) on port %d", dynamo.port());
        }
        if (dev.demoModel()) {
            models = DemoModelServer.start(vertx, dev.demoModelPort());
            LOG.infof(
                    "Demo models %s speak the SageMaker runtime protocol on http://127.0.0.1:%d",
                    DemoModelServer.ENDPOINTS, dev.demoModelPort());
        }
    }

    /** Late: records still being written are drained first (InferenceRecordStore). */
    void stop(@Observes @Priority(10_000) ShutdownEvent event) {
        if (models != null) {
            models.close();
        }
        if (dynamo != null) {
            dynamo.close();
        }
    }
}
