package io.sagewatch.api.openai;

/** How the container behind an endpoint speaks, and so how an OpenAI request reaches it. */
enum ContainerProtocol {
    /** SageMaker's OpenAI route on the endpoint ({@code /openai/v1/chat/completions}): the body as it came. */
    OPENAI,
    /** The OpenAI body to InvokeEndpoint, as TGI's Messages API, LMI and vLLM containers take it. */
    MESSAGES,
    /** TGI / DJL {@code inputs} + {@code parameters}, for completions. */
    GENERATE,
    /** TEI / Hugging Face feature extraction ({@code inputs}), for embeddings. */
    EMBEDDINGS;

    static ContainerProtocol of(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    /** Whether a request of this operation can be sent to a container of this protocol. */
    boolean serves(Operation operation) {
        return switch (this) {
            case OPENAI -> operation == Operation.CHAT;
            case MESSAGES -> true;
            case GENERATE -> operation == Operation.COMPLETION;
            case EMBEDDINGS -> operation == Operation.EMBEDDING;
        };
    }

    String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The OpenAI operations of the front. */
    enum Operation {
        CHAT("/v1/chat/completions", "chat"),
        COMPLETION("/v1/completions", "text_completion"),
        EMBEDDING("/v1/embeddings", "embeddings");

        final String path;
        /** Its {@code gen_ai.operation.name} (OpenTelemetry's GenAI conventions). */
        final String genAiName;

        Operation(String path, String genAiName) {
            this.path = path;
            this.genAiName = genAiName;
        }
    }
}
