package io.sagewatch.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;

/**
 * The route takes a concurrency slot at the door ({@link AdmissionFilter}), before its body is read: the routes that
 * call a model. Every route says either this or {@link NotAdmitted} (a test enumerates them).
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Admitted {}
