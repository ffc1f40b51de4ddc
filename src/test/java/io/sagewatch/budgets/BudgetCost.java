package io.sagewatch.budgets;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.TestRequests;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Budgets' share of the request path, in one process: the calling thread's CPU time per request reserved and settled
 * (the guard's before and after), in the steady state, leases taken from DynamoDB Local as they run out. Side by side:
 * a request no budget counts (the guard's {@code appliesTo}), one requests budget, and a requests budget with a tokens
 * budget (the JSON body read for its max_tokens). The JIT is warmed first. Run by bench/budgets.sh; prints a Markdown
 * table and the table calls made.
 */
public final class BudgetCost {

    private BudgetCost() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                DynamoDbAsyncClient client = DynamoDbAsyncClient.builder()
                        .endpointOverride(URI.create("http://127.0.0.1:" + dynamo.port()))
                        .region(Region.US_EAST_1)
                        .credentialsProvider(
                                StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                        .build()) {
            client.createTable(InferenceTable.createRequest("budget-cost")).get(30, TimeUnit.SECONDS);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            System.out.println("| budgets counting the request (" + calls
                    + " requests, after a warm-up as long) | ns per request (reserve + settle) |");
            System.out.println("|---|---|");
            long big = 1_000_000_000_000L;
            Budget requests = new Budget("requests", null, "bench", null, 86_400, new long[] {big, -1, -1}, true, 256);
            Budget tokens =
                    new Budget("tokens", null, "bench", null, 3_600, new long[] {-1, big * 1000, -1}, true, 256);
            Object[][] variants = {
                {"none (another endpoint's budget)", List.of(requests), "other"},
                {"one: requests", List.of(requests), "bench"},
                {"two: requests, and tokens (max_tokens read from the body)", List.of(requests, tokens), "bench"}
            };
            for (Object[] variant : variants) {
                @SuppressWarnings("unchecked")
                List<Budget> budgets = (List<Budget>) variant[1];
                BudgetLedger ledger = new BudgetLedger(
                        budgets,
                        new BudgetTable(client, "budget-cost"),
                        (endpoint, usage) -> 1e-6,
                        new SimpleMeterRegistry(),
                        "bench",
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        0.05);
                ledger.start(null);
                BudgetGuard guard = new BudgetGuard(ledger);
                InferenceRequest request = TestRequests.of(
                        "r",
                        "i",
                        (String) variant[2],
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"what does the gateway record?\"}],\"max_tokens\":16}"
                                .getBytes(StandardCharsets.UTF_8),
                        "application/json",
                        System.nanoTime());
                InferenceOutcome outcome = BudgetLedgerTest.succeeded(request, 9, 16);
                run(guard, request, outcome, calls); // warm-up
                long start = threads.getCurrentThreadCpuTime();
                run(guard, request, outcome, calls);
                long spent = threads.getCurrentThreadCpuTime() - start;
                System.out.printf("| %s | %.0f |%n", variant[0], (double) spent / calls);
                ledger.stop(null);
            }
        }
        // Mutiny's worker pool (the heartbeats) keeps non-daemon threads: a benchmark process ends here
        System.exit(0);
    }

    private static void run(BudgetGuard guard, InferenceRequest request, InferenceOutcome outcome, int calls) {
        for (int i = 0; i < calls; i++) {
            if (!guard.appliesTo(request)) {
                continue;
            }
            // in the steady state the lease is held: the verdict is ready at once (awaited only when a take is due)
            var verdict = guard.before(request).await().atMost(Duration.ofSeconds(10));
            guard.after(request, verdict.ticket(), outcome).await().indefinitely();
        }
    }
}
