package io.sagewatch.tracing;

import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelProvider;
import io.sagewatch.core.ModelStream;
import io.smallrye.mutiny.Uni;

/**
 * Wraps the model provider: a traced request's model call gets its CLIENT span before the provider sends it, so that
 * the headers it sends (and its retries) belong to that span. {@link TracingObserver} ends the span from the settled
 * outcome, which has the tokens and the finish reason.
 */
@Decorator
@Priority(1)
public abstract class TracedModelProvider implements ModelProvider {

    @Inject
    @Delegate
    @Any
    ModelProvider provider;

    @Inject
    RequestTraces traces;

    @Override
    public Uni<ModelCall> invoke(InferenceRequest request) {
        if (request.trace() instanceof GatewayTrace trace) {
            return Uni.createFrom().deferred(() -> {
                traces.callStarting(trace, request, false);
                return provider.invoke(request);
            });
        }
        return provider.invoke(request);
    }

    @Override
    public Uni<ModelStream> stream(InferenceRequest request) {
        if (request.trace() instanceof GatewayTrace trace) {
            return Uni.createFrom().deferred(() -> {
                traces.callStarting(trace, request, true);
                return provider.stream(request);
            });
        }
        return provider.stream(request);
    }
}
