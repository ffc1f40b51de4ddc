package io.sagewatch.budgets;

import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.sagewatch.core.Futures;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.table.TableClient;
import io.smallrye.mutiny.Uni;

import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * A budget's windows in the record table: one item per budget and window (outside the endpoint index, as idempotency
 * claims are), holding per dimension what the replicas have {@code taken} (leased: used, reserved by requests in flight,
 * or held for the next ones) and what they reported {@code used}. Taking is one conditional update that never lets
 * {@code taken} pass the limit; reporting and giving back are unconditional additions. Every call adds: replicas never
 * overwrite each other.
 */
@ApplicationScoped
public class BudgetTable {

    static final String PREFIX = "budget#";
    static final String WINDOW = "window#";

    /** What the table holds for a window, per {@link Dimension}. */
    public record Totals(long[] taken, long[] used) {
        static final Totals EMPTY = new Totals(new long[3], new long[3]);
    }

    /** A take's answer: granted or not, and the window's totals after it (or as they stood when it was refused). */
    record Take(boolean granted, Totals totals) {}

    private final TableClient tables;
    private final DynamoDbAsyncClient direct;
    private final String tableName;

    @Inject
    BudgetTable(TableClient tables, InferenceTable table) {
        this.tables = tables;
        this.direct = null;
        this.tableName = table.name();
    }

    /** On a client of its own (tests: several replicas in one JVM). */
    BudgetTable(DynamoDbAsyncClient direct, String tableName) {
        this.tables = null;
        this.direct = direct;
        this.tableName = tableName;
    }

    private <T> Uni<T> uni(Function<DynamoDbAsyncClient, CompletableFuture<T>> call) {
        return tables != null
                ? tables.uni(call)
                : Uni.createFrom()
                        .completionStage(() -> call.apply(direct))
                        .onFailure()
                        .transform(Futures::unwrap);
    }

    /** Takes {@code amounts} unless that would carry a limited dimension past its limit. */
    Uni<Take> take(Budget budget, long start, long[] amounts) {
        for (Dimension d : Dimension.ALL) {
            if (budget.limits(d) && amounts[d.ordinal()] > budget.limit(d)) {
                // more than the whole window holds (a condition on an absent attribute would let it through)
                return read(budget, start).map(totals -> new Take(false, totals));
            }
        }
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        StringJoiner add = new StringJoiner(", ", "ADD ", "").setEmptyValue("");
        StringJoiner condition = new StringJoiner(" AND ");
        for (Dimension d : Dimension.ALL) {
            long amount = amounts[d.ordinal()];
            if (amount == 0) {
                continue;
            }
            String name = "#t" + d.ordinal();
            names.put(name, "taken_" + d.attribute());
            values.put(":a" + d.ordinal(), number(amount));
            add.add(name + " :a" + d.ordinal());
            if (budget.limits(d) && amount > 0) {
                values.put(":m" + d.ordinal(), number(budget.limit(d) - amount));
                condition.add("(attribute_not_exists(" + name + ") OR " + name + " <= :m" + d.ordinal() + ")");
            }
        }
        String update = (add + window(budget, start, names, values)).trim();
        return uni(dynamo -> dynamo.updateItem(b -> {
                    b.tableName(tableName)
                            .key(key(budget, start))
                            .updateExpression(update)
                            .expressionAttributeNames(names)
                            .expressionAttributeValues(values)
                            .returnValues(ReturnValue.ALL_NEW)
                            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
                    if (condition.length() > 0) {
                        b.conditionExpression(condition.toString());
                    }
                }))
                .map(response -> new Take(true, totals(response.attributes())))
                .onFailure(ConditionalCheckFailedException.class)
                .recoverWithUni(failure -> {
                    Map<String, AttributeValue> old = ((ConditionalCheckFailedException) failure).item();
                    return old != null && !old.isEmpty()
                            ? Uni.createFrom().item(new Take(false, totals(old)))
                            : read(budget, start).map(totals -> new Take(false, totals));
                });
    }

    /**
     * Adds what was used and gives back (or, negative, takes unconditionally) what is held: one call for both, applied
     * once. Each replica numbers its reports ({@code report_<replica>} keeps the last one applied), so a report sent
     * again (an SDK retry after a lost answer, a heartbeat after a timeout) is recognised and not added twice: a give
     * added twice would let the replicas lease past the limit. The window's totals after it.
     */
    Uni<Totals> report(Budget budget, long start, String replica, LeasedWindow.Report report) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        StringJoiner add = new StringJoiner(", ", "ADD ", "").setEmptyValue("");
        for (Dimension d : Dimension.ALL) {
            int i = d.ordinal();
            if (report.used()[i] != 0) {
                names.put("#u" + i, "used_" + d.attribute());
                values.put(":u" + i, number(report.used()[i]));
                add.add("#u" + i + " :u" + i);
            }
            if (report.given()[i] != 0) {
                names.put("#t" + i, "taken_" + d.attribute());
                values.put(":g" + i, number(-report.given()[i]));
                add.add("#t" + i + " :g" + i);
            }
        }
        names.put("#seq", "report_" + replica);
        values.put(":seq", number(report.sequence()));
        String update = (add + window(budget, start, names, values) + ", #seq = :seq").trim();
        return uni(dynamo -> dynamo.updateItem(b -> b.tableName(tableName)
                        .key(key(budget, start))
                        .updateExpression(update)
                        .conditionExpression("attribute_not_exists(#seq) OR #seq < :seq")
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_NEW)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)))
                .map(response -> totals(response.attributes()))
                // applied already: an earlier attempt of this report reached the table
                .onFailure(ConditionalCheckFailedException.class)
                .recoverWithItem(failure -> {
                    Map<String, AttributeValue> old = ((ConditionalCheckFailedException) failure).item();
                    return old == null || old.isEmpty() ? null : totals(old);
                });
    }

    /** The window's totals, read consistently; zero for a window nobody has taken from. */
    Uni<Totals> read(Budget budget, long start) {
        return uni(dynamo -> dynamo.getItem(
                        b -> b.tableName(tableName).consistentRead(true).key(key(budget, start))))
                .map(response -> response.hasItem() ? totals(response.item()) : Totals.EMPTY);
    }

    /** The window's bounds and expiry, set on every write (the same values each time). */
    private static String window(
            Budget budget, long start, Map<String, String> names, Map<String, AttributeValue> values) {
        long end = start + budget.periodSeconds();
        names.put("#exp", InferenceTable.EXPIRES_AT);
        values.put(":end", number(end));
        // kept a period past its end (GET /budgets shows the window before), at least a day
        values.put(":exp", number(end + Math.max(budget.periodSeconds(), 86_400)));
        return " SET window_end = :end, #exp = :exp";
    }

    private static Map<String, AttributeValue> key(Budget budget, long start) {
        return Map.of(
                InferenceTable.INFERENCE_ID,
                AttributeValue.fromS(PREFIX + budget.name()),
                InferenceTable.REQUEST_ID,
                AttributeValue.fromS(WINDOW + start));
    }

    private static Totals totals(Map<String, AttributeValue> item) {
        long[] taken = new long[3];
        long[] used = new long[3];
        for (Dimension d : Dimension.ALL) {
            taken[d.ordinal()] = number(item, "taken_" + d.attribute());
            used[d.ordinal()] = number(item, "used_" + d.attribute());
        }
        return new Totals(taken, used);
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item == null ? null : item.get(name);
        return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
