package io.sagewatch.console;

import java.util.List;

/** What the endpoints page shows: each endpoint's settings in force and state on this replica, and the budgets. */
public record EndpointsView(List<Row> endpoints, int inFlight, int maxConcurrent, List<BudgetRow> budgets) {

    /**
     * @param circuit closed, open or probing (this replica's view)
     * @param limit per-replica concurrency limit, or "none"
     */
    public record Row(
            String endpoint,
            String circuit,
            int inFlight,
            String limit,
            String timeout,
            String price,
            String monitoring,
            String dataCapture) {
        public boolean open() {
            return !"closed".equals(circuit);
        }
    }

    /** A budget's current window: what it counts, and each dimension's use against its limit. */
    public record BudgetRow(
            String name, String scope, String period, String resetsAt, List<String> use, boolean spent) {}
}
