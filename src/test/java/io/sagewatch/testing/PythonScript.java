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
        List<String> command = new ArrayList<>();
        command.add(System.getenv().getOrDefault("SAGEWATCH_TEST_PYTHON", "python3"));
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
