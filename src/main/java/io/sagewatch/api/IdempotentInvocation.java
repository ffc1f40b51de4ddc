package io.sagewatch.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import io.sagewatch.inference.ErrorType;
import io.sagewatch.inference.InferenceError;
import io.sagewatch.inference.InferenceIds;
import io.sagewatch.inference.InferenceOutcome;
import io.sagewatch.inference.InferencePipeline;
import io.sagewatch.inference.InferenceRequest;
import io.sagewatch.store.IdempotencyStore;
import io.sagewatch.store.IdempotencyStore.Claim;
import io.sagewatch.store.IdempotencyStore.StoredAnswer;
import io.smallrye.mutiny.Uni;

/**
 * An invocation with an {@code Idempotency-Key}: the key is claimed in the table before the model is called, so a key
 * is invoked at most once within the window. A duplicate while the first runs gets 409; after it, the first answer
 * again (marked {@code Idempotent-Replayed: true}), without reaching the model. A key whose call the model never saw
 * (throttled, refused, circuit open) is given back, so the client's retry with it goes through.
 */
@ApplicationScoped
public class IdempotentInvocation {

    public static final String HEADER = "Idempotency-Key";
    static final int MAX_KEY_LENGTH = 256;
    /** What is kept of an answer for its replay; the rest of its headers are per request. */
    private static final List<String> KEPT_HEADERS = List.of("Content-Type", SageMakerHeaders.ERROR_TYPE,
            SageMakerHeaders.INVOKED_PRODUCTION_VARIANT, SageMakerHeaders.CUSTOM_ATTRIBUTES,
            SageMakerHeaders.NEW_SESSION_ID, SageMakerHeaders.CLOSED_SESSION_ID);
    private static final Logger LOG = Logger.getLogger(IdempotentInvocation.class);

    private final IdempotencyStore store;
    private final InferencePipeline pipeline;

    IdempotentInvocation(IdempotencyStore store, InferencePipeline pipeline) {
        this.store = store;
        this.pipeline = pipeline;
    }

    /** Checked with the other headers, before anything is claimed, called or written. */
    static void validate(String key) {
        if (key.length() > MAX_KEY_LENGTH || !InvocationRequestParser.PRINTABLE.matcher(key).matches()) {
            throw InferenceError.validation("Idempotency-Key must be 1 to " + MAX_KEY_LENGTH
                    + " printable characters");
        }
    }

    public Uni<Response> run(InferenceRequest request, String key, Function<InferenceOutcome, Response> answer) {
        return store.claim(request.endpointName(), key, request.body(), request.requestId(), request.inferenceId())
                .onFailure().transform(failure -> {
                    LOG.warnf("Idempotency-Key not checked, the table failed: %s", failure.toString());
                    // without the claim, at-most-once cannot be promised: refuse rather than risk a second call
                    return InferenceError.refused(ErrorType.SERVICE_UNAVAILABLE, 503, "Sagewatch cannot check the "
                            + "Idempotency-Key now (the record table is not answering); retry later", 1);
                })
                .flatMap(claim -> switch (claim.state()) {
                    case CLAIMED -> invoke(request, claim, answer);
                    case COMPLETED -> Uni.createFrom().item(replay(claim, request));
                    case IN_FLIGHT -> Uni.createFrom().failure(InferenceError.of(ErrorType.CONFLICT,
                            "A request with this Idempotency-Key is in progress (inference " + claim.inferenceId()
                                    + "); retry later for its answer"));
                    case COMPLETED_NOT_KEPT -> Uni.createFrom().failure(InferenceError.of(ErrorType.CONFLICT,
                            "A request with this Idempotency-Key was completed (inference " + claim.inferenceId()
                                    + "), but its answer was too large to keep"));
                    case MISMATCH -> Uni.createFrom().failure(InferenceError.validation(
                            "This Idempotency-Key was used with a different request"));
                });
    }

    private Uni<Response> invoke(InferenceRequest request, Claim claim, Function<InferenceOutcome, Response> answer) {
        return pipeline.run(request).flatMap(outcome -> {
            Response response = answer.apply(outcome);
            Uni<Void> kept = modelNeverCalled(outcome) ? store.release(claim) : store.complete(claim, stored(response));
            // the answer stands either way: a claim left in flight only makes duplicates wait out the window
            return kept.onFailure().invoke(failure -> LOG.warnf("Idempotency-Key state not saved: %s", failure))
                    .onFailure().recoverWithNull()
                    .replaceWith(response);
        });
    }

    /** Throttled, not ready, refused (shed or circuit open): SageMaker did not run the model, a retry may. */
    private static boolean modelNeverCalled(InferenceOutcome outcome) {
        InferenceError error = outcome.error();
        return error != null && (error.is(ErrorType.THROTTLING) || error.is(ErrorType.MODEL_NOT_READY)
                || (error.is(ErrorType.SERVICE_UNAVAILABLE) && (error.rawBody() != null
                        || error.retryAfterSeconds() != null)));
    }

    private static StoredAnswer stored(Response response) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : KEPT_HEADERS) {
            String value = response.getHeaderString(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        Object entity = response.getEntity();
        return new StoredAnswer(response.getStatus(), headers, entity instanceof byte[] bytes ? bytes : new byte[0]);
    }

    private static Response replay(Claim claim, InferenceRequest request) {
        StoredAnswer answer = claim.answer();
        Response.ResponseBuilder response = Response.status(answer.status()).entity(answer.body())
                .header(SageMakerHeaders.REQUEST_ID, request.requestId())
                .header(SageMakerHeaders.SAGEWATCH_INFERENCE_ID, claim.inferenceId())
                .header("Idempotent-Replayed", "true");
        answer.headers().forEach(response::header);
        return response.build();
    }
}
