package io.sagewatch.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** A test of the native Lambda build's {@code function.zip} ({@code -Plambda,native}). */
@Target(ElementType.TYPE)
@Tag("native-lambda")
@Retention(RetentionPolicy.RUNTIME)
@EnabledIfSystemProperty(named = "sagewatch-test.artifact", matches = "native")
@EnabledIfSystemProperty(named = "sagewatch-test.build", matches = "lambda")
public @interface NativeLambdaBuild {}
