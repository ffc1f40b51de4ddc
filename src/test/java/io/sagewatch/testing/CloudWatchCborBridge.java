package io.sagewatch.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The AWS SDK for Java speaks CloudWatch's Smithy RPC v2 CBOR protocol; the installed moto_server understands the same
 * operations in the awsJson1_0 protocol only. This bridge changes the encoding and nothing else: CBOR request (gunzipped
 * when the SDK compressed it) to JSON, JSON answer to CBOR, same operation, same members, same signature headers.
 */
public final class CloudWatchCborBridge implements AutoCloseable {

    private static final String PREFIX = "/service/GraniteServiceVersion20100801/operation/";
    private static final CBORMapper CBOR = new CBORMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI moto;

    public CloudWatchCborBridge(String motoUrl) throws IOException {
        this.moto = URI.create(motoUrl + "/");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 32);
        server.setExecutor(executor);
        server.createContext("/", this::bridge);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void bridge(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!path.startsWith(PREFIX)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String operation = path.substring(PREFIX.length());
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            // the SDK compresses large PutMetricData bodies (request compression)
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                }
            }
            JsonNode request = body.length == 0 ? JSON.createObjectNode() : CBOR.readTree(body);
            HttpRequest.Builder forward = HttpRequest.newBuilder(moto)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-amz-json-1.0")
                    .header("X-Amz-Target", "GraniteServiceVersion20100801." + operation)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request)));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                forward.header("Authorization", authorization);
            }
            HttpResponse<byte[]> answer = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] json = answer.body();
            byte[] cbor = CBOR.writeValueAsBytes(json.length == 0 ? JSON.createObjectNode() : JSON.readTree(json));
            exchange.getResponseHeaders().add("Content-Type", "application/cbor");
            exchange.getResponseHeaders().add("Smithy-Protocol", "rpc-v2-cbor");
            exchange.sendResponseHeaders(answer.statusCode(), cbor.length);
            exchange.getResponseBody().write(cbor);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            System.err.println("CloudWatchCborBridge: " + e);
            throw e;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
