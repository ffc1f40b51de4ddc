package io.sagewatch.budgets;

/** What a budget counts. Cost is kept in nano-USD: whole numbers add up exactly across replicas in DynamoDB. */
public enum Dimension {
    REQUESTS("requests"),
    TOKENS("tokens"),
    COST("cost_nusd");

    static final Dimension[] ALL = values();
    static final double NANOS_PER_USD = 1e9;

    private final String attribute;

    Dimension(String attribute) {
        this.attribute = attribute;
    }

    /** The suffix of its attributes in the table ({@code taken_tokens}, {@code used_cost_nusd}). */
    String attribute() {
        return attribute;
    }

    /** As the API and the meters name it. */
    public String label() {
        return this == COST ? "cost_usd" : attribute;
    }

    /** A count of this dimension as the API shows it (cost in USD). */
    Number shown(long value) {
        if (this == COST) {
            return value / NANOS_PER_USD;
        }
        return Long.valueOf(value);
    }
}
