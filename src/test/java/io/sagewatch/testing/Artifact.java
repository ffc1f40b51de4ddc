package io.sagewatch.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the build packaged, for the tests that start it as a process: the jar (java -jar), or the native executable
 * (with {@code -Pnative}). Which one is said by {@code sagewatch-test.artifact}, set by the pom's profiles.
 */
public final class Artifact {

    private Artifact() {
    }

    public static boolean isNative() {
        return "native".equals(System.getProperty("sagewatch-test.artifact"));
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
