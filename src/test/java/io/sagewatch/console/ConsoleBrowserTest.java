package io.sagewatch.console;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.sagewatch.auth.ApiKeys;
import io.sagewatch.json.Json;
import io.sagewatch.testing.Browser;
import io.sagewatch.testing.Datasets;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console as a person uses it, in a real Chromium: signing in (a wrong key and a key that is not an admin's
 * refused), the overview's figures against what the records API returns for the same traffic, the inferences with
 * their filters, an inference's detail, the live tail, model health with a baseline uploaded through the form, the
 * CSRF check, the endpoints page; no page logs a console error (a script error or a Content-Security-Policy refusal
 * would), every control is labelled, the keyboard reaches the navigation, and a phone-width window needs no sideways
 * scrolling. Screenshots of each page go to target/console-screenshots (docs/images has copies).
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(ConsoleBrowserTest.Console.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    static final String ADMIN_KEY = "console-admin-key-0123456789";
    static final String READER_KEY = "console-reader-key-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);

    public static class Console implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> settings = new HashMap<>();
            settings.put("sagewatch.auth.enabled", "true");
            settings.put("sagewatch.auth.keys.ops.sha256", sha256(ADMIN_KEY));
            settings.put("sagewatch.auth.keys.ops.admin", "true");
            settings.put("sagewatch.auth.keys.reader.sha256", sha256(READER_KEY));
            settings.put("sagewatch.endpoints.allowed", "echo,error-model,monitored,llm-messages");
            settings.put("sagewatch.endpoint.monitored.monitor.enabled", "true");
            settings.put("sagewatch.endpoint.monitored.monitor.window", "2s");
            settings.put("sagewatch.endpoint.monitored.monitor.min-samples", "10");
            settings.put("sagewatch.endpoint.monitored.monitor.input.columns", "age,income,color");
            settings.put("sagewatch.monitor.flush-interval", "300ms");
            settings.put("sagewatch.monitor.evaluation-delay", "1s");
            settings.put("sagewatch.console.rollups.flush-interval", "500ms");
            settings.put("sagewatch.console.tail-interval", "500ms");
            if (Gateway.isLambdaBuild()) {
                // as the SAM template has it: requests are API Gateway events, answered whole
                settings.put("sagewatch.console.tail-holds-connection", "false");
                settings.put("sagewatch.console.rollups.write-each-inference", "true");
            }
            return settings;
        }
    }

    static String sha256(String key) {
        return HexFormat.of().formatHex(ApiKeys.sha256(key));
    }

    private static Browser browser;
    private String base;

    @BeforeAll
    static void open() {
        browser = new Browser();
    }

    @org.junit.jupiter.api.BeforeEach
    void address() {
        // localhost: Chromium keeps Secure cookies over plain HTTP only for localhost
        base = "http://localhost:" + RestAssured.port;
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    @Order(1)
    void signingInNeedsAnAdminKeyAndKeepsItInAStrictHttpOnlySecureCookie() {
        var driver = browser.driver();
        driver.get(base + "/console");
        assertThat(driver.getCurrentUrl()).endsWith("/console/sign-in");
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Sign in");
        browser.screenshot("sign-in");

        signIn("not-a-key");
        assertThat(driver.findElement(By.id("problem")).getText()).contains("not valid");
        signIn(READER_KEY);
        assertThat(driver.findElement(By.id("problem")).getText()).contains("not an admin key");
        assertThat(driver.manage().getCookieNamed("sagewatch-console")).isNull();

        signIn(ADMIN_KEY);
        assertThat(driver.getCurrentUrl()).isEqualTo(base + "/console");
        Cookie session = driver.manage().getCookieNamed("sagewatch-console");
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.isSecure()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Strict");
        assertThat(session.getPath()).isEqualTo("/console");
        assertThat(driver.getPageSource()).doesNotContain(ADMIN_KEY);
        // the two refusals are the only messages: their answers were 401 and 403, as they should be
        assertThat(browser.errors())
                .hasSize(2)
                .allMatch(message -> message.contains("/console/sign-in - Failed to load resource"))
                .anyMatch(message -> message.contains("401"))
                .anyMatch(message -> message.contains("403"));
    }

    @Test
    @Order(2)
    void theOverviewShowsWhatTheRecordsApiHasForTheSameTraffic() {
        for (int i = 0; i < 12; i++) {
            api().contentType("application/json").body("{\"n\": " + i + "}").post("/endpoints/echo/invocations");
        }
        for (int i = 0; i < 3; i++) {
            api().contentType("application/json").body("{}").post("/endpoints/error-model/invocations");
        }
        // through the OpenAI front: model "chat" is served by the endpoint llm-messages (the test configuration)
        for (int i = 0; i < 2; i++) {
            api().contentType("application/json")
                    .body("{\"model\": \"chat\", \"messages\": [{\"role\": \"user\", \"content\": \"hi " + i + "\"}]}")
                    .post("/v1/chat/completions")
                    .then()
                    .statusCode(200);
        }
        Awaitility.await()
                .atMost(WAIT)
                .until(() -> invocations("echo") == records("echo", null)
                        && invocations("error-model") == records("error-model", null)
                        && invocations("llm-messages") == records("llm-messages", null)
                        && records("echo", null) >= 12
                        && records("error-model", null) >= 3
                        && records("llm-messages", null) >= 2);

        var driver = browser.driver();
        driver.get(base + "/console?range=hour");
        WebElement echo = row("echo");
        assertThat(cell(echo, "invocations")).isEqualTo(Long.toString(records("echo", null)));
        assertThat(cell(echo, "errors")).isEqualTo(Long.toString(records("echo", "FAILED")));
        WebElement failing = row("error-model");
        assertThat(cell(failing, "invocations")).isEqualTo(Long.toString(records("error-model", null)));
        assertThat(cell(failing, "errors")).isEqualTo(Long.toString(records("error-model", "FAILED")));
        assertThat(cell(failing, "model")).isEqualTo(Long.toString(records("error-model", "FAILED")));
        // the failing endpoint needs attention: it comes first
        assertThat(driver.findElements(By.cssSelector("#endpoints tbody tr"))
                        .get(0)
                        .getAttribute("data-endpoint"))
                .isEqualTo("error-model");
        // the model's share of its endpoint, in a row of its own under it (the endpoint's figures include it)
        WebElement share = driver.findElement(By.cssSelector("#endpoints tr[data-share-of='llm-messages']"));
        assertThat(share.getAttribute("data-model")).isEqualTo("chat");
        assertThat(cell(share, "invocations")).isEqualTo(Long.toString(records("llm-messages", null)));
        assertThat(cell(row("llm-messages"), "invocations")).isEqualTo(Long.toString(records("llm-messages", null)));
        assertThat(modelInvocations("llm-messages", "chat")).isEqualTo(records("llm-messages", null));
        assertThat(driver.findElement(By.id("total-invocations")).getText())
                .isEqualTo(Long.toString(records("echo", null)
                        + records("error-model", null)
                        + records("monitored", null)
                        + records("llm-messages", null)));
        // the chart of every endpoint counts each inference once (a model's share is not added to it again)
        JsonNode traffic = json(driver.findElement(By.cssSelector(".chart[data-chart='traffic']"))
                .getAttribute("data-series"));
        long charted = 0;
        for (JsonNode count : traffic.path("invocations")) {
            charted += count.asLong();
        }
        assertThat(Long.toString(charted))
                .isEqualTo(driver.findElement(By.id("total-invocations")).getText());
        // both charts were drawn by uPlot (a canvas each)
        new WebDriverWait(driver, Duration.ofSeconds(5))
                .until(d -> d.findElements(By.cssSelector(".chart canvas")).size() == 2);
        browser.screenshot("overview");
        for (String range : List.of("day", "week")) {
            driver.get(base + "/console?range=" + range);
            assertThat(cell(row("echo"), "invocations")).isEqualTo(Long.toString(records("echo", null)));
        }
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    @Order(3)
    void inferencesFilterAndOpenOne() {
        var driver = browser.driver();
        driver.get(base + "/console/inferences");
        new Select(driver.findElement(By.id("endpoint"))).selectByValue("error-model");
        new Select(driver.findElement(By.id("status"))).selectByValue("FAILED");
        driver.findElement(By.cssSelector("form.filters button")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(d -> d.getCurrentUrl().contains("status=FAILED"));
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(d -> d.findElement(By.tagName("caption")).getText().contains("error-model"));
        List<WebElement> rows = driver.findElements(By.cssSelector("#rows tr"));
        assertThat(rows).hasSize((int) records("error-model", "FAILED"));
        assertThat(rows)
                .allMatch(r -> r.getText().contains("FAILED") && r.getText().contains("error-model"));
        browser.screenshot("inferences");

        String id = rows.get(0).getAttribute("data-inference");
        rows.get(0).findElement(By.tagName("a")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(d -> d.getCurrentUrl().contains("/console/inferences/"));
        JsonNode record = json(
                api().get("/inferences/" + id).then().statusCode(200).extract().asString());
        assertThat(driver.findElement(By.cssSelector("[data-field=inference_id]"))
                        .getText())
                .isEqualTo(id);
        assertThat(driver.findElement(By.cssSelector("[data-field=error_type]")).getText())
                .isEqualTo(record.path("error_type").asText());
        assertThat(driver.findElement(By.cssSelector("[data-field=latency_ms]")).getText())
                .isEqualTo(record.path("latency_ms").asText());
        assertThat(driver.findElement(By.cssSelector("pre[data-payload=input]")).getText())
                .isEqualTo("{}");
        browser.screenshot("inference");
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    @Order(4)
    void theLiveTailShowsANewInferenceWithinTwoSeconds() {
        var driver = browser.driver();
        driver.get(base + "/console/inferences?endpoint=echo");
        // the page's event stream has been answered once (in the Lambda build it then reconnects per answer)
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(d -> "open".equals(d.findElement(By.id("rows")).getAttribute("data-tail-state")));
        String id = "tail-" + System.nanoTime();
        api().contentType("application/json")
                .header("X-Amzn-SageMaker-Inference-Id", id)
                .body("{\"live\": true}")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        long answered = System.nanoTime();
        new WebDriverWait(driver, Duration.ofSeconds(2))
                .until(d -> !d.findElements(By.cssSelector("#rows tr[data-inference='" + id + "']"))
                        .isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - answered)).isLessThan(Duration.ofSeconds(2));
        assertThat(driver.findElements(By.cssSelector("#rows tr")).get(0).getAttribute("data-inference"))
                .isEqualTo(id);
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    @Order(5)
    void modelHealthShowsWindowsAndDriftAndTakesABaselineThroughTheForm() throws Exception {
        api().contentType("text/csv")
                .body(Datasets.csv(400, 7, 0))
                .post("/endpoints/monitored/monitoring/baseline/dataset")
                .then()
                .statusCode(201);
        for (int i = 0; i < 6; i++) {
            api().contentType("text/csv")
                    .body(Datasets.csv(40, 100 + i, 25)) // drifted ages
                    .post("/endpoints/monitored/invocations")
                    .then()
                    .statusCode(200);
        }
        Awaitility.await()
                .atMost(WAIT)
                .until(() -> json(api().get("/endpoints/monitored/monitoring/windows")
                                .asString())
                        .path("windows")
                        .findValuesAsText("status")
                        .contains("CompletedWithViolations"));
        var driver = browser.driver();
        driver.get(base + "/console/health?endpoint=monitored");
        assertThat(driver.findElements(By.cssSelector("#windows tbody tr"))).isNotEmpty();
        assertThat(driver.findElement(By.cssSelector("#drift")).getText())
                .contains("age")
                .contains("drifted");
        assertThat(driver.findElement(By.cssSelector("#violations")).getText()).contains("baseline_drift_check");
        new WebDriverWait(driver, Duration.ofSeconds(5))
                .until(d -> !d.findElements(By.cssSelector(".chart canvas")).isEmpty());
        String before = driver.findElement(By.cssSelector("#baseline [data-field=version]"))
                .getText();
        browser.screenshot("model-health");

        Path statistics = Path.of("src/test/resources/monitor/statistics.json").toAbsolutePath();
        driver.findElement(By.id("statistics")).sendKeys(statistics.toString());
        driver.findElement(By.cssSelector("form.upload button")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(d -> d.getCurrentUrl().contains("uploaded="));
        String after = driver.findElement(By.cssSelector("#baseline [data-field=version]"))
                .getText();
        assertThat(Integer.parseInt(after)).isEqualTo(Integer.parseInt(before) + 1);
        assertThat(driver.findElement(By.cssSelector(".notice")).getText()).contains("version " + after);
        assertThat(json(api().get("/endpoints/monitored/monitoring/baseline").asString())
                        .path("version")
                        .asInt())
                .isEqualTo(Integer.parseInt(after));
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    @Order(6)
    void aWriteWithoutTheFormsCsrfTokenIsRefused() {
        String session =
                browser.driver().manage().getCookieNamed("sagewatch-console").getValue();
        for (String token : new String[] {null, "forged"}) {
            var request = given().cookie("sagewatch-console", session)
                    .redirects()
                    .follow(false)
                    .multiPart("endpoint", "monitored")
                    .multiPart("statistics", "statistics.json", "{}".getBytes(), "application/json");
            if (token != null) {
                request.multiPart("csrf", token);
            }
            request.post("/console/health/baseline").then().statusCode(403);
        }
        given().cookie("sagewatch-console", session)
                .redirects()
                .follow(false)
                .formParam("csrf", "forged")
                .post("/console/sign-out")
                .then()
                .statusCode(403);
        // no session, no page: to the sign-in form
        given().redirects().follow(false).get("/console/endpoints").then().statusCode(303);
    }

    @Test
    @Order(7)
    void theEndpointsPageShowsTheSettingsInForce() {
        var driver = browser.driver();
        driver.get(base + "/console/endpoints");
        String table = driver.findElement(By.id("endpoint-settings")).getText();
        assertThat(table)
                .contains("echo")
                .contains("monitored")
                .contains("closed")
                .contains("data quality every 2s");
        browser.screenshot("endpoints");
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    @Order(8)
    void everyPageIsLabelledReachableByKeyboardAndFitsAPhone() {
        var driver = browser.driver();
        for (String page : List.of("/console", "/console/inferences", "/console/health", "/console/endpoints")) {
            driver.get(base + page);
            for (WebElement control : driver.findElements(By.cssSelector("input:not([type=hidden]), select"))) {
                String id = control.getAttribute("id");
                boolean labelled = (id != null
                                && !id.isEmpty()
                                && !driver.findElements(By.cssSelector("label[for='" + id + "']"))
                                        .isEmpty())
                        || !control.findElements(By.xpath("./ancestor::label")).isEmpty();
                assertThat(labelled)
                        .as("a label for %s on %s", control.getAttribute("outerHTML"), page)
                        .isTrue();
            }
        }
        driver.get(base + "/console");
        driver.findElement(By.tagName("body")).sendKeys(Keys.TAB);
        assertThat(driver.switchTo().activeElement().getText()).isEqualTo("Skip to content");
        boolean reached = false;
        for (int i = 0; i < 10 && !reached; i++) {
            driver.switchTo().activeElement().sendKeys(Keys.TAB);
            reached = "Inferences".equals(driver.switchTo().activeElement().getText());
        }
        assertThat(reached).as("the navigation is reachable by keyboard").isTrue();

        browser.size(390, 844);
        try {
            for (String page : List.of("/console", "/console/inferences", "/console/health")) {
                driver.get(base + page);
                Object overflow = ((JavascriptExecutor) driver)
                        .executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
                Object wide = ((JavascriptExecutor) driver)
                        .executeScript("return Array.from(document.querySelectorAll('body *'))"
                                + ".filter(e => e.getBoundingClientRect().right > window.innerWidth"
                                + " && !e.closest('.table-wrap'))"
                                + ".slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ');");
                assertThat(((Number) overflow).intValue())
                        .as("sideways scrolling on %s (%s)", page, wide)
                        .isLessThanOrEqualTo(0);
            }
            driver.get(base + "/console");
            browser.screenshot("overview-phone");
        } finally {
            browser.size(1280, 800);
        }
        assertThat(browser.errors()).isEmpty();
    }

    private void signIn(String key) {
        var driver = browser.driver();
        WebElement field = driver.findElement(By.id("key"));
        field.clear();
        field.sendKeys(key);
        driver.findElement(By.cssSelector("form.sign-in button")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(org.openqa.selenium.support.ui.ExpectedConditions.stalenessOf(field));
    }

    private static io.restassured.specification.RequestSpecification api() {
        return given().header("X-Api-Key", ADMIN_KEY);
    }

    /** How many records the records API lists for the endpoint (with the status, if given). */
    private static long records(String endpoint, String status) {
        return json(api().queryParam("limit", 100)
                        .queryParam("status", status == null ? "" : status)
                        .get("/endpoints/" + endpoint + "/inferences")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .path("items")
                .size();
    }

    private static long invocations(String endpoint) {
        return overviewRow(endpoint).path("invocations").asLong(-1);
    }

    /** overview.json's figure for one model name's share of an endpoint. */
    private static long modelInvocations(String endpoint, String model) {
        for (JsonNode share : overviewRow(endpoint).path("models")) {
            if (share.path("model").asText().equals(model)) {
                return share.path("invocations").asLong();
            }
        }
        return -1;
    }

    /** The endpoint's object in the last hour's overview.json (a missing node when it has none). */
    private static JsonNode overviewRow(String endpoint) {
        JsonNode overview = json(api().get("/console/overview.json?range=hour")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        for (JsonNode row : overview.path("endpoints")) {
            if (row.path("endpoint").asText().equals(endpoint)) {
                return row;
            }
        }
        return overview.path("no such endpoint");
    }

    private static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static WebElement row(String endpoint) {
        return browser.driver().findElement(By.cssSelector("#endpoints tr[data-endpoint='" + endpoint + "']"));
    }

    private static String cell(WebElement row, String field) {
        return row.findElement(By.cssSelector("[data-field=" + field + "]")).getText();
    }
}
