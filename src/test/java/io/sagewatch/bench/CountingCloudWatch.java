package io.sagewatch.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local CloudWatch endpoint for counting: it takes PutMetricData in the SDK's protocol (Smithy RPC v2 CBOR), counts
 * the calls and their bytes, and answers as CloudWatch does (an empty CBOR map). Unlike moto_server it keeps nothing, so
 * a million simulated inferences cost no memory.
 */
final class CountingCloudWatch implements AutoCloseable {

    private static final byte[] EMPTY_CBOR_MAP = {(byte) 0xA0};

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    CountingCloudWatch() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 32);
        server.setExecutor(executor);
        server.createContext("/service/GraniteServiceVersion20100801/operation/PutMetricData", this::count);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long calls() {
        return calls.get();
    }

    long bytes() {
        return bytes.get();
    }

    private void count(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            bytes.addAndGet(in.readAllBytes().length);
            calls.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/cbor");
            exchange.getResponseHeaders().add("Smithy-Protocol", "rpc-v2-cbor");
            exchange.sendResponseHeaders(200, EMPTY_CBOR_MAP.length);
            exchange.getResponseBody().write(EMPTY_CBOR_MAP);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
