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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged gateway (the ECS build: jar, or native executable) stopped with SIGTERM while under load: requests in flight finish with their answer,
 * and every answered inference has its final record in the table or a dead-letter line. Run by failsafe after
 * {@code package}.
 */
@HttpBuild
class GracefulShutdownIT {

    private static final int CLIENTS = 16;

    @Test
    void aStoppingGatewayFinishesWhatItAcceptedAndLosesNoRecord() throws Exception {
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake();
                PackagedGateway gateway = new PackagedGateway(dynamo, model, "slow")) {
            gateway.awaitFirstInference("slow");
            // load: CLIENTS callers in a loop on "slow" (300 ms per answer), until the gateway is gone
            gateway.startLoad(CLIENTS, "slow", 200);
            Thread.sleep(2_000);
            long stoppedAt = gateway.stopping();
            gateway.terminate(); // SIGTERM
            assertThat(gateway.process().waitFor(60, TimeUnit.SECONDS))
                    .as("the gateway stops")
                    .isTrue();
            assertThat(gateway.awaitCallers()).isTrue();

            // sent well before SIGTERM (300 ms of model time, so in flight then): every one answered 200
            long inFlightBefore = stoppedAt - TimeUnit.MILLISECONDS.toNanos(200);
            assertThat(gateway.brokenSentAt())
                    .as("requests cut off although sent before the stop")
                    .noneMatch(sentAt -> sentAt < inFlightBefore);
            List<Answer> answers = gateway.answers();
            List<Answer> accepted =
                    answers.stream().filter(a -> a.status() == 200).toList();
            assertThat(accepted.stream()
                            .filter(a -> a.sentAt() > inFlightBefore - 1_000_000_000L)
                            .count())
                    .as("answered in the last second before the stop")
                    .isGreaterThan(CLIENTS / 2);
            assertThat(answers).filteredOn(a -> a.sentAt() < inFlightBefore).allMatch(a -> a.status() == 200);

            // and each answered inference has its final record, or a dead-letter line
            String output = gateway.output();
            List<String> statuses = gateway.recordStatuses(accepted);
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < accepted.size(); i++) {
                String id = accepted.get(i).inferenceId();
                boolean deadLettered = output.lines().anyMatch(l -> l.contains("dead_letter") && l.contains(id));
                if (!"SUCCEEDED".equals(statuses.get(i)) && !deadLettered) {
                    missing.add(id);
                }
            }
            System.out.printf(
                    "graceful shutdown: %d answered (200), %d refused, %d cut off after the stop, "
                            + "0 of them lost%n",
                    accepted.size(),
                    answers.size() - accepted.size(),
                    gateway.brokenSentAt().size());
            assertThat(missing)
                    .as("answered inferences with no record anywhere")
                    .isEmpty();
            // the table is healthy here: the spool's flush at shutdown writes every record, none is dead-lettered
            assertThat(output.lines().filter(l -> l.contains("dead_letter")).toList())
                    .as("records dead-lettered although the table answered")
                    .isEmpty();
            assertThat(accepted).hasSizeGreaterThan(CLIENTS * 3);
        }
    }
}
