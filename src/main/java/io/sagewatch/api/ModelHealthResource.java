package io.sagewatch.api;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestQuery;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.auth.Caller;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.json.Json;
import io.sagewatch.monitor.Baselines;
import io.sagewatch.monitor.EndpointMonitors;
import io.sagewatch.monitor.ModelHealthStore;
import io.sagewatch.monitor.features.UnreadablePayloadException;
import io.sagewatch.monitor.format.Baseline;
import io.sagewatch.monitor.format.InvalidBaselineException;
import io.sagewatch.monitor.format.ModelMonitorJson;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Model health over HTTP: an endpoint's baseline (Model Monitor's files in, or built from a dataset) and its
 * evaluated windows (Model Monitor's {@code statistics.json} and {@code constraint_violations.json} out). Reading
 * takes the same API key as the records; changing a baseline takes an admin key.
 */
@Path("/endpoints/{EndpointName}/monitoring")
@NotAdmitted("calls no model: baselines and windows are table reads and writes")
@Produces(MediaType.APPLICATION_JSON)
public class ModelHealthResource {

    static final int DEFAULT_WINDOWS = 24;
    static final int MAX_WINDOWS = 500;
    private static final ObjectMapper JSON = Json.MAPPER;

    private final EndpointMonitors monitors;
    private final Baselines baselines;
    private final ModelHealthStore store;

    ModelHealthResource(EndpointMonitors monitors, Baselines baselines, ModelHealthStore store) {
        this.monitors = monitors;
        this.baselines = baselines;
        this.store = store;
    }

    @GET
    @Blocking // a baseline of large sketches is megabytes of JSON to write: not on an event loop
    @Path("baseline")
    @Operation(summary = "The endpoint's current baseline: version, source, statistics and constraints")
    public Uni<Response> baseline(@PathParam("EndpointName") String endpoint) {
        return current(endpoint).map(baseline -> json(ModelMonitorJson.writeBaseline(baseline)));
    }

    @GET
    @Blocking // a baseline of large sketches is megabytes of JSON to write: not on an event loop
    @Path("baseline/statistics.json")
    @Operation(summary = "The current baseline's statistics, in Model Monitor's statistics.json format")
    public Uni<Response> baselineStatistics(@PathParam("EndpointName") String endpoint) {
        return current(endpoint).map(baseline -> json(ModelMonitorJson.writeStatistics(baseline.statistics())));
    }

    @GET
    @Blocking // a baseline of large sketches is megabytes of JSON to write: not on an event loop
    @Path("baseline/constraints.json")
    @Operation(summary = "The current baseline's constraints, in Model Monitor's constraints.json format")
    public Uni<Response> baselineConstraints(@PathParam("EndpointName") String endpoint) {
        return current(endpoint).map(baseline -> json(ModelMonitorJson.writeConstraints(baseline.constraints())));
    }

    @PUT
    @Path("baseline")
    @Consumes(MediaType.WILDCARD)
    @Blocking // parsing a baseline of large sketches is CPU work: not on an event loop
    @Operation(
            summary = "A new baseline version from Model Monitor's files: {\"statistics\": <statistics.json>,"
                    + " \"constraints\": <constraints.json, optional: suggested when left out>}")
    public Uni<Response> upload(
            @PathParam("EndpointName") String endpoint, byte[] body, @Context RoutingContext routing) {
        admin(endpoint, routing);
        JsonNode document;
        try {
            document = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw InferenceError.validation("The body is not valid JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": "
                    + e.getOriginalMessage()
                    + ". It must be a JSON object {\"statistics\": ..., \"constraints\": ...}");
        } catch (IOException e) {
            throw InferenceError.validation("The body cannot be read: " + e.getMessage());
        }
        if (document == null
                || !document.isObject()
                || !document.path("statistics").isObject()) {
            throw InferenceError.validation("The body must be a JSON object with a \"statistics\" member holding a"
                    + " statistics.json (and optionally \"constraints\" holding a constraints.json)");
        }
        JsonNode constraints = document.get("constraints");
        if (constraints != null && !constraints.isObject()) {
            throw InferenceError.validation("\"constraints\" must hold a constraints.json object");
        }
        try {
            return stored(baselines.upload(
                    endpoint, bytes(document.get("statistics")), constraints == null ? null : bytes(constraints)));
        } catch (InvalidBaselineException e) {
            throw InferenceError.validation(e.getMessage());
        }
    }

    @POST
    @Path("baseline/dataset")
    @Consumes(MediaType.WILDCARD)
    @Blocking // a dataset of megabytes is read into sketches: CPU work, not on an event loop
    @Operation(
            summary = "A new baseline version built from a dataset (text/csv, application/json,"
                    + " application/jsonlines) read as the endpoint's payloads are")
    public Uni<Response> fromDataset(
            @PathParam("EndpointName") String endpoint,
            byte[] body,
            @Context HttpHeaders headers,
            @Context RoutingContext routing) {
        admin(endpoint, routing);
        try {
            return stored(baselines.fromDataset(endpoint, body, headers.getHeaderString(HttpHeaders.CONTENT_TYPE)));
        } catch (UnreadablePayloadException e) {
            throw InferenceError.validation("The dataset cannot be read: " + e.getMessage());
        }
    }

    @GET
    @Path("windows")
    @Operation(summary = "The endpoint's evaluated windows, newest first: status, rows, violations by check")
    public Uni<Response> windows(@PathParam("EndpointName") String endpoint, @RestQuery String limit) {
        monitored(endpoint);
        int count = InferenceRecordResource.limit(limit, DEFAULT_WINDOWS, MAX_WINDOWS);
        return Uni.createFrom()
                .completionStage(store.reportSummaries(endpoint, count))
                .map(summaries -> {
                    ObjectNode answer = JSON.createObjectNode();
                    var windows = answer.putArray("windows");
                    for (byte[] summary : summaries) {
                        windows.add(tree(summary));
                    }
                    return Response.ok(answer.toString(), MediaType.APPLICATION_JSON)
                            .build();
                });
    }

    @GET
    @Path("windows/{start}")
    @Operation(
            summary = "One evaluated window ('latest', or its start as an ISO-8601 instant): figures per feature,"
                    + " statistics and violations")
    public Uni<Response> window(@PathParam("EndpointName") String endpoint, @PathParam("start") String start) {
        return report(endpoint, start)
                .map(report -> Response.ok(report.toString(), MediaType.APPLICATION_JSON)
                        .build());
    }

    @GET
    @Path("windows/{start}/statistics.json")
    @Operation(summary = "One window's statistics, in Model Monitor's statistics.json format")
    public Uni<Response> windowStatistics(
            @PathParam("EndpointName") String endpoint, @PathParam("start") String start) {
        return report(endpoint, start)
                .map(report -> Response.ok(report.get("statistics").toString(), MediaType.APPLICATION_JSON)
                        .build());
    }

    @GET
    @Path("windows/{start}/constraint_violations.json")
    @Operation(summary = "One window's violations, in Model Monitor's constraint_violations.json format")
    public Uni<Response> windowViolations(
            @PathParam("EndpointName") String endpoint, @PathParam("start") String start) {
        return report(endpoint, start)
                .map(report -> Response.ok(report.get("constraint_violations").toString(), MediaType.APPLICATION_JSON)
                        .build());
    }

    private Uni<JsonNode> report(String endpoint, String start) {
        monitored(endpoint);
        if ("latest".equals(start)) {
            return Uni.createFrom()
                    .completionStage(store.reportSummaries(endpoint, 1))
                    .flatMap(latest -> {
                        if (latest.isEmpty()) {
                            throw InferenceError.of(
                                    ErrorType.RESOURCE_NOT_FOUND,
                                    "No window of " + endpoint + " has been evaluated yet");
                        }
                        return report(
                                endpoint,
                                tree(latest.get(0)).path("window_start").asText());
                    });
        }
        Instant at;
        try {
            at = Instant.parse(start);
        } catch (DateTimeParseException e) {
            throw InferenceError.validation(
                    "A window is 'latest' or its start as an ISO-8601 instant such as" + " 2026-01-31T12:00:00Z");
        }
        return Uni.createFrom().completionStage(store.report(endpoint, at)).map(report -> {
            if (report == null) {
                throw InferenceError.of(
                        ErrorType.RESOURCE_NOT_FOUND, "No evaluated window of " + endpoint + " starts at " + at);
            }
            return tree(report);
        });
    }

    private Uni<Baseline> current(String endpoint) {
        monitored(endpoint);
        return Uni.createFrom().completionStage(baselines.current(endpoint)).map(baseline -> {
            if (baseline == null) {
                throw InferenceError.of(ErrorType.RESOURCE_NOT_FOUND, "Endpoint " + endpoint + " has no baseline yet");
            }
            return baseline;
        });
    }

    private static Uni<Response> stored(java.util.concurrent.CompletionStage<Baseline> stored) {
        return Uni.createFrom().completionStage(stored).map(baseline -> {
            ObjectNode answer = JSON.createObjectNode();
            answer.put("endpoint", baseline.endpoint());
            answer.put("version", baseline.version());
            answer.put("source", baseline.source());
            answer.put("created_at", baseline.createdAt().toString());
            answer.put("item_count", baseline.statistics().itemCount());
            var features = answer.putArray("features");
            baseline.statistics()
                    .features()
                    .forEach(feature -> features.addObject()
                            .put("name", feature.name())
                            .put("inferred_type", feature.inferredType().modelMonitorName()));
            return Response.status(Response.Status.CREATED)
                    .entity(answer.toString())
                    .type(MediaType.APPLICATION_JSON)
                    .build();
        });
    }

    private void monitored(String endpoint) {
        if (monitors.settings(endpoint) == null) {
            throw InferenceError.of(
                    ErrorType.RESOURCE_NOT_FOUND,
                    "Endpoint " + endpoint + " is not monitored" + " (sagewatch.endpoint." + endpoint
                            + ".monitor.enabled)");
        }
    }

    private void admin(String endpoint, RoutingContext routing) {
        monitored(endpoint);
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        if (caller != null && !caller.admin()) {
            throw InferenceError.of(
                    ErrorType.ACCESS_DENIED,
                    "API key " + caller.name() + " may not change baselines (sagewatch.auth.keys." + caller.name()
                            + ".admin)");
        }
    }

    private static Response json(byte[] body) {
        return Response.ok(body, MediaType.APPLICATION_JSON).build();
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
