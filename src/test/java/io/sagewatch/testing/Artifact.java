package io.sagewatch.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the build packaged, for the tests that start it as a process: the jar (java -jar), or the native executable
 * (with {@code -Pnative}). Which one is said by {@code sagewatch-test.artifact}, set by the pom's profiles. With
 * {@code sagewatch-test.image} set (.ci/containers), the gateway runs as that container image instead, with podman.
 */
public final class Artifact {

    private Artifact() {}

    public static boolean isNative() {
        return "native".equals(System.getProperty("sagewatch-test.artifact"));
    }

    /** The container image under test, if the gateway runs as a container. */
    public static Optional<String> image() {
        return Optional.ofNullable(System.getProperty("sagewatch-test.image")).filter(image -> !image.isBlank());
    }

    /** The container's memory limit, as podman takes it. */
    public static String containerMemory() {
        return System.getProperty("sagewatch-test.container-memory", "512m");
    }

    /**
     * The command that runs the image as a container named {@code name} on the host's network (so that it reaches
     * DynamoDB Local and the model fake on loopback) under the memory limit; the settings go in as environment
     * variables, as an ECS task definition gives them.
     */
    public static List<String> containerCommand(String name, List<String> systemProperties) {
        List<String> command = new ArrayList<>(
                List.of("podman", "run", "--rm", "--name", name, "--network", "host", "--memory", containerMemory()));
        for (String property : systemProperties) {
            String[] setting = property.substring(2).split("=", 2);
            command.add("-e");
            command.add(environmentName(setting[0]) + "=" + setting[1]);
        }
        command.add(image().orElseThrow());
        return command;
    }

    /** A property's environment-variable name, as MicroProfile Config maps them. */
    static String environmentName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** The command that starts the packaged gateway with these {@code -D} settings. */
    public static List<String> command(List<String> systemProperties) throws IOException {
        List<String> command = new ArrayList<>();
        if (isNative()) {
            command.add(nativeRunner().toString());
            command.addAll(systemProperties);
        } else {
            Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar + " is missing: run after package");
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(systemProperties);
            command.add("-jar");
            command.add(jar.toString());
        }
        return command;
    }

    /** {@code target/*-runner}: the native executable of the last native package. */
    public static Path nativeRunner() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner") && Files.isExecutable(p))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no native executable in target/: package -Pnative"));
        }
    }
}
