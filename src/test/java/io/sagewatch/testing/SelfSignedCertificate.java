package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * A certificate for 127.0.0.1 and localhost, made by the JDK's keytool for one test run: the servers' key store, the
 * certificate as PEM (for a Quarkus TLS configuration) and a PKCS12 trust store holding it (for the AWS SDK's).
 */
public final class SelfSignedCertificate {

    public static final String PASSWORD = "sagewatch-test";

    private final Path keyStore;
    private final Path pem;
    private final Path trustStore;

    private SelfSignedCertificate(Path dir) {
        this.keyStore = dir.resolve("server.p12");
        this.pem = dir.resolve("ca.pem");
        this.trustStore = dir.resolve("trust.p12");
    }

    public static SelfSignedCertificate create() throws IOException, InterruptedException {
        SelfSignedCertificate made = new SelfSignedCertificate(Files.createTempDirectory("sagewatch-tls"));
        made.keytool(
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                made.keyStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD);
        made.keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "server",
                "-keystore",
                made.keyStore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                made.pem.toString());
        made.keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "server",
                "-file",
                made.pem.toString(),
                "-keystore",
                made.trustStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD);
        return made;
    }

    public Path pem() {
        return pem;
    }

    public Path trustStore() {
        return trustStore;
    }

    /** A JDK server on a free loopback port: HTTPS with this certificate, or plain HTTP when none is given. */
    public static HttpServer loopbackServer(SelfSignedCertificate certificate) throws IOException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        if (certificate == null) {
            return HttpServer.create(address, 128);
        }
        HttpsServer https = HttpsServer.create(address, 128);
        https.setHttpsConfigurator(certificate.serverConfigurator());
        return https;
    }

    /** The URL of a server made by {@link #loopbackServer}. */
    public static String url(HttpServer server) {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort();
    }

    /** For a JDK HttpsServer serving with this certificate. */
    public HttpsConfigurator serverConfigurator() {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return new HttpsConfigurator(context);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
