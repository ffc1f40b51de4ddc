package io.sagewatch.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A person's session in the console: the admin key they signed in with, kept in an HttpOnly, Secure, SameSite=Strict
 * cookie scoped to /console (scripts cannot read it, other sites cannot send it), checked on every request like a key
 * in a header (so that a revoked key ends its sessions at once, on every replica). Writes carry a CSRF token derived
 * from the key: any replica can check it, and nobody without the key can make it.
 */
public final class ConsoleSession {

    public static final String COOKIE = "sagewatch-console";
    public static final String PATH = "/console";
    /** The form field (and htmx header) that carries the CSRF token. */
    public static final String CSRF_FIELD = "csrf";

    public static final String CSRF_HEADER = "X-Csrf-Token";

    /** Where the console's pages find the key a request was authenticated with (a RoutingContext key). */
    public static final String CONTEXT_KEY = "sagewatch.console.key";

    /** With keys off there is no key to derive from: a secret of this process stands in (dev mode, one replica). */
    private static final class Keyless {
        static final byte[] SECRET = new byte[32];

        static {
            new SecureRandom().nextBytes(SECRET);
        }
    }

    private ConsoleSession() {}

    /** The Set-Cookie value that starts a session with {@code key}. */
    public static String cookie(String key) {
        return COOKIE + "=" + key + "; Path=" + PATH + "; HttpOnly; Secure; SameSite=Strict";
    }

    /** The Set-Cookie value that ends it. */
    public static String expired() {
        return COOKIE + "=; Path=" + PATH + "; Max-Age=0; HttpOnly; Secure; SameSite=Strict";
    }

    /** The CSRF token of a session (null key: keys are off). */
    public static String csrfToken(String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            byte[] secret = key == null ? Keyless.SECRET : ApiKeys.sha256(key);
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] token = mac.doFinal("sagewatch console csrf".getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    public static boolean csrfValid(String key, String presented) {
        return presented != null
                && MessageDigest.isEqual(
                        csrfToken(key).getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.UTF_8));
    }
}
