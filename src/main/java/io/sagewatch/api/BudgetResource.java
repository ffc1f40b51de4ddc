package io.sagewatch.api;

import java.util.ArrayList;
import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.auth.Caller;
import io.sagewatch.budgets.Budget;
import io.sagewatch.budgets.BudgetLedger;
import io.sagewatch.budgets.BudgetWindowView;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.json.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The budgets and their current windows, as every replica has reported them to the table: limit, used, reserved
 * (leased by replicas: held for the next requests or reserved by requests in flight) and remaining, per dimension.
 * An admin key reads them: they name callers and what they spend.
 */
@Path("/budgets")
@NotAdmitted("calls no model: a table read per budget")
@Produces(MediaType.APPLICATION_JSON)
public class BudgetResource {

    private final BudgetLedger ledger;

    BudgetResource(BudgetLedger ledger) {
        this.ledger = ledger;
    }

    @GET
    @Operation(summary = "Every budget and its current window: limit, used, reserved, remaining, resets-at")
    public Uni<ObjectNode> all(@Context RoutingContext routing) {
        admin(routing);
        List<Uni<BudgetWindowView>> views = new ArrayList<>();
        for (Budget budget : ledger.budgets()) {
            views.add(ledger.current(budget));
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("budgets");
        if (views.isEmpty()) {
            return Uni.createFrom().item(body);
        }
        return Uni.join().all(views).andFailFast().map(all -> {
            all.forEach(view -> list.add(view.json()));
            return body;
        });
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One budget and its current window")
    public Uni<ObjectNode> one(@PathParam("name") String name, @Context RoutingContext routing) {
        admin(routing);
        Budget budget = ledger.budget(name);
        if (budget == null) {
            throw InferenceError.of(ErrorType.RESOURCE_NOT_FOUND, "No budget named " + name);
        }
        return ledger.current(budget).map(BudgetWindowView::json);
    }

    private static void admin(RoutingContext routing) {
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        if (caller != null && !caller.admin()) {
            throw InferenceError.of(
                    ErrorType.ACCESS_DENIED,
                    "API key " + caller.name() + " may not read budgets (sagewatch.auth.keys." + caller.name()
                            + ".admin)");
        }
    }
}
