package io.sagewatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the production artefacts carry of the dev-mode parts (docs/deploy.md, "What each artefact carries"): the jar
 * keeps the demo models, their launcher and the training run (the JVM image's build trains its cache with them) but
 * not DynamoDB Local; the native executables carry none of them ({@link NativeArtefactIT}).
 */
@Tag("jar-only")
class ProductionArtefactsIT {

    @Test
    void theJarKeepsTheTrainingRunButNotDynamoDbLocal() throws IOException {
        try (JarFile beans = new JarFile("target/quarkus-app/quarkus/generated-bytecode.jar")) {
            List<String> names = beans.stream().map(entry -> entry.getName()).toList();
            assertThat(names)
                    .as("beans built into the jar")
                    .anyMatch(name -> name.contains("TrainingRun_Bean"))
                    .anyMatch(name -> name.contains("EmbeddedDefaults_Bean"));
        }
        try (Stream<Path> lib = Files.list(Path.of("target/quarkus-app/lib/main"))) {
            assertThat(lib.map(path -> path.getFileName().toString()))
                    .as("libraries in the jar")
                    .noneMatch(name -> name.contains("DynamoDBLocal"));
        }
    }
}
