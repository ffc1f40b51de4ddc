package io.sagewatch.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.auth.Caller;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.json.Json;
import io.sagewatch.monitor.quality.EndpointQualities;
import io.sagewatch.monitor.quality.GroundTruth;
import io.sagewatch.monitor.quality.GroundTruthLabels;
import io.sagewatch.monitor.quality.LabelledDataset;
import io.sagewatch.monitor.quality.QualityBaselines;
import io.sagewatch.monitor.quality.QualitySettings;
import io.sagewatch.monitor.quality.QualityWindows;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Model quality over HTTP: ground truth in (Model Monitor's ground-truth JSON lines, or CSV), the evaluated windows out
 * (Model Monitor's model-quality {@code statistics.json} and {@code constraint_violations.json}), and the baseline.
 * Reading takes the same API key as the records; writing (labels, baselines) takes an admin key, as the other
 * monitoring writes do.
 */
@Path("/endpoints/{EndpointName}/monitoring")
@NotAdmitted("calls no model: labels, windows and baselines are table reads and writes")
@Produces(MediaType.APPLICATION_JSON)
public class ModelQualityResource {

    private final EndpointQualities qualities;
    private final GroundTruthLabels labels;
    private final QualityWindows windows;
    private final QualityBaselines baselines;

    ModelQualityResource(
            EndpointQualities qualities, GroundTruthLabels labels, QualityWindows windows, QualityBaselines baselines) {
        this.qualities = qualities;
        this.labels = labels;
        this.windows = windows;
        this.baselines = baselines;
    }

    @POST
    @Path("ground-truth")
    @Consumes(MediaType.WILDCARD)
    @Blocking // up to 10 000 lines to parse: CPU work, not on an event loop
    @Operation(
            summary = "Ground truth for earlier inferences: Model Monitor's ground-truth JSON lines, or text/csv"
                    + " inference_id,label rows; answers how many were accepted, unknown, late and rejected (by line)")
    public Uni<Response> groundTruth(
            @PathParam("EndpointName") String endpoint,
            byte[] body,
            @Context HttpHeaders headers,
            @Context RoutingContext routing) {
        QualitySettings settings = admin(endpoint, routing, "send ground truth");
        if (body == null || body.length == 0) {
            throw InferenceError.validation("The body is empty: send Model Monitor's ground-truth JSON lines"
                    + " ({\"groundTruthData\":{\"data\":\"1\",\"encoding\":\"CSV\"},\"eventMetadata\":{\"eventId\":"
                    + "\"<inference id>\"},\"eventVersion\":\"0\"}, one per line) or text/csv inference_id,label rows");
        }
        GroundTruth.Batch batch = GroundTruth.parse(body, headers.getHeaderString(HttpHeaders.CONTENT_TYPE));
        return Uni.createFrom().completionStage(labels.apply(settings, batch)).map(answer -> {
            ObjectNode json = Json.MAPPER.createObjectNode();
            json.put("accepted", answer.accepted());
            json.put("unknown", answer.unknown());
            json.put("late", answer.late());
            var rejected = json.putArray("rejected");
            answer.rejected()
                    .forEach(r -> rejected.addObject().put("line", r.line()).put("problem", r.problem()));
            return Response.ok(json.toString(), MediaType.APPLICATION_JSON).build();
        });
    }

    @GET
    @Path("quality/windows")
    @Operation(
            summary = "The endpoint's model-quality windows, newest first: pending ones (awaiting ground truth, with"
                    + " when they are due) and evaluated ones (status, rows with labels, metrics, violations)")
    public Uni<Response> windows(@PathParam("EndpointName") String endpoint, @RestQuery String limit) {
        QualitySettings settings = measured(endpoint);
        int count = InferenceRecordResource.limit(
                limit, ModelHealthResource.DEFAULT_WINDOWS, ModelHealthResource.MAX_WINDOWS);
        return Uni.createFrom().completionStage(windows.list(settings, count)).map(list -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            var array = answer.putArray("windows");
            list.forEach(array::add);
            return Response.ok(answer.toString(), MediaType.APPLICATION_JSON).build();
        });
    }

    @GET
    @Path("quality/windows/{start}")
    @Operation(
            summary = "One evaluated model-quality window ('latest', or its start as an ISO-8601 instant): summary,"
                    + " statistics and violations")
    public Uni<Response> window(@PathParam("EndpointName") String endpoint, @PathParam("start") String start) {
        return report(endpoint, start).map(report -> json(report));
    }

    @GET
    @Path("quality/windows/{start}/statistics.json")
    @Operation(summary = "One window's model-quality statistics, in Model Monitor's statistics.json format")
    public Uni<Response> windowStatistics(
            @PathParam("EndpointName") String endpoint, @PathParam("start") String start) {
        return report(endpoint, start).map(report -> {
            if (!report.has("statistics")) {
                throw InferenceError.of(
                        ErrorType.RESOURCE_NOT_FOUND,
                        "The window starting at " + report.path("window_start").asText() + " had no labelled"
                                + " inferences: it has no statistics");
            }
            return json(report.get("statistics"));
        });
    }

    @GET
    @Path("quality/windows/{start}/constraint_violations.json")
    @Operation(summary = "One window's model-quality violations, in Model Monitor's constraint_violations.json format")
    public Uni<Response> windowViolations(
            @PathParam("EndpointName") String endpoint, @PathParam("start") String start) {
        return report(endpoint, start).map(report -> json(report.get("constraint_violations")));
    }

    @GET
    @Path("quality/baseline")
    @Operation(summary = "The endpoint's model-quality baseline: source, statistics.json and constraints.json")
    public Uni<Response> baseline(@PathParam("EndpointName") String endpoint) {
        return current(endpoint).map(baseline -> json(baseline.toJson()));
    }

    @GET
    @Path("quality/baseline/statistics.json")
    @Operation(summary = "The model-quality baseline's statistics, in Model Monitor's statistics.json format")
    public Uni<Response> baselineStatistics(@PathParam("EndpointName") String endpoint) {
        return current(endpoint).map(baseline -> json(baseline.statistics()));
    }

    @GET
    @Path("quality/baseline/constraints.json")
    @Operation(summary = "The model-quality baseline's constraints, in Model Monitor's constraints.json format")
    public Uni<Response> baselineConstraints(@PathParam("EndpointName") String endpoint) {
        return current(endpoint).map(baseline -> json(baseline.toJson().get("constraints")));
    }

    @PUT
    @Path("quality/baseline")
    @Consumes(MediaType.WILDCARD)
    @Blocking // a statistics.json with long curves is CPU work to read: not on an event loop
    @Operation(
            summary = "The model-quality baseline from Model Monitor's files: {\"statistics\": <statistics.json>,"
                    + " \"constraints\": <constraints.json, optional: suggested when left out>}")
    public Uni<Response> upload(
            @PathParam("EndpointName") String endpoint, byte[] body, @Context RoutingContext routing) {
        QualitySettings settings = admin(endpoint, routing, "change baselines");
        JsonNode document;
        try {
            document = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw InferenceError.validation("The body is not valid JSON: it must be a JSON object {\"statistics\":"
                    + " ..., \"constraints\": ...}");
        }
        if (document == null
                || !document.isObject()
                || !document.path("statistics").isObject()) {
            throw InferenceError.validation("The body must be a JSON object with a \"statistics\" member holding a"
                    + " model-quality statistics.json (and optionally \"constraints\" holding a constraints.json)");
        }
        try {
            return stored(baselines.upload(settings, document.get("statistics"), document.get("constraints")));
        } catch (IllegalArgumentException e) {
            throw InferenceError.validation("The baseline cannot be used: " + e.getMessage());
        }
    }

    @POST
    @Path("quality/baseline/dataset")
    @Consumes(MediaType.WILDCARD)
    @Blocking // a labelled dataset of megabytes is read and measured: CPU work, not on an event loop
    @Operation(
            summary = "The model-quality baseline computed from a labelled dataset (text/csv with a header, or JSON"
                    + " lines: ground_truth, prediction, probability), constraints suggested as Model Monitor's"
                    + " baseline job does")
    public Uni<Response> fromDataset(
            @PathParam("EndpointName") String endpoint,
            byte[] body,
            @Context HttpHeaders headers,
            @Context RoutingContext routing) {
        QualitySettings settings = admin(endpoint, routing, "change baselines");
        try {
            return stored(baselines.fromRows(
                    settings,
                    LabelledDataset.read(
                            settings,
                            new String(body == null ? new byte[0] : body, StandardCharsets.UTF_8),
                            headers.getHeaderString(HttpHeaders.CONTENT_TYPE))));
        } catch (IllegalArgumentException e) {
            throw InferenceError.validation("The dataset cannot be used: " + e.getMessage());
        }
    }

    private Uni<Response> stored(java.util.concurrent.CompletionStage<QualityBaselines.Baseline> stored) {
        return Uni.createFrom().completionStage(stored).map(baseline -> {
            ObjectNode answer = baseline.toJson();
            return Response.status(Response.Status.CREATED)
                    .entity(answer.toString())
                    .type(MediaType.APPLICATION_JSON)
                    .build();
        });
    }

    private Uni<QualityBaselines.Baseline> current(String endpoint) {
        QualitySettings settings = measured(endpoint);
        return Uni.createFrom().completionStage(baselines.current(settings)).map(baseline -> {
            if (baseline == null) {
                throw InferenceError.of(
                        ErrorType.RESOURCE_NOT_FOUND, "Endpoint " + endpoint + " has no model-quality baseline yet");
            }
            return baseline;
        });
    }

    private Uni<JsonNode> report(String endpoint, String start) {
        QualitySettings settings = measured(endpoint);
        if ("latest".equals(start)) {
            return Uni.createFrom()
                    .completionStage(windows.latestEvaluated(settings))
                    .flatMap(latest -> {
                        if (latest == null) {
                            throw InferenceError.of(
                                    ErrorType.RESOURCE_NOT_FOUND,
                                    "No model-quality window of " + endpoint + " has been evaluated yet");
                        }
                        return report(endpoint, latest.toString());
                    });
        }
        Instant at;
        try {
            at = Instant.parse(start);
        } catch (DateTimeParseException e) {
            throw InferenceError.validation(
                    "A window is 'latest' or its start as an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
        return Uni.createFrom().completionStage(windows.report(settings, at)).map(report -> {
            if (report == null) {
                throw InferenceError.of(
                        ErrorType.RESOURCE_NOT_FOUND,
                        "No evaluated model-quality window of " + endpoint + " starts at " + at);
            }
            return report;
        });
    }

    private QualitySettings measured(String endpoint) {
        QualitySettings settings = qualities.settings(endpoint);
        if (settings == null) {
            throw InferenceError.of(
                    ErrorType.RESOURCE_NOT_FOUND,
                    "The model quality of endpoint " + endpoint + " is not measured (sagewatch.endpoint." + endpoint
                            + ".monitor.quality.problem-type)");
        }
        return settings;
    }

    private QualitySettings admin(String endpoint, RoutingContext routing, String what) {
        QualitySettings settings = measured(endpoint);
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        if (caller != null && !caller.admin()) {
            throw InferenceError.of(
                    ErrorType.ACCESS_DENIED,
                    "API key " + caller.name() + " may not " + what + " (sagewatch.auth.keys." + caller.name()
                            + ".admin)");
        }
        return settings;
    }

    private static Response json(JsonNode body) {
        return Response.ok(body.toString(), MediaType.APPLICATION_JSON).build();
    }
}
