package io.sagewatch.monitor.features;

/** Puts one textual value (a CSV cell) into a sink as Model Monitor would type it. */
final class ScalarValue {

    private ScalarValue() {}

    static void put(FeatureSink sink, String feature, String raw) {
        String value = raw.strip();
        if (value.isEmpty()) {
            sink.missing(feature);
            return;
        }
        if (looksNumeric(value)) {
            if (isIntegral(value)) {
                try {
                    sink.number(feature, Long.parseLong(value), true, value);
                    return;
                } catch (NumberFormatException tooLong) {
                    // beyond a long: still a number
                }
            }
            try {
                double number = Double.parseDouble(value);
                if (Double.isFinite(number)) {
                    sink.number(feature, number, false, value);
                    return;
                }
            } catch (NumberFormatException notANumber) {
                // "1e", "+-": text
            }
        }
        sink.text(feature, value);
    }

    private static boolean looksNumeric(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIntegral(String value) {
        int start = value.charAt(0) == '-' || value.charAt(0) == '+' ? 1 : 0;
        if (start == value.length()) {
            return false;
        }
        for (int i = start; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
