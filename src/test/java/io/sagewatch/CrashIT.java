package io.sagewatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.HttpBuild;
import io.sagewatch.testing.PackagedGateway;
import io.sagewatch.testing.PackagedGateway.Answer;
import io.sagewatch.testing.SageMakerFake;
import io.sagewatch.testing.TableGate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged gateway (the jar; with -Pnative the native executable) killed (SIGKILL: no shutdown hook, no spool
 * flush) while under load: every inference it answered has at least its in-progress record in the table, because an
 * answer waits for that record (batched with the others) to be written. What was answered leaves evidence, whatever
 * kills the process. The table is slow but healthy: the table gate holds each write call with a final record for 300
 * ms ("table-lag"), and is closed together with the kill, so the writes under way die with the process: the kill
 * surely leaves answered inferences whose final record was never written, and without their in-progress record they
 * would leave nothing. (While the table is failing, answers do not wait for in-progress records: an outage must not
 * stop the answers; that case is not this test's.)
 */
@HttpBuild
class CrashIT {

    private static final int CLIENTS = 16;
    /** Echoed by the model fake; its record writes are slowed by the table gate. */
    private static final String ENDPOINT = "table-lag";

    @Test
    void aKilledGatewayLeavesARecordOfEveryInferenceItAnswered() throws Exception {
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                TableGate gate = new TableGate(dynamo.port());
                SageMakerFake model = new SageMakerFake();
                PackagedGateway gateway = new PackagedGateway(dynamo, gate.url(), model, ENDPOINT)) {
            gateway.awaitFirstInference(ENDPOINT);
            gateway.startLoad(CLIENTS, ENDPOINT, 5_000);
            Thread.sleep(3_000);
            gateway.stopping();
            gateway.kill(); // SIGKILL
            gate.close(); // and the writes it had under way are never written
            assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS))
                    .as("the gateway is gone")
                    .isTrue();
            assertThat(gateway.awaitCallers()).isTrue();

            List<Answer> answered =
                    gateway.answers().stream().filter(a -> a.status() == 200).toList();
            List<String> statuses = gateway.recordStatuses(answered);
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < answered.size(); i++) {
                if (statuses.get(i) == null) {
                    missing.add(answered.get(i).inferenceId());
                }
            }
            long inProgressOnly =
                    statuses.stream().filter("IN_PROGRESS"::equals).count();
            System.out.printf(
                    "crash: %d answered (200) before SIGKILL, %d with their final record, %d in progress "
                            + "only, %d with none%n",
                    answered.size(),
                    statuses.stream().filter("SUCCEEDED"::equals).count(),
                    inProgressOnly,
                    missing.size());
            assertThat(answered).as("load reached the gateway").hasSizeGreaterThan(CLIENTS);
            assertThat(inProgressOnly)
                    .as("answered inferences whose final record was still unwritten at the kill")
                    .isPositive();
            assertThat(missing).as("answered inferences that left no record").isEmpty();
        }
    }
}
