package io.sagewatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Everything Sagewatch reads from configuration; documented key by key in docs/configuration.md (ConfigurationDocTest keeps the two in step). */
@ConfigMapping(prefix = "sagewatch")
public interface SagewatchConfig {

    /** Largest request body accepted (SageMaker's own limit is 6 MB). */
    @WithDefault("6291456")
    long maxPayloadBytes();

    SageMaker sagemaker();

    Endpoints endpoints();

    /** Per-endpoint settings, keyed by endpoint name: {@code sagewatch.endpoint."churn-model".price.per-invocation}. */
    Map<String, EndpointSettings> endpoint();

    Limits limits();

    Auth auth();

    Idempotency idempotency();

    Metrics metrics();

    Store store();

    Capture capture();

    /** SageMaker Data Capture's files, written to S3 (docs/data-capture.md); off until a destination is set. */
    DataCapture dataCapture();

    Monitor monitor();

    /** The console at /console and the rollups its figures read (docs/console.md). */
    Console console();

    Dev dev();

    /** The OpenAI-compatible front: which SageMaker endpoint, and how, answers each model name. */
    OpenAi openai();

    /** Traces (on with {@code quarkus.otel.sdk.disabled=false}): what the gateway adds to Quarkus's OpenTelemetry. */
    Tracing tracing();

    /**
     * Budgets and rate limits, by name: {@code sagewatch.budgets.team-a-daily.requests=100000}. Each is enforced before
     * the model is called and shared by every replica through the record table (docs/budgets.md).
     */
    Map<String, Budget> budgets();

    /** How replicas share a budget: each leases a slice of what remains and gives back what it did not use. */
    BudgetLeases budgetLeases();

    interface Budget {
        /** Which requests the budget counts: every condition set must hold; none set: every request. */
        BudgetScope scope();

        /** The window: {@code 1m}, {@code 1h}, {@code 1d}, {@code 30d}...; windows are aligned to UTC (epoch multiples). */
        Duration period();

        /** Requests per window. */
        OptionalLong requests();

        /** Tokens (input + output) per window. */
        OptionalLong tokens();

        /** Estimated cost per window, in USD, from the endpoints' prices ({@code sagewatch.endpoint.<name>.price.*}). */
        Optional<Double> costUsd();

        /**
         * When the table cannot be reached to lease more: {@code closed} refuses (503 naming the budget), {@code open}
         * lets requests through and counts them, settled with the table once it answers again.
         */
        @WithDefault("closed")
        String onTableFailure();

        /** Output tokens reserved for a request that names no {@code max_tokens} (or {@code max_new_tokens}). */
        @WithDefault("256")
        long defaultOutputTokens();
    }

    interface BudgetScope {
        /** An API key's name ({@code sagewatch.auth.keys.<name>}). */
        Optional<String> caller();

        Optional<String> endpoint();

        /** The model a client named (the OpenAI front's {@code model}). */
        Optional<String> model();
    }

    interface BudgetLeases {
        /**
         * How often a replica writes what it used and gives back what it holds beyond its next {@code ahead} of traffic.
         * A killed replica loses what it held then (counted as used: it may have been spent).
         */
        @WithDefault("1s")
        Duration heartbeat();

        /** How much of its own recent traffic a replica leases at once: the fewer table calls, the more it holds. */
        @WithDefault("2s")
        Duration ahead();

        /** A lease takes at most this share of what remains in the window (beyond what one request needs). */
        @WithDefault("0.05")
        double maxShare();
    }

    interface Tracing {
        /**
         * Add the model call's {@code traceparent} to {@code X-Amzn-SageMaker-Custom-Attributes}, beside the caller's
         * own, so that a container that reads it joins the trace: SageMaker forwards no other header to the container.
         * Off by default: the container sees an attribute it did not ask for.
         */
        @WithDefault("false")
        boolean customAttributes();

        /** One log line per ended span (category {@code sagewatch.spans}): traces without a collector. */
        @WithDefault("false")
        boolean logSpans();
    }

    interface OpenAi {
        /** Model names the clients use, each mapped to an endpoint: {@code sagewatch.openai.models.llama.endpoint}. */
        Map<String, OpenAiModel> models();

        /**
         * How a model name that is not configured but names an allowed endpoint is called: {@code messages},
         * {@code openai}, {@code generate} or {@code embeddings}.
         */
        @WithDefault("messages")
        String defaultProtocol();

        /** {@code GET /v1/models} lists the allowed endpoints too, besides the configured models. */
        @WithDefault("false")
        boolean listEndpoints();

        /** {@code max_tokens} sent to a {@code generate} container when the client names none. */
        @WithDefault("256")
        int defaultMaxTokens();
    }

    interface OpenAiModel {
        /** The SageMaker endpoint that answers this model (the allowlist applies). */
        String endpoint();

        /** {@code openai}, {@code messages}, {@code generate} or {@code embeddings}. */
        @WithDefault("messages")
        String protocol();

        Optional<String> inferenceComponent();

        Optional<String> targetVariant();

        Optional<String> targetModel();
    }

    interface SageMaker {
        /** URL of a server speaking the SageMaker runtime protocol; unset means AWS. */
        Optional<URI> endpointOverride();

        /** Unset: the SDK's default region chain (AWS_REGION on Lambda and ECS). */
        Optional<String> region();

        /** Static credentials, for local SageMaker-protocol servers only; unset: the SDK's default chain. */
        Optional<String> accessKeyId();

        Optional<String> secretAccessKey();

        /**
         * Deadline for one invocation, retries included (SageMaker's container deadline is 60 s); for a stream, the
         * deadline for its first part.
         */
        @WithDefault("60s")
        Duration timeout();

        /** A stream that began fails with ModelStreamError when the model sends nothing for this long between parts. */
        @WithDefault("30s")
        Duration streamSilenceTimeout();

        /** Retries after a throttling or ServiceUnavailable (503) answer, within the deadline; never for model errors. */
        @WithDefault("2")
        int throttleRetries();

        @WithDefault("100ms")
        Duration throttleBackoff();

        @WithDefault("256")
        int maxConnections();

        /**
         * The Quarkus TLS configuration whose trust the SageMaker calls use ({@code quarkus.tls.NAME.trust-store.*}):
         * a private CA, a TLS-inspecting proxy. Unset: the default one ({@code quarkus.tls.trust-store.*}) if any,
         * else the JVM's trust store.
         */
        Optional<String> tlsConfigurationName();

        CircuitBreaker circuitBreaker();
    }

    /** Requests with an {@code Idempotency-Key} header. */
    interface Idempotency {
        /** How long a key stays claimed: a duplicate within it gets the first answer, never a second model call. */
        @WithDefault("24h")
        Duration window();

        /**
         * How long past its endpoint's deadline a claim may stay in flight: after that, its gateway is taken to have
         * died mid-request (SIGKILL, OOM) and a request with the same key may claim it again.
         */
        @WithDefault("10s")
        Duration inFlightGrace();
    }

    /** API keys on the invocation and record routes. */
    interface Auth {
        /** Require an API key ({@code X-Api-Key} or {@code Authorization: Bearer}) on every invocation and record route. */
        @WithDefault("false")
        boolean enabled();

        /** Keyed by a name for the key (it appears in records and logs; the key never does). */
        Map<String, ApiKey> keys();
    }

    interface ApiKey {
        /** SHA-256 of the key, 64 hex digits: {@code printf %s "$KEY" | sha256sum}. */
        String sha256();

        /** The endpoints this key may invoke and read records of; unset: every allowed endpoint. */
        Optional<Set<String>> endpoints();

        /** A revoked key is refused, with its own message. */
        @WithDefault("false")
        boolean revoked();

        /** May upload, build and learn model-health baselines (of the endpoints it may use). */
        @WithDefault("false")
        boolean admin();
    }

    /** Load shedding: work beyond these is refused at once (with Retry-After), never queued. */
    interface Limits {
        /** Invocations in flight across all endpoints; beyond it: 503 ServiceUnavailable. */
        @WithDefault("512")
        int maxConcurrent();

        /**
         * Request bytes in flight across all endpoints (declared Content-Length; a chunked body counts as
         * sagewatch.max-payload-bytes); beyond it: 503 ServiceUnavailable. Bounds the memory bodies can take.
         */
        @WithDefault("268435456")
        long maxInFlightBytes();

        /** Invocations in flight per endpoint (unless the endpoint sets its own); beyond it: 429 ThrottlingException. */
        @WithDefault("256")
        int maxConcurrentPerEndpoint();

        /** The Retry-After a refused client is given. */
        @WithDefault("1s")
        Duration retryAfter();

        /** Headers per request; more is a ValidationError. */
        @WithDefault("64")
        int maxHeaders();

        /** All header names and values together, in bytes. */
        @WithDefault("16384")
        int maxHeaderBytes();

        /** Characters in the request path. */
        @WithDefault("1024")
        int maxPathLength();
    }

    /** Per endpoint: after repeated server failures, fail fast for a while, then let one probe through. */
    interface CircuitBreaker {
        /** Consecutive server failures (5xx, unreachable, deadline) that open the circuit; 0 = never. */
        @WithDefault("5")
        int failureThreshold();

        /** How long an open circuit refuses before a probe is let through. */
        @WithDefault("10s")
        Duration openFor();
    }

    interface Endpoints {
        /** Endpoint names that may be invoked; any other name is refused before SageMaker is called. */
        Optional<Set<String>> allowed();
    }

    interface EndpointSettings {
        /**
         * JSON pointer (RFC 6901) to the input token count in the model's answer, for answers in none of the shapes
         * read by default (OpenAI, Anthropic/Bedrock, Hugging Face TGI).
         */
        Optional<String> inputTokensPointer();

        Optional<String> outputTokensPointer();

        /** This endpoint's deadline (a stream's: for its first part), instead of sagewatch.sagemaker.timeout. */
        Optional<Duration> timeout();

        /** This endpoint's longest silence between stream parts, instead of sagewatch.sagemaker.stream-silence-timeout. */
        Optional<Duration> streamSilenceTimeout();

        /** Content types this endpoint accepts (media type, no parameters); unset: any, as SageMaker. */
        Optional<Set<String>> contentTypes();

        /** This endpoint's in-flight bound, instead of sagewatch.limits.max-concurrent-per-endpoint. */
        OptionalInt maxConcurrent();

        Price price();

        /** Model health: data quality and drift of this endpoint's inputs and outputs against a baseline. */
        EndpointMonitor monitor();

        /** This endpoint's share of Data Capture, overriding {@code sagewatch.data-capture.sampling-percentage}. */
        EndpointDataCapture dataCapture();
    }

    interface EndpointDataCapture {
        /** Percent of this endpoint's successful inferences captured, 0 to 100. */
        OptionalDouble samplingPercentage();
    }

    /** SageMaker Data Capture, as its DataCaptureConfig has it (S3 destination, sampling, content types). */
    interface DataCapture {
        /** {@code s3://bucket/prefix}; unset: Data Capture is off. */
        Optional<String> destination();

        /** Percent of successful inferences captured, 0 to 100 (per endpoint: sagewatch.endpoint.NAME.data-capture). */
        @WithDefault("100")
        double samplingPercentage();

        /** Each file is written to S3 at most this long after its first line. */
        @WithDefault("60s")
        Duration flushInterval();

        /** A file is written once its lines reach this size (and a line never goes into a file it would overflow). */
        @WithDefault("8388608")
        long maxFileBytes();

        /** Captures waiting to be written (queued and in files not yet written); beyond, new ones are dropped. */
        @WithDefault("67108864")
        long maxBufferedBytes();

        /** Content types captured as text with encoding CSV (SageMaker's CaptureContentTypeHeader.CsvContentTypes). */
        @WithDefault("text/csv")
        List<String> csvContentTypes();

        /** Content types captured as text with encoding JSON (its JsonContentTypes); any other type: BASE64. */
        @WithDefault("application/json,application/jsonlines")
        List<String> jsonContentTypes();
    }

    /** One endpoint's model-health monitoring (docs/model-health.md). */
    interface EndpointMonitor {
        @WithDefault("false")
        boolean enabled();

        /** {@code llm}: prompt and answer lengths, tokens, finish reason, empty answers, refusals; no schema needed. */
        Optional<String> preset();

        /** The span of one evaluated window (Model Monitor's schedules are hourly). */
        @WithDefault("1h")
        Duration window();

        /** Below this many rows a window, and below this many values a feature, reports "not enough data". */
        @WithDefault("100")
        long minSamples();

        /** Share of successful inferences sampled, 0 to 1. */
        @WithDefault("1")
        double sampleRate();

        /** At most this many samples per second per replica; the rest are counted as dropped. */
        @WithDefault("100")
        int maxSamplesPerSecond();

        /** Also compute PSI and Jensen–Shannon over the baseline's buckets. */
        @WithDefault("false")
        boolean bucketDistances();

        /** The MonitoringSchedule dimension of the metrics; unset: the endpoint's name. */
        Optional<String> scheduleName();

        /** With no baseline: learn one from this long of live traffic, then freeze it. */
        Optional<Duration> learnBaselineFor();

        /** For the llm preset: answers matching this regular expression count as refusals. */
        Optional<String> refusalPattern();

        MonitoredPayload input();

        MonitoredPayload output();

        /** Model quality: the answers against ground truth, over the same windows (docs/model-health.md). */
        ModelQuality quality();
    }

    /** Model quality of one endpoint, in SageMaker Model Monitor's terms (its ModelQualityJobInput). */
    interface ModelQuality {
        /** {@code BinaryClassification}, {@code MulticlassClassification} or {@code Regression}; set: quality is on. */
        Optional<String> problemType();

        /** Where the answer holds the probability (binary): a JSON pointer, or a CSV column index from 0. */
        Optional<String> probabilityAttribute();

        /** Where the answer holds the predicted label or value: a JSON pointer, or a CSV column index from 0. */
        Optional<String> inferenceAttribute();

        /** Binary, from a probability: the label is positive when the probability is at least this. */
        @WithDefault("0.5")
        double probabilityThreshold();

        /** Binary: the label (predicted or ground truth) that is the positive class. */
        @WithDefault("1")
        String positiveLabel();

        /** How long after a window ends its ground truth is awaited before the window is evaluated. */
        @WithDefault("24h")
        Duration groundTruthWait();
    }

    /** Where the features of one side (request or response) are. */
    interface MonitoredPayload {
        /** CSV: the feature name of each column; unset: the baseline's feature order, else _c0, _c1, ... */
        Optional<List<String>> columns();

        /**
         * JSON and JSON lines: feature name to JSON pointer (RFC 6901) within a record; none: every scalar field of a
         * record. For the output, unset columns and features mean the output is not read.
         */
        Map<String, String> features();

        /** JSON: where the array of records is ({@code /instances}); unset: the document is one record. */
        Optional<String> recordsPointer();
    }

    /** Model health, for all monitored endpoints. */
    interface Monitor {
        /** Samples waiting for the monitor's worker; beyond it samples are dropped (and counted), never waited for. */
        @WithDefault("4096")
        int queueCapacity();

        /** Payload bytes those waiting samples may hold. */
        @WithDefault("33554432")
        long queueMaxBytes();

        /** How often each replica writes its open windows' state to the table. */
        @WithDefault("30s")
        Duration flushInterval();

        /** How long after its end a window is evaluated: room for every replica's last write. */
        @WithDefault("45s")
        Duration evaluationDelay();

        /** How long a replica's claim to evaluate a window holds before another may take it over. */
        @WithDefault("2m")
        Duration evaluationLease();

        /** KLL sketch size of window statistics (rank error about 1.3 % at 200). */
        @WithDefault("200")
        int sketchSize();

        /** KLL sketch size of baselines built from a dataset (about 0.15 % at 2048). */
        @WithDefault("2048")
        int baselineSketchSize();

        /** How long window states and reports are kept in the table. */
        @WithDefault("90d")
        Duration retention();
    }

    /** Prices in USD, for the estimated cost of each inference; all zero = no estimate. */
    interface Price {
        @WithDefault("0")
        double perInvocation();

        @WithName("per-1k-input-tokens")
        @WithDefault("0")
        double per1kInputTokens();

        @WithName("per-1k-output-tokens")
        @WithDefault("0")
        double per1kOutputTokens();
    }

    interface Metrics {
        /** The "service" dimension of every meter. */
        @WithDefault("sagewatch")
        String service();

        Emf emf();

        CloudWatch cloudwatch();
    }

    /** What both CloudWatch sinks are configured with. */
    interface CloudWatchSink {
        @WithDefault("false")
        boolean enabled();

        @WithDefault("Sagewatch")
        String namespace();

        /** How often metrics are written, on servers. */
        @WithDefault("60s")
        Duration step();

        /** Values a timer keeps between two writes; beyond, that step's further values are not published. */
        @WithDefault("10000")
        int maxValuesPerStep();
    }

    /** PutMetricData every step, for servers without log-based metrics. */
    interface CloudWatch extends CloudWatchSink {
        /** URL of a CloudWatch-protocol server; unset means AWS. */
        Optional<URI> endpointOverride();

        Optional<String> region();

        /** Batches kept for the next step when CloudWatch cannot be reached; beyond, the oldest are dropped. */
        @WithDefault("60")
        int maxPendingCalls();
    }

    /** CloudWatch Embedded Metric Format lines on stdout (the Lambda default, see deploy/sam). */
    interface Emf extends CloudWatchSink {
        /** Write at the end of every inference instead, before its response (Lambda: a frozen process loses nothing). */
        @WithDefault("false")
        boolean flushPerInference();
    }

    interface Store {
        @WithDefault("sagewatch-inferences")
        String table();

        /** Create the table, its GSI and TTL at startup when missing. */
        @WithDefault("false")
        boolean createTable();

        /** How long records are kept (DynamoDB TTL). */
        @WithDefault("30d")
        Duration retention();

        /**
         * Hold the response until the final record is written. Off on servers (latency is max(model, write));
         * on on Lambda, where a frozen process must not hold unwritten records.
         */
        @WithDefault("false")
        boolean awaitFinalWrite();

        /**
         * Time allowed for one record write attempt. The in-progress write runs beside the model call and gets one
         * attempt: a slow table delays an answer by at most this much.
         */
        @WithDefault("1s")
        Duration writeTimeout();

        /**
         * With await-final-write (Lambda): retries of a failed final record write before it is dead-lettered to the
         * log. Without it, final records are held in the spool and retried until the table answers.
         */
        @WithDefault("3")
        int writeRetries();

        /** First backoff after a failed write; doubles per consecutive failure, up to 5 s. */
        @WithDefault("50ms")
        Duration writeBackoff();

        /**
         * Bound of the final-record spool (records waiting for the table, estimated item bytes). A record that does
         * not fit while the table is failing is dead-lettered to the log at once.
         */
        @WithDefault("67108864")
        long spoolMaxBytes();

        /**
         * Record-write calls (BatchWriteItem, up to 25 records each) under way at once, per lane: calls carrying
         * in-progress records (which answers wait for) and calls of final records alone each have this many.
         */
        @WithDefault("4")
        int maxConcurrentWrites();
    }

    interface Capture {
        /** Share of inferences whose input and output are stored in the record, 0 to 100. */
        @WithDefault("0")
        double samplePercent();

        /** Cap per captured payload; larger payloads are truncated (and flagged). */
        @WithDefault("16384")
        int maxBytes();

        /**
         * JSON pointers (RFC 6901) whose values are replaced by "[REDACTED]" in captured inputs and outputs before they
         * are stored. While any is set, a payload that cannot be parsed as JSON is not captured at all.
         */
        Optional<List<String>> redactPointers();
    }

    interface Console {
        /** Serve /console (its pages need an admin key when API keys are on). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Per endpoint and minute, hour and day: counts, sums and latency sketches, written by every replica off the
         * request path and merged at read time. The console's figures and charts read only these.
         */
        Rollups rollups();

        /** How often an open live tail asks the table for newer records. */
        @WithDefault("1s")
        Duration tailInterval();

        /**
         * The live tail keeps its connection open and sends records as they come; false: each request answers what is
         * new and ends, and the browser asks again after the tail interval (Lambda: API Gateway does not stream).
         */
        @WithDefault("true")
        boolean tailHoldsConnection();
    }

    interface Rollups {
        @WithDefault("true")
        boolean enabled();

        /** How often a replica writes the rollups that changed (its own items: overwritten, never read back). */
        @WithDefault("10s")
        Duration flushInterval();

        /**
         * Write the rollups an inference changed before its answer, beside its final record (Lambda: a frozen or
         * reclaimed environment holds nothing unwritten); off, they are written every flush interval.
         */
        @WithDefault("false")
        boolean writeEachInference();

        /** How long minute rollups are kept (DynamoDB TTL). */
        @WithDefault("2d")
        Duration minuteRetention();

        /** How long hour rollups are kept. */
        @WithDefault("35d")
        Duration hourRetention();

        /** How long day rollups are kept. */
        @WithDefault("400d")
        Duration dayRetention();
    }

    interface Dev {
        /** Start DynamoDB Local in-process (dev mode; needs the "provided" DynamoDBLocal jar on the classpath). */
        @WithDefault("false")
        boolean embeddedDynamodb();

        @WithDefault("18000")
        int embeddedDynamodbPort();

        /** Serve the built-in demo models over the SageMaker runtime protocol. */
        @WithDefault("false")
        boolean demoModel();

        @WithDefault("18089")
        int demoModelPort();

        /** How often dev mode logs a readable metrics summary per endpoint; 0 = never (the default outside dev). */
        @WithDefault("0s")
        Duration metricsSummaryInterval();

        /**
         * The training run of the JDK AOT cache (the JVM image's build runs it): this many calls through the gateway's
         * own HTTP port, against the demo models and a table stand-in, then the process exits. 0 = off.
         */
        @WithDefault("0")
        int trainingRequests();

        /** Where the training run's table stand-in listens: it acknowledges the record writes. */
        @WithDefault("18001")
        int trainingTablePort();
    }
}
