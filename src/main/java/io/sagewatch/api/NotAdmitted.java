package io.sagewatch.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The route takes no concurrency slot, and says why (it calls no model, say). See {@link Admitted}. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface NotAdmitted {

    /** Why not. */
    String value();
}
