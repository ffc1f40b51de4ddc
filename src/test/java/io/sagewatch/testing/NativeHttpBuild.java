package io.sagewatch.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A black-box suite run against the native executable of the HTTP build ({@code -Pnative}). Its JVM twin (the
 * {@code @QuarkusTest} it extends) already runs in every build; running it again against the jar would only repeat it.
 */
@Target(ElementType.TYPE)
@Tag("native-http")
@Retention(RetentionPolicy.RUNTIME)
@EnabledIfSystemProperty(named = "sagewatch-test.artifact", matches = "native")
@DisabledIfSystemProperty(named = "sagewatch-test.build", matches = "lambda")
public @interface NativeHttpBuild {}
