package io.sagewatch.sagemaker;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.Unpooled;
import io.quarkus.runtime.Startup;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.sagewatch.aws.AbandonableCall;
import io.sagewatch.aws.EventLoopHttpClients;
import io.sagewatch.aws.RequestSigner;
import io.sagewatch.aws.ServiceEndpoint;
import io.sagewatch.aws.TlsTrust;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.StreamPart;
import io.sagewatch.json.Json;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * SageMaker runtime's InvokeEndpoint as a signed pass-through: the request is signed with the AWS SDK's own SigV4
 * signer (credentials from the SDK's providers) and sent with Vert.x's HTTP client, on the event loop that received it,
 * over pooled keep-alive connections. The SDK's client pipeline (marshalling, interceptors, its own Netty, endpoint
 * rules) cost more CPU than the rest of the gateway; a SageMaker invocation needs none of it: the body and the
 * headers pass through as they are. One attempt: retries, deadlines and the circuit are {@link SageMakerProvider}'s.
 */
@ApplicationScoped
@Startup
public class SageMakerRuntimeClient {

    private static final Logger LOG = Logger.getLogger(SageMakerRuntimeClient.class);
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final int MIN_CONNECTIONS_PER_LOOP = 8;
    static final String SIGNING_NAME = "sagemaker";

    private final EventLoopHttpClients http;
    private final EventLoopHttpClients streams;
    private final RequestSigner signer;
    private final AwsCredentialsProvider credentials;
    private final ServiceEndpoint endpoint;
    private final Vertx vertx;

    SageMakerRuntimeClient(Vertx vertx, SagewatchConfig config, TlsConfigurationRegistry tlsConfigurations) {
        this.vertx = vertx;
        SagewatchConfig.SageMaker sm = config.sagemaker();
        String region = sm.region()
                .orElseGet(() -> new DefaultAwsRegionProviderChain().getRegion().id());
        this.endpoint = sm.endpointOverride()
                .map(ServiceEndpoint::new)
                .orElseGet(() -> ServiceEndpoint.aws("runtime.sagemaker", region));
        if (sm.accessKeyId().isPresent() && sm.secretAccessKey().isPresent()) {
            credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    sm.accessKeyId().get(), sm.secretAccessKey().get()));
        } else {
            // refreshed in the background: a refresh must never block the event loop that asks for credentials
            credentials = DefaultCredentialsProvider.builder()
                    .asyncCredentialUpdateEnabled(true)
                    .build();
        }
        primeCredentials();
        this.signer = new RequestSigner(credentials, region, SIGNING_NAME);
        int loops = EventLoopHttpClients.eventLoops(vertx);
        // shared among the loops, with a floor: a loop cannot borrow another loop's idle connections
        int perLoop = Math.max(MIN_CONNECTIONS_PER_LOOP, (sm.maxConnections() + loops - 1) / loops);
        this.http = new EventLoopHttpClients(vertx, clientOptions("sagemaker-runtime", tlsConfigurations, sm), perLoop);
        // Streams have a pool of their own: a stream holds its connection for as long as it runs (and as long as its
        // client is slow), and must not leave InvokeEndpoint calls waiting for one.
        this.streams = new EventLoopHttpClients(
                vertx, clientOptions("sagemaker-runtime-streams", tlsConfigurations, sm), perLoop);
    }

    private HttpClientOptions clientOptions(
            String name, TlsConfigurationRegistry tlsConfigurations, SagewatchConfig.SageMaker sm) {
        return TlsTrust.fromTlsRegistry(
                new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_1_1)
                        .setKeepAlive(true)
                        .setConnectTimeout(5_000)
                        .setSsl(endpoint.tls())
                        .setVerifyHost(true)
                        .setDecompressionSupported(false)
                        .setName(name),
                tlsConfigurations,
                sm.tlsConfigurationName());
    }

    /** The first resolution may read files or call a metadata endpoint: at startup, never on an event loop. */
    private void primeCredentials() {
        try {
            credentials.resolveCredentials();
        } catch (RuntimeException e) {
            LOG.warnf("No AWS credentials for SageMaker yet (%s); invocations fail until there are", e.getMessage());
        }
    }

    /** The base URL calls go to. */
    public URI endpoint() {
        return endpoint.uri();
    }

    /**
     * One InvokeEndpoint call. Fails with an {@link InferenceError}: SageMaker's own errors keep their body byte for
     * byte. Cancelling the Uni resets the HTTP request (the model call is abandoned, not awaited).
     */
    public Uni<ModelResponse> invoke(InferenceRequest request, Duration idleTimeout) {
        return Uni.createFrom().emitter(emitter -> {
            AbandonableCall call = new AbandonableCall();
            // on cancellation; after the answer it does nothing
            emitter.onTermination(call::abandon);
            signer.sign(request(request, "/invocations"), request.body()).whenComplete((signed, failure) -> {
                if (failure != null) {
                    call.answered();
                    emitter.fail(InferenceError.of(
                            ErrorType.INTERNAL_FAILURE,
                            "Sagewatch could not sign the SageMaker request: " + failure.getMessage(),
                            failure));
                } else {
                    send(request, signed, idleTimeout, call, emitter);
                }
            });
        });
    }

    /** A stream's head (what its headers say) and its parts, read on demand. */
    record StreamResponse(ModelResponse head, Multi<StreamPart> parts) {}

    /**
     * One InvokeEndpointWithResponseStream call: completes with the head once SageMaker answers 200, or fails with an
     * {@link InferenceError} as {@link #invoke} does. The parts keep to the deadlines given (see
     * {@link ResponseStreamReader}); cancelling the Uni before the head, or the parts after it, resets the request.
     */
    public Uni<StreamResponse> stream(InferenceRequest request, long firstPartBy, Duration silence) {
        return Uni.createFrom().emitter(emitter -> {
            AbandonableCall call = new AbandonableCall();
            AtomicBoolean headed = new AtomicBoolean();
            // before the head; after it, the parts' subscriber owns the call
            emitter.onTermination(() -> {
                if (!headed.get()) {
                    call.abandon();
                }
            });
            SdkHttpRequest unsigned = request(request, "/invocations-response-stream");
            signer.sign(unsigned, request.body()).whenComplete((signed, failure) -> {
                if (failure != null) {
                    call.answered();
                    emitter.fail(InferenceError.of(
                            ErrorType.INTERNAL_FAILURE,
                            "Sagewatch could not sign the SageMaker request: " + failure.getMessage(),
                            failure));
                    return;
                }
                // no idle timeout: a reader that holds the stream up pauses it; the reader's deadlines watch the model
                streams.onEventLoop(client -> client.request(options(signed, 0))
                                .compose(out -> call.started(out)
                                        ? out.send(Buffer.buffer(Unpooled.wrappedBuffer(request.body())))
                                        : Future.failedFuture(
                                                new CancellationException("abandoned before it was sent")))
                                .compose(response -> {
                                    if (response.statusCode() / 100 != 2) {
                                        return response.body().map(body -> {
                                            throw error(
                                                    response.statusCode(),
                                                    response.getHeader(SageMakerHeaders.ERROR_TYPE),
                                                    body.getBytes(),
                                                    request.upstreamPath() != null);
                                        });
                                    }
                                    boolean routed = request.upstreamPath() != null;
                                    ModelResponse head = new ModelResponse(
                                            new byte[0],
                                            response.getHeader(
                                                    routed ? "Content-Type" : SageMakerHeaders.STREAM_CONTENT_TYPE),
                                            response.getHeader(SageMakerHeaders.INVOKED_PRODUCTION_VARIANT),
                                            response.getHeader(SageMakerHeaders.CUSTOM_ATTRIBUTES),
                                            null,
                                            null);
                                    ResponseStreamReader reader = new ResponseStreamReader(
                                            vertx, response, call, firstPartBy, silence, !routed);
                                    return Future.succeededFuture(new StreamResponse(head, reader.parts()));
                                }))
                        .onComplete(done -> {
                            if (done.succeeded()) {
                                headed.set(true);
                                emitter.complete(done.result());
                            } else {
                                call.answered();
                                emitter.fail(
                                        done.cause() instanceof InferenceError error
                                                ? error
                                                : unreachable(done.cause()));
                            }
                        });
            });
        });
    }

    private RequestOptions options(SdkHttpRequest signed, long idleTimeoutMillis) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.tls())
                .setURI(signed.encodedPath())
                .setIdleTimeout(idleTimeoutMillis);
        signed.forEachHeader((name, values) -> values.forEach(v -> options.addHeader(name, v)));
        return options;
    }

    private void send(
            InferenceRequest request,
            SdkHttpRequest signed,
            Duration idleTimeout,
            AbandonableCall call,
            UniEmitter<? super ModelResponse> emitter) {
        RequestOptions options = options(signed, idleTimeout.toMillis());
        http.onEventLoop(client -> client.request(options)
                        .compose(out -> call.started(out)
                                ? out.send(Buffer.buffer(Unpooled.wrappedBuffer(request.body())))
                                : Future.failedFuture(new CancellationException("abandoned before it was sent")))
                        .compose(response -> response.body()
                                .map(body -> toModelResponse(response, body, request.upstreamPath() != null))))
                .onComplete(done -> {
                    call.answered();
                    if (done.succeeded()) {
                        emitter.complete(done.result());
                    } else {
                        emitter.fail(done.cause() instanceof InferenceError error ? error : unreachable(done.cause()));
                    }
                });
    }

    /** {@code operation}: {@code /invocations} or {@code /invocations-response-stream}, which has fewer headers. */
    private SdkHttpRequest request(InferenceRequest r, String operation) {
        // a route of the endpoint's own (SageMaker's OpenAI route) takes InvokeEndpoint's headers and streams as the
        // container does, in plain HTTP chunks
        boolean routed = r.upstreamPath() != null;
        boolean streaming = !routed && !operation.equals("/invocations");
        SdkHttpRequest.Builder http = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .protocol(endpoint.tls() ? "https" : "http")
                .host(endpoint.host())
                .port(endpoint.port())
                .encodedPath(basePath() + "/endpoints/" + pathSegment(r.endpointName())
                        + (routed ? "/" + r.upstreamPath() : operation))
                .putHeader("Host", endpoint.authority());
        header(http, "Content-Type", r.contentType());
        header(http, streaming ? SageMakerHeaders.STREAM_ACCEPT : "Accept", r.accept());
        header(http, SageMakerHeaders.CUSTOM_ATTRIBUTES, r.customAttributes());
        if (!streaming) {
            header(http, SageMakerHeaders.TARGET_MODEL, r.targetModel());
            header(http, SageMakerHeaders.ENABLE_EXPLANATIONS, r.enableExplanations());
        }
        header(http, SageMakerHeaders.TARGET_VARIANT, r.targetVariant());
        header(http, SageMakerHeaders.TARGET_CONTAINER_HOSTNAME, r.targetContainerHostname());
        header(http, SageMakerHeaders.INFERENCE_ID, r.inferenceId());
        header(http, SageMakerHeaders.INFERENCE_COMPONENT, r.inferenceComponentName());
        header(http, SageMakerHeaders.SESSION_ID, r.sessionId());
        if (r.trace() != null) {
            // the trace's headers (the custom attributes with the trace merged in, when that is on) replace the
            // caller's
            r.trace().outboundHeaders().forEach(http::putHeader);
        }
        return http.build();
    }

    private String basePath() {
        String path = endpoint.uri().getRawPath();
        return path == null || path.equals("/") ? "" : path.replaceAll("/+$", "");
    }

    /** An endpoint name is [a-zA-Z0-9-]; encoded anyway, as the SDK does for a path label. */
    static String pathSegment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void header(SdkHttpRequest.Builder request, String name, String value) {
        if (value != null) {
            request.putHeader(name, value);
        }
    }

    private static ModelResponse toModelResponse(HttpClientResponse response, Buffer body, boolean routed) {
        byte[] bytes = body.getBytes();
        if (response.statusCode() / 100 != 2) {
            throw error(response.statusCode(), response.getHeader(SageMakerHeaders.ERROR_TYPE), bytes, routed);
        }
        return new ModelResponse(
                bytes,
                response.getHeader("Content-Type"),
                response.getHeader(SageMakerHeaders.INVOKED_PRODUCTION_VARIANT),
                response.getHeader(SageMakerHeaders.CUSTOM_ATTRIBUTES),
                response.getHeader(SageMakerHeaders.NEW_SESSION_ID),
                response.getHeader(SageMakerHeaders.CLOSED_SESSION_ID));
    }

    /**
     * A SageMaker error answer, read as the SDK reads the AWS JSON protocols: the code from {@code x-amzn-ErrorType}
     * (else the body's {@code __type} or {@code code}), the message from {@code message} or {@code Message}, and
     * ModelError's modeled fields. The body is kept as sent.
     */
    static InferenceError error(int status, String errorTypeHeader, byte[] body) {
        return error(status, errorTypeHeader, body, false);
    }

    /**
     * {@code routed}: the answer of an endpoint's own route (SageMaker's OpenAI route), which relays the container's
     * answer as is: a container's error there is the model's, in whichever OpenAI-style shape it comes.
     */
    static InferenceError error(int status, String errorTypeHeader, byte[] body, boolean routed) {
        JsonNode json = parse(body);
        String code = errorCode(errorTypeHeader);
        if (routed
                && code == null
                && json != null
                && (json.path("error").isObject() || "error".equals(text(json, "object")))) {
            // OpenAI's {"error":{"message"...}}, or vLLM's flat {"object":"error","message"...}
            String message = text(json.path("error").isObject() ? json.get("error") : json, "message");
            return InferenceError.upstream(
                    ErrorType.MODEL_ERROR.code(),
                    ErrorType.MODEL_ERROR.status(),
                    "Received client error (" + status + ") from the model with message \"" + message + "\"",
                    status,
                    message,
                    null,
                    null);
        }
        if (code == null && json != null) {
            code = errorCode(text(json, "__type", "code", "Code"));
        }
        if (code == null || code.isBlank()) {
            // not a SageMaker-protocol answer (a proxy's HTML page, say): describe it, don't relay it
            ErrorType type = status >= 500 ? ErrorType.INTERNAL_DEPENDENCY : ErrorType.VALIDATION_ERROR;
            return InferenceError.upstream(type, "SageMaker answered HTTP " + status + " without an error code");
        }
        String message = json == null ? null : text(json, "message", "Message", "errorMessage");
        if (message == null) {
            message = code;
        }
        if (ErrorType.MODEL_ERROR.code().equals(code) && json != null) {
            JsonNode original = json.get("OriginalStatusCode");
            return InferenceError.upstream(
                    code,
                    status,
                    message,
                    original != null && original.canConvertToInt() ? original.intValue() : null,
                    text(json, "OriginalMessage"),
                    text(json, "LogStreamArn"),
                    body);
        }
        return InferenceError.upstream(code, status, message, null, null, null, body);
    }

    /** {@code ValidationError:http://internal.amazon.com/...} or {@code aws.protocoltests#Foo}: the bare code. */
    static String errorCode(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String code = raw;
        int colon = code.indexOf(':');
        if (colon >= 0) {
            code = code.substring(0, colon);
        }
        int hash = code.lastIndexOf('#');
        if (hash >= 0) {
            code = code.substring(hash + 1);
        }
        return code.trim();
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0 || body[0] != '{') {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String text(JsonNode json, String... names) {
        for (String name : names) {
            JsonNode value = json.get(name);
            if (value != null && value.isValueNode() && !value.isNull()) {
                return value.asText();
            }
        }
        return null;
    }

    private static InferenceError unreachable(Throwable failure) {
        return InferenceError.transport("Sagewatch could not reach SageMaker: " + failure.getMessage(), failure);
    }

    @PreDestroy
    void close() {
        http.close();
        streams.close();
        // the default chain refreshes in a thread of its own
        if (credentials instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
    }
}
