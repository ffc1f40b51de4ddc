package io.sagewatch.monitor.format;

import java.util.List;

/** A Model Monitor file that does not validate: every problem found, each naming the field (a JSON path). */
public class InvalidBaselineException extends IllegalArgumentException {

    private final List<String> problems;

    public InvalidBaselineException(String file, List<String> problems) {
        super(file + " is not valid: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
