package io.sagewatch.datacapture;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.arc.Unremovable;
import io.quarkus.runtime.annotations.RegisterForReflection;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Capture files are put without {@code Expect: 100-continue}, which the S3 client adds to every PutObject: for files
 * of a few megabytes at most it only adds a round trip, and the Netty client sometimes takes the interim 100 for the
 * answer and fails the put ("Status Code: 100", aws-sdk-java-v2#1969; seen against moto in CI). The SDK's own switch
 * (S3Configuration.expectContinueEnabled) comes after the version the Quarkiverse extension brings. Registered with
 * {@code quarkus.s3.interceptors}; runs after the S3 client's own interceptors.
 */
@ApplicationScoped
@Unremovable
@RegisterForReflection
public class NoExpectContinue implements ExecutionInterceptor {

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        return request.firstMatchingHeader("Expect").isPresent()
                ? request.toBuilder().removeHeader("Expect").build()
                : request;
    }
}
