package io.sagewatch.core;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What the asynchronous clients' futures fail with, unwrapped. */
public final class Futures {

    private Futures() {}

    /** The failure under the wrappers {@code CompletableFuture} puts around it. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
