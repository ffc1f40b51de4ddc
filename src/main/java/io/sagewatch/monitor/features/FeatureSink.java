package io.sagewatch.monitor.features;

/** Where an extractor puts the features of each row it reads from a payload. */
public interface FeatureSink {

    /** A number, with its text as the payload had it. */
    void number(String feature, double value, boolean integral, String asText);

    void text(String feature, String value);

    /** The feature's place was there but empty (an empty CSV cell, a JSON null). */
    void missing(String feature);

    /** The feature's place was not there at all (a short CSV row, a JSON pointer to nothing). */
    void absent(String feature);

    /** The row had this many columns beyond the known features (CSV only). */
    void extraColumns(int count);

    /** The row is complete. */
    void endRow();
}
