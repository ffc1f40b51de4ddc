package io.sagewatch.api.openai;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.api.EndpointAccess;
import io.sagewatch.api.EventStreamWriter;
import io.sagewatch.api.StreamingInvocationResource;
import io.sagewatch.api.openai.ContainerProtocol.Operation;
import io.sagewatch.api.openai.OpenAiModels.Target;
import io.sagewatch.auth.ApiKeys;
import io.sagewatch.auth.Caller;
import io.sagewatch.budgets.BudgetLedger;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceIds;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.inference.AdmissionControl;
import io.sagewatch.inference.InferencePipeline;
import io.sagewatch.inference.StreamAnswer;
import io.sagewatch.json.Json;
import io.sagewatch.sagemaker.SageMakerHeaders;
import io.sagewatch.tracing.RequestTraces;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * OpenAI's API onto SageMaker endpoints: chat completions, completions, embeddings and models, at {@code /v1}, plus
 * SageMaker's own OpenAI path ({@code /endpoints/{name}/openai/v1/chat/completions}) so a client set up for that route
 * changes only its host. A front: it maps OpenAI's wire format to an {@link InferenceRequest} (the container's body,
 * translated when its protocol needs it) and the settled {@link InferenceOutcome} back; the pipeline's guards,
 * observers, records and meters apply as to InvokeEndpoint. Streams are relayed part by part as the model sends them.
 * Vert.x routes rather than JAX-RS: one route answers JSON or an event stream as the body asks, with no content
 * negotiation or Multi-as-JSON-array framing in the way. Every route needs a key when keys are on (the key filter in
 * front of every route); none is public.
 */
@ApplicationScoped
public class OpenAiFront {

    private static final Logger LOG = Logger.getLogger(OpenAiFront.class);
    /** The path SageMaker serves its OpenAI-compatible route on, under the endpoint. */
    static final String SAGEMAKER_OPENAI_ROUTE = "openai/v1/chat/completions";

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** Bodies and answers larger than this are parsed and translated on a worker thread, not on the event loop. */
    static final int INLINE_JSON_BYTES = 256 * 1024;
    /** What a refusal before the body names the endpoint is counted under ({@code InvocationsShed}). */
    static final String SHED_LABEL = "openai-front";

    private static final Pattern PRINTABLE = Pattern.compile("^[\\p{Print}]{1,256}$");
    private static final Pattern ATTRIBUTES = Pattern.compile("^[\\p{Print}]{1,1024}$");

    private final InferencePipeline pipeline;
    private final OpenAiModels models;
    private final AdmissionControl admission;
    private final EndpointAccess access;
    private final ApiKeys keys;
    private final RequestTraces traces;
    private final BudgetLedger budgets;
    private final long maxPayloadBytes;
    private final int defaultMaxTokens;

    OpenAiFront(
            InferencePipeline pipeline,
            OpenAiModels models,
            AdmissionControl admission,
            EndpointAccess access,
            ApiKeys keys,
            RequestTraces traces,
            BudgetLedger budgets,
            SagewatchConfig config) {
        this.traces = traces;
        this.budgets = budgets;
        this.pipeline = pipeline;
        this.models = models;
        this.admission = admission;
        this.access = access;
        this.keys = keys;
        this.maxPayloadBytes = config.maxPayloadBytes();
        this.defaultMaxTokens = config.openai().defaultMaxTokens();
    }

    void routes(@Observes Router router) {
        for (Operation operation : Operation.values()) {
            router.post(operation.path).handler(routing -> accept(routing, operation, null));
        }
        router.post("/endpoints/:endpoint/" + SAGEMAKER_OPENAI_ROUTE)
                .handler(routing -> accept(routing, Operation.CHAT, routing.pathParam("endpoint")));
        router.get("/v1/models").handler(this::listModels);
        router.get("/v1/models/:model").handler(this::describeModel);
        // OpenAI's answer to a path it does not serve, rather than a bare 404 page
        router.route("/v1/*")
                .handler(routing -> OpenAiErrors.write(
                        routing,
                        OpenAiErrors.of(new OpenAiError(
                                404,
                                OpenAiErrors.INVALID_REQUEST,
                                "unknown_url",
                                null,
                                "Unknown request URL: " + routing.request().method() + " "
                                        + routing.normalizedPath()))));
    }

    private Caller caller(RoutingContext routing) {
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        if (caller == null && keys.enabled()) {
            // the key filter names a caller for every request it lets through; refuse rather than trust its absence
            throw new OpenAiError(401, OpenAiErrors.AUTHENTICATION, "invalid_api_key", null, "Missing API key");
        }
        return caller;
    }

    private void accept(RoutingContext routing, Operation operation, String pathEndpoint) {
        try {
            caller(routing);
        } catch (OpenAiError refused) {
            OpenAiErrors.write(routing, OpenAiErrors.of(refused));
            return;
        }
        var request = routing.request();
        String length = request.getHeader("Content-Length");
        if (length != null) {
            try {
                checkSize(Long.parseLong(length.trim()));
            } catch (NumberFormatException e) {
                OpenAiErrors.write(
                        routing, OpenAiErrors.of(OpenAiError.invalid(null, "Content-Length is not a number")));
                return;
            } catch (OpenAiError refused) {
                OpenAiErrors.write(routing, OpenAiErrors.of(refused));
                return;
            }
        }
        long reserved = length == null ? maxPayloadBytes : Math.max(0, Long.parseLong(length.trim()));
        try {
            admission.admitToGateway(SHED_LABEL, reserved);
        } catch (InferenceError refused) {
            traces.refusedAtTheDoor(refused);
            OpenAiErrors.write(routing, OpenAiErrors.of(refused));
            return;
        }
        routing.addEndHandler(ended -> admission.releaseFromGateway(reserved));
        if (routing.body() != null && routing.body().available()) {
            invoke(routing, operation, pathEndpoint, routing.body().buffer().getBytes());
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > maxPayloadBytes) {
                refused[0] = true;
                routing.response().putHeader("Connection", "close");
                OpenAiErrors.write(routing, OpenAiErrors.of(tooLarge(body.length() + chunk.length())));
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(ignored -> {
            if (!refused[0]) {
                invoke(routing, operation, pathEndpoint, body.getBytes());
            }
        });
        request.resume();
    }

    private void checkSize(long bytes) {
        if (bytes > maxPayloadBytes) {
            throw tooLarge(bytes);
        }
    }

    private OpenAiError tooLarge(long bytes) {
        return new OpenAiError(
                413,
                OpenAiErrors.INVALID_REQUEST,
                "request_too_large",
                null,
                "Request payload of " + bytes + " bytes exceeds the maximum of " + maxPayloadBytes
                        + " bytes (sagewatch.max-payload-bytes)");
    }

    /** A request read, checked and translated: what to send, to which model. */
    private record Prepared(InferenceRequest request, ObjectNode json, Target target) {}

    private void invoke(RoutingContext routing, Operation operation, String pathEndpoint, byte[] body) {
        long start = System.nanoTime();
        Instant received = Instant.now();
        String requestId = InferenceIds.newRequestId();
        answerIds(routing.response(), requestId, null, null);
        if (body.length <= INLINE_JSON_BYTES) {
            Prepared prepared;
            try {
                prepared = prepare(routing, operation, pathEndpoint, body, requestId, received, start);
            } catch (RuntimeException refused) {
                refuse(routing, refused);
                return;
            }
            run(routing, prepared, received);
            return;
        }
        // a large body is parsed and translated off the event loop; the answer continues on it
        routing.vertx()
                .executeBlocking(
                        () -> prepare(routing, operation, pathEndpoint, body, requestId, received, start), false)
                .onComplete(done -> {
                    if (done.failed()) {
                        refuse(routing, done.cause());
                    } else {
                        run(routing, done.result(), received);
                    }
                });
    }

    private Prepared prepare(
            RoutingContext routing,
            Operation operation,
            String pathEndpoint,
            byte[] body,
            String requestId,
            Instant received,
            long start) {
        Caller caller = caller(routing);
        ObjectNode json = OpenAiBodies.read(body, operation);
        String model = json.get("model").asText();
        Target target = pathEndpoint == null ? models.resolve(model, caller) : atEndpoint(pathEndpoint, model, caller);
        if (!target.protocol().serves(operation)) {
            throw OpenAiError.invalid(
                    "model",
                    "The model '" + model + "' is served with the "
                            + target.protocol().wireName() + " protocol, which does not answer " + operation.path);
        }
        boolean stream = OpenAiBodies.streamed(json);
        byte[] upstream = OpenAiBodies.upstream(body, json, target.protocol(), defaultMaxTokens);
        InferenceRequest request = new InferenceRequest(
                requestId,
                requestId,
                target.endpoint(),
                upstream,
                "application/json",
                stream ? null : "application/json",
                header(routing, SageMakerHeaders.CUSTOM_ATTRIBUTES, ATTRIBUTES),
                target.targetModel(),
                target.targetVariant(),
                null,
                target.inferenceComponent(),
                null,
                null,
                received,
                start,
                caller == null ? null : caller.name(),
                header(routing, IDEMPOTENCY_KEY, PRINTABLE),
                InferenceRequest.OPENAI_FRONT,
                model,
                target.protocol() == ContainerProtocol.OPENAI ? SAGEMAKER_OPENAI_ROUTE : null,
                operation.genAiName,
                null);
        return new Prepared(request, json, target);
    }

    private static void refuse(RoutingContext routing, Throwable refused) {
        if (refused instanceof OpenAiError error) {
            OpenAiErrors.write(routing, OpenAiErrors.of(error));
        } else if (refused instanceof InferenceError error) {
            OpenAiErrors.write(routing, OpenAiErrors.of(error));
        } else {
            fail(routing, refused);
        }
    }

    private void run(RoutingContext routing, Prepared prepared, Instant received) {
        String endpoint = prepared.target().endpoint();
        try {
            // the gateway's slot and bytes were taken before the body was read; the endpoint's now that it is known
            admission.admitToEndpoint(endpoint);
        } catch (InferenceError refused) {
            traces.refusedAtTheDoor(refused);
            OpenAiErrors.write(routing, OpenAiErrors.of(refused));
            return;
        }
        routing.addEndHandler(ended -> admission.releaseFromEndpoint(endpoint));
        long created = received.getEpochSecond();
        // back on the request's event loop, where its span is current
        InferenceRequest request = traces.traced(prepared.request());
        if (OpenAiBodies.streamed(prepared.json())) {
            stream(routing, request, prepared.json(), prepared.target(), created);
        } else {
            call(routing, request, prepared.json(), prepared.target(), created);
        }
    }

    /** SageMaker's own path: the endpoint is in it; the body's model names a configured model of it, or nothing. */
    private Target atEndpoint(String endpoint, String model, Caller caller) {
        try {
            access.check(endpoint);
        } catch (InferenceError refused) {
            throw OpenAiError.modelNotFound(endpoint);
        }
        if (caller != null && !caller.mayUse(endpoint)) {
            throw new OpenAiError(
                    403,
                    OpenAiErrors.PERMISSION,
                    "model_not_permitted",
                    null,
                    "API key " + caller.name() + " may not use endpoint " + endpoint);
        }
        try {
            Target configured = models.resolve(model, caller);
            if (configured.endpoint().equals(endpoint)) {
                return configured;
            }
        } catch (OpenAiError notConfigured) {
            // the route passes any model name on to the endpoint, as SageMaker's does
        }
        return new Target(model, endpoint, ContainerProtocol.OPENAI, null, null, null);
    }

    private void call(RoutingContext routing, InferenceRequest request, ObjectNode json, Target target, long created) {
        HttpServerResponse response = routing.response();
        Cancellable call = pipeline.run(request)
                .subscribe()
                .with(
                        outcome -> {
                            if (response.closed()) {
                                return;
                            }
                            answerIds(response, request, outcome.replayOf(), outcome);
                            if (!outcome.succeeded()) {
                                OpenAiErrors.write(routing, OpenAiErrors.of(outcome.error()));
                                return;
                            }
                            java.util.concurrent.Callable<byte[]> translate = () -> OpenAiBodies.answer(
                                    outcome.response().body(),
                                    json,
                                    target.protocol(),
                                    completionId(request, target),
                                    created,
                                    outcome.tokens());
                            boolean passedThrough = target.protocol() == ContainerProtocol.OPENAI
                                    || target.protocol() == ContainerProtocol.MESSAGES;
                            if (passedThrough || outcome.response().body().length <= INLINE_JSON_BYTES) {
                                try {
                                    answer(routing, target, translate.call(), null);
                                } catch (Exception unreadable) {
                                    answer(routing, target, null, unreadable);
                                }
                            } else {
                                // a large answer (a batch of embeddings) is translated off the event loop
                                routing.vertx()
                                        .executeBlocking(translate, false)
                                        .onComplete(done -> answer(routing, target, done.result(), done.cause()));
                            }
                        },
                        failure -> fail(routing, failure));
        // a client that leaves cancels the model call; the pipeline records the disconnect
        response.closeHandler(ignored -> call.cancel());
    }

    private static void answer(RoutingContext routing, Target target, byte[] answer, Throwable failure) {
        if (failure instanceof OpenAiBodies.UnexpectedAnswer unreadable) {
            OpenAiErrors.write(routing, unreadable(target, unreadable));
        } else if (failure != null) {
            fail(routing, failure);
        } else if (!routing.response().closed()) {
            routing.response()
                    .setStatusCode(200)
                    .putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(answer));
        }
    }

    private void stream(
            RoutingContext routing, InferenceRequest request, ObjectNode json, Target target, long created) {
        HttpServerResponse response = routing.response();
        OpenAiStream events = new OpenAiStream(
                target.protocol(),
                json.get("model").asText(),
                completionId(request, target),
                created,
                OpenAiBodies.includeUsage(json));
        // the start of the call, then the stream once it runs: a client that leaves cancels whichever is current
        AtomicReference<Cancellable> current = new AtomicReference<>();
        Cancellable started = pipeline.stream(request)
                .subscribe()
                .with(
                        answer -> {
                            if (response.closed()) {
                                if (answer.isLive()) {
                                    // gone before the stream was handed over: let it go upstream, and settle it
                                    answer.parts()
                                            .subscribe()
                                            .with(part -> {}, failure -> {})
                                            .cancel();
                                }
                                return;
                            }
                            if (!answer.isLive()) {
                                whole(routing, answer, events);
                                return;
                            }
                            Map<String, List<String>> headers = new LinkedHashMap<>();
                            answerIds(response, request, null, null);
                            headers.put("Content-Type", List.of("text/event-stream"));
                            headers.put("Cache-Control", List.of("no-cache"));
                            if (StreamingInvocationResource.viaLambda(routing)) {
                                // answered whole through API Gateway: no chunked framing to announce
                                routing.addHeadersEndHandler(
                                        ignored -> response.headers().remove("Transfer-Encoding"));
                            }
                            response.setStatusCode(200);
                            current.set(EventStreamWriter.write(
                                            answer.parts(),
                                            response,
                                            headers,
                                            events::part,
                                            OpenAiErrors::event,
                                            () -> events.end(answer.outcome()))
                                    .subscribe()
                                    .with(ignored -> {}, failure -> fail(routing, failure), () -> {
                                        if (!response.ended() && !response.closed()) {
                                            response.end();
                                        }
                                    }));
                        },
                        failure -> fail(routing, failure));
        current.compareAndSet(null, started);
        response.closeHandler(ignored -> current.get().cancel());
    }

    /** A stream answered whole: a refusal or an error before any part (an error answer), or a replay (its events). */
    private void whole(RoutingContext routing, StreamAnswer answer, OpenAiStream events) {
        InferenceOutcome outcome = answer.whole();
        HttpServerResponse response = routing.response();
        answerIds(response, answer.request(), outcome.replayOf(), outcome);
        if (!outcome.succeeded()) {
            OpenAiErrors.write(routing, OpenAiErrors.of(outcome.error()));
            return;
        }
        Buffer body = Buffer.buffer(events.part(outcome.response().body()));
        body.appendBytes(events.end(outcome));
        response.setStatusCode(200)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache")
                .end(body);
    }

    private static OpenAiErrors.Answer unreadable(Target target, OpenAiBodies.UnexpectedAnswer unreadable) {
        return new OpenAiErrors.Answer(
                502,
                Map.of(),
                OpenAiErrors.body(
                        "The model answered, but not as a " + target.protocol().wireName() + " container does: "
                                + unreadable.getMessage(),
                        OpenAiErrors.SERVER,
                        null,
                        "unexpected_model_answer"));
    }

    private static void fail(RoutingContext routing, Throwable failure) {
        LOG.error("The OpenAI front failed a request", failure);
        if (routing.response().closed()) {
            return;
        }
        OpenAiErrors.write(
                routing,
                new OpenAiErrors.Answer(
                        500,
                        Map.of(),
                        OpenAiErrors.body("Sagewatch failed to process the request", OpenAiErrors.SERVER, null, null)));
    }

    /**
     * The ids every answer carries: OpenAI's {@code x-request-id}, and the inference's the record is under; and, when
     * budgets count the request, OpenAI's {@code x-ratelimit-*} headers.
     */
    private void answerIds(
            HttpServerResponse response, InferenceRequest request, String replayOf, InferenceOutcome outcome) {
        if (!response.headWritten()) {
            budgets.rateLimitHeaders(request, response::putHeader);
        }
        answerIds(response, request.requestId(), replayOf, outcome);
    }

    private static void answerIds(
            HttpServerResponse response, String requestId, String replayOf, InferenceOutcome outcome) {
        if (response.headWritten()) {
            return;
        }
        response.putHeader("x-request-id", requestId);
        response.putHeader(SageMakerHeaders.REQUEST_ID, requestId);
        response.putHeader(SageMakerHeaders.SAGEWATCH_INFERENCE_ID, replayOf != null ? replayOf : requestId);
        if (replayOf != null) {
            response.putHeader("Idempotent-Replayed", "true");
        }
        if (outcome != null) {
            response.putHeader("openai-processing-ms", String.valueOf(outcome.totalNanos() / 1_000_000));
        }
    }

    /** OpenAI's id prefixes: {@code chatcmpl-} for chat, {@code cmpl-} for text completions. */
    private static String completionId(InferenceRequest request, Target target) {
        return (target.protocol() == ContainerProtocol.GENERATE ? "cmpl-" : "chatcmpl-") + request.requestId();
    }

    private static String header(RoutingContext routing, String name, Pattern pattern) {
        String value = routing.request().getHeader(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!pattern.matcher(value).matches()) {
            throw OpenAiError.invalid(null, name + " must be printable and within its length limit");
        }
        return value;
    }

    private void listModels(RoutingContext routing) {
        Caller caller;
        try {
            caller = caller(routing);
        } catch (OpenAiError refused) {
            OpenAiErrors.write(routing, OpenAiErrors.of(refused));
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        models.visibleTo(caller).forEach(target -> describe(data.addObject(), target));
        json(routing, body);
    }

    private void describeModel(RoutingContext routing) {
        try {
            Target target = models.resolve(routing.pathParam("model"), caller(routing));
            json(routing, describe(Json.MAPPER.createObjectNode(), target));
        } catch (OpenAiError refused) {
            OpenAiErrors.write(routing, OpenAiErrors.of(refused));
        }
    }

    private static ObjectNode describe(ObjectNode model, Target target) {
        model.put("id", target.model());
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", "sagemaker");
        model.put("endpoint", target.endpoint());
        model.put("protocol", target.protocol().wireName());
        if (target.inferenceComponent() != null) {
            model.put("inference_component", target.inferenceComponent());
        }
        return model;
    }

    private static void json(RoutingContext routing, ObjectNode body) {
        routing.response()
                .setStatusCode(200)
                .putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
