package io.sagewatch.budgets;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.HttpBuild;
import io.sagewatch.testing.PackagedGateway;
import io.sagewatch.testing.SageMakerFake;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two packaged gateways (the jar; with -Pnative the executable) in front of one table share each budget: under
 * concurrent load on both, a request cap is never passed and nearly all of it is used, a token cap likewise with the
 * tokens the model reported; a gateway killed (SIGKILL) while it holds a lease costs the other only what it held.
 */
@HttpBuild
class BudgetReplicasIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final int REQUESTS = 300;
    private static final int TOKENS = 2_400;
    private static final int AFTER_KILL = 200;
    /** A chat body of the Messages API: the fake answers it with 9 input and 3 output tokens. */
    private static final String CHAT =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":3}";

    private static List<String> budgets() {
        return List.of(
                "-Dsagewatch.budgets.capped.scope.endpoint=capped",
                "-Dsagewatch.budgets.capped.requests=" + REQUESTS,
                "-Dsagewatch.budgets.capped.period=1d",
                "-Dsagewatch.budgets.chat-tokens.scope.endpoint=llm-messages",
                "-Dsagewatch.budgets.chat-tokens.tokens=" + TOKENS,
                "-Dsagewatch.budgets.chat-tokens.period=1d",
                "-Dsagewatch.budgets.after-kill.scope.endpoint=after-kill",
                "-Dsagewatch.budgets.after-kill.requests=" + AFTER_KILL,
                "-Dsagewatch.budgets.after-kill.period=1d",
                "-Dsagewatch.budget-leases.heartbeat=300ms");
    }

    @Test
    void twoReplicasShareEachCapAndAKilledOneCostsOnlyWhatItHeld() throws Exception {
        io.sagewatch.testing.UtcDay.awaitRoomFor(java.time.Duration.ofMinutes(2)); // its day-long budgets
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake()) {
            String table = "http://127.0.0.1:" + dynamo.port();
            String endpoints = "warm,capped,llm-messages,after-kill";
            List<PackagedGateway> gateways = new ArrayList<>();
            try {
                PackagedGateway first = new PackagedGateway(dynamo, table, model, endpoints, budgets());
                gateways.add(first);
                PackagedGateway second = new PackagedGateway(dynamo, table, model, endpoints, budgets());
                gateways.add(second);
                first.awaitFirstInference("warm");
                second.awaitFirstInference("warm");

                // requests: 12 clients on each replica, until each has been refused 20 times in a row
                Load requests = new Load("capped", "{\"x\":1}");
                requests.run(List.of(first, second), 12);
                assertThat(requests.ok.get()).as("let through of " + REQUESTS).isLessThanOrEqualTo(REQUESTS);
                assertThat(requests.ok.get())
                        .as("let through of " + REQUESTS)
                        .isGreaterThanOrEqualTo(REQUESTS * 95 / 100);
                // spent; or, near the cap with 24 clients fighting over the last small leases, a rate limit to retry
                assertThat(requests.refusals)
                        .isNotEmpty()
                        .allSatisfy(refusal -> assertThat(refusal)
                                .containsAnyOf(
                                        "\"Message\":\"Budget capped is spent: " + REQUESTS + " requests per 1d",
                                        "\"Message\":\"Budget capped: too many requests at once"));
                long spent = requests.refusals.stream()
                        .filter(refusal -> refusal.contains("is spent"))
                        .count();
                assertThat(spent)
                        .as("refusals that say the budget is spent")
                        .isGreaterThan(requests.refusals.size() / 2);
                JsonNode capped = awaitReported(second, "capped", "requests", requests.ok.get());
                assertThat(capped.path("window")
                                .path("requests")
                                .path("remaining")
                                .asLong())
                        .as("remaining, once both gave back what they held")
                        .isEqualTo(REQUESTS - requests.ok.get());

                // tokens: each chat reserves its prompt's estimate + max_tokens, and spends the 12 the model reports
                Load tokens = new Load("llm-messages", CHAT);
                tokens.run(List.of(first, second), 12);
                long used = awaitReported(second, "chat-tokens", "tokens", tokens.ok.get() * 12L)
                        .path("window")
                        .path("tokens")
                        .path("used")
                        .asLong();
                assertThat(used).as("tokens used of " + TOKENS).isLessThanOrEqualTo(TOKENS);
                long reservedEach = (CHAT.length() + 3) / 4 + 3;
                assertThat(used)
                        .as("tokens used of " + TOKENS)
                        .isGreaterThanOrEqualTo(TOKENS * 95 / 100 - reservedEach);

                // a replica killed holding a lease: what it held is lost (it may have been spent), nothing more
                int admittedByFirst = 0;
                for (int i = 0; i < 10; i++) {
                    if (post(first, "after-kill", "{\"x\":1}").statusCode() == 200) {
                        admittedByFirst++;
                    }
                }
                first.kill();
                assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(admittedByFirst).isEqualTo(10);
                long takenByFirst = budget(second, "after-kill")
                                .path("window")
                                .path("requests")
                                .path("reserved")
                                .asLong()
                        + budget(second, "after-kill")
                                .path("window")
                                .path("requests")
                                .path("used")
                                .asLong();
                long lost = takenByFirst - admittedByFirst;
                assertThat(lost).as("held by the killed replica").isBetween(0L, (long) AFTER_KILL * 5 / 100);
                Load afterKill = new Load("after-kill", "{\"x\":1}");
                afterKill.run(List.of(second), 12);
                System.out.printf(
                        "[budgets] two replicas: %d of %d requests let through (refusals: %d spent, %d to retry), %d of"
                                + " %d tokens used; a replica killed holding a lease lost %d of %d requests%n",
                        requests.ok.get(),
                        REQUESTS,
                        spent,
                        requests.refusals.size() - spent,
                        used,
                        TOKENS,
                        lost,
                        AFTER_KILL);
                assertThat(afterKill.ok.get() + admittedByFirst)
                        .as("let through in all")
                        .isEqualTo((int) (AFTER_KILL - lost));
            } finally {
                for (PackagedGateway gateway : gateways) {
                    gateway.close();
                }
            }
        }
    }

    /** Clients per gateway posting one body in a loop until each has been refused 20 times in a row (60 s at most). */
    private static final class Load {
        final String endpoint;
        final String body;
        final AtomicInteger ok = new AtomicInteger();
        final ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
        /** Answers other than 200 and 429, and broken calls: none expected. */
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

        Load(String endpoint, String body) {
            this.endpoint = endpoint;
            this.body = body;
        }

        void run(List<PackagedGateway> gateways, int clientsEach) throws InterruptedException {
            ExecutorService clients = Executors.newFixedThreadPool(gateways.size() * clientsEach);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (PackagedGateway gateway : gateways) {
                for (int c = 0; c < clientsEach; c++) {
                    clients.execute(() -> {
                        int refusedInARow = 0;
                        while (refusedInARow < 20 && System.nanoTime() < deadline) {
                            try {
                                HttpResponse<String> answer = post(gateway, endpoint, body);
                                if (answer.statusCode() == 200) {
                                    ok.incrementAndGet();
                                    refusedInARow = 0;
                                } else if (answer.statusCode() != 429) {
                                    unexpected.add(answer.statusCode() + " " + answer.body());
                                    return;
                                } else {
                                    refusals.add(answer.body());
                                    refusedInARow++;
                                    Thread.sleep(20);
                                }
                            } catch (IOException e) {
                                unexpected.add(e.toString());
                                return;
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                }
            }
            clients.shutdown();
            assertThat(clients.awaitTermination(90, TimeUnit.SECONDS)).isTrue();
            assertThat(unexpected).as("answers other than 200 and 429").isEmpty();
        }
    }

    private static HttpResponse<String> post(PackagedGateway gateway, String endpoint, String body)
            throws IOException, InterruptedException {
        return CLIENT.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + gateway.port() + "/endpoints/" + endpoint + "/invocations"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode budget(PackagedGateway gateway, String name) throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/budgets/" + name))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** The budget once its window's requests show {@code remaining} (both replicas gave back what they held). */
    private static JsonNode awaitRemaining(PackagedGateway gateway, String name, long remaining) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode budget = budget(gateway, name);
        while (budget.path("window").path("requests").path("remaining").asLong() != remaining
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
            budget = budget(gateway, name);
        }
        assertThat(budget.path("window").path("requests").path("remaining").asLong())
                .as(name + " remaining")
                .isEqualTo(remaining);
        return budget;
    }

    /** The budget once its window's {@code dimension} shows {@code used} reported (10 s at most). */
    private static JsonNode awaitReported(PackagedGateway gateway, String name, String dimension, long used)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode budget = budget(gateway, name);
        while (budget.path("window").path(dimension).path("used").asLong() != used && System.nanoTime() < deadline) {
            Thread.sleep(100);
            budget = budget(gateway, name);
        }
        assertThat(budget.path("window").path(dimension).path("used").asLong())
                .as(name + " " + dimension + " used")
                .isEqualTo(used);
        return budget;
    }
}
