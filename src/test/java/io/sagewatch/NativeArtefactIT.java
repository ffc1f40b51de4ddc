package io.sagewatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.NativeHttpBuild;

import static org.assertj.core.api.Assertions.assertThat;

/** The native executable carries no dev-mode part: no demo models, no DynamoDB Local launcher, no training run. */
@NativeHttpBuild
class NativeArtefactIT {

    @Test
    void theNativeExecutableCarriesNoDevModePart() throws IOException {
        Path runner;
        try (Stream<Path> target = Files.list(Path.of("target"))) {
            runner = target.filter(path -> path.getFileName().toString().endsWith("-runner"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no native executable in target/"));
        }
        String image = new String(Files.readAllBytes(runner), StandardCharsets.ISO_8859_1);
        for (String part : List.of(
                "io.sagewatch.dev.DemoModelServer",
                "io.sagewatch.dev.TrainingRun",
                "io.sagewatch.dev.EmbeddedDynamoDb",
                "io.sagewatch.dev.EmbeddedDefaults")) {
            assertThat(image.contains(part)).as(part + " in " + runner).isFalse();
        }
        assertThat(image.contains("io.sagewatch.inference.InferencePipeline"))
                .as("a class that is in it, for contrast")
                .isTrue();
    }
}
