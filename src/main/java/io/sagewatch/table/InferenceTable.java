package io.sagewatch.table;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;

import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The record table's schema. Key: inference id + request id (a client may reuse its inference id; each request still
 * gets its own record, and request ids sort by time). GSI {@value #BY_ENDPOINT}: endpoint + received_at, for listing an
 * endpoint's records newest first. TTL on {@value #EXPIRES_AT}. The same schema is declared in deploy/.
 */
@ApplicationScoped
public class InferenceTable {

    public static final String INFERENCE_ID = "inference_id";
    public static final String REQUEST_ID = "request_id";
    public static final String ENDPOINT = "endpoint";
    public static final String RECEIVED_AT = "received_at";
    public static final String EXPIRES_AT = "expires_at";
    public static final String BY_ENDPOINT = "by-endpoint";

    /** Fixed width, so that string order is time order in the GSI sort key. */
    public static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final Logger LOG = Logger.getLogger(InferenceTable.class);

    private final SagewatchConfig.Store config;

    InferenceTable(SagewatchConfig config) {
        this.config = config.store();
    }

    public String name() {
        return config.table();
    }

    /**
     * Whether an item is an inference record. Other items (idempotency claims, model health) share the table under
     * partition keys of their own and carry no {@value #ENDPOINT}, so they stay out of the endpoint index too.
     */
    public static boolean isRecord(Map<String, AttributeValue> item) {
        return item.containsKey(ENDPOINT);
    }

    /** An item's key as one string: how a batch matches the items DynamoDB left unprocessed. */
    public static String key(String inferenceId, String requestId) {
        return inferenceId + '\u0000' + requestId;
    }

    public static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant);
    }

    /**
     * Describes the table, and creates it (index, TTL) when it is missing and creating is configured. Called once, by
     * {@link TableClient} as soon as the client is built; completes when the table is there or fails with the reason.
     */
    CompletableFuture<Void> createIfMissing(DynamoDbAsyncClient dynamo) {
        if (!config.createTable()) {
            return CompletableFuture.completedFuture(null);
        }
        return dynamo.describeTable(b -> b.tableName(name()))
                .thenRun(() -> LOG.debugf("Table %s exists", name()))
                .exceptionallyCompose(failure -> Futures.unwrap(failure) instanceof ResourceNotFoundException
                        ? create(dynamo)
                        : CompletableFuture.failedFuture(failure));
    }

    private CompletableFuture<Void> create(DynamoDbAsyncClient dynamo) {
        return dynamo.createTable(createRequest(name()))
                .thenApply(created -> true)
                // another instance created it meanwhile: fine, and not ours to configure
                .exceptionallyCompose(failure -> Futures.unwrap(failure) instanceof ResourceInUseException
                        ? CompletableFuture.completedFuture(false)
                        : CompletableFuture.failedFuture(failure))
                .thenCompose(ours -> dynamo.waiter()
                        .waitUntilTableExists(b -> b.tableName(name()))
                        .thenCompose(exists -> ours
                                ? dynamo.updateTimeToLive(b -> b.tableName(name())
                                                .timeToLiveSpecification(t -> t.attributeName(EXPIRES_AT)
                                                        .enabled(true)))
                                        .thenRun(() -> LOG.infof(
                                                "Created table %s with index %s and TTL on %s (retention %s)",
                                                name(), BY_ENDPOINT, EXPIRES_AT, Duration.from(config.retention())))
                                : CompletableFuture.completedFuture(null)));
    }

    public static CreateTableRequest createRequest(String table) {
        return CreateTableRequest.builder()
                .tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        attribute(INFERENCE_ID), attribute(REQUEST_ID), attribute(ENDPOINT), attribute(RECEIVED_AT))
                .keySchema(key(INFERENCE_ID, KeyType.HASH), key(REQUEST_ID, KeyType.RANGE))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                        .indexName(BY_ENDPOINT)
                        .keySchema(key(ENDPOINT, KeyType.HASH), key(RECEIVED_AT, KeyType.RANGE))
                        .projection(Projection.builder()
                                .projectionType(ProjectionType.ALL)
                                .build())
                        .build())
                .build();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
