package io.sagewatch.console;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.json.Json;
import io.sagewatch.testing.Browser;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.HttpBuild;
import io.sagewatch.testing.PackagedGateway;
import io.sagewatch.testing.SageMakerFake;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two packaged gateways (the jar; with -Pnative the executable) in front of one table: the console of either shows the
 * traffic of both (each replica writes its own rollups; a page merges them), equal to what the records API lists; and
 * the packaged build serves the console itself, its scripts and styles included, signed in through the form in
 * Chromium with no console error.
 */
@HttpBuild
class ConsoleReplicasIT {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static List<String> settings() {
        return List.of(
                "-Dsagewatch.auth.enabled=true",
                "-Dsagewatch.auth.keys.ops.sha256=" + ConsoleBrowserTest.sha256(ConsoleBrowserTest.ADMIN_KEY),
                "-Dsagewatch.auth.keys.ops.admin=true",
                "-Dsagewatch.console.rollups.flush-interval=500ms");
    }

    @Test
    void eitherReplicasConsoleShowsBothReplicasTraffic() throws Exception {
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake()) {
            String table = "http://127.0.0.1:" + dynamo.port();
            List<PackagedGateway> gateways = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    PackagedGateway gateway = new PackagedGateway(dynamo, table, model, "echo,error-model", settings());
                    gateways.add(gateway);
                    awaitReady(gateway);
                }
                PackagedGateway first = gateways.get(0);
                PackagedGateway second = gateways.get(1);
                Map<String, Integer> sent = new TreeMap<>();
                send(first, "echo", 20, sent);
                send(second, "echo", 15, sent);
                send(first, "error-model", 4, sent);
                send(second, "error-model", 3, sent);

                for (PackagedGateway gateway : gateways) {
                    Map<String, Long> shown = awaitOverview(gateway, sent);
                    assertThat(shown).containsEntry("echo", 35L).containsEntry("error-model", 7L);
                    for (String endpoint : sent.keySet()) {
                        assertThat(records(gateway, endpoint)).isEqualTo(sent.get(endpoint));
                    }
                }
                JsonNode failing = endpoint(overview(second), "error-model");
                assertThat(failing.path("errors").path("model").asLong()).isEqualTo(7);
                assertThat(failing.path("attention").asBoolean()).isTrue();

                HttpResponse<String> script = CLIENT.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + first.port() + "/console/vendor/htmx.min.js"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(script.statusCode()).isEqualTo(200);
                assertThat(script.headers().firstValue("Content-Security-Policy"))
                        .isPresent();

                try (Browser browser = new Browser()) {
                    var driver = browser.driver();
                    String base = "http://localhost:" + first.port();
                    driver.get(base + "/console/sign-in");
                    driver.findElement(By.id("key")).sendKeys(ConsoleBrowserTest.ADMIN_KEY);
                    driver.findElement(By.cssSelector("form.sign-in button")).click();
                    new WebDriverWait(driver, Duration.ofSeconds(15))
                            .until(d -> d.getCurrentUrl().equals(base + "/console"));
                    assertThat(driver.findElement(By.cssSelector(
                                            "#endpoints tr[data-endpoint='echo'] [data-field=invocations]"))
                                    .getText())
                            .isEqualTo("35");
                    new WebDriverWait(driver, Duration.ofSeconds(10))
                            .until(d -> d.findElements(By.cssSelector(".chart canvas"))
                                            .size()
                                    == 2);
                    for (String page : List.of("/console/inferences", "/console/health", "/console/endpoints")) {
                        driver.get(base + page);
                        assertThat(driver.findElement(By.tagName("h1")).getText())
                                .isNotBlank();
                    }
                    assertThat(browser.errors()).isEmpty();
                }
            } finally {
                for (PackagedGateway gateway : gateways) {
                    gateway.close();
                }
            }
        }
    }

    private static void awaitReady(PackagedGateway gateway) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (CLIENT.send(
                                        HttpRequest.newBuilder(URI.create(
                                                        "http://127.0.0.1:" + gateway.port() + "/q/health/ready"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the gateway was not ready within " + WAIT);
    }

    private static void send(PackagedGateway gateway, String endpoint, int count, Map<String, Integer> sent)
            throws Exception {
        for (int i = 0; i < count; i++) {
            HttpResponse<String> response = CLIENT.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://127.0.0.1:" + gateway.port() + "/endpoints/" + endpoint + "/invocations"))
                            .header("Content-Type", "application/json")
                            .header("X-Api-Key", ConsoleBrowserTest.ADMIN_KEY)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"i\": " + i + "}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isIn(200, 424);
            sent.merge(endpoint, 1, Integer::sum);
        }
    }

    /** Invocations per endpoint on the overview, once they add up to what was sent (60 s at most). */
    private static Map<String, Long> awaitOverview(PackagedGateway gateway, Map<String, Integer> sent)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Long> shown = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            shown.clear();
            for (JsonNode row : overview(gateway).path("endpoints")) {
                shown.put(row.path("endpoint").asText(), row.path("invocations").asLong());
            }
            boolean all = sent.entrySet().stream()
                    .allMatch(e ->
                            shown.getOrDefault(e.getKey(), 0L) == e.getValue().longValue());
            if (all) {
                return shown;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the overview never showed " + sent + ": " + shown);
    }

    private static JsonNode overview(PackagedGateway gateway) throws Exception {
        return get(gateway, "/console/overview.json?range=hour");
    }

    private static JsonNode endpoint(JsonNode overview, String name) {
        for (JsonNode row : overview.path("endpoints")) {
            if (row.path("endpoint").asText().equals(name)) {
                return row;
            }
        }
        throw new AssertionError("no " + name + " in " + overview);
    }

    private static int records(PackagedGateway gateway, String endpoint) throws Exception {
        return get(gateway, "/endpoints/" + endpoint + "/inferences?limit=100")
                .path("items")
                .size();
    }

    private static JsonNode get(PackagedGateway gateway, String path) throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                        .header("X-Api-Key", ConsoleBrowserTest.ADMIN_KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }
}
