package io.sagewatch.records;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.table.TableClient;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Ready when the record table is there. While the table fails (unreachable, erroring), the instance still serves and
 * holds final records in its spool: ready, with state "degraded" and the spool's depth. Not ready when the table is
 * missing, when the DynamoDB client cannot be built, or when the spool is full, when records would go to the
 * dead-letter log rather than the table.
 */
@Readiness
@ApplicationScoped
public class TableReadinessCheck implements AsyncHealthCheck {

    private final TableClient tables;
    private final InferenceTable table;
    private final RecordSpool spool;
    private final long spoolMaxBytes;

    TableReadinessCheck(TableClient tables, InferenceTable table, RecordSpool spool, SagewatchConfig config) {
        this.tables = tables;
        this.table = table;
        this.spool = spool;
        this.spoolMaxBytes = config.store().spoolMaxBytes();
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return tables.tableStatus()
                .ifNoItem()
                .after(Duration.ofSeconds(3))
                .fail()
                .map(status -> withSpool(
                        HealthCheckResponse.named("inference-table")
                                .status("ACTIVE".equals(status))
                                .withData("status", status),
                        spool.tableFailing()))
                .onFailure()
                .recoverWithItem(failure -> withSpool(
                        HealthCheckResponse.named("inference-table")
                                .status(!(failure instanceof ResourceNotFoundException
                                        || failure instanceof TableClient.NoClient))
                                .withData("error", String.valueOf(failure.getMessage())),
                        true));
    }

    private HealthCheckResponse withSpool(HealthCheckResponseBuilder response, boolean failing) {
        boolean full = spool.queuedBytes() * 10 >= spoolMaxBytes * 9L;
        if (full) {
            response.down();
        }
        if (failing && spool.lastFailure() != null) {
            response.withData("last_write_failure", spool.lastFailure());
        }
        return response.withData("table", table.name())
                .withData("state", failing || full ? "degraded" : "ok")
                .withData("spooled_records", spool.queued())
                .withData("spooled_bytes", spool.queuedBytes())
                .build();
    }
}
