package io.sagewatch.dev;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.sagewatch.testing.Artifact;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.HttpBuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The packaged jar's training run, as the JVM image's build runs it ({@code -Dquarkus.profile=prod,training}; here
 * on the test's JVM, without recording a cache: .ci/containers builds the image and ContainerIT checks that it starts
 * from the cache): the gateway calls itself, every call is answered as the run expects, the records reach the table
 * stand-in, and the process exits 0; when the records cannot reach it, or when asked to record a cache from the
 * fast-jar layout (JDK 25), the run fails the build with 1.
 */
@HttpBuild
@Tag("jar-only") // the JVM image trains its cache from the jar; a native build has none to train
class TrainingRunIT {

    private static final int REQUESTS = 200;

    private record Run(int exitCode, List<String> lines) {}

    private static List<String> settings(String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "-Dquarkus.profile=prod,training",
                "-Dquarkus.http.port=" + FreePort.next(),
                "-Dsagewatch.dev.demo-model-port=" + FreePort.next(),
                "-Dsagewatch.dev.training-table-port=" + FreePort.next(),
                "-Dsagewatch.dev.training-requests=" + REQUESTS,
                "-Dquarkus.shutdown.timeout=5s"));
        settings.addAll(List.of(more));
        return settings;
    }

    private static Run run(String... more) throws Exception {
        return run(Artifact.command(settings(more)));
    }

    private static Run run(List<String> command) throws Exception {
        Path log = Files.createTempFile("sagewatch-training", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            assertThat(process.waitFor(90, TimeUnit.SECONDS))
                    .as("the training run ends by itself")
                    .isTrue();
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
        assertThat(run.lines())
                .anyMatch(line -> line.contains("Training run: " + REQUESTS + " calls answered as expected"));
        // one inference line per call that reached the pipeline: all but the unknown endpoint's (every 20th call)
        List<String> inferences = run.lines().stream()
                .filter(line -> line.contains("\"message\":\"inference\""))
                .toList();
        assertThat(inferences)
                .hasSize(REQUESTS - REQUESTS / 20)
                .anyMatch(line -> line.contains("\"endpoint\":\"demo-llm\"") && line.contains("\"parts\":"))
                .anyMatch(line -> line.contains("\"error_type\":\"ModelError\""));
    }

    @Test
    void recordingACacheFromTheFastJarIsRefused() throws Exception {
        Path java = Path.of(System.getenv().getOrDefault("JDK25", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java");
        if (!Files.isExecutable(java)) {
            // said, not skipped: the JVM image's cache is recorded on JDK 25, and this is where its refusal is checked
            assumeFalse(
                    Boolean.getBoolean("sagewatch-test.without-jdk25"), "left out on request: no JDK 25 at " + java);
            throw new AssertionError("Recording an AOT cache needs a JDK 25: none at " + java + ". Set JDK25 to one,"
                    + " or run with -Dsagewatch-test.without-jdk25=true to leave this check out");
        }
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        try (JarFile file = new JarFile(jar.toFile())) {
            // the default build packages the fast-jar, whose entry point builds Quarkus' own class loader (the
            // aot-jar's, AotQuarkusEntryPoint, does not): what this test refuses to train from
            assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
                    .as("the packaged layout")
                    .isEqualTo("io.quarkus.bootstrap.runner.QuarkusEntryPoint");
        }
        Path cache = Files.createTempFile("sagewatch-training", ".aot");
        Files.delete(cache);
        List<String> command = new ArrayList<>(List.of(java.toString(), "-XX:AOTCacheOutput=" + cache));
        command.addAll(settings());
        command.addAll(List.of("-jar", jar.toString()));
        try {
            Run run = run(command);

            assertThat(run.exitCode()).as(String.join("\n", run.lines())).isEqualTo(1);
            assertThat(run.lines())
                    .anyMatch(line -> line.contains("Training run refused: this is the fast-jar layout"))
                    .noneMatch(line -> line.contains("\"message\":\"inference\""));
        } finally {
            Files.deleteIfExists(cache);
        }
    }

    @Test
    void aRunWhoseRecordsCannotReachTheTableFails() throws Exception {
        Run run = run("-Dquarkus.dynamodb.endpoint-override=http://127.0.0.1:" + FreePort.next());

        assertThat(run.exitCode()).as(String.join("\n", run.lines())).isEqualTo(1);
        assertThat(run.lines()).anyMatch(line -> line.contains("no record batch reached the table stand-in"));
    }
}
