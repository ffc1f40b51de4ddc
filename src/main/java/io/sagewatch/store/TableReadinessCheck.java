package io.sagewatch.store;

import java.time.Duration;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Ready only when the record table answers: an instance that cannot record should not take traffic. */
@Readiness
@ApplicationScoped
public class TableReadinessCheck implements AsyncHealthCheck {

    private final InferenceRecordStore store;
    private final InferenceTable table;

    TableReadinessCheck(InferenceRecordStore store, InferenceTable table) {
        this.store = store;
        this.table = table;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return store.tableStatus()
                .ifNoItem().after(Duration.ofSeconds(3)).fail()
                .map(status -> HealthCheckResponse.named("inference-table").status("ACTIVE".equals(status))
                        .withData("table", table.name()).withData("status", status).build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named("inference-table").down()
                        .withData("table", table.name()).withData("error", String.valueOf(failure.getMessage()))
                        .build());
    }
}
