package io.sagewatch.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/** A test of the packaged HTTP server (jar or native executable): the Lambda build serves no plain HTTP. */
@Target(ElementType.TYPE)
@Tag("http")
@Retention(RetentionPolicy.RUNTIME)
@DisabledIfSystemProperty(named = "sagewatch-test.build", matches = "lambda")
public @interface HttpBuild {}
