package io.sagewatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.LambdaRuntimeApi;
import io.sagewatch.testing.SageMakerFake;

/**
 * Cold starts of an unzipped function.zip against a local Lambda Runtime API (bench/lambda-native.sh): per start,
 * process start to its first {@code next} (Lambda's init), the first invocation's duration (event handed out to
 * response received), and RSS after it. Prints one line per start: "init_ms first_invocation_ms rss_mb".
 * Usage: LambdaColdStart FUNCTION_DIR ROUNDS
 */
public final class LambdaColdStart {

    public static void main(String[] args) throws Exception {
        Path function = Path.of(args[0]).toAbsolutePath();
        int rounds = Integer.parseInt(args[1]);
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake()) {
            for (int round = 0; round < rounds; round++) {
                try (LambdaRuntimeApi runtime = new LambdaRuntimeApi()) {
                    String event = LambdaRuntimeApi.apiGatewayEvent(
                            "POST",
                            "/endpoints/echo/invocations",
                            "what a great day",
                            Map.of("content-type", "text/plain"));
                    List<String> command = new ArrayList<>(
                            List.of(function.resolve("bootstrap").toString()));
                    ProcessBuilder launch = new ProcessBuilder(command)
                            .directory(function.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(Files.createTempFile("sagewatch-cold-start", ".log")
                                    .toFile());
                    launch.environment()
                            .putAll(runtime.functionEnvironment("http://127.0.0.1:" + dynamo.port(), model.url()));
                    long started = System.nanoTime();
                    Process bootstrap = launch.start();
                    try {
                        long init = runtime.awaitFirstNext(Duration.ofSeconds(60)) - started;
                        long sent = System.nanoTime();
                        String id = runtime.invoke(event);
                        LambdaRuntimeApi.Answer answer = runtime.awaitAnswer(id, Duration.ofSeconds(60));
                        if (answer.error() != null || !answer.body().contains("\"statusCode\":200")) {
                            throw new IllegalStateException("the first invocation failed: " + answer);
                        }
                        long first = answer.answeredAtNanos() - sent;
                        long rss = Files.readAllLines(Path.of("/proc/" + bootstrap.pid() + "/status")).stream()
                                        .filter(l -> l.startsWith("VmRSS:"))
                                        .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                                        .findFirst()
                                        .orElse(0)
                                / 1024;
                        System.out.printf("%.1f %.1f %d%n", init / 1e6, first / 1e6, rss);
                    } finally {
                        bootstrap.destroy();
                        if (!bootstrap.waitFor(10, TimeUnit.SECONDS)) {
                            bootstrap.destroyForcibly();
                        }
                    }
                }
            }
        }
        // DynamoDB Local leaves a non-daemon job thread behind after stop(): without this the bench never ends
        System.exit(0);
    }
}
