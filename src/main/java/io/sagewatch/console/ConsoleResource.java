package io.sagewatch.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.sagewatch.api.NotAdmitted;
import io.sagewatch.auth.ApiKeys;
import io.sagewatch.auth.Caller;
import io.sagewatch.auth.ConsoleSession;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;
import io.sagewatch.monitor.Baselines;
import io.sagewatch.monitor.format.InvalidBaselineException;
import io.sagewatch.records.InferenceRecord;
import io.sagewatch.records.InferenceRecordStore;
import io.sagewatch.records.RecordFilter;
import io.sagewatch.records.RecordPage;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The console: pages rendered on the server (readable without JavaScript; htmx and uPlot add partial updates, the
 * live tail and charts). Its figures come from rollups, its lists from the records' endpoint index, never a scan.
 * With API keys on, every page but the sign-in form needs an admin key (ApiKeyFilter), and every write a CSRF token.
 */
@Path("/console")
@NotAdmitted("calls no model: the console reads rollups, records and model health")
@Produces(MediaType.TEXT_HTML)
public class ConsoleResource {

    static final int PAGE_SIZE = 50;
    /** The live tail looks this far back at most: a record settled earlier than that is not news. */
    static final java.time.Duration TAIL_HORIZON = java.time.Duration.ofSeconds(60);

    /** What every page shows around its content. */
    public record Page(String title, String nav, String csrf, boolean signedIn) {}

    @CheckedTemplate(basePath = "console")
    static class Templates {
        static native TemplateInstance overview(Page page, Overview overview, List<String> endpoints);

        static native TemplateInstance inferences(
                Page page,
                List<String> endpoints,
                String endpoint,
                String status,
                String caller,
                List<InferenceRow> rows,
                String next,
                String tail);

        static native TemplateInstance inference(
                Page page, InferenceRow row, List<InferenceRow.Group> groups, List<InferenceRow.Payload> payloads);

        static native TemplateInstance row(InferenceRow row);

        static native TemplateInstance health(Page page, HealthView health, String message, boolean problem);

        static native TemplateInstance endpoints(Page page, EndpointsView view);

        static native TemplateInstance signIn(Page page, String problem);

        static native TemplateInstance problem(Page page, String message);
    }

    private final OverviewReader overview;
    private final HealthReader health;
    private final EndpointsReader endpoints;
    private final InferenceRecordStore records;
    private final Baselines baselines;
    private final ApiKeys keys;
    private final SagewatchConfig config;

    ConsoleResource(
            OverviewReader overview,
            HealthReader health,
            EndpointsReader endpoints,
            InferenceRecordStore records,
            Baselines baselines,
            ApiKeys keys,
            SagewatchConfig config) {
        this.overview = overview;
        this.health = health;
        this.endpoints = endpoints;
        this.records = records;
        this.baselines = baselines;
        this.keys = keys;
        this.config = config;
    }

    // ---- overview ---------------------------------------------------------------------------------------------------

    @GET
    @Operation(summary = "The console's overview: per endpoint, invocations, errors, latency, tokens and cost")
    public Uni<Response> overview(
            @RestQuery String range, @RestQuery String endpoint, @Context RoutingContext routing) {
        ConsoleRange chosen;
        try {
            chosen = ConsoleRange.of(range);
        } catch (IllegalArgumentException e) {
            return problem(routing, "Overview", e.getMessage());
        }
        return known().flatMap(names -> {
            if (endpoint != null && !endpoint.isEmpty() && !names.contains(endpoint)) {
                return problem(routing, "Overview", "No endpoint " + endpoint + " on this gateway");
            }
            return Uni.createFrom()
                    .completionStage(overview.read(chosen, blankToNull(endpoint), Instant.now()))
                    .map(view -> page(Templates.overview(page("Overview", "overview", routing), view, names)));
        });
    }

    @GET
    @Path("overview.json")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The overview's figures as JSON: what the page shows, as numbers")
    public Uni<Response> overviewJson(@RestQuery String range, @RestQuery String endpoint) {
        ConsoleRange chosen;
        try {
            chosen = ConsoleRange.of(range);
        } catch (IllegalArgumentException e) {
            throw InferenceError.validation(e.getMessage());
        }
        return Uni.createFrom()
                .completionStage(overview.read(chosen, blankToNull(endpoint), Instant.now()))
                .map(view -> Response.ok(view.json().toString(), MediaType.APPLICATION_JSON)
                        .build());
    }

    // ---- inferences -------------------------------------------------------------------------------------------------

    @GET
    @Path("inferences")
    @Operation(summary = "The console's inferences: newest first, by endpoint, outcome and caller")
    public Uni<Response> inferences(
            @RestQuery String endpoint,
            @RestQuery String status,
            @RestQuery String caller,
            @RestQuery String next,
            @Context RoutingContext routing) {
        String wanted = blankToNull(status);
        if (wanted != null && !List.of("SUCCEEDED", "FAILED").contains(wanted)) {
            return problem(routing, "Inferences", "status must be SUCCEEDED or FAILED");
        }
        RecordFilter filter = new RecordFilter(wanted, blankToNull(caller));
        return known().flatMap(names -> {
            String chosen = blankToNull(endpoint);
            if (chosen != null && !names.contains(chosen)) {
                return problem(routing, "Inferences", "No endpoint " + chosen + " on this gateway");
            }
            Uni<RecordPage> page;
            if (chosen != null) {
                page = records.list(chosen, null, null, PAGE_SIZE, blankToNull(next), filter);
            } else {
                page = newest(names, filter);
            }
            return page.map(found -> {
                        List<InferenceRow> rows =
                                found.items().stream().map(InferenceRow::of).toList();
                        String tail = (config.console().tailHoldsConnection()
                                        ? "/console/inferences/tail"
                                        : "/console/inferences/tail/next")
                                + query(Map.of(
                                        "endpoint", chosen == null ? "" : chosen,
                                        "status", wanted == null ? "" : wanted,
                                        "caller", filter.caller() == null ? "" : filter.caller()));
                        return page(Templates.inferences(
                                page("Inferences", "inferences", routing),
                                names,
                                chosen,
                                wanted,
                                filter.caller(),
                                rows,
                                found.next() == null
                                        ? null
                                        : "/console/inferences"
                                                + query(Map.of(
                                                        "endpoint",
                                                        chosen,
                                                        "status",
                                                        wanted == null ? "" : wanted,
                                                        "caller",
                                                        filter.caller() == null ? "" : filter.caller(),
                                                        "next",
                                                        found.next())),
                                tail));
                    })
                    .onFailure(IllegalArgumentException.class)
                    .recoverWithUni(e -> problem(routing, "Inferences", "That page link is not valid any more"));
        });
    }

    /** Every endpoint's newest records, merged newest first: the first page of "all endpoints". */
    private Uni<RecordPage> newest(List<String> names, RecordFilter filter) {
        if (names.isEmpty()) {
            return Uni.createFrom().item(new RecordPage(List.of(), null));
        }
        List<Uni<RecordPage>> pages = new ArrayList<>();
        for (String name : names) {
            pages.add(records.list(name, null, null, PAGE_SIZE, null, filter));
        }
        return Uni.join().all(pages).andFailFast().map(all -> {
            List<InferenceRecord> merged = new ArrayList<>();
            all.forEach(page -> merged.addAll(page.items()));
            merged.sort(Comparator.comparing((InferenceRecord r) -> String.valueOf(r.get("received_at")))
                    .reversed());
            return new RecordPage(merged.subList(0, Math.min(PAGE_SIZE, merged.size())), null);
        });
    }

    @GET
    @Path("inferences/{inferenceId}")
    @Operation(summary = "One inference as the console shows it: timings, target, tokens, cost, error, payloads")
    public Uni<Response> inference(@PathParam("inferenceId") String inferenceId, @Context RoutingContext routing) {
        if (inferenceId.length() > 64) {
            return problem(routing, "Inference", "No inference " + inferenceId.substring(0, 64) + "...");
        }
        return records.find(inferenceId)
                .flatMap(found -> found.isEmpty()
                        ? problem(routing, "Inference", "No inference " + inferenceId)
                        : Uni.createFrom()
                                .item(page(Templates.inference(
                                        page("Inference " + inferenceId, "inferences", routing),
                                        InferenceRow.of(found.get()),
                                        InferenceRow.groups(found.get()),
                                        InferenceRow.payloads(found.get())))));
    }

    @GET
    @Path("inferences/tail")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(
            summary = "The live tail, held open: each newly settled inference as an HTML table row (event 'inference',"
                    + " id = its received_at, so that a reconnecting browser resumes after the last one it has)")
    public Multi<OutboundSseEvent> tail(
            @RestQuery String endpoint,
            @RestQuery String status,
            @RestQuery String caller,
            @HeaderParam("Last-Event-ID") String lastEventId,
            @Context Sse sse) {
        RecordFilter filter = new RecordFilter(blankToNull(status), blankToNull(caller));
        Instant opened = resumeFrom(lastEventId);
        Map<String, Instant> seen = new LinkedHashMap<>();
        long retry = config.console().tailInterval().toMillis();
        return Multi.createFrom()
                .ticks()
                .every(config.console().tailInterval())
                .onItem()
                .transformToUniAndConcatenate(tick -> poll(endpoint, filter, opened, seen))
                .onItem()
                .transformToIterable(list -> list)
                .map(record -> sse.newEventBuilder()
                        .name("inference")
                        .id(String.valueOf(record.get("received_at")))
                        .reconnectDelay(retry)
                        .data(rowHtml(record))
                        .build());
    }

    /**
     * The live tail where a connection cannot be held (Lambda behind API Gateway answers whole): what settled since
     * the browser's last event, as one complete event-stream document with its length, ending with a {@code retry}
     * event so that the browser asks again after the tail interval even when nothing was new. A streamed answer
     * would go out chunked, which the Lambda adapter turns into an empty Transfer-Encoding header.
     */
    @GET
    @Path("inferences/tail/next")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(
            summary = "The live tail, one answer per request: what settled after Last-Event-ID as a complete"
                    + " event stream; the browser reconnects after the retry delay it carries")
    public Uni<Response> tailNext(
            @RestQuery String endpoint,
            @RestQuery String status,
            @RestQuery String caller,
            @HeaderParam("Last-Event-ID") String lastEventId) {
        RecordFilter filter = new RecordFilter(blankToNull(status), blankToNull(caller));
        long retry = config.console().tailInterval().toMillis();
        Instant asked = Instant.now();
        return poll(endpoint, filter, resumeFrom(lastEventId), new LinkedHashMap<>())
                .map(found -> {
                    StringBuilder stream = new StringBuilder();
                    Instant resumeAfter = asked.minusMillis(1);
                    for (InferenceRecord record : found) {
                        String received = String.valueOf(record.get("received_at"));
                        stream.append("event: inference\nid: ")
                                .append(received)
                                .append("\nretry: ")
                                .append(retry)
                                .append("\ndata: ")
                                .append(rowHtml(record))
                                .append("\n\n");
                        Instant at = Instant.parse(received);
                        resumeAfter = at.isAfter(resumeAfter) ? at : resumeAfter;
                    }
                    // the page ignores this event: it says when to ask again, and from where (even when nothing
                    // was new, so that the next answer starts at this one and not at its own arrival)
                    stream.append("event: retry\nid: ")
                            .append(resumeAfter)
                            .append("\nretry: ")
                            .append(retry)
                            .append("\ndata: \n\n");
                    return Response.ok(stream.toString(), MediaType.SERVER_SENT_EVENTS)
                            .build();
                });
    }

    /** A record's table row on one line (an event's data line ends at a line break). */
    private static String rowHtml(InferenceRecord record) {
        return Templates.row(InferenceRow.of(record)).render().replace("\r", "").replace("\n", "");
    }

    /** Where a tail starts: after the last record a reconnecting browser has, or now (never further back). */
    private static Instant resumeFrom(String lastEventId) {
        Instant now = Instant.now();
        if (lastEventId != null) {
            try {
                Instant last = Instant.parse(lastEventId);
                return last.isBefore(now.minus(TAIL_HORIZON)) ? now.minus(TAIL_HORIZON) : last.plusMillis(1);
            } catch (DateTimeParseException e) {
                // not one of ours: start now
            }
        }
        return now;
    }

    private Uni<List<InferenceRecord>> poll(
            String endpoint, RecordFilter filter, Instant opened, Map<String, Instant> seen) {
        return known().flatMap(names -> {
            List<String> watched =
                    blankToNull(endpoint) == null ? names : names.contains(endpoint) ? List.of(endpoint) : List.of();
            Instant horizon = Instant.now().minus(TAIL_HORIZON);
            Instant since = opened.isAfter(horizon) ? opened : horizon;
            List<Uni<RecordPage>> pages = new ArrayList<>();
            for (String name : watched) {
                pages.add(records.list(name, since, null, PAGE_SIZE, null, filter));
            }
            if (pages.isEmpty()) {
                return Uni.createFrom().item(List.<InferenceRecord>of());
            }
            return Uni.join().all(pages).andCollectFailures().map(all -> fresh(all, seen));
        });
    }

    /** The settled records not sent before, oldest first (each lands on top of the table in turn). */
    private static List<InferenceRecord> fresh(List<RecordPage> pages, Map<String, Instant> seen) {
        List<InferenceRecord> found = new ArrayList<>();
        Instant now = Instant.now();
        for (RecordPage page : pages) {
            for (InferenceRecord record : page.items()) {
                if (!io.sagewatch.core.InferenceFields.IN_PROGRESS.equals(record.get("status"))
                        && seen.putIfAbsent(record.requestId(), now) == null) {
                    found.add(record);
                }
            }
        }
        seen.values().removeIf(at -> at.isBefore(now.minus(TAIL_HORIZON.multipliedBy(2))));
        found.sort(Comparator.comparing(r -> String.valueOf(r.get("received_at"))));
        return found;
    }

    // ---- model health -----------------------------------------------------------------------------------------------

    @GET
    @Path("health")
    @Operation(summary = "The console's model health: windows, drift per feature, violations, baseline, quality")
    public Uni<Response> health(
            @RestQuery String endpoint, @RestQuery String uploaded, @Context RoutingContext routing) {
        String chosen = blankToNull(endpoint);
        if (chosen != null && !health.monitored().contains(chosen)) {
            return problem(routing, "Model health", "Endpoint " + chosen + " has no model health configured");
        }
        return Uni.createFrom()
                .completionStage(health.read(chosen))
                .map(view -> page(Templates.health(
                        page("Model health", "health", routing),
                        view,
                        uploaded == null ? null : "Baseline version " + uploaded + " is in force.",
                        false)));
    }

    @POST
    @Path("health/baseline")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking // a baseline of large sketches is read and parsed: not on an event loop
    @Operation(summary = "Uploads a baseline (Model Monitor's statistics.json, and constraints.json or suggested)")
    public Response uploadBaseline(
            @RestForm String endpoint,
            @RestForm(ConsoleSession.CSRF_FIELD) String csrf,
            @RestForm FileUpload statistics,
            @RestForm FileUpload constraints,
            @Context RoutingContext routing) {
        if (!csrfValid(routing, csrf)) {
            return forbidden(routing);
        }
        if (endpoint == null || !health.monitored().contains(endpoint)) {
            return healthProblem(routing, endpoint, "Choose an endpoint that has model health configured");
        }
        if (statistics == null || statistics.size() == 0) {
            return healthProblem(routing, endpoint, "Choose a statistics.json file");
        }
        try {
            byte[] statisticsJson = Files.readAllBytes(statistics.uploadedFile());
            byte[] constraintsJson = constraints == null || constraints.size() == 0
                    ? null
                    : Files.readAllBytes(constraints.uploadedFile());
            var baseline = baselines
                    .upload(endpoint, statisticsJson, constraintsJson)
                    .toCompletableFuture()
                    .join();
            return Response.seeOther(java.net.URI.create("/console/health"
                            + query(Map.of("endpoint", endpoint, "uploaded", Integer.toString(baseline.version())))))
                    .build();
        } catch (InvalidBaselineException e) {
            return healthProblem(routing, endpoint, e.getMessage());
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof InvalidBaselineException invalid) {
                return healthProblem(routing, endpoint, invalid.getMessage());
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Response healthProblem(RoutingContext routing, String endpoint, String message) {
        HealthView view = health.read(endpoint != null && health.monitored().contains(endpoint) ? endpoint : null)
                .toCompletableFuture()
                .join();
        return Response.status(400)
                .entity(Templates.health(page("Model health", "health", routing), view, message, true)
                        .render())
                .type(MediaType.TEXT_HTML)
                .build();
    }

    // ---- endpoints --------------------------------------------------------------------------------------------------

    @GET
    @Path("endpoints")
    @Operation(summary = "The console's endpoints: settings in force, circuit, in flight, budgets and their use")
    public Uni<Response> endpoints(@Context RoutingContext routing) {
        return known().flatMap(endpoints::read)
                .map(view -> page(Templates.endpoints(page("Endpoints", "endpoints", routing), view)));
    }

    // ---- session ----------------------------------------------------------------------------------------------------

    @GET
    @Path("sign-in")
    @Operation(summary = "The sign-in form (public)")
    public Response signInForm(@Context RoutingContext routing) {
        if (!keys.enabled()) {
            return Response.seeOther(java.net.URI.create("/console")).build();
        }
        return page(Templates.signIn(new Page("Sign in", "", null, false), null));
    }

    @POST
    @Path("sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(summary = "Signs in with an admin key: the key is kept in an HttpOnly, Secure, SameSite=Strict cookie")
    public Response signIn(@RestForm String key) {
        if (!keys.enabled()) {
            return Response.seeOther(java.net.URI.create("/console")).build();
        }
        Caller caller;
        try {
            caller = keys.authenticate(key == null ? "" : key.trim(), null);
        } catch (InferenceError refused) {
            return Response.status(401)
                    .entity(Templates.signIn(new Page("Sign in", "", null, false), refused.getMessage())
                            .render())
                    .type(MediaType.TEXT_HTML)
                    .build();
        }
        if (!caller.admin()) {
            return Response.status(403)
                    .entity(Templates.signIn(
                                    new Page("Sign in", "", null, false),
                                    "The key " + caller.name() + " is not an admin key: the console needs one")
                            .render())
                    .type(MediaType.TEXT_HTML)
                    .build();
        }
        return Response.seeOther(java.net.URI.create("/console"))
                .header(HttpHeaders.SET_COOKIE, ConsoleSession.cookie(key.trim()))
                .build();
    }

    @POST
    @Path("sign-out")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(summary = "Ends the session")
    public Response signOut(@RestForm(ConsoleSession.CSRF_FIELD) String csrf, @Context RoutingContext routing) {
        if (!csrfValid(routing, csrf)) {
            return forbidden(routing);
        }
        return Response.seeOther(java.net.URI.create(keys.enabled() ? "/console/sign-in" : "/console"))
                .header(HttpHeaders.SET_COOKIE, ConsoleSession.expired())
                .build();
    }

    // ---- shared -----------------------------------------------------------------------------------------------------

    private Page page(String title, String nav, RoutingContext routing) {
        return new Page(title, nav, ConsoleSession.csrfToken(routing.get(ConsoleSession.CONTEXT_KEY)), keys.enabled());
    }

    private static boolean csrfValid(RoutingContext routing, String presented) {
        String token = presented != null ? presented : routing.request().getHeader(ConsoleSession.CSRF_HEADER);
        return ConsoleSession.csrfValid(routing.get(ConsoleSession.CONTEXT_KEY), token);
    }

    private Response forbidden(RoutingContext routing) {
        return Response.status(403)
                .entity(Templates.problem(
                                page("Refused", "", routing),
                                "This form was not sent from a page of this console (its CSRF token is missing or"
                                        + " wrong). Reload the page and try again.")
                        .render())
                .type(MediaType.TEXT_HTML)
                .build();
    }

    private Uni<Response> problem(RoutingContext routing, String title, String message) {
        return Uni.createFrom()
                .item(Response.status(404)
                        .entity(Templates.problem(page(title, "", routing), message))
                        .type(MediaType.TEXT_HTML)
                        .build());
    }

    private static Response page(TemplateInstance template) {
        return Response.ok(template, MediaType.TEXT_HTML).build();
    }

    private Uni<List<String>> known() {
        return Uni.createFrom().completionStage(overview.endpoints());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** A query string of the non-empty parameters, encoded. */
    static String query(Map<String, String> parameters) {
        Map<String, String> ordered = new java.util.TreeMap<>(parameters);
        StringBuilder query = new StringBuilder();
        ordered.forEach((name, value) -> {
            if (value != null && !value.isEmpty()) {
                query.append(query.isEmpty() ? '?' : '&')
                        .append(name)
                        .append('=')
                        .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
            }
        });
        return query.toString();
    }
}
