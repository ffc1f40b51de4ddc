package io.sagewatch.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of src/test/python's scripts with the installed python3 (boto3, botocore: the real AWS clients as peers).
 * SAGEWATCH_TEST_PYTHON names an interpreter with boto3 when the first python3 on the PATH has none (see .ci/run).
 */
public final class PythonScript {

    private PythonScript() {}

    /** The script's standard output; fails unless it exits 0 within 60 s. */
    public static String run(String script, String stdin, String... args) {
        return run(System.getenv().getOrDefault("SAGEWATCH_TEST_PYTHON", "python3"), script, stdin, args);
    }

    /**
     * Runs a script with Debian's python3, whose python3-sklearn is the independent reference for model quality
     * (SAGEWATCH_SKLEARN_PYTHON names another interpreter with scikit-learn).
     */
    public static String runWithSklearn(String script, String stdin, String... args) {
        return run(System.getenv().getOrDefault("SAGEWATCH_SKLEARN_PYTHON", "/usr/bin/python3"), script, stdin, args);
    }

    private static String run(String python, String script, String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(python);
        command.add("src/test/python/" + script);
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(script + " did not finish in 60 s");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(script + " failed (exit " + process.exitValue() + "): " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
