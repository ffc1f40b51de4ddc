package io.sagewatch.monitor.format;

import java.util.Map;

/**
 * A string feature's {@code string_statistics}.
 *
 * @param categories the categorical buckets (value to count, in the file's order); null for a feature of too many
 *     distinct values, which Model Monitor writes without a distribution
 */
public record StringStatistics(double distinctCount, Map<String, Double> categories) {}
