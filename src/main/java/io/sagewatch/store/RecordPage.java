package io.sagewatch.store;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One page of an endpoint's records, newest first; {@code next} is null on the last page. */
@RegisterForReflection
public record RecordPage(List<InferenceRecord> items, String next) {
}
