package io.sagewatch.json;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Replaces Quarkus' default mapper bean with {@link Json#MAPPER}, so that there is one. */
class JsonMapperProducer {

    @Produces
    @Singleton
    ObjectMapper objectMapper() {
        return Json.MAPPER;
    }
}
