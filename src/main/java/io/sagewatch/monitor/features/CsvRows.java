package io.sagewatch.monitor.features;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code text/csv} rows (RFC 4180: quoted fields, doubled quotes, CRLF or LF), one row per line, cells named by
 * position; no header, as SageMaker's CSV serving containers expect.
 */
public final class CsvRows implements RowExtractor {

    private final List<String> columns;

    /** @param columns the feature name of each position; cells beyond them are counted as extra columns */
    public CsvRows(List<String> columns) {
        this.columns = List.copyOf(columns);
    }

    @Override
    public int extract(byte[] payload, FeatureSink sink) {
        String text = new String(payload, StandardCharsets.UTF_8);
        List<String> cells = new ArrayList<>(columns.size() + 1);
        StringBuilder cell = new StringBuilder();
        int rows = 0;
        int i = 0;
        int length = text.length();
        while (i < length) {
            cells.clear();
            boolean lineEnded = false;
            while (!lineEnded) {
                cell.setLength(0);
                if (i < length && text.charAt(i) == '"') {
                    i++;
                    while (i < length) {
                        char c = text.charAt(i++);
                        if (c == '"') {
                            if (i < length && text.charAt(i) == '"') {
                                cell.append('"');
                                i++;
                            } else {
                                break;
                            }
                        } else {
                            cell.append(c);
                        }
                    }
                }
                while (i < length && text.charAt(i) != ',' && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
                    cell.append(text.charAt(i++));
                }
                cells.add(cell.toString());
                if (i < length && text.charAt(i) == ',') {
                    i++;
                } else {
                    if (i < length && text.charAt(i) == '\r') {
                        i++;
                    }
                    if (i < length && text.charAt(i) == '\n') {
                        i++;
                    }
                    lineEnded = true;
                }
            }
            if (cells.size() == 1 && cells.get(0).isBlank()) {
                continue; // an empty line (the last newline, a blank line) is no row
            }
            for (int column = 0; column < columns.size(); column++) {
                if (column < cells.size()) {
                    ScalarValue.put(sink, columns.get(column), cells.get(column));
                } else {
                    sink.absent(columns.get(column));
                }
            }
            sink.extraColumns(Math.max(0, cells.size() - columns.size()));
            sink.endRow();
            rows++;
        }
        return rows;
    }
}
