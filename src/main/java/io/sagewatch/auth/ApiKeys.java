package io.sagewatch.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;

/**
 * API keys, configured as SHA-256 hashes (the keys themselves are never stored). A presented key is hashed and compared
 * with every configured hash in constant time, so neither the comparison nor the number of keys tried leaks which
 * bytes matched. Revoked keys stay configured, so their use is told apart from an unknown key in the error.
 */
@ApplicationScoped
public class ApiKeys {

    /** The header a key comes in; {@code Authorization: Bearer <key>} works too. */
    public static final String HEADER = "X-Api-Key";

    private final boolean enabled;
    private final List<Key> keys = new ArrayList<>();

    private record Key(String name, byte[] sha256, Caller caller, boolean revoked) {}

    ApiKeys(SagewatchConfig config) {
        this.enabled = config.auth().enabled();
        for (Map.Entry<String, SagewatchConfig.ApiKey> entry :
                config.auth().keys().entrySet()) {
            SagewatchConfig.ApiKey key = entry.getValue();
            keys.add(new Key(
                    entry.getKey(),
                    HexFormat.of().parseHex(key.sha256()),
                    new Caller(entry.getKey(), key.endpoints().orElse(null), key.admin()),
                    key.revoked()));
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** The caller a request's key names, or the refusal (403, in AWS' terms). */
    public Caller authenticate(String apiKeyHeader, String authorization) {
        if (!enabled) {
            return Caller.ANONYMOUS;
        }
        String presented = apiKeyHeader;
        if ((presented == null || presented.isEmpty())
                && authorization != null
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).trim();
        }
        if (presented == null || presented.isEmpty()) {
            throw InferenceError.of(
                    ErrorType.MISSING_AUTHENTICATION_TOKEN,
                    "Missing API key: send it in the " + HEADER + " header (or Authorization: Bearer)");
        }
        byte[] digest = sha256(presented);
        Key match = null;
        for (Key key : keys) {
            // every key is compared, whatever matched before: the time taken does not depend on the key sent
            if (MessageDigest.isEqual(digest, key.sha256()) & match == null) {
                match = key;
            }
        }
        if (match == null) {
            throw InferenceError.of(ErrorType.UNRECOGNIZED_CLIENT, "The API key is not valid");
        }
        if (match.revoked()) {
            throw InferenceError.of(ErrorType.UNRECOGNIZED_CLIENT, "The API key has been revoked");
        }
        return match.caller();
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
