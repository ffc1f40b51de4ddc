package io.sagewatch.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestQuery;

import io.sagewatch.auth.Caller;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.records.InferenceRecord;
import io.sagewatch.records.InferenceRecordStore;
import io.sagewatch.records.RecordFilter;
import io.sagewatch.records.RecordPage;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/** Reads inference records back: one by id, or an endpoint's newest first, page by page. */
@Path("/")
@NotAdmitted("reads the table only: no model call to bound")
@Produces(MediaType.APPLICATION_JSON)
public class InferenceRecordResource {

    static final int DEFAULT_LIMIT = 25;
    static final int MAX_LIMIT = 100;
    /** Record timestamps are compared as fixed-width strings: four-digit years only. */
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    private final InferenceRecordStore store;
    private final EndpointAccess access;

    InferenceRecordResource(InferenceRecordStore store, EndpointAccess access) {
        this.store = store;
        this.access = access;
    }

    static final java.util.List<String> STATUSES =
            java.util.List.of("SUCCEEDED", "FAILED", io.sagewatch.core.InferenceFields.IN_PROGRESS);

    @GET
    @Path("inferences/{inferenceId}")
    @Operation(summary = "The record of one inference (the newest, if the client reused its inference id)")
    public Uni<InferenceRecord> get(@PathParam("inferenceId") String inferenceId, @Context RoutingContext routing) {
        if (!InvocationRequestParser.INFERENCE_ID.matcher(inferenceId).matches()) {
            throw InferenceError.validation("Inference id must be 1 to 64 printable characters");
        }
        // a record of an endpoint the caller may not read does not exist, as far as the caller can tell
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        return store.find(inferenceId)
                .map(found -> found.filter(record ->
                                isAllowed(record.endpoint()) && (caller == null || caller.mayUse(record.endpoint())))
                        .orElseThrow(() -> InferenceError.of(
                                ErrorType.RESOURCE_NOT_FOUND, "No inference record with id " + inferenceId)));
    }

    @GET
    @Path("endpoints/{EndpointName}/inferences")
    @Operation(summary = "An endpoint's inference records, newest first; pass 'next' back for the following page")
    public Uni<RecordPage> list(
            @PathParam("EndpointName") String endpointName,
            @RestQuery String since,
            @RestQuery String until,
            @RestQuery String limit,
            @RestQuery String next,
            @RestQuery String status,
            @RestQuery String caller) {
        Instant from = instant("since", since);
        Instant to = instant("until", until);
        if (from != null && to != null && from.isAfter(to)) {
            throw InferenceError.validation("'since' must not be after 'until'");
        }
        int pageSize = limit(limit, DEFAULT_LIMIT, MAX_LIMIT);
        return store.list(
                endpointName, from, to, pageSize, next == null || next.isEmpty() ? null : next, filter(status, caller));
    }

    /** The {@code status} and {@code caller} query parameters; a status other than the record's is a ValidationError. */
    public static RecordFilter filter(String status, String caller) {
        String wanted = status == null || status.isEmpty() ? null : status;
        if (wanted != null && !STATUSES.contains(wanted)) {
            throw InferenceError.validation("'status' must be one of " + STATUSES);
        }
        return new RecordFilter(wanted, caller == null || caller.isEmpty() ? null : caller);
    }

    /** A {@code limit} query parameter: absent means the default; anything but 1 to max is a ValidationError. */
    static int limit(String limit, int defaultLimit, int max) {
        int count;
        try {
            count = limit == null || limit.isEmpty() ? defaultLimit : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 1 || count > max) {
            throw InferenceError.validation("'limit' must be between 1 and " + max);
        }
        return count;
    }

    private boolean isAllowed(String endpoint) {
        try {
            access.check(endpoint);
            return true;
        } catch (InferenceError e) {
            return false;
        }
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            Instant instant = Instant.parse(value);
            if (instant.isAfter(LATEST) || instant.isBefore(Instant.EPOCH)) {
                throw InferenceError.validation("'" + name + "' must be between 1970 and 9999");
            }
            return instant;
        } catch (DateTimeParseException e) {
            throw InferenceError.validation("'" + name + "' must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }
}
