package io.sagewatch.console;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.budgets.Budget;
import io.sagewatch.budgets.BudgetLedger;
import io.sagewatch.budgets.BudgetWindowView;
import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.inference.AdmissionControl;
import io.sagewatch.monitor.EndpointMonitors;
import io.sagewatch.monitor.quality.EndpointQualities;
import io.sagewatch.sagemaker.CircuitBreakers;
import io.smallrye.mutiny.Uni;

/** The endpoints page: configuration in force, circuit and concurrency on this replica, budgets and their use. */
@ApplicationScoped
public class EndpointsReader {

    private final EndpointPolicies policies;
    private final CircuitBreakers circuits;
    private final AdmissionControl admission;
    private final EndpointMonitors monitors;
    private final EndpointQualities qualities;
    private final BudgetLedger budgets;
    private final SagewatchConfig config;

    EndpointsReader(
            EndpointPolicies policies,
            CircuitBreakers circuits,
            AdmissionControl admission,
            EndpointMonitors monitors,
            EndpointQualities qualities,
            BudgetLedger budgets,
            SagewatchConfig config) {
        this.policies = policies;
        this.circuits = circuits;
        this.admission = admission;
        this.monitors = monitors;
        this.qualities = qualities;
        this.budgets = budgets;
        this.config = config;
    }

    public Uni<EndpointsView> read(List<String> endpoints) {
        List<EndpointsView.Row> rows = new ArrayList<>();
        for (String endpoint : endpoints) {
            EndpointPolicies.Policy policy = policies.of(endpoint);
            List<String> watched = new ArrayList<>();
            if (monitors.settings(endpoint) != null) {
                watched.add("data quality every "
                        + human(monitors.settings(endpoint).window()));
            }
            if (qualities.settings(endpoint) != null) {
                watched.add("model quality ("
                        + qualities.settings(endpoint).problemType().modelMonitorName() + ")");
            }
            rows.add(new EndpointsView.Row(
                    endpoint,
                    circuits.state(endpoint),
                    admission.inFlight(endpoint),
                    policy.maxConcurrent() > 0 ? Integer.toString(policy.maxConcurrent()) : "none",
                    human(policy.timeout()),
                    price(policy.price()),
                    watched.isEmpty() ? "off" : String.join(", ", watched),
                    capture(endpoint)));
        }
        List<Uni<BudgetWindowView>> views = new ArrayList<>();
        for (Budget budget : budgets.budgets()) {
            views.add(budgets.current(budget));
        }
        Uni<List<EndpointsView.BudgetRow>> budgetRows = views.isEmpty()
                ? Uni.createFrom().item(List.of())
                : Uni.join()
                        .all(views)
                        .andCollectFailures()
                        .map(all ->
                                all.stream().map(view -> budgetRow(view.json())).toList());
        return budgetRows.map(list ->
                new EndpointsView(rows, admission.inFlight(), config.limits().maxConcurrent(), list));
    }

    private String capture(String endpoint) {
        if (config.dataCapture().destination().isEmpty()) {
            return "off";
        }
        SagewatchConfig.EndpointSettings settings = config.endpoint().get(endpoint);
        double percent =
                settings != null && settings.dataCapture().samplingPercentage().isPresent()
                        ? settings.dataCapture().samplingPercentage().getAsDouble()
                        : config.dataCapture().samplingPercentage();
        return String.format(
                Locale.ROOT,
                "%s %% to %s",
                trim(percent),
                config.dataCapture().destination().get());
    }

    private static EndpointsView.BudgetRow budgetRow(JsonNode budget) {
        List<String> scope = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = budget.path("scope").fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            scope.add(field.getKey() + " " + field.getValue().asText());
        }
        List<String> use = new ArrayList<>();
        boolean spent = false;
        JsonNode window = budget.path("window");
        for (Iterator<Map.Entry<String, JsonNode>> fields = window.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode figures = field.getValue();
            if (!figures.isObject() || figures.path("limit").isNull()) {
                continue;
            }
            use.add(field.getKey() + ": " + figures.path("used").asText() + " of "
                    + figures.path("limit").asText());
            spent |= figures.path("used").asDouble() >= figures.path("limit").asDouble();
        }
        return new EndpointsView.BudgetRow(
                budget.path("name").asText(),
                scope.isEmpty() ? "every request" : String.join(", ", scope),
                budget.path("period").asText(),
                window.path("resets_at").asText(),
                use,
                spent);
    }

    private static String price(SagewatchConfig.Price price) {
        if (price == null) {
            return "–";
        }
        List<String> parts = new ArrayList<>();
        if (price.perInvocation() > 0) {
            parts.add("$" + trim(price.perInvocation()) + " per call");
        }
        if (price.per1kInputTokens() > 0) {
            parts.add("$" + trim(price.per1kInputTokens()) + " per 1k in");
        }
        if (price.per1kOutputTokens() > 0) {
            parts.add("$" + trim(price.per1kOutputTokens()) + " per 1k out");
        }
        return parts.isEmpty() ? "–" : String.join(", ", parts);
    }

    static String human(java.time.Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
