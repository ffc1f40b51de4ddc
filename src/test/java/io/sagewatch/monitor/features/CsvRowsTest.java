package io.sagewatch.monitor.features;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.RecordedRows;

import static org.assertj.core.api.Assertions.assertThat;

class CsvRowsTest {

    private final CsvRows rows = new CsvRows(List.of("age", "income", "color"));

    @Test
    void typesEachCellAsModelMonitorDoes() {
        RecordedRows sink = new RecordedRows();
        int count = rows.extract(bytes("42,1.5e3,red\r\n-7,  12 ,\"blue, dark\"\n"), sink);
        assertThat(count).isEqualTo(2);
        assertThat(sink.rows())
                .containsExactly(
                        "age=int:42, income=num:1.5e3, color=str:red",
                        "age=int:-7, income=int:12, color=str:blue, dark");
    }

    @Test
    void shortRowsHaveAbsentColumnsAndLongRowsExtraOnes() {
        RecordedRows sink = new RecordedRows();
        rows.extract(bytes("1,,\n2\n3,4,green,x,y\n\n"), sink);
        assertThat(sink.rows())
                .containsExactly(
                        "age=int:1, income=missing, color=missing",
                        "age=int:2, income=absent, color=absent",
                        "age=int:3, income=int:4, color=str:green, extra=2");
    }

    @Test
    void quotedQuotesAndTextThatLooksAlmostNumeric() {
        RecordedRows sink = new RecordedRows();
        rows.extract(bytes("\"say \"\"hi\"\"\",1e,--\n"), sink);
        assertThat(sink.rows()).containsExactly("age=str:say \"hi\", income=str:1e, color=str:--");
    }

    @Test
    void hugeIntegersAreStillNumbers() {
        RecordedRows sink = new RecordedRows();
        rows.extract(bytes("123456789012345678901234567890,0,0"), sink);
        assertThat(sink.rows().get(0)).startsWith("age=num:123456789012345678901234567890");
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
