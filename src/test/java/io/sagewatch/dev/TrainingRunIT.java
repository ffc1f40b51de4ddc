package io.sagewatch.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import io.sagewatch.testing.Artifact;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.HttpBuild;

/**
 * The packaged jar's training run, as the JVM image's build runs it ({@code -Dquarkus.profile=prod,training}; here
 * without {@code -XX:AOTCacheOutput}, which needs JDK 25: .ci/containers builds the image and ContainerIT checks that it
 * starts from the cache): the gateway calls itself, every call is answered as the run expects, the records reach the
 * table stand-in, and the process exits 0; when the records cannot reach it, the run fails the build with 1.
 */
@HttpBuild
@DisabledIfSystemProperty(named = "sagewatch-test.artifact", matches = "native", disabledReason = "no AOT cache to train")
class TrainingRunIT {

    private static final int REQUESTS = 200;

    private record Run(int exitCode, List<String> lines) {
    }

    private static Run run(String... more) throws Exception {
        List<String> settings = new ArrayList<>(List.of("-Dquarkus.profile=prod,training",
                "-Dquarkus.http.port=" + FreePort.next(),
                "-Dsagewatch.dev.demo-model-port=" + FreePort.next(),
                "-Dsagewatch.dev.training-table-port=" + FreePort.next(),
                "-Dsagewatch.dev.training-requests=" + REQUESTS,
                "-Dquarkus.shutdown.timeout=5s"));
        settings.addAll(List.of(more));
        Path log = Files.createTempFile("sagewatch-training", ".log");
        Process process = new ProcessBuilder(Artifact.command(settings)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the training run ends by itself").isTrue();
            return new Run(process.exitValue(), Files.readAllLines(log));
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void theRunCallsTheGatewayThroughItsOwnPortAndExitsCleanly() throws Exception {
        Run run = run();

        assertThat(run.exitCode()).as(String.join("\n", run.lines())).isZero();
        assertThat(run.lines()).anyMatch(line -> line.contains(
                "Training run: " + REQUESTS + " calls answered as expected"));
        // one inference line per call that reached the pipeline: all but the unknown endpoint's (every 20th call)
        List<String> inferences = run.lines().stream().filter(line -> line.contains("\"message\":\"inference\""))
                .toList();
        assertThat(inferences).hasSize(REQUESTS - REQUESTS / 20)
                .anyMatch(line -> line.contains("\"endpoint\":\"demo-llm\"") && line.contains("\"parts\":"))
                .anyMatch(line -> line.contains("\"error_type\":\"ModelError\""));
    }

    @Test
    void aRunWhoseRecordsCannotReachTheTableFails() throws Exception {
        Run run = run("-Dquarkus.dynamodb.endpoint-override=http://127.0.0.1:" + FreePort.next());

        assertThat(run.exitCode()).as(String.join("\n", run.lines())).isEqualTo(1);
        assertThat(run.lines()).anyMatch(line -> line.contains("no record batch reached the table stand-in"));
    }
}
