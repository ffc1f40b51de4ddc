package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * An OTLP/HTTP trace receiver, as a collector is one: {@code POST /v1/traces} with {@code ExportTraceServiceRequest}
 * in protobuf, decoded by the real generated classes. What it received, flattened to JSON, is at {@code GET /spans},
 * so that tests in any class loader (or a native gateway's tests) can read it. Started as a test resource, it points
 * the gateway's exporter at itself and publishes its address as the {@value #URL} system property.
 */
public class OtlpReceiver implements QuarkusTestResourceLifecycleManager {

    public static final String URL = "sagewatch-test.otlp-receiver";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ObjectNode> spans = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private ExecutorService executor;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", FreePort.next()), 16);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        executor = Executors.newFixedThreadPool(2);
        server.setExecutor(executor);
        server.createContext("/v1/traces", this::receive);
        server.createContext("/spans", this::list);
        server.start();
        String url = url();
        System.setProperty(URL, url);
        return Map.of(
                "quarkus.otel.exporter.otlp.traces.endpoint",
                url,
                // spans leave within a few milliseconds of their end, not the default 5 s
                "quarkus.otel.bsp.schedule.delay",
                "20ms");
    }

    /** Where it listens (after {@link #start}). */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The spans of one trace received at {@code url}, once at least {@code count} have come (bounded wait). */
    public static List<JsonNode> awaitSpans(String url, String traceId, int count, Duration within) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        long deadline = System.nanoTime() + within.toNanos();
        List<JsonNode> spans = List.of();
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/spans"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body();
                List<JsonNode> found = new java.util.ArrayList<>();
                JSON.readTree(body).forEach(span -> {
                    if (span.path("traceId").asText().equals(traceId)) {
                        found.add(span);
                    }
                });
                spans = found;
                if (spans.size() >= count) {
                    return spans;
                }
                Thread.sleep(20);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError(
                "fewer than " + count + " spans of trace " + traceId + " within " + within + ": " + spans);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        System.clearProperty(URL);
    }

    private void receive(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            InputStream body = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(body);
            }
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.readAllBytes());
            request.getResourceSpansList().forEach(resource -> {
                String service = resource.getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("service.name"))
                        .map(kv -> kv.getValue().getStringValue())
                        .findFirst()
                        .orElse(null);
                resource.getScopeSpansList()
                        .forEach(scope -> scope.getSpansList()
                                .forEach(span -> spans.add(flattened(
                                        span, service, scope.getScope().getName()))));
            });
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    private void list(HttpExchange exchange) throws IOException {
        try (exchange) {
            ArrayNode all = JSON.createArrayNode();
            spans.forEach(all::add);
            byte[] body = JSON.writeValueAsBytes(all);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static ObjectNode flattened(Span span, String service, String scope) {
        ObjectNode node = JSON.createObjectNode()
                .put("traceId", hex(span.getTraceId()))
                .put("spanId", hex(span.getSpanId()))
                .put("parentSpanId", hex(span.getParentSpanId()))
                .put("name", span.getName())
                .put("kind", span.getKind().name())
                .put("service", service)
                .put("scope", scope)
                .put("startNanos", span.getStartTimeUnixNano())
                .put("endNanos", span.getEndTimeUnixNano())
                .put("status", span.getStatus().getCode().name());
        node.set("attributes", attributes(span.getAttributesList()));
        ArrayNode events = node.putArray("events");
        span.getEventsList().forEach(event -> {
            ObjectNode e = events.addObject().put("name", event.getName()).put("timeNanos", event.getTimeUnixNano());
            e.set("attributes", attributes(event.getAttributesList()));
        });
        ArrayNode links = node.putArray("links");
        span.getLinksList()
                .forEach(link ->
                        links.addObject().put("traceId", hex(link.getTraceId())).put("spanId", hex(link.getSpanId())));
        return node;
    }

    private static ObjectNode attributes(List<KeyValue> values) {
        ObjectNode attributes = JSON.createObjectNode();
        values.forEach(kv -> attributes.put(kv.getKey(), text(kv.getValue())));
        return attributes;
    }

    /** Every value as text; an array as its elements joined by commas. */
    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case ARRAY_VALUE ->
                String.join(
                        ",",
                        value.getArrayValue().getValuesList().stream()
                                .map(OtlpReceiver::text)
                                .toList());
            case BYTES_VALUE -> value.getBytesValue().toString(StandardCharsets.UTF_8);
            default -> value.toString();
        };
    }

    private static String hex(ByteString bytes) {
        return bytes.isEmpty() ? "" : HexFormat.of().formatHex(bytes.toByteArray());
    }
}
