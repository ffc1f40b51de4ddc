package io.sagewatch.budgets;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;

/** A budget's current window as the table holds it (every replica's reports): what {@code GET /budgets} shows. */
public record BudgetWindowView(Budget budget, long start, BudgetTable.Totals totals) {

    public ObjectNode json() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("name", budget.name());
        ObjectNode scope = node.putObject("scope");
        if (budget.caller() != null) {
            scope.put("caller", budget.caller());
        }
        if (budget.endpoint() != null) {
            scope.put("endpoint", budget.endpoint());
        }
        if (budget.model() != null) {
            scope.put("model", budget.model());
        }
        node.put("period", BudgetLedger.period(budget.periodSeconds()));
        node.put("on_table_failure", budget.closedOnTableFailure() ? "closed" : "open");
        ObjectNode window = node.putObject("window");
        window.put("start", Instant.ofEpochSecond(start).toString());
        window.put(
                "resets_at",
                Instant.ofEpochSecond(start + budget.periodSeconds()).toString());
        for (Dimension d : Dimension.ALL) {
            ObjectNode figures = window.putObject(d.label());
            long used = totals.used()[d.ordinal()];
            putNumber(figures, "used", d.shown(used));
            if (!budget.limits(d)) {
                figures.putNull("limit");
                continue;
            }
            long taken = totals.taken()[d.ordinal()];
            putNumber(figures, "limit", d.shown(budget.limit(d)));
            putNumber(figures, "reserved", d.shown(Math.max(0, taken - used)));
            putNumber(figures, "remaining", d.shown(Math.max(0, budget.limit(d) - taken)));
        }
        return node;
    }

    private static void putNumber(ObjectNode node, String name, Number value) {
        if (value instanceof Double d) {
            node.put(name, d);
        } else {
            node.put(name, value.longValue());
        }
    }
}
