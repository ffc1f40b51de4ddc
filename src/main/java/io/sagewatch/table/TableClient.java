package io.sagewatch.table;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkiverse.amazon.common.runtime.AmazonClientConfig;
import io.quarkiverse.amazon.common.runtime.ClientUtil;
import io.quarkiverse.amazon.dynamodb.runtime.DynamoDbConfig;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.aws.ServiceEndpoint;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.mutiny.Uni;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The record table as the Quarkus DynamoDB extension configures it ({@code quarkus.dynamodb.*}), in two forms:
 * <ul>
 * <li>its {@link Address} (endpoint, region, credentials), read from that configuration as the extension reads it,
 * for the signed calls of the inference path ({@link BatchWriteCall});</li>
 * <li>the extension's AWS SDK client, for what is not on that path: record reads, idempotency, the readiness check
 * and creating the table. Building it costs about 250 ms of CPU at startup (its class loading, and the SDK's
 * metadata of every AWS service, read to find one signing region), which no inference needs: it is built on first
 * use, on a thread of its own, never on an event loop (again after a failed build); with {@code create-table}, at
 * startup, which waits for the table as before.</li>
 * </ul>
 * The signer keeps its own credentials provider, configured alike: a second cache of the same credentials.
 */
@ApplicationScoped
public class TableClient {

    /** Where the table is and who calls it. */
    public record Address(ServiceEndpoint endpoint, String region, AwsCredentialsProvider credentials) {}

    private static final Logger LOG = Logger.getLogger(TableClient.class);

    private final Instance<DynamoDbAsyncClient> configured;
    private final InferenceTable table;
    private final boolean createTable;
    private final Address address;
    /** The client being built or built; replaced after a failed build, so that the next use tries again. */
    private final AtomicReference<CompletableFuture<DynamoDbAsyncClient>> built = new AtomicReference<>();

    TableClient(
            Instance<DynamoDbAsyncClient> configured, InferenceTable table, SagewatchConfig sagewatch, Config config) {
        this.configured = configured;
        this.table = table;
        this.createTable = sagewatch.store().createTable();
        this.address = address(config.unwrap(SmallRyeConfig.class).getConfigMapping(DynamoDbConfig.class));
    }

    /**
     * As the extension's client builder reads its configuration: the default client's region, else the SDK's region
     * chain; its credentials type, else the SDK's default chain; its endpoint override, else AWS's endpoint.
     */
    static Address address(DynamoDbConfig dynamoDb) {
        AmazonClientConfig client = dynamoDb.clients().get(ClientUtil.DEFAULT_CLIENT_NAME);
        Region region = client.aws().region().orElseGet(() -> new DefaultAwsRegionProviderChain().getRegion());
        AwsCredentialsProvider credentials = client.aws()
                .credentials()
                .map(provider -> provider.type().create(provider, "quarkus.dynamodb"))
                .orElseGet(() -> DefaultCredentialsProvider.builder()
                        .asyncCredentialUpdateEnabled(false)
                        .reuseLastProviderEnabled(false)
                        .build());
        ServiceEndpoint endpoint = client.sdk()
                .endpointOverride()
                .map(ServiceEndpoint::new)
                .orElseGet(() -> ServiceEndpoint.aws("dynamodb", region.id()));
        return new Address(endpoint, region.id(), credentials);
    }

    /**
     * After the embedded DynamoDB (dev mode) is up. Creating the table (dev, tests, a first deploy) is waited for here,
     * so before the HTTP server opens and any record can be written; a failure is logged, and readiness and the spool
     * then report the table as they would later.
     */
    void createTableAtStartup(@Observes @Priority(20) StartupEvent event) {
        if (!createTable) {
            return;
        }
        client().thenCompose(table::createIfMissing)
                .handle((done, failure) -> {
                    if (failure != null) {
                        LOG.errorf("Could not create the record table %s: %s", table.name(), rootMessage(failure));
                    }
                    return null;
                })
                .join();
    }

    /** The client: built on a thread of its own on first use, and again on the next use after a failed build. */
    private CompletableFuture<DynamoDbAsyncClient> client() {
        while (true) {
            CompletableFuture<DynamoDbAsyncClient> current = built.get();
            if (current != null && !current.isCompletedExceptionally()) {
                return current;
            }
            CompletableFuture<DynamoDbAsyncClient> next = new CompletableFuture<>();
            if (built.compareAndSet(current, next)) {
                Thread builder = new Thread(
                        () -> {
                            try {
                                DynamoDbAsyncClient client = configured.get();
                                client.serviceName(); // the bean is a proxy: this builds the client
                                next.complete(client);
                            } catch (RuntimeException | Error e) {
                                LOG.errorf(e, "Could not build the DynamoDB client");
                                next.completeExceptionally(new NoClient(e));
                            }
                        },
                        "dynamodb-client");
                builder.setDaemon(true);
                builder.start();
                return next;
            }
        }
    }

    /** The SDK client could not be built (its configuration, say): not a table outage, and not ready. */
    public static final class NoClient extends RuntimeException {
        NoClient(Throwable cause) {
            super("the DynamoDB client could not be built: " + cause.getMessage(), cause);
        }
    }

    public Address address() {
        return address;
    }

    /** An SDK call, once the client is built; it fails as the call fails. */
    public <T> CompletionStage<T> call(Function<DynamoDbAsyncClient, CompletableFuture<T>> call) {
        return client().thenCompose(call);
    }

    /** An SDK call as a Uni that fails with the call's own exception (not the future's wrapper). */
    public <T> Uni<T> uni(Function<DynamoDbAsyncClient, CompletableFuture<T>> call) {
        return Uni.createFrom().completionStage(() -> call(call)).onFailure().transform(Futures::unwrap);
    }

    /** The table's status ("ACTIVE" once usable), for readiness; fails when it is missing or unreachable. */
    public Uni<String> tableStatus() {
        return uni(dynamo -> dynamo.describeTable(b -> b.tableName(table.name())))
                .map(response -> response.table().tableStatusAsString());
    }

    private static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return String.valueOf(cause.getMessage());
    }
}
