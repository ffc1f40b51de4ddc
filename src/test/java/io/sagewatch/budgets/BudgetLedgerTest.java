package io.sagewatch.budgets;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.TableGate;
import io.sagewatch.testing.TestRequests;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Budgets shared by replicas, each a {@link BudgetLedger} on a client of its own, over one DynamoDB Local table: many
 * concurrent requests against request, token and cost caps (never over, at least 95 % usable), a replica that stops
 * beating while it holds a lease (as a killed one does), window rollover, and the table failing under
 * {@code closed} and {@code open}.
 */
class BudgetLedgerTest {

    private static final String TABLE = "budgets-test";
    private static EmbeddedDynamoDb dynamo;
    private static TableGate gate;
    private static final List<DynamoDbAsyncClient> CLIENTS = new ArrayList<>();
    private final List<BudgetLedger> ledgers = new ArrayList<>();
    private static final AtomicInteger NAMES = new AtomicInteger();

    @BeforeAll
    static void table() throws Exception {
        dynamo = EmbeddedDynamoDb.start(FreePort.next());
        gate = new TableGate(dynamo.port());
        client("http://127.0.0.1:" + dynamo.port())
                .createTable(InferenceTable.createRequest(TABLE))
                .get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        CLIENTS.forEach(DynamoDbAsyncClient::close);
        gate.close();
        dynamo.close();
    }

    @AfterEach
    void stopLedgers() {
        ledgers.forEach(ledger -> ledger.stop(null));
    }

    /** A budget of its own per test: each test starts from an empty window. */
    private static Budget budget(long periodSeconds, long requests, long tokens, double costUsd, boolean closed) {
        long cost = costUsd < 0 ? Budget.NONE : Math.round(costUsd * Dimension.NANOS_PER_USD);
        return new Budget(
                "b" + NAMES.incrementAndGet() + "-" + System.nanoTime(),
                null,
                null,
                null,
                periodSeconds,
                new long[] {requests, tokens, cost},
                closed,
                50);
    }

    /** One replica: a ledger on a client of its own; beating unless {@code dead} (a killed replica never beats). */
    private BudgetLedger replica(Budget budget, String url, boolean beating) {
        BudgetLedger ledger = new BudgetLedger(
                List.of(budget),
                new BudgetTable(client(url), TABLE),
                // 1 µUSD per request and per input token, 2 per output token
                (endpoint, tokens) -> 1e-6
                        + (tokens.inputTokens() == null ? 0 : tokens.inputTokens()) * 1e-6
                        + (tokens.outputTokens() == null ? 0 : tokens.outputTokens()) * 2e-6,
                new SimpleMeterRegistry(),
                "test",
                Duration.ofMillis(200),
                Duration.ofMillis(400),
                0.05);
        if (beating) {
            ledger.start(null);
            ledgers.add(ledger);
        }
        return ledger;
    }

    private BudgetLedger replica(Budget budget) {
        return replica(budget, "http://127.0.0.1:" + dynamo.port(), true);
    }

    @Test
    void twoReplicasNeverPassARequestCapAndUseAtLeast95PercentOfIt() throws Exception {
        Budget budget = budget(86_400, 600, Budget.NONE, -1, true);
        BudgetLedger first = replica(budget);
        BudgetLedger second = replica(budget);
        Load load = new Load(List.of(first, second), 16, Duration.ofMillis(2), 40);
        load.run(Duration.ofSeconds(40));

        assertThat(load.granted.get()).as("requests let through").isLessThanOrEqualTo(600);
        assertThat(load.granted.get()).as("requests let through").isGreaterThanOrEqualTo(570);
        assertThat(load.refusals).as("refusals").isNotEmpty().allSatisfy(refusal -> {
            assertThat(refusal.code()).isEqualTo(ErrorType.THROTTLING.code());
            assertThat(refusal.status()).isEqualTo(429);
            assertThat(refusal.budget()).isEqualTo(budget.name());
            assertThat(refusal.retryAfterSeconds()).isBetween(1, 86_400);
            // spent; or, near the cap with 32 clients fighting over the last small leases, a rate limit to retry
            if (refusal.quota()) {
                assertThat(refusal.getMessage()).contains("Budget " + budget.name() + " is spent: 600 requests per 1d");
            } else {
                assertThat(refusal.getMessage()).contains("too many requests at once");
                assertThat(refusal.retryAfterSeconds()).isEqualTo(1);
            }
        });
        assertThat(load.refusals.stream().filter(InferenceError::quota).count())
                .as("refusals that say the budget is spent")
                .isGreaterThan(load.refusals.size() / 2);
        first.stop(null);
        second.stop(null);
        BudgetWindowView view = first.current(budget).await().atMost(Duration.ofSeconds(10));
        assertThat(view.totals().used()[0]).as("used, as reported").isEqualTo(load.granted.get());
        assertThat(view.totals().taken()[0]).as("taken once both gave back").isEqualTo(load.granted.get());
    }

    @Test
    void tokensAndCostStayWithinTheirCapsWhenRequestsUseLessThanTheyReserve() throws Exception {
        Budget tokens = budget(86_400, Budget.NONE, 20_000, -1, true);
        Budget cost = budget(86_400, Budget.NONE, Budget.NONE, 0.05, true);
        for (Budget budget : List.of(tokens, cost)) {
            BudgetLedger first = replica(budget);
            BudgetLedger second = replica(budget);
            Load load = new Load(List.of(first, second), 12, Duration.ofMillis(2), 40);
            load.run(Duration.ofSeconds(40));
            first.stop(null);
            second.stop(null);
            BudgetWindowView view = first.current(budget).await().atMost(Duration.ofSeconds(10));
            int dimension = budget == tokens ? 1 : 2;
            long limit = budget.limits()[dimension];
            long used = view.totals().used()[dimension];
            // every request reserves more than it uses (prompt estimate + max_tokens): the cap holds exactly
            assertThat(used).as("used of " + limit).isLessThanOrEqualTo(limit);
            long perRequest = budget == tokens ? Load.ESTIMATED_TOKENS : Load.ESTIMATED_COST_NANOS;
            // usable: all but what a last request would need, and the leases' 5 % share held at the end
            assertThat(used).as("used of " + limit).isGreaterThanOrEqualTo((long) (limit * 0.95) - perRequest);
            assertThat(load.used(dimension))
                    .as("what the requests used, summed")
                    .isEqualTo(used);
            assertThat(view.totals().taken()[dimension]).isEqualTo(used);
        }
    }

    @Test
    void aReplicaThatStopsBeatingLosesOnlyWhatItHeld() throws Exception {
        Budget budget = budget(86_400, 1_000, Budget.NONE, -1, true);
        BudgetLedger dead = replica(budget, "http://127.0.0.1:" + dynamo.port(), false);
        BudgetLedger alive = replica(budget);
        // the dead one leases, admits a few, and is gone without giving anything back (no heartbeat, no stop)
        int admittedByDead = 0;
        for (int i = 0; i < 5; i++) {
            Object result = dead.reserve(request("{}")).await().atMost(Duration.ofSeconds(10));
            assertThat(result).isInstanceOf(BudgetLedger.Reservation.class);
            admittedByDead++;
        }
        BudgetWindowView before = alive.current(budget).await().atMost(Duration.ofSeconds(10));
        long heldByDead = before.totals().taken()[0] - admittedByDead;
        assertThat(heldByDead)
                .as("the dead replica's lease beyond what it admitted")
                .isBetween(0L, 50L);

        Load load = new Load(List.of(alive), 8, Duration.ZERO, 40);
        load.run(Duration.ofSeconds(40));
        alive.stop(null);
        assertThat(load.granted.get() + admittedByDead)
                .as("let through in all")
                .isLessThanOrEqualTo(1_000)
                .isEqualTo(1_000 - heldByDead);
    }

    @Test
    void aNewWindowStartsFromNothingAndTheOldOneIsGivenBack() throws Exception {
        Budget budget = budget(2, 5, Budget.NONE, -1, true);
        BudgetLedger ledger = replica(budget);
        // start just after a window began, so that the five fit in it
        long now = System.currentTimeMillis();
        Thread.sleep(2000 - now % 2000 + 50);
        long window = System.currentTimeMillis() / 2000 * 2;
        List<BudgetLedger.Reservation> reservations = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            reservations.add((BudgetLedger.Reservation)
                    ledger.reserve(request("{}")).await().atMost(Duration.ofSeconds(5)));
        }
        Object sixth = ledger.reserve(request("{}")).await().atMost(Duration.ofSeconds(5));
        assertThat(sixth).isInstanceOf(InferenceError.class);
        InferenceError refusal = (InferenceError) sixth;
        assertThat(refusal.quota()).as("a 2 s budget is a rate").isFalse();
        assertThat(refusal.retryAfterSeconds()).isBetween(1, 2);
        assertThat(refusal.getMessage()).contains("resets at " + Instant.ofEpochSecond(window + 2));
        reservations.forEach(r -> ledger.settle(r, succeeded(request("{}"), 0, 0)));

        long until = System.currentTimeMillis() + 5_000;
        Object next;
        do {
            Thread.sleep(100);
            next = ledger.reserve(request("{}")).await().atMost(Duration.ofSeconds(5));
        } while (next instanceof InferenceError && System.currentTimeMillis() < until);
        assertThat(next).as("in the next window").isInstanceOf(BudgetLedger.Reservation.class);
        assertThat(((BudgetLedger.Reservation) next).windows().get(0).start).isGreaterThan(window);
    }

    @Test
    void whenTheTableFailsAClosedBudgetRefusesAndAnOpenOneCountsAndSettlesLater() throws Exception {
        Budget closed = budget(86_400, 100, Budget.NONE, -1, true);
        Budget open = budget(86_400, 100, Budget.NONE, -1, false);
        BudgetLedger closedReplica = replica(closed, gate.url(), true);
        BudgetLedger openReplica = replica(open, gate.url(), true);
        outage(true);
        try {
            Object refused = closedReplica.reserve(request("{}")).await().atMost(Duration.ofSeconds(15));
            assertThat(refused).isInstanceOf(InferenceError.class);
            InferenceError error = (InferenceError) refused;
            assertThat(error.code()).isEqualTo(ErrorType.SERVICE_UNAVAILABLE.code());
            assertThat(error.status()).isEqualTo(503);
            assertThat(error.budget()).isEqualTo(closed.name());
            assertThat(error.getMessage()).contains("cannot be checked now");

            for (int i = 0; i < 3; i++) {
                Object allowed = openReplica.reserve(request("{}")).await().atMost(Duration.ofSeconds(15));
                assertThat(allowed).isInstanceOf(BudgetLedger.Reservation.class);
                openReplica.settle((BudgetLedger.Reservation) allowed, succeeded(request("{}"), 0, 0));
            }
        } finally {
            outage(false);
        }
        // once the table answers, what was let through is written: taken and used
        long until = System.currentTimeMillis() + 10_000;
        BudgetWindowView view;
        do {
            Thread.sleep(200);
            view = openReplica.current(open).await().atMost(Duration.ofSeconds(10));
        } while (view.totals().used()[0] < 3 && System.currentTimeMillis() < until);
        assertThat(view.totals().used()[0]).isEqualTo(3);
        assertThat(view.totals().taken()[0]).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aRequestTooLargeForWhatRemainsIsRefusedAloneAndAnAbsurdMaxTokensBreaksNothing() throws Exception {
        Budget budget = budget(86_400, Budget.NONE, 1_000, -1, true);
        BudgetLedger ledger = replica(budget);
        // 2^63 - 1 tokens asked: refused as not fitting, and the budget still counts
        Object absurd = ledger.reserve(request("{\"max_tokens\":9223372036854775807}"))
                .await()
                .atMost(Duration.ofSeconds(10));
        assertThat(absurd).isInstanceOf(InferenceError.class);
        assertThat(((InferenceError) absurd).getMessage()).contains("is spent: 1000 tokens per 1d");
        // a request that fits is let through at once, although the one before was refused
        Object fits = ledger.reserve(request("{\"max_tokens\":100}")).await().atMost(Duration.ofSeconds(10));
        assertThat(fits).isInstanceOf(BudgetLedger.Reservation.class);
        Object tooLarge =
                ledger.reserve(request("{\"max_tokens\":990}")).await().atMost(Duration.ofSeconds(10));
        assertThat(tooLarge).as("more than remains").isInstanceOf(InferenceError.class);
        Object stillFits =
                ledger.reserve(request("{\"max_tokens\":100}")).await().atMost(Duration.ofSeconds(10));
        assertThat(stillFits).as("smaller, right after").isInstanceOf(BudgetLedger.Reservation.class);
        ledger.stop(null);
        BudgetWindowView view = ledger.current(budget).await().atMost(Duration.ofSeconds(10));
        assertThat(view.totals().taken()[1]).isBetween(0L, 1_000L);
    }

    @Test
    void aRequestThatLeavesWhileWaitingForALeaseLeavesTheOthersWaitingAndGivesBackWhatItReserved() throws Exception {
        Budget requests = budget(86_400, 1_000, Budget.NONE, -1, true);
        BudgetLedger ledger = replica(requests);
        List<java.util.concurrent.CompletableFuture<Object>> others = new ArrayList<>();
        // a fresh window: the first request begins a take, the next ones wait for the same one
        io.smallrye.mutiny.subscription.Cancellable leaving =
                ledger.reserve(request("{}")).subscribe().with(item -> {}, failure -> {});
        for (int i = 0; i < 5; i++) {
            others.add(ledger.reserve(request("{}")).subscribeAsCompletionStage());
        }
        leaving.cancel();
        for (var other : others) {
            assertThat(other.get(10, TimeUnit.SECONDS)).isInstanceOf(BudgetLedger.Reservation.class);
        }
        for (var other : others) {
            ledger.settle((BudgetLedger.Reservation) other.get(), succeeded(request("{}"), 0, 0));
        }
        ledger.stop(null);
        BudgetWindowView view = ledger.current(requests).await().atMost(Duration.ofSeconds(10));
        // the one that left reserved nothing that stays: five used, everything else given back
        assertThat(view.totals().used()[0]).isEqualTo(5);
        assertThat(view.totals().taken()[0]).isEqualTo(5);
    }

    @Test
    void aReportSentTwiceIsAppliedOnce() throws Exception {
        Budget budget = budget(86_400, 100, Budget.NONE, -1, true);
        BudgetTable table = new BudgetTable(client("http://127.0.0.1:" + dynamo.port()), TABLE);
        long start = budget.windowStart(System.currentTimeMillis() / 1000);
        BudgetTable.Take take =
                table.take(budget, start, new long[] {40, 0, 0}).await().atMost(Duration.ofSeconds(10));
        assertThat(take.granted()).isTrue();
        LeasedWindow.Report report = new LeasedWindow.Report(1, new long[] {10, 0, 0}, new long[] {30, 0, 0});
        table.report(budget, start, "replica-a", report).await().atMost(Duration.ofSeconds(10));
        // the same report again (an SDK retry, a resend after a timeout): recognised, not added
        table.report(budget, start, "replica-a", report).await().atMost(Duration.ofSeconds(10));
        BudgetTable.Totals totals = table.read(budget, start).await().atMost(Duration.ofSeconds(10));
        assertThat(totals.taken()[0]).isEqualTo(10);
        assertThat(totals.used()[0]).isEqualTo(10);
        // another replica's first report is its own
        table.report(budget, start, "replica-b", new LeasedWindow.Report(1, new long[] {0, 0, 0}, new long[] {-5, 0, 0
                }))
                .await()
                .atMost(Duration.ofSeconds(10));
        assertThat(table.read(budget, start)
                        .await()
                        .atMost(Duration.ofSeconds(10))
                        .taken()[0])
                .isEqualTo(15);
    }

    @Test
    void maxTokensIsReadFromAnyOfTheBodiesThatNameIt() {
        assertThat(BudgetLedger.maxOutputTokens(request("{\"messages\":[],\"max_tokens\":77}")))
                .isEqualTo(77);
        assertThat(BudgetLedger.maxOutputTokens(request("{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":9}}")))
                .isEqualTo(9);
        assertThat(BudgetLedger.maxOutputTokens(request("{\"max_completion_tokens\":5}")))
                .isEqualTo(5);
        assertThat(BudgetLedger.maxOutputTokens(request("{\"prompt\":\"max_tokens\"}")))
                .isNull();
        assertThat(BudgetLedger.maxOutputTokens(request("not json"))).isNull();
        // a key quoted inside a string is not one; whitespace around the colon is
        assertThat(BudgetLedger.maxOutputTokens(
                        request("{\"prompt\":\"say \\\"max_tokens\\\": 3\", \"max_tokens\" : 40}")))
                .isEqualTo(40);
        // a body of megabytes: its head and its tail are searched, nothing between
        String padding = "x".repeat(2 * BudgetLedger.SCANNED_BYTES);
        assertThat(BudgetLedger.maxOutputTokens(request("{\"messages\":\"" + padding + "\",\"max_tokens\":7}")))
                .isEqualTo(7);
        assertThat(BudgetLedger.maxOutputTokens(
                        request("{\"a\":\"" + padding + "\",\"max_tokens\":7,\"b\":\"" + padding + "\"}")))
                .as("beyond the scanned head and tail")
                .isNull();
        assertThat(BudgetLedger.resetIn(20)).isEqualTo("20ms");
        assertThat(BudgetLedger.resetIn(17_000)).isEqualTo("17s");
        assertThat(BudgetLedger.resetIn(360_000)).isEqualTo("6m0s");
        assertThat(BudgetLedger.resetIn(3_723_000)).isEqualTo("1h2m3s");
    }

    /**
     * Clients per replica, each looping: reserve, wait as a model would, settle with what the request used. Refused
     * clients try again after a pause (a lease given back by another replica may let them through), until every client
     * has been refused {@code refusalsToStop} times in a row.
     */
    private static final class Load {
        /** Each request: {"max_tokens":100} plus 80 bytes of prompt (an estimate of 20 tokens). */
        static final String BODY = "{\"max_tokens\":100,\"prompt\":\"" + "x".repeat(80 - 29) + "\"}";

        static final long ESTIMATED_TOKENS = (BODY.length() + 3) / 4 + 100;
        static final long ESTIMATED_COST_NANOS =
                Math.round((1e-6 + ((BODY.length() + 3) / 4) * 1e-6 + 100 * 2e-6) * Dimension.NANOS_PER_USD);

        final List<BudgetLedger> replicas;
        final int clientsEach;
        final Duration modelTime;
        final int refusalsToStop;
        final AtomicInteger granted = new AtomicInteger();
        final ConcurrentLinkedQueue<InferenceError> refusals = new ConcurrentLinkedQueue<>();
        final AtomicLong[] used = {new AtomicLong(), new AtomicLong(), new AtomicLong()};

        Load(List<BudgetLedger> replicas, int clientsEach, Duration modelTime, int refusalsToStop) {
            this.replicas = replicas;
            this.clientsEach = clientsEach;
            this.modelTime = modelTime;
            this.refusalsToStop = refusalsToStop;
        }

        long used(int dimension) {
            return used[dimension].get();
        }

        void run(Duration atMost) throws InterruptedException {
            ExecutorService clients = Executors.newFixedThreadPool(replicas.size() * clientsEach);
            CountDownLatch done = new CountDownLatch(replicas.size() * clientsEach);
            long deadline = System.nanoTime() + atMost.toNanos();
            for (BudgetLedger replica : replicas) {
                for (int c = 0; c < clientsEach; c++) {
                    clients.execute(() -> {
                        try {
                            int refusedInARow = 0;
                            while (refusedInARow < refusalsToStop && System.nanoTime() < deadline) {
                                InferenceRequest request = request(BODY);
                                Object result = replica.reserve(request).await().atMost(Duration.ofSeconds(20));
                                if (result instanceof InferenceError refusal) {
                                    refusals.add(refusal);
                                    refusedInARow++;
                                    Thread.sleep(25);
                                    continue;
                                }
                                refusedInARow = 0;
                                granted.incrementAndGet();
                                if (!modelTime.isZero()) {
                                    Thread.sleep(modelTime.toMillis());
                                }
                                long input = 20;
                                long output = ThreadLocalRandom.current().nextLong(0, 101);
                                InferenceOutcome outcome = succeeded(request, input, output);
                                used[0].incrementAndGet();
                                used[1].addAndGet(input + output);
                                used[2].addAndGet(Math.round(outcome.costUsd() * Dimension.NANOS_PER_USD));
                                replica.settle((BudgetLedger.Reservation) result, outcome);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            done.countDown();
                        }
                    });
                }
            }
            assertThat(done.await(atMost.toSeconds() + 30, TimeUnit.SECONDS))
                    .as("clients done")
                    .isTrue();
            clients.shutdownNow();
        }
    }

    static InferenceRequest request(String body) {
        return TestRequests.of(
                "req-" + System.nanoTime(),
                "inf-" + System.nanoTime(),
                "budgeted",
                body.getBytes(StandardCharsets.UTF_8),
                "application/json",
                System.nanoTime());
    }

    static InferenceOutcome succeeded(InferenceRequest request, long input, long output) {
        double cost = 1e-6 + input * 1e-6 + output * 2e-6;
        return InferenceOutcome.of(
                request,
                new ModelCall(
                        new ModelResponse(new byte[0], "application/json", "AllTraffic", null, null, null),
                        null,
                        1_000_000,
                        1),
                new TokenUsage(input, output),
                cost);
    }

    private static void outage(boolean on) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(gate.url() + "/_gate/outage/" + (on ? "on" : "off")))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }

    private static DynamoDbAsyncClient client(String url) {
        DynamoDbAsyncClient client = DynamoDbAsyncClient.builder()
                .endpointOverride(URI.create(url))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(RetryMode.STANDARD)
                        .apiCallTimeout(Duration.ofSeconds(3))
                        .build())
                .build();
        CLIENTS.add(client);
        return client;
    }
}
